#!/usr/bin/env python3
"""Route 53 API benchmarks against a real `cairn serve`, driven with boto3.

    .venv/bin/python bench/api_route53.py [--records 100000] [--batches 10] [--changes 1000]
                                          [--propagation 200]

1. Setup: bench/gen_zone.py writes a zone of --records records (bench.example.); it is loaded
   with `cairn zone import` into a fresh data dir, then `cairn serve` starts on free ports
   (API and DNS on loopback, default workers).
2. Large batches: --batches rounds of one ChangeResourceRecordSets with --changes CREATEs of
   new A record sets, then one with --changes DELETEs of the same sets (the zone stays at its
   size). For each call: the HTTP round trip (boto3 call, request to parsed 200), the time
   until GetChange says INSYNC, and the time until the last record of the batch is answered
   over DNS (polled from the same client).
3. Propagation: --propagation sequential single-record CREATEs; for each, the time from the
   API's 200 (boto3 returning) until the new name is answered over UDP DNS, polled in a tight
   loop (no sleep, 5 s cap per record). Median, p90, p99 and max.

Cairn and the client share the machine's cores; nothing is pinned. The zone and the results
(api_route53.json) go to bench/out/api/ (not bench/out/, which dns_vs_knot.py uses).
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

import boto3  # noqa: E402
import dns.message  # noqa: E402
from botocore.config import Config  # noqa: E402

import harness  # noqa: E402
from gen_zone import ZONE, generate  # noqa: E402


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def summary(values_s: list[float]) -> dict:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p90_ms": round(pct(ms, 90), 2),
            "p99_ms": round(pct(ms, 99), 2), "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2)}


class Prober:
    """Asks one name over UDP until it is answered (NOERROR with an answer)."""

    def __init__(self, server):
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(0.5)
        self.qid = 0

    def answered(self, name: str) -> bool:
        self.qid = (self.qid + 1) & 0xFFFF
        q = dns.message.make_query(name, "A")
        q.id = self.qid
        q.flags = 0
        self.sock.sendto(q.to_wire(), self.server)
        while True:
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                return False
            if data[:2] == q.to_wire()[:2]:
                r = dns.message.from_wire(data)
                return r.rcode() == 0 and bool(r.answer)

    def wait(self, name: str, cap: float = 5.0) -> float:
        t0 = time.monotonic()
        while not self.answered(name):
            if time.monotonic() - t0 > cap:
                raise TimeoutError(f"{name} not served within {cap}s")
        return time.monotonic()


def wait_insync(r53, change_id: str, cap: float = 60.0) -> float:
    t0 = time.monotonic()
    while r53.get_change(Id=change_id)["ChangeInfo"]["Status"] != "INSYNC":
        if time.monotonic() - t0 > cap:
            raise TimeoutError(f"{change_id} not INSYNC within {cap}s")
        time.sleep(0.001)
    return time.monotonic()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--propagation", type=int, default=200)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "api")
    args = ap.parse_args()
    binary = harness.cairn_bin()
    if not binary.exists():
        sys.exit(f"{binary} not built: cargo build --release -p cairn")

    info = generate(args.out, args.records, 10, seed=1)
    zone_file = args.out / "bench.example.zone"
    work = Path(tempfile.mkdtemp(prefix="cairn-api-bench-"))
    data_dir = work / "cairn"
    t0 = time.monotonic()
    harness.import_zone(data_dir, zone_file, ZONE.rstrip("."), timeout=600)
    import_s = time.monotonic() - t0
    srv = harness.start_cairn(data_dir, timeout=120)
    results: dict = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(),
                     "cpus": len(__import__("os").sched_getaffinity(0)), "zone_records": info,
                     "import_s": round(import_s, 2)}
    try:
        harness.wait_answers(srv.addr, ZONE, 120, srv.proc)
        host, port = srv.api
        r53 = boto3.client("route53", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                           aws_access_key_id=harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
                           aws_secret_access_key=harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
                           config=Config(retries={"max_attempts": 1}, read_timeout=300))
        zone = r53.list_hosted_zones_by_name(DNSName=ZONE, MaxItems="1")["HostedZones"][0]
        zone_id = zone["Id"]
        results["zone_record_sets"] = zone["ResourceRecordSetCount"]
        print(f"zone {ZONE} {zone_id}: {zone['ResourceRecordSetCount']} record sets (import {import_s:.1f}s)")
        prober = Prober(srv.addr)

        # 2. Large batches.
        rounds = {"CREATE": {"api": [], "insync": [], "served": []}, "DELETE": {"api": [], "insync": [], "served": []}}
        for b in range(args.batches):
            tag = uuid.uuid4().hex[:6]
            sets = [{"Name": f"bulk-{tag}-{i}.{ZONE}", "Type": "A", "TTL": 60,
                     "ResourceRecords": [{"Value": f"10.{b % 250}.{i // 250}.{i % 250}"}]}
                    for i in range(args.changes)]
            for action in ("CREATE", "DELETE"):
                batch = {"Changes": [{"Action": action, "ResourceRecordSet": s} for s in sets]}
                start = time.monotonic()
                resp = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
                ok = time.monotonic()
                insync = wait_insync(r53, resp["ChangeInfo"]["Id"])
                last = sets[-1]["Name"]
                if action == "CREATE":
                    served = prober.wait(last)
                else:
                    while prober.answered(last):
                        if time.monotonic() - ok > 5:
                            raise TimeoutError(f"{last} still served 5 s after its DELETE")
                    served = time.monotonic()
                rounds[action]["api"].append(ok - start)
                rounds[action]["insync"].append(insync - start)
                rounds[action]["served"].append(served - start)
                print(f"batch {b} {action} x{args.changes}: 200 after {(ok - start) * 1000:.0f} ms, INSYNC "
                      f"{(insync - start) * 1000:.0f} ms, DNS {(served - start) * 1000:.0f} ms")
        results["batches"] = {a: {k: summary(v) for k, v in r.items()} for a, r in rounds.items()}
        results["batches"]["changes_per_batch"] = args.changes

        # 3. Propagation of single changes.
        to_served, api = [], []
        tag = uuid.uuid4().hex[:6]
        for i in range(args.propagation):
            name = f"prop-{tag}-{i}.{ZONE}"
            start = time.monotonic()
            r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
                "Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                          "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
            ok = time.monotonic()
            served = prober.wait(name)
            api.append(ok - start)
            to_served.append(served - ok)
        results["propagation"] = {"api_200": summary(api), "200_to_served": summary(to_served)}
        print("single-change API round trip:", results["propagation"]["api_200"])
        print("API 200 -> served over DNS:  ", results["propagation"]["200_to_served"])
        rss = {}
        for line in Path(f"/proc/{srv.pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS", "VmHWM")):
                k, v = line.split(":")
                rss[k] = v.strip()
        results["cairn_memory"] = rss
    finally:
        srv.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "api_route53.json").write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))
    subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
