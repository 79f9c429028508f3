"""The real binary end to end: import while serving, restart, export round-trip, transports.

What a user does with `cairn serve` + `cairn zone import/export` + dig, checked from outside.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.zone
import pytest

import harness

ZONE = "diff.example."
FIXTURE = harness.FIXTURES / "differential.zone"


def a_records(server, name: str, **kw) -> set[str]:
    r = harness.query(server, name, "A", **kw)
    return {rd.address for rrset in r.answer if rrset.rdtype == 1 for rd in rrset}


def wait_for(pred, timeout: float, step: float = 0.02):
    """Poll `pred` until true; return the seconds it took (or raise)."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(step)


def zone_rrs(text_or_path, origin=ZONE) -> set:
    if isinstance(text_or_path, Path):
        z = dns.zone.from_file(str(text_or_path), origin=origin, relativize=False)
    else:
        z = dns.zone.from_text(text_or_path, origin=origin, relativize=False)
    out = set()
    for name, rdataset in z.iterate_rdatasets():
        for rd in rdataset:
            out.add((name.to_text().lower(), rdataset.rdtype, rdataset.ttl, rd.to_digestable()))
    return out


def small_zone(tmp_path: Path, address: str, serial: int = 1) -> Path:
    p = tmp_path / f"small-{serial}.zone"
    p.write_text(f"$ORIGIN live.example.\n$TTL 60\n"
                 f"@ IN SOA ns1 hostmaster {serial} 7200 900 1209600 60\n"
                 f"@ NS ns1\nns1 A 192.0.2.53\nwww A {address}\n")
    return p


def test_import_while_serving_is_picked_up_within_a_second(cairn_server, cairn_import, tmp_path):
    srv = cairn_server()
    # Before the import the name is in no zone: REFUSED.
    r = harness.query(srv.addr, "www.live.example.", "A")
    assert r.rcode() == dns.rcode.REFUSED
    cairn_import(srv, small_zone(tmp_path, "192.0.2.10", 1), "live.example")
    took = wait_for(lambda: a_records(srv.addr, "www.live.example.") == {"192.0.2.10"}, 5)
    print(f"new zone served {took:.3f}s after the import returned")
    assert took <= 1.5, f"new zone served only after {took:.2f}s (contract: within 1 s)"
    # Replacing the zone replaces its records.
    cairn_import(srv, small_zone(tmp_path, "192.0.2.20", 2), "live.example")
    took = wait_for(lambda: a_records(srv.addr, "www.live.example.") == {"192.0.2.20"}, 5)
    print(f"replaced zone served {took:.3f}s after the import returned")
    assert took <= 1.5, f"change served only after {took:.2f}s (contract: within 1 s)"
    soa = harness.query(srv.addr, "live.example.", "SOA").answer[0][0]
    assert soa.serial >= 2


def test_bad_zone_file_is_refused_whole(cairn_server, cairn_import, tmp_path):
    srv = cairn_server(zones={"live.example": small_zone(tmp_path, "192.0.2.10")})
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN live.example.\n$TTL 60\n"
                   "@ IN SOA ns1 hostmaster 3 7200 900 1209600 60\n"
                   "@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.99\n"
                   "broken A 300.1.2.3\n")
    res = cairn_import(srv, bad, "live.example", check=False)
    assert res.returncode != 0, res
    err = res.stderr + res.stdout
    assert "bad.zone:7" in err, f"error should name file:line, got:\n{err}"
    time.sleep(1.2)  # longer than the change-feed tick: nothing may have changed
    assert a_records(srv.addr, "www.live.example.") == {"192.0.2.10"}


def test_restart_after_kill_keeps_zones(cairn_server, tmp_path):
    srv = cairn_server(zones={ZONE: FIXTURE})
    assert a_records(srv.addr, "www." + ZONE) == {"192.0.2.80", "192.0.2.81"}
    os.kill(srv.pid, signal.SIGKILL)  # our own process, by PID
    srv.proc.wait(5)
    again = cairn_server(data_dir=srv.workdir)
    harness.wait_answers(again.addr, ZONE, 10, again.proc)
    assert a_records(again.addr, "www." + ZONE) == {"192.0.2.80", "192.0.2.81"}


def test_sigterm_stops_promptly_and_cleanly(cairn_server):
    srv = cairn_server(zones={ZONE: FIXTURE})
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    rc = srv.proc.wait(10)
    assert rc == 0, f"exit status {rc} after SIGTERM"
    assert time.monotonic() - t0 < 5


def test_export_round_trips(tmp_path):
    harness.require_cairn()
    d1, d2 = tmp_path / "one", tmp_path / "two"
    harness.import_zone(d1, FIXTURE, ZONE)
    exported = harness.export_zone(d1, ZONE).stdout
    assert zone_rrs(exported) == zone_rrs(FIXTURE), "export differs from the imported file"
    f = tmp_path / "exported.zone"
    f.write_text(exported)
    harness.import_zone(d2, f, ZONE)
    again = harness.export_zone(d2, ZONE).stdout
    assert zone_rrs(again) == zone_rrs(FIXTURE)
    assert again == exported, "export of an imported export is not identical"


def test_ipv4_and_ipv6_udp_and_tcp(cairn_server):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("::1 not available")
    srv = cairn_server(zones={ZONE: FIXTURE}, dns_listen=["127.0.0.1:0", "[::1]:0"])
    assert len(srv.dns) == 2, srv.extra["ready"]
    for addr in srv.dns:
        for tcp in (False, True):
            assert a_records(addr, "wWw." + ZONE, tcp=tcp) == {"192.0.2.80", "192.0.2.81"}, (addr, tcp)


def test_tcp_pipelined_queries_on_one_connection(cairn_server):
    srv = cairn_server(zones={ZONE: FIXTURE})
    names = ["www", "mail", "ns1", "big", "nx", "c1", "x.wild", "host.sub", "bigtxt", "@"]
    wires = [harness.make_query(harness_name(n), "TXT" if n == "bigtxt" else "A", qid=1000 + i)
             for i, n in enumerate(names)]
    replies = [dns.message.from_wire(w) for w in harness.send_tcp(srv.addr, wires, timeout=5)]
    assert sorted(r.id for r in replies) == [1000 + i for i in range(len(names))]
    by_id = {r.id: r for r in replies}
    big = by_id[1000 + names.index("big")]
    assert not big.flags & dns.flags.TC and sum(len(rs) for rs in big.answer) == 40
    bigtxt = by_id[1000 + names.index("bigtxt")]
    assert not bigtxt.flags & dns.flags.TC and sum(len(rs) for rs in bigtxt.answer) == 12


def test_tcp_idle_connection_is_closed(cairn_server):
    """RFC 7766 6.2.3: the server closes idle connections (we wait at most 20 s)."""
    srv = cairn_server(zones={ZONE: FIXTURE})
    with socket.create_connection(srv.addr, timeout=25) as s:
        t0 = time.monotonic()
        data = s.recv(1)
        assert data == b"", "server sent data on an idle connection"
        print(f"idle TCP connection closed after {time.monotonic() - t0:.1f}s")


def harness_name(n: str) -> str:
    return ZONE if n == "@" else f"{n}.{ZONE}"


@pytest.mark.parametrize("tool", ["dig", "kdig"])
def test_dig_and_kdig_see_the_zone(cairn_server, tool):
    if not shutil.which(tool):
        if os.environ.get("CI"):
            pytest.fail(f"{tool} not installed")
        pytest.skip(f"{tool} not installed")
    srv = cairn_server(zones={ZONE: FIXTURE})
    host, port = srv.addr
    out = subprocess.run([tool, f"@{host}", "-p", str(port), "+short", "+norec", "www." + ZONE, "A"],
                         capture_output=True, text=True, timeout=20).stdout.split()
    assert sorted(out) == ["192.0.2.80", "192.0.2.81"]
    out = subprocess.run([tool, f"@{host}", "-p", str(port), "+tcp", "+norec", "nx." + ZONE, "A"],
                         capture_output=True, text=True, timeout=20).stdout
    assert "NXDOMAIN" in out, out
