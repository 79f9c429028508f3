"""Secondaries (issue 15): a Knot secondary and a BIND secondary with Cairn as their primary.

Cairn runs with `--allow-transfer 127.0.0.1/32`, two TSIG keys (hmac-sha256 for Knot,
hmac-sha512 for BIND) and `--notify` to both. A zone made through boto3 reaches both
secondaries by AXFR; a change and a delete reach them by NOTIFY then IXFR. Every secondary
answer is polled with kdig/dig (bound 5 s); how long convergence took is printed, not
asserted. The refusals are checked with dig and kdig: no TSIG, a source outside the allowed
network, an unknown key (NOTAUTH, BADKEY).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import harness
import peers

boto3 = pytest.importorskip("boto3")

ZONE = "xfr.example"
SECRET_256 = base64.b64encode(b"knot-secondary-secret-0123456789").decode()
SECRET_512 = base64.b64encode(b"bind-secondary-secret-0123456789" * 2).decode()
CONVERGE = 5.0  # seconds a secondary gets to catch up


def _tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if path is None:
        msg = f"{name} not installed; ./run-tests installs it"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def start_knot_secondary(workdir: Path, port: int, primary: tuple[str, int]) -> harness.Server:
    """knotd as a secondary of `primary` for ZONE, transferring with the hmac-sha256 key and
    taking NOTIFY signed with it."""
    knotd = _tool("knotd")
    workdir.mkdir(parents=True, exist_ok=True)
    user = "    user: root:root\n" if os.geteuid() == 0 else ""
    conf = workdir / "knot.conf"
    conf.write_text(f"""\
server:
    rundir: "{workdir}"
    listen: 127.0.0.1@{port}
    background-workers: 1
{user}
database:
    storage: "{workdir}/db"
log:
  - target: stderr
    any: info
control:
    listen: "{workdir}/knot.sock"
key:
  - id: k256
    algorithm: hmac-sha256
    secret: {SECRET_256}
remote:
  - id: cairn
    address: {primary[0]}@{primary[1]}
    key: k256
acl:
  - id: notify_from_cairn
    address: 127.0.0.1
    key: k256
    action: notify
zone:
  - domain: {ZONE}.
    storage: "{workdir}"
    file: "{ZONE}.zone"
    master: cairn
    acl: notify_from_cairn
    zonefile-sync: -1
    semantic-checks: off
""")
    log = workdir / "knotd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([knotd, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    return harness.Server("knot-secondary", proc, [("127.0.0.1", port)], workdir, log)


def start_bind_secondary(workdir: Path, port: int, primary: tuple[str, int]) -> harness.Server:
    """named as a secondary of `primary` for ZONE, with the hmac-sha512 key."""
    named = _tool("named")
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "named.conf"
    conf.write_text(f"""\
options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    transfer-source 127.0.0.1;
    notify-source 127.0.0.1;
}};
controls {{ }};
key "k512" {{ algorithm hmac-sha512; secret "{SECRET_512}"; }};
zone "{ZONE}" {{
    type secondary;
    primaries port {primary[1]} {{ {primary[0]} key "k512"; }};
    file "{workdir}/{ZONE}.db";
    allow-notify {{ 127.0.0.1; }};
}};
""")
    log = workdir / "named.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([named, "-g", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    return harness.Server("bind-secondary", proc, [("127.0.0.1", port)], workdir, log)


def kdig(server: tuple[str, int], *args: str, timeout: float = 3.0) -> str:
    res = subprocess.run([_tool("kdig"), f"@{server[0]}", "-p", str(server[1]), *args],
                         capture_output=True, text=True, timeout=timeout + 2)
    return res.stdout + res.stderr


def dig(server: tuple[str, int], *args: str, timeout: float = 3.0) -> str:
    res = subprocess.run([_tool("dig"), f"@{server[0]}", "-p", str(server[1]), "+tries=1",
                          f"+time={int(timeout)}", *args],
                         capture_output=True, text=True, timeout=timeout + 2)
    return res.stdout + res.stderr


def short(server: tuple[str, int], name: str, rtype: str) -> list[str]:
    out = dig(server, "+short", "+norecurse", name, rtype, timeout=1)
    return sorted(line for line in out.splitlines() if line and not line.startswith(";"))


def converge(secondaries: dict[str, harness.Server], name: str, rtype: str, want: list[str],
             since: float, bound: float = CONVERGE) -> dict[str, float]:
    """Polls each secondary until `name rtype` is `want`; returns the seconds each took."""
    took = {}
    deadline = since + bound
    for label, srv in secondaries.items():
        while True:
            got = short(srv.addr, name, rtype)
            if got == sorted(want):
                took[label] = time.monotonic() - since
                break
            if time.monotonic() > deadline or srv.proc.poll() is not None:
                raise AssertionError(f"{label} did not converge on {name} {rtype} = {want} within "
                                     f"{bound}s (has {got}):\n{srv.log()[-3000:]}")
            time.sleep(0.02)
    return took


def upsert(r53, zone_id: str, name: str, rtype: str, values: list[str], action: str = "UPSERT"):
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": action,
        "ResourceRecordSet": {"Name": name, "Type": rtype, "TTL": 60,
                              "ResourceRecords": [{"Value": v} for v in values]},
    }]})
    return change


def soa_serial(server: tuple[str, int]) -> int:
    out = short(server, ZONE + ".", "SOA")
    assert out, f"no SOA from {server}"
    return int(out[0].split()[2])


@pytest.fixture
def lab(cairn_server, tmp_path, request):
    _tool("knotd"), _tool("named"), _tool("kdig"), _tool("dig")
    knot_port = harness.free_port()
    bind_port = harness.free_port()
    srv = cairn_server(extra_args=[
        "--allow-transfer", "127.0.0.1/32",
        "--tsig-key", f"k256:hmac-sha256:{SECRET_256}",
        "--tsig-key", f"k512:hmac-sha512:{SECRET_512}",
        "--notify", f"127.0.0.1:{knot_port}/k256",
        "--notify", f"127.0.0.1:{bind_port}/k512",
    ])
    r53 = harness.route53_client(srv)
    zone = r53.create_hosted_zone(Name=ZONE, CallerReference=str(uuid.uuid4()))["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    harness.wait_insync(r53, upsert(r53, zone_id, f"www.{ZONE}.", "A", ["192.0.2.1"]))
    upsert(r53, zone_id, f"gone.{ZONE}.", "TXT", ['"to be deleted"'])
    secondaries = {}
    try:
        secondaries["knot"] = start_knot_secondary(tmp_path / "knot", knot_port, srv.addr)
        secondaries["bind"] = start_bind_secondary(tmp_path / "bind", bind_port, srv.addr)
        yield srv, r53, zone_id, secondaries
    finally:
        failed = getattr(request.node, "rep_call", None)
        for sec in secondaries.values():
            sec.stop()
            if failed is not None and failed.failed:
                harness.dump_log(sec, "test failed")


def test_knot_and_bind_follow_cairn_by_axfr_notify_and_ixfr(lab):
    srv, r53, zone_id, secondaries = lab
    started = time.monotonic()
    # First load: AXFR (the secondaries start empty; BIND staggers its first refreshes).
    took = converge(secondaries, f"www.{ZONE}.", "A", ["192.0.2.1"], started, bound=20)
    converge(secondaries, f"gone.{ZONE}.", "TXT", ['"to be deleted"'], started, bound=20)
    print(f"\ninitial AXFR: {', '.join(f'{k} {v:.3f}s' for k, v in took.items())} after start")
    serial = soa_serial(srv.addr)
    for label, sec in secondaries.items():
        assert soa_serial(sec.addr) == serial, label

    # A change: NOTIFY, then IXFR.
    changed = time.monotonic()
    upsert(r53, zone_id, f"www.{ZONE}.", "A", ["192.0.2.7", "192.0.2.8"])
    took = converge(secondaries, f"www.{ZONE}.", "A", ["192.0.2.7", "192.0.2.8"], changed)
    print(f"change -> answered by: {', '.join(f'{k} {v * 1000:.0f} ms' for k, v in took.items())}")
    new_serial = soa_serial(srv.addr)
    assert new_serial > serial, "the serial moves with every change"
    for label, sec in secondaries.items():
        assert soa_serial(sec.addr) == new_serial, label

    # A delete.
    deleted = time.monotonic()
    upsert(r53, zone_id, f"gone.{ZONE}.", "TXT", ['"to be deleted"'], action="DELETE")
    took = converge(secondaries, f"gone.{ZONE}.", "TXT", [], deleted)
    print(f"delete -> gone from: {', '.join(f'{k} {v * 1000:.0f} ms' for k, v in took.items())}")
    for label, sec in secondaries.items():
        status = dig(sec.addr, "+norecurse", f"gone.{ZONE}.", "TXT")
        assert "status: NXDOMAIN" in status, (label, status)

    # The later transfers were incremental: Cairn answered IXFR from its journal (its log
    # says kind="ixfr" per answer), and Knot says it took an IXFR.
    ixfrs = srv.log().count('"ixfr"')
    print(f"IXFR answers from the journal: {ixfrs}")
    assert ixfrs >= 2, srv.log()[-3000:]
    assert "IXFR, incoming" in secondaries["knot"].log(), secondaries["knot"].log()[-3000:]


def test_transfers_without_a_key_from_elsewhere_or_with_an_unknown_key_are_refused(lab):
    srv, _, _, _ = lab
    # No TSIG while keys are configured: REFUSED.
    out = dig(srv.addr, f"{ZONE}.", "AXFR")
    assert "Transfer failed" in out or "REFUSED" in out, out
    # The right key from a source outside --allow-transfer (127.0.0.2): REFUSED, signed.
    out = kdig(srv.addr, "-b", "127.0.0.2", "-y", f"hmac-sha256:k256:{SECRET_256}", f"{ZONE}.", "AXFR")
    assert "REFUSED" in out, out
    # An unknown key: NOTAUTH with BADKEY (RFC 8945 §5.2).
    stranger = base64.b64encode(b"nobody-knows-this-key").decode()
    out = dig(srv.addr, "-y", f"hmac-sha256:stranger:{stranger}", f"{ZONE}.", "AXFR")
    assert "BADKEY" in out or "NOTAUTH" in out, out
    out = kdig(srv.addr, "-y", f"hmac-sha256:stranger:{stranger}", f"www.{ZONE}.", "A")
    # kdig shows the TSIG error as the status ("status: BADKEY") and the record's error field.
    assert "status: BADKEY" in out and "TSIG" in out, out
    # The right key: the whole zone, signed.
    out = kdig(srv.addr, "-y", f"hmac-sha512:k512:{SECRET_512}", f"{ZONE}.", "AXFR")
    assert f"www.{ZONE}." in out and "SOA" in out and "TSIG" in out, out
    # AXFR over UDP stays REFUSED.
    out = dig(srv.addr, "+notcp", f"{ZONE}.", "AXFR")
    assert "REFUSED" in out or "failed" in out, out
