"""A zone signed through Route 53's API (issue 18), checked by real validators.

The zone gets a KSK on a Cairn KMS key and EnableHostedZoneDNSSEC; then BIND's `delv`, with
the KSK's DNSKEY (GetDNSSEC's `DNSKEYRecord`) as its only trust anchor, must call Cairn's
answers "fully validated", and an Unbound that knows the zone only as a stub zone with
GetDNSSEC's `DSRecord` as trust anchor must set AD. Each peer is skipped only where it is not
installed.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest

import harness
import peers

boto3 = pytest.importorskip("boto3")
dns = pytest.importorskip("dns")
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

ZONE = "signed-validate.test."


@pytest.fixture
def signed(cairn_server):
    """A running Cairn serving ZONE signed, and its KSK as GetDNSSEC shows it."""
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    kms = harness.route53_client(srv, "kms")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"www.{ZONE}", "Type": "A", "TTL": 300,
                                                   "ResourceRecords": [{"Value": "192.0.2.10"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"*.wild.{ZONE}", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": '"wild"'}]}},
    ]
    harness.wait_insync(r53, r53.change_resource_record_sets(HostedZoneId=zone_id,
                                                             ChangeBatch={"Changes": changes}))
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    r53.create_key_signing_key(CallerReference=uuid.uuid4().hex, HostedZoneId=zone_id,
                               KeyManagementServiceArn=arn, Name="ksk", Status="ACTIVE")
    harness.wait_insync(r53, r53.enable_hosted_zone_dnssec(HostedZoneId=zone_id))
    [ksk] = r53.get_dnssec(HostedZoneId=zone_id)["KeySigningKeys"]
    return srv, ksk


def delv(srv, anchor, name, qtype):
    host, port = srv.addr
    out = subprocess.run(["delv", f"@{host}", "-p", str(port), "-a", str(anchor), f"+root={ZONE}",
                          name, qtype], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def test_delv_validates_the_signed_zone(signed, tmp_path):
    if shutil.which("delv") is None:
        pytest.skip("delv (bind9-dnsutils) is not installed")
    srv, ksk = signed
    flags, protocol, algorithm, key = ksk["DNSKEYRecord"].split(" ", 3)
    anchor = tmp_path / "anchor.conf"
    anchor.write_text(f'trust-anchors {{ {ZONE} static-key {flags} {protocol} {algorithm} "{key}"; }};\n')
    for name, qtype in [(f"www.{ZONE}", "A"), (ZONE, "SOA"), (ZONE, "DNSKEY"), (f"x.wild.{ZONE}", "TXT")]:
        out = delv(srv, anchor, name, qtype)
        assert "; fully validated" in out, f"{name} {qtype}:\n{out}"
    # Denial (Route 53's NSEC black lies): a missing name and a missing type, both NODATA.
    for name, qtype in [(f"nothing.{ZONE}", "A"), (f"www.{ZONE}", "AAAA")]:
        out = delv(srv, anchor, name, qtype)
        assert "; negative response, fully validated" in out, f"{name} {qtype}:\n{out}"


def test_unbound_validates_with_the_ds_as_trust_anchor(signed, tmp_path):
    binary = peers.unbound_path()
    if binary is None:
        pytest.skip("unbound is not installed")
    srv, ksk = signed
    host, port = srv.addr
    unbound_port = harness.free_port("127.0.0.1")
    conf = tmp_path / "unbound.conf"
    conf.write_text("\n".join([
        "server:",
        f"    interface: 127.0.0.1@{unbound_port}",
        f"    port: {unbound_port}",
        "    do-daemonize: no",
        '    username: ""',
        '    chroot: ""',
        f'    directory: "{tmp_path}"',
        f'    pidfile: "{tmp_path}/unbound.pid"',
        "    use-syslog: no",
        '    logfile: ""',
        "    verbosity: 1",
        "    do-ip6: no",
        "    do-not-query-localhost: no",
        '    module-config: "validator iterator"',
        "    access-control: 127.0.0.0/8 allow",
        # Unbound answers the RFC 6761 name test. itself unless told not to.
        '    local-zone: "test." nodefault',
        f'    trust-anchor: "{ZONE} DS {ksk["DSRecord"]}"',
        "stub-zone:",
        f'    name: "{ZONE}"',
        f"    stub-addr: {host}@{port}",
        "remote-control:",
        "    control-enable: no",
    ]) + "\n")
    log = tmp_path / "unbound.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    unbound = harness.Server("unbound", proc, [("127.0.0.1", unbound_port)], tmp_path, log)
    try:
        def ask(name, qtype):
            q = dns.message.make_query(name, qtype, want_dnssec=True)
            return dns.query.udp(q, "127.0.0.1", port=unbound_port, timeout=5.0)

        harness.wait_for(lambda: _answer_to(ask), lambda r: r is not None and r.rcode() == dns.rcode.NOERROR)
        answer = ask(f"www.{ZONE}", "A")
        assert answer.rcode() == dns.rcode.NOERROR, answer
        assert answer.flags & dns.flags.AD, answer
        assert "192.0.2.10" in str(answer.answer[0]), answer
        nodata = ask(f"www.{ZONE}", "MX")
        assert nodata.rcode() == dns.rcode.NOERROR and nodata.flags & dns.flags.AD, nodata
        assert nodata.answer == [], nodata
    finally:
        unbound.stop()


def _answer_to(ask):
    """The zone's SOA answer through Unbound; `None` while it is not listening yet."""
    try:
        return ask(ZONE, "SOA")
    except (dns.exception.Timeout, OSError):
        return None


PARENT = "rotate.test."
CHILD = f"kid.{PARENT}"


def anchor_file(path, zone, dnskey_record):
    flags, protocol, algorithm, key = dnskey_record.split(" ", 3)
    path.write_text(f'trust-anchors {{ {zone} static-key {flags} {protocol} {algorithm} "{key}"; }};\n')
    return path


def delv_at(srv, anchor, root, name, qtype="A"):
    host, port = srv.addr
    out = subprocess.run(["delv", f"@{host}", "-p", str(port), "-a", str(anchor), f"+root={root}",
                          name, qtype], capture_output=True, text=True, timeout=30)
    return out.stdout + out.stderr


def test_ksk_rotation_validates_at_every_step(cairn_server, tmp_path):
    """A KSK rolled by double signature (RFC 6781 §4.1.2): a second KSK is created active, both
    sign the DNSKEY RRset and both DS are in the parent; then the old one is deactivated and
    deleted. At every step delv validates the child from the parent's key, and during the
    overlap a validator holding either the old or the new DS (or key) validates too."""
    if shutil.which("delv") is None:
        pytest.skip("delv (bind9-dnsutils) is not installed")
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    kms = harness.route53_client(srv, "kms")

    def signed_zone(name, records):
        zone_id = r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
        changes = [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": owner, "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": value}]}}
            for owner, value in records]
        harness.wait_insync(r53, r53.change_resource_record_sets(HostedZoneId=zone_id,
                                                                 ChangeBatch={"Changes": changes}))
        return zone_id

    def new_ksk(zone_id, name):
        arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        r53.create_key_signing_key(CallerReference=uuid.uuid4().hex, HostedZoneId=zone_id,
                                   KeyManagementServiceArn=arn, Name=name, Status="ACTIVE")

    def ksks(zone_id):
        return {k["Name"]: k for k in r53.get_dnssec(HostedZoneId=zone_id)["KeySigningKeys"]}

    parent_id = signed_zone(PARENT, [(f"www.{PARENT}", "192.0.2.20")])
    new_ksk(parent_id, "parent_ksk")
    harness.wait_insync(r53, r53.enable_hosted_zone_dnssec(HostedZoneId=parent_id))
    parent_anchor = anchor_file(tmp_path / "parent.conf", PARENT,
                                ksks(parent_id)["parent_ksk"]["DNSKEYRecord"])
    child_id = signed_zone(CHILD, [(f"www.{CHILD}", "192.0.2.21")])
    new_ksk(child_id, "old_ksk")
    harness.wait_insync(r53, r53.enable_hosted_zone_dnssec(HostedZoneId=child_id))

    def ds_served():
        q = dns.message.make_query(CHILD, "DS")
        reply = dns.query.udp(q, srv.addr[0], port=srv.addr[1], timeout=3)
        return sorted(rr.to_text() for rrset in reply.answer for rr in rrset
                      if rrset.rdtype == dns.rdatatype.DS)

    def dnskey_signers():
        q = dns.message.make_query(CHILD, "DNSKEY", want_dnssec=True)
        reply = dns.query.udp(q, srv.addr[0], port=srv.addr[1], timeout=3)
        return sorted(rr.key_tag for rrset in reply.answer for rr in rrset
                      if rrset.rdtype == dns.rdatatype.RRSIG)

    def validates(step, anchor=parent_anchor, root=PARENT):
        # The DNS follows each change a moment after the API returns.
        harness.wait_for(lambda: delv_at(srv, anchor, root, f"www.{CHILD}"),
                         lambda out: "; fully validated" in out and "192.0.2.21" in out,
                         timeout=10.0)
        out = delv_at(srv, anchor, root, CHILD, "DNSKEY")
        assert "; fully validated" in out, f"{step}: DNSKEY\n{out}"

    # 1. One KSK; the parent has its DS.
    old = ksks(child_id)["old_ksk"]
    harness.wait_for(ds_served, lambda ds: ds == [old["DSRecord"].lower()])
    validates("one KSK")

    # 2. A second KSK, active: both sign the DNSKEY RRset, both DS are in the parent.
    new_ksk(child_id, "new_ksk")
    keys = ksks(child_id)
    new = keys["new_ksk"]
    assert keys["old_ksk"]["Status"] == "ACTIVE" and new["Status"] == "ACTIVE"
    harness.wait_for(ds_served, lambda ds: ds == sorted([old["DSRecord"].lower(), new["DSRecord"].lower()]))
    harness.wait_for(dnskey_signers, lambda tags: tags == sorted([old["KeyTag"], new["KeyTag"]]))
    validates("both KSKs")
    # A validator that still has only the old key (or DS), or already only the new one.
    for name, ksk in [("old", old), ("new", new)]:
        anchor = anchor_file(tmp_path / f"{name}.conf", CHILD, ksk["DNSKEYRecord"])
        validates(f"both KSKs, anchor on the {name} one", anchor, CHILD)

    # 3. The old KSK deactivated: only the new one signs, only its DS is in the parent.
    r53.deactivate_key_signing_key(HostedZoneId=child_id, Name="old_ksk")
    harness.wait_for(ds_served, lambda ds: ds == [new["DSRecord"].lower()])
    harness.wait_for(dnskey_signers, lambda tags: tags == [new["KeyTag"]])
    validates("old KSK inactive")

    # 4. The old KSK deleted.
    r53.delete_key_signing_key(HostedZoneId=child_id, Name="old_ksk")
    assert list(ksks(child_id)) == ["new_ksk"]
    validates("old KSK deleted")


def test_exported_signed_zone_passes_dnssec_verify(signed, tmp_path):
    """`cairn zone export --signed` writes the zone with its DNSKEY RRset, an RRSIG over every
    RRset and a complete NSEC chain: BIND's dnssec-verify checks every signature and the
    chain."""
    if shutil.which("dnssec-verify") is None:
        pytest.skip("dnssec-verify (bind9-dnsutils) is not installed")
    srv, ksk = signed
    plain = harness.cairn("zone", "export", ZONE, "--data-dir", str(srv.workdir)).stdout
    assert "RRSIG" not in plain and "NSEC" not in plain
    out = harness.cairn("zone", "export", "--signed", ZONE, "--data-dir", str(srv.workdir)).stdout
    assert out.startswith(plain), "the signed export is the plain one plus DNSSEC records"
    assert f"IN DNSKEY {ksk['DNSKEYRecord']}" in out
    path = tmp_path / "signed.zone"
    path.write_text(out)
    check = subprocess.run(["dnssec-verify", "-o", ZONE, str(path)], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, f"{check.stdout}{check.stderr}\n{out}"
    assert "Zone fully signed" in check.stdout + check.stderr, check.stdout + check.stderr
    # A record changed after signing no longer verifies: the check is real.
    tampered = tmp_path / "tampered.zone"
    tampered.write_text(out.replace("192.0.2.10", "192.0.2.11"))
    bad = subprocess.run(["dnssec-verify", "-o", ZONE, str(tampered)], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode != 0, bad.stdout + bad.stderr
