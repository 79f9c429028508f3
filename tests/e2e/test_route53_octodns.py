"""octoDNS (octodns + octodns-route53) syncing a YAML zone into a real `cairn serve`.

octodns-route53 has no endpoint option of its own; it builds a boto3 client, which reads
AWS_ENDPOINT_URL like every boto3 client. A first `octodns-sync --doit` creates the zone and its
records, a second sync plans no changes, an edit to the YAML is applied as updates and
deletes, and every record is served over DNS.
"""

from __future__ import annotations

import subprocess
import textwrap
import time
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

import harness

SYNC = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "octodns-sync"
ZONE = "octo.example.com"

CONFIG = textwrap.dedent("""\
    providers:
      config:
        class: octodns.provider.yaml.YamlProvider
        directory: ./config
        default_ttl: 3600
      route53:
        class: octodns_route53.Route53Provider
        access_key_id: env/AWS_ACCESS_KEY_ID
        secret_access_key: env/AWS_SECRET_ACCESS_KEY
    zones:
      octo.example.com.:
        sources: [config]
        targets: [route53]
    """)

# octoDNS wants the keys of a zone file in its own sort order.
ZONE_V1 = textwrap.dedent("""\
    ---
    '':
      - type: A
        values: [192.0.2.1, 192.0.2.2]
      - type: MX
        values:
          - exchange: mail.octo.example.com.
            preference: 10
      - ttl: 300
        type: TXT
        values: ["v=spf1 -all", "hello"]
    '*':
      type: A
      value: 192.0.2.9
    _sip._tcp:
      type: SRV
      value: {port: 5060, priority: 10, target: sip.octo.example.com., weight: 20}
    caa:
      type: CAA
      value: {flags: 0, tag: issue, value: ca.example.net}
    dkim._domainkey:
      type: TXT
      value: v=DKIM1\\; k=rsa\\; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuJ6ZkM0oBz1xyq8Jm7AfyV3N2Qq0m0Wn4b4dQ1Z3wqkY1t8lX0k3m1Pq6Hx3h1Qm9y6sZ2YyD2nJq1j6QF7oVfO3j2F5u4v0pN6m1rJg2b0cE8l4Qv3n7sW9y1t6a0dF5g8h2j4k6l8z0x2c4v6b8n0m2q4w6e8r0t2y4u6i8o0p2a4s6d8f0g2h4j6k8l0zAB
    ipv6:
      type: AAAA
      value: 2001:db8::1
    www:
      type: CNAME
      value: octo.example.com.
    """)

ZONE_V2 = textwrap.dedent("""\
    ---
    '':
      - type: A
        values: [192.0.2.3]
      - type: MX
        values:
          - exchange: mail.octo.example.com.
            preference: 10
      - ttl: 300
        type: TXT
        values: ["v=spf1 -all", "hello"]
    '*':
      type: A
      value: 192.0.2.9
    _sip._tcp:
      type: SRV
      value: {port: 5060, priority: 10, target: sip.octo.example.com., weight: 20}
    caa:
      type: CAA
      value: {flags: 0, tag: issue, value: ca.example.net}
    dkim._domainkey:
      type: TXT
      value: v=DKIM1\\; k=rsa\\; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuJ6ZkM0oBz1xyq8Jm7AfyV3N2Qq0m0Wn4b4dQ1Z3wqkY1t8lX0k3m1Pq6Hx3h1Qm9y6sZ2YyD2nJq1j6QF7oVfO3j2F5u4v0pN6m1rJg2b0cE8l4Qv3n7sW9y1t6a0dF5g8h2j4k6l8z0x2c4v6b8n0m2q4w6e8r0t2y4u6i8o0p2a4s6d8f0g2h4j6k8l0zAB
    www:
      ttl: 60
      type: CNAME
      value: octo.example.com.
    """)


def answer(srv, name, rtype):
    r = harness.query(srv.addr, name, rtype, edns=0)
    want = dns.rdatatype.from_text(rtype)
    return r.rcode(), sorted(rd.to_text() for rr in r.answer if rr.rdtype == want for rd in rr)


def test_octodns_sync_then_nothing_to_do(cairn_server, tmp_path):
    if not SYNC.exists():
        pytest.skip(f"{SYNC} not installed (./run-tests installs octodns and octodns-route53 into .venv)")
    srv = cairn_server()
    (tmp_path / "config").mkdir()
    (tmp_path / "octodns.yaml").write_text(CONFIG)
    zone_file = tmp_path / "config" / f"{ZONE}.yaml"
    env = harness.aws_env(srv, tmp_path)

    def sync(*args: str) -> str:
        res = subprocess.run([str(SYNC), "--config-file", "octodns.yaml", *args], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        out = res.stdout + res.stderr
        assert res.returncode == 0, f"octodns-sync {' '.join(args)} exited {res.returncode}\n{out[-6000:]}"
        return out

    def served(name, rtype, want, timeout=5.0):
        deadline = time.monotonic() + timeout
        while (got := answer(srv, name, rtype)) != want:
            assert time.monotonic() < deadline, f"{name} {rtype}: served {got}, want {want}"
            time.sleep(0.05)

    zone_file.write_text(ZONE_V1)
    out = sync("--doit")
    assert "Creates=9, Updates=0, Deletes=0" in out, out[-4000:]
    ok = dns.rcode.NOERROR
    served(ZONE, "A", (ok, ["192.0.2.1", "192.0.2.2"]))
    served(ZONE, "MX", (ok, [f"10 mail.{ZONE}."]))
    served(ZONE, "TXT", (ok, ['"hello"', '"v=spf1 -all"']))
    served(f"anything.{ZONE}", "A", (ok, ["192.0.2.9"]))
    served(f"_sip._tcp.{ZONE}", "SRV", (ok, [f"10 20 5060 sip.{ZONE}."]))
    served(f"caa.{ZONE}", "CAA", (ok, ['0 issue "ca.example.net"']))
    served(f"ipv6.{ZONE}", "AAAA", (ok, ["2001:db8::1"]))
    served(f"www.{ZONE}", "CNAME", (ok, [f"{ZONE}."]))
    # A DKIM key longer than one 255-byte string, with the semicolons octoDNS escapes.
    r = harness.query(srv.addr, f"dkim._domainkey.{ZONE}", "TXT", edns=0)
    strings = [b"".join(rd.strings) for rr in r.answer for rd in rr]
    dkim = [rd.strings for rr in r.answer for rd in rr][0]
    assert len(strings) == 1 and len(dkim) == 2 and all(len(c) <= 255 for c in dkim)
    assert strings[0].startswith(b"v=DKIM1; k=rsa; p=MIIBIjAN") and strings[0].endswith(b"l0zAB")

    # Reading it back, octoDNS finds exactly what it wrote.
    out = sync()
    assert "No changes were planned" in out and "Creates=" not in out, out[-4000:]

    # An edit: one update of values, one of TTL, one delete.
    zone_file.write_text(ZONE_V2)
    out = sync("--doit")
    assert "Creates=0, Updates=2, Deletes=1" in out, out[-4000:]
    served(ZONE, "A", (ok, ["192.0.2.3"]))
    # ipv6 is gone, so the wildcard covers it now: its A, and no AAAA.
    served(f"ipv6.{ZONE}", "AAAA", (ok, []))
    served(f"ipv6.{ZONE}", "A", (ok, ["192.0.2.9"]))
    r = harness.query(srv.addr, f"www.{ZONE}", "CNAME", edns=0)
    assert r.answer[0].ttl == 60
    out = sync()
    assert "No changes were planned" in out, out[-4000:]
