"""DNSSEC validation in the VPC resolver (issue 18), on a signed loopback tree.

Real Knot DNS servers on port 53 of 127.53.0.x sign their zones themselves
(`dnssec-signing: on`); the parents carry the children's DS, read from the running servers:

    .             127.53.0.1   signed (NSEC); DS for test.
    test.         127.53.0.2   signed (NSEC); DS for secure., broken. (a wrong one), nsec3.
    secure.test.  127.53.0.3   signed, NSEC          www A, *.wild A, old DNAME secure.test.
    insecure.test.127.53.0.3   unsigned (no DS)      www A
    broken.test.  127.53.0.3   signed, DS mismatch   www A
    nsec3.test.   127.53.0.3   signed, NSEC3         www A

Cairn runs with `--root-hints` naming 127.53.0.1 and `--trust-anchor` the root's DS; a VPC
turns validation on with UpdateResolverDnssecConfig. Unbound (validator iterator) with the
same hints and anchor answers the same questions: rcode and AD must agree.
"""

from __future__ import annotations

import os
import time

import pytest

import harness
import peers
from test_vpc_resolver import Lab

dns = pytest.importorskip("dns")
import dns.dnssec  # noqa: E402
import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="binds port 53 on 127.53.0.x (needs root)"),
    pytest.mark.skipif(peers.unbound_path() is None, reason="unbound not installed"),
    # The same fixed addresses as test_vpc_recursion.py: one worker runs them in turn.
    pytest.mark.xdist_group("port-53-on-127.53.0.x"),
]

CLIENT = "127.10.0.5"

LEAVES = {
    "secure.test.": """\
$TTL 300
@        IN SOA ns.secure.test. hostmaster.secure.test. 1 3600 600 86400 120
@        IN NS  ns.secure.test.
ns       IN A   127.53.0.3
www      IN A   192.0.2.1
*.wild   IN A   192.0.2.9
old      IN DNAME secure.test.
""",
    "insecure.test.": """\
$TTL 300
@        IN SOA ns.insecure.test. hostmaster.insecure.test. 1 3600 600 86400 120
@        IN NS  ns.insecure.test.
ns       IN A   127.53.0.3
www      IN A   192.0.2.2
""",
    "broken.test.": """\
$TTL 300
@        IN SOA ns.broken.test. hostmaster.broken.test. 1 3600 600 86400 120
@        IN NS  ns.broken.test.
ns       IN A   127.53.0.3
www      IN A   192.0.2.3
""",
    "nsec3.test.": """\
$TTL 300
@        IN SOA ns.nsec3.test. hostmaster.nsec3.test. 1 3600 600 86400 120
@        IN NS  ns.nsec3.test.
ns       IN A   127.53.0.3
www      IN A   192.0.2.4
""",
}

POLICIES = """\
policy:
  - id: nsec3
    nsec3: on
    nsec3-iterations: 0
"""

SIGNED = "dnssec-signing: on"


def query(server, qname, qtype="A", *, do=False, ad=False, cd=False, timeout=6.0):
    q = dns.message.make_query(qname, qtype, want_dnssec=do, use_edns=0)
    if ad:
        q.flags |= dns.flags.AD
    if cd:
        q.flags |= dns.flags.CD
    host, port = server
    return dns.query.udp(q, host, port=port, source=CLIENT if host == "127.0.0.1" else None,
                         timeout=timeout)


def ds_lines(server, zone):
    """The DS (SHA-256) of the zone's KSKs, read from its running server."""
    resp = dns.query.udp(dns.message.make_query(zone, "DNSKEY"), server[0], port=server[1], timeout=3)
    keys = [rrset for rrset in resp.answer if rrset.rdtype == dns.rdatatype.DNSKEY]
    assert keys, f"{zone} has no DNSKEY: {resp}"
    name = dns.name.from_text(zone)
    return [f"{zone} 3600 IN DS {dns.dnssec.make_ds(name, key, 'SHA256').to_text()}"
            for key in keys[0] if key.flags & 1]


def types_in(section):
    return {rrset.rdtype for rrset in section}


@pytest.fixture
def signed_tree(knot_server, tmp_path):
    leaves = {}
    for origin, text in LEAVES.items():
        path = tmp_path / f"{origin.rstrip('.')}.zone"
        path.write_text(text)
        leaves[origin] = path
    options = {"secure.test.": SIGNED, "broken.test.": SIGNED,
               "nsec3.test.": SIGNED + "\ndnssec-policy: nsec3"}
    leaf = knot_server(leaves, host="127.53.0.3", port=53, zone_options=options,
                       extra_conf=POLICIES)
    addr = ("127.53.0.3", 53)
    # broken.test.'s parent publishes a DS of secure.test.'s key: no key of broken.test.
    # matches it.
    wrong = [line.replace("secure.test.", "broken.test.", 1) for line in ds_lines(addr, "secure.test.")]
    tld = ["$ORIGIN test.", "$TTL 3600",
           "@ IN SOA ns1.nic.test. hostmaster.nic.test. 1 3600 600 86400 300",
           "@ IN NS ns1.nic.test.", "ns1.nic IN A 127.53.0.2"]
    for origin in LEAVES:
        tld += [f"{origin} IN NS ns.{origin}", f"ns.{origin} IN A 127.53.0.3"]
    tld += ds_lines(addr, "secure.test.") + ds_lines(addr, "nsec3.test.") + wrong
    tld_path = tmp_path / "test.zone"
    tld_path.write_text("\n".join(tld) + "\n")
    tld_srv = knot_server({"test.": tld_path}, host="127.53.0.2", port=53,
                          zone_options={"test.": SIGNED})
    root = ["$TTL 3600",
            ". IN SOA a.root-servers.test. hostmaster.root.test. 1 3600 600 86400 300",
            ". IN NS a.root-servers.test.", "a.root-servers.test. IN A 127.53.0.1",
            "test. IN NS ns1.nic.test.", "ns1.nic.test. IN A 127.53.0.2"]
    root += ds_lines(("127.53.0.2", 53), "test.")
    root_path = tmp_path / "root.zone"
    root_path.write_text("\n".join(root) + "\n")
    root_srv = knot_server({".": root_path}, host="127.53.0.1", port=53,
                           zone_options={".": SIGNED})
    anchor = tmp_path / "root.ds"
    anchor.write_text("\n".join(ds_lines(("127.53.0.1", 53), ".")) + "\n")
    hints = tmp_path / "named.root"
    hints.write_text(".  3600000 NS a.root-servers.test.\n"
                     "a.root-servers.test. 3600000 A 127.53.0.1\n")
    return {"leaf": leaf, "tld": tld_srv, "root": root_srv, "anchor": anchor, "hints": hints}


@pytest.fixture
def vlab(cairn_server, signed_tree):
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(harness.free_port("127.0.0.1")),
                                   "--root-hints", str(signed_tree["hints"]),
                                   "--trust-anchor", str(signed_tree["anchor"])])
    lab = Lab(srv, ("127.0.0.1", resolver_port), None)
    lab.rapi = harness.route53_client(srv, "route53resolver")
    lab.tree = signed_tree
    return lab


@pytest.fixture
def unbound(signed_tree, tmp_path):
    port = harness.free_port("127.0.0.1")
    srv = peers.start_unbound_validator(tmp_path / "unbound", "127.0.0.1", port,
                                        root_hints=signed_tree["hints"],
                                        trust_anchor=signed_tree["anchor"])
    yield srv
    srv.stop()


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def enable(lab, vpc_id, validation="ENABLE"):
    return lab.rapi.update_resolver_dnssec_config(ResourceId=vpc_id, Validation=validation)


def test_dnssec_config_api_follows_updates(vlab):
    vpc_id = vlab.vpc("127.10.0.0/16")
    got = vlab.rapi.get_resolver_dnssec_config(ResourceId=vpc_id)["ResolverDNSSECConfig"]
    assert got["ValidationStatus"] == "DISABLED"
    assert got["ResourceId"] == vpc_id and got["Id"].startswith("rdsc-")
    assert got["OwnerId"].isdigit()
    updated = enable(vlab, vpc_id)["ResolverDNSSECConfig"]
    assert updated["ValidationStatus"] == "ENABLING"
    assert updated["Id"] == got["Id"]
    got = vlab.rapi.get_resolver_dnssec_config(ResourceId=vpc_id)["ResolverDNSSECConfig"]
    assert got["ValidationStatus"] == "ENABLED"
    listed = vlab.rapi.list_resolver_dnssec_configs()["ResolverDnssecConfigs"]
    assert {c["ResourceId"]: c["ValidationStatus"] for c in listed}[vpc_id] == "ENABLED"
    assert enable(vlab, vpc_id, "DISABLE")["ResolverDNSSECConfig"]["ValidationStatus"] == "DISABLING"
    got = vlab.rapi.get_resolver_dnssec_config(ResourceId=vpc_id)["ResolverDNSSECConfig"]
    assert got["ValidationStatus"] == "DISABLED"
    for bad in ["enable", "USE_LOCAL_RESOURCE_SETTING"]:
        with pytest.raises(vlab.rapi.exceptions.ClientError) as err:
            enable(vlab, vpc_id, bad)
        assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(vlab.rapi.exceptions.ClientError) as err:
        vlab.rapi.get_resolver_dnssec_config(ResourceId="vpc-0123456789abcdef0")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def ede_of(resp):
    return [(o.code, o.text or "") for o in resp.options if isinstance(o, dns.edns.EDEOption)]


# (qname, qtype, expected rcode, expected AD)
QUESTIONS = [
    ("www.secure.test.", "A", dns.rcode.NOERROR, True),
    ("www.secure.test.", "MX", dns.rcode.NOERROR, True),
    ("missing.secure.test.", "A", dns.rcode.NXDOMAIN, True),
    ("host.wild.secure.test.", "A", dns.rcode.NOERROR, True),
    ("www.insecure.test.", "A", dns.rcode.NOERROR, False),
    ("missing.insecure.test.", "A", dns.rcode.NXDOMAIN, False),
    ("www.broken.test.", "A", dns.rcode.SERVFAIL, False),
    ("www.nsec3.test.", "A", dns.rcode.NOERROR, True),
    ("missing.nsec3.test.", "A", dns.rcode.NXDOMAIN, True),
    ("www.nsec3.test.", "TXT", dns.rcode.NOERROR, True),
    # Through the signed DNAME (its CNAME unsigned, RFC 6672 §5.3.1): the first from the
    # reply, the second synthesised from the cached DNAME.
    ("www.old.secure.test.", "A", dns.rcode.NOERROR, True),
    ("missing.old.secure.test.", "A", dns.rcode.NXDOMAIN, True),
]


def test_validation_sets_ad_fails_bogus_and_matches_unbound(vlab, unbound):
    vpc_id = vlab.vpc("127.10.0.0/16")
    # Off: the broken leaf answers like any other.
    off = query(vlab.resolver, "www.broken.test.", do=True)
    assert off.rcode() == dns.rcode.NOERROR and not off.flags & dns.flags.AD
    assert dns.rdatatype.RRSIG not in types_in(off.answer), "DO without validation adds RRSIGs"

    enable(vlab, vpc_id)
    assert wait_until(lambda: query(vlab.resolver, "www.secure.test.", do=True).flags & dns.flags.AD), \
        "validation never turned on"

    for qname, qtype, rcode, ad in QUESTIONS:
        ours = query(vlab.resolver, qname, qtype, do=True)
        theirs = query(unbound.addr, qname, qtype, do=True)
        what = f"{qname} {qtype}"
        assert ours.rcode() == rcode, f"{what}: {dns.rcode.to_text(ours.rcode())}\n{ours}"
        assert bool(ours.flags & dns.flags.AD) == ad, f"{what}: AD\n{ours}"
        assert (ours.rcode(), bool(ours.flags & dns.flags.AD)) == \
            (theirs.rcode(), bool(theirs.flags & dns.flags.AD)), f"{what}: unbound says\n{theirs}"

    # DO: signatures in the answer, NSEC/NSEC3 proofs in the authority section.
    www = query(vlab.resolver, "www.secure.test.", do=True)
    assert dns.rdatatype.RRSIG in types_in(www.answer)
    # DO through the DNAME: the DNAME with its RRSIG, then the unsigned CNAME.
    through = query(vlab.resolver, "www.old.secure.test.", do=True)
    signed = {(rrset.name.to_text(), rrset.rdtype, getattr(rrset, "covers", 0))
              for rrset in through.answer}
    assert ("old.secure.test.", dns.rdatatype.DNAME, 0) in signed, through
    assert ("old.secure.test.", dns.rdatatype.RRSIG, dns.rdatatype.DNAME) in signed, through
    assert ("www.old.secure.test.", dns.rdatatype.CNAME, 0) in signed, through
    assert ("www.old.secure.test.", dns.rdatatype.RRSIG, dns.rdatatype.CNAME) not in signed
    nx = query(vlab.resolver, "missing.secure.test.", do=True)
    assert dns.rdatatype.NSEC in types_in(nx.authority)
    nx3 = query(vlab.resolver, "missing.nsec3.test.", do=True)
    assert dns.rdatatype.NSEC3 in types_in(nx3.authority)

    # AD without DO: AD, but no DNSSEC records; neither: no AD.
    ad_only = query(vlab.resolver, "www.secure.test.", ad=True)
    assert ad_only.flags & dns.flags.AD
    assert types_in(ad_only.answer) == {dns.rdatatype.A}
    plain = query(vlab.resolver, "www.secure.test.")
    assert not plain.flags & dns.flags.AD and types_in(plain.answer) == {dns.rdatatype.A}
    # Kept for clients without DO, AD or CD: the same answer again; DO clients still get AD.
    again = query(vlab.resolver, "www.secure.test.")
    assert not again.flags & dns.flags.AD and types_in(again.answer) == {dns.rdatatype.A}
    assert query(vlab.resolver, "www.secure.test.", do=True).flags & dns.flags.AD
    for _ in range(2):
        assert query(vlab.resolver, "www.broken.test.").rcode() == dns.rcode.SERVFAIL
    plain_nx = query(vlab.resolver, "missing.secure.test.")
    assert types_in(plain_nx.authority) == {dns.rdatatype.SOA}

    # Bogus: SERVFAIL with an Extended DNS Error naming the zone; CD gets the data.
    bogus = query(vlab.resolver, "www.broken.test.", do=True)
    errors = ede_of(bogus)
    assert errors and errors[0][0] in (6, 7, 8, 9, 10, 12), bogus
    assert "broken.test" in errors[0][1], errors
    checking_disabled = query(vlab.resolver, "www.broken.test.", do=True, cd=True)
    assert checking_disabled.rcode() == dns.rcode.NOERROR
    assert checking_disabled.flags & dns.flags.CD and not checking_disabled.flags & dns.flags.AD
    assert [rr.to_text() for rrset in checking_disabled.answer for rr in rrset
            if rrset.rdtype == dns.rdatatype.A] == ["192.0.2.3"]
    # What a CD client got for a bogus name is not kept for the next client.
    again_bogus = query(vlab.resolver, "www.broken.test.", do=True)
    assert again_bogus.rcode() == dns.rcode.SERVFAIL and ede_of(again_bogus), again_bogus

    # Kept replies for DO and AD clients (one per DO/AD combination): the same records and
    # flags again, TTLs counting down, RRSIGs only for DO, AD only when secure.
    first = query(vlab.resolver, "www.secure.test.", do=True)
    time.sleep(1.1)
    for _ in range(2):
        kept = query(vlab.resolver, "www.secure.test.", do=True)
        assert kept.flags & dns.flags.AD, kept
        assert types_in(kept.answer) == {dns.rdatatype.A, dns.rdatatype.RRSIG}, kept
        assert [rrset.to_text().split()[3:] for rrset in kept.answer] == \
            [rrset.to_text().split()[3:] for rrset in first.answer]
        assert kept.answer[0].ttl < first.answer[0].ttl, (first, kept)
        checked_off = query(vlab.resolver, "www.secure.test.", do=True, cd=True)
        assert checked_off.flags & dns.flags.AD and checked_off.flags & dns.flags.CD
        assert query(vlab.resolver, "www.secure.test.", ad=True).flags & dns.flags.AD
        assert types_in(query(vlab.resolver, "www.secure.test.", ad=True).answer) == {dns.rdatatype.A}
        unsigned = query(vlab.resolver, "www.insecure.test.", do=True)
        assert unsigned.rcode() == dns.rcode.NOERROR and not unsigned.flags & dns.flags.AD
        nx_do = query(vlab.resolver, "missing.secure.test.", do=True)
        assert nx_do.rcode() == dns.rcode.NXDOMAIN and nx_do.flags & dns.flags.AD
        assert dns.rdatatype.NSEC in types_in(nx_do.authority)
    # Every question again, twice, for each kind of client: rcode and AD as the first time.
    for _ in range(2):
        for qname, qtype, rcode, ad in QUESTIONS:
            for flags in ({"do": True}, {"ad": True}, {}):
                again = query(vlab.resolver, qname, qtype, **flags)
                what = f"{qname} {qtype} {flags}"
                assert again.rcode() == rcode, f"{what}\n{again}"
                assert bool(again.flags & dns.flags.AD) == (ad and bool(flags)), f"{what}\n{again}"
                if "do" not in flags:
                    shown = types_in(again.answer) | types_in(again.authority)
                    assert not shown & {dns.rdatatype.RRSIG, dns.rdatatype.NSEC,
                                        dns.rdatatype.NSEC3}, f"{what}\n{again}"

    # Off again: the broken leaf answers.
    enable(vlab, vpc_id, "DISABLE")
    assert wait_until(lambda: query(vlab.resolver, "www.broken.test.").rcode() == dns.rcode.NOERROR), \
        "validation never turned off"
    assert not query(vlab.resolver, "www.secure.test.", do=True).flags & dns.flags.AD
