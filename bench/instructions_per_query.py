#!/usr/bin/env python3
"""Instructions per query: where Cairn's authoritative answer path spends its work.

    bench/instructions_per_query.py [--bin PATH ...] [--records 100000] [--queries 20000]

For each binary (default: target/release/cairn), on the bench zone of bench/gen_zone.py:
starts `cairn serve --dns-workers 1` under `valgrind --tool=callgrind --instr-atstart=no`,
waits until it answers, sends the --queries queries once to warm up (as dnsperf's loop over
its file does in bench/dns_vs_knot.py: what a server caches per name is then built),
switches instrumentation on (`callgrind_control -i on`), sends the same queries again with
dnsperf (at most 20 outstanding, so nothing times out under valgrind's slowdown), switches it
off and dumps. Prints the
instructions (Ir) per completed query and the functions with the most Ir per query.

Why instructions and not seconds: callgrind's counts repeat exactly for the same binary and
inputs whatever else the machine does, so two builds can be compared to well under 1 %
on a busy two-core machine, where a timed run (bench/dns_vs_knot.py) wanders by 3-5 %.
It says nothing of cache misses or syscalls' cost; dns_vs_knot.py stays the ranking figure.
Needs valgrind and dnsperf (Debian packages).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from gen_zone import ZONE, generate  # noqa: E402


def dnsperf(addr, queries: Path, count_file_passes: int = 1) -> int:
    """Sends every query in `queries` once; returns the completed count."""
    out = subprocess.run(
        ["dnsperf", "-s", addr[0], "-p", str(addr[1]), "-d", str(queries), "-n", str(count_file_passes),
         "-c", "1", "-q", "20", "-t", "30"],
        capture_output=True, text=True, timeout=3600, check=True).stdout
    m = re.search(r"Queries completed:\s+(\d+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    if lost and int(lost.group(1)):
        print(f"warning: {lost.group(1)} queries lost", file=sys.stderr)
    return int(m.group(1))


def measure(binary: Path, data: Path, warm: Path, queries: Path, out_dir: Path, tag: str) -> dict:
    ready = out_dir / f"{tag}.ready.json"
    ready.unlink(missing_ok=True)
    cg_out = out_dir / f"callgrind.{tag}.out"
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={cg_out}",
           str(binary), "serve", "--data-dir", str(data), "--api-listen", "127.0.0.1:0",
           "--ready-file", str(ready), "--dns-listen", "127.0.0.1:0", "--dns-workers", "1"]
    log = open(out_dir / f"{tag}.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=harness.cairn_env())
    try:
        deadline = time.monotonic() + 600
        while not ready.exists() or not ready.read_text().strip().endswith("}"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{binary} did not start; see {out_dir / (tag + '.log')}")
            time.sleep(0.5)
        addr = harness.split_hostport(json.loads(ready.read_text())["dns"][0])
        harness.wait_answers(addr, ZONE, 600, proc)
        dnsperf(addr, warm)
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True,
                       capture_output=True)
        done = dnsperf(addr, queries)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True,
                       capture_output=True)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    dumps = sorted(out_dir.glob(f"callgrind.{tag}.out*"))
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=no", str(dumps[-1])],
                              capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", annotate).group(1).replace(",", ""))
    top = []
    for line in annotate.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*)", line)
        if m and "PROGRAM TOTALS" not in line:
            top.append((int(m.group(1).replace(",", "")) / done, m.group(2)[:110]))
    return {"binary": str(binary), "queries": done, "ir_total": total,
            "ir_per_query": total / done, "top": top[:25], "callgrind_file": str(dumps[-1])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", action="append", type=Path, help="cairn binary (repeatable)")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=20_000)
    p.add_argument("--out", type=Path, default=HERE / "out" / "ipq")
    args = p.parse_args()
    binaries = args.bin or [REPO / "target" / "release" / "cairn"]
    args.out.mkdir(parents=True, exist_ok=True)
    info = generate(args.out, args.records, args.queries, seed=1)
    warm = queries = Path(info["queries"])
    results = []
    for i, binary in enumerate(binaries):
        with tempfile.TemporaryDirectory(prefix="cairn-ipq-") as tmp:
            data = Path(tmp) / "data"
            os.environ["CAIRN_BIN"] = str(binary)  # each binary imports its own store
            harness.cairn("zone", "import", str(info["zone"]), "--name", ZONE, "--data-dir", str(data),
                          timeout=600)
            results.append(measure(binary, data, warm, queries, args.out, f"b{i}"))
    for r in results:
        print(f"\n{r['binary']}: {r['ir_per_query']:.0f} instructions per query "
              f"({r['queries']} queries; {r['callgrind_file']})")
        for ir, fn in r["top"][:15]:
            print(f"  {ir:8.0f}  {fn}")
    if len(results) > 1:
        base = results[0]["ir_per_query"]
        for r in results[1:]:
            print(f"\n{r['binary']} / {results[0]['binary']}: {r['ir_per_query'] / base:.3f}")
    (args.out / "result.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
