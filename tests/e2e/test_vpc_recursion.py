"""Public resolution from inside a VPC: recursion through a loopback DNS tree (issue 4).

The tree is real Knot DNS servers on port 53 of 127.53.0.x, never the internet:

    .             127.53.0.1   delegates test. (glue)
    test.         127.53.0.2   delegates example.test. (glue), cairn.test. (glueless: its
                               server's name lives in example.test), pub.test. (to Cairn itself)
    example.test. 127.53.0.3   www A, alias CNAME www.cairn.test., ns/ns1 A
    cairn.test.   127.53.0.4   www A
    pub.test.     127.53.0.9   Cairn's own public authoritative listener

Cairn runs with `--root-hints` naming 127.53.0.1 only. Clients ask its shared resolver address
from inside VPC A (127.10.0.0/16) or VPC B (127.20.0.0/16).
"""

from __future__ import annotations

import os
import socket
import time

import pytest

import harness
from test_vpc_resolver import Lab, addresses, ask

dns = pytest.importorskip("dns")
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.flags  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="binds port 53 on 127.53.0.x (needs root)"),
    # Fixed addresses: every test here binds port 53 on 127.53.0.1-4 and .9, so under
    # pytest-xdist they all run on one worker, one after another.
    pytest.mark.xdist_group("port-53-on-127.53.0.x"),
]

ROOT = """\
$TTL 3600
.                 IN SOA a.root-servers.test. hostmaster.root.test. 1 3600 600 86400 300
.                 IN NS  a.root-servers.test.
a.root-servers.test. IN A 127.53.0.1
test.             IN NS  ns1.nic.test.
ns1.nic.test.     IN A   127.53.0.2
"""

TLD = """\
$ORIGIN test.
$TTL 3600
@                 IN SOA ns1.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@                 IN NS  ns1.nic.test.
ns1.nic           IN A   127.53.0.2
example           IN NS  ns1.example.test.
ns1.example       IN A   127.53.0.3
cairn             IN NS  ns.example.test.
pub               IN NS  ns.pub.test.
ns.pub            IN A   127.53.0.9
lame              IN NS  ns1.example.test.
"""

EXAMPLE = """\
$ORIGIN example.test.
$TTL 300
@                 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 120
@                 IN NS  ns1.example.test.
ns1               IN A   127.53.0.3
ns                IN A   127.53.0.4
www               IN A   192.0.2.80
alias             IN CNAME www.cairn.test.
short    2        IN A   192.0.2.82
big               IN TXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
"""

CAIRN_TEST = """\
$ORIGIN cairn.test.
$TTL 300
@                 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 120
@                 IN NS  ns.example.test.
www               IN A   192.0.2.81
"""


@pytest.fixture
def tree(knot_server, tmp_path):
    servers = {}
    for host, origin, text in [("127.53.0.1", ".", ROOT), ("127.53.0.2", "test.", TLD),
                               ("127.53.0.3", "example.test.", EXAMPLE),
                               ("127.53.0.4", "cairn.test.", CAIRN_TEST)]:
        path = tmp_path / f"{origin.strip('.') or 'root'}.zone"
        path.write_text(text)
        servers[origin] = knot_server({origin: path}, host=host, port=53)
    hints = tmp_path / "named.root"
    hints.write_text(".  3600000 NS a.root-servers.test.\n"
                     "a.root-servers.test. 3600000 A 127.53.0.1\n")
    return servers, hints


@pytest.fixture
def rlab(cairn_server, tree):
    servers, hints = tree
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(dns_listen=["127.53.0.9:53"],
                       extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(harness.free_port("127.0.0.1")),
                                   "--root-hints", str(hints)])
    lab = Lab(srv, ("127.0.0.1", resolver_port), None)
    lab.knot = servers
    return lab


def stats(lab):
    return harness.http_get_json(lab.srv, "/_cairn/health")["resolver_stats"]


def ttl_of(resp, rdtype):
    return [rrset.ttl for rrset in resp.answer if rrset.rdtype == rdtype][0]


def test_recursion_through_the_loopback_tree_with_cache_hits(rlab):
    rlab.vpc("127.10.0.0/16")
    first = ask(rlab.resolver, "www.example.test.", source="127.10.0.5", timeout=6)
    assert first.rcode() == dns.rcode.NOERROR
    assert addresses(first) == ["192.0.2.80"]
    assert first.flags & dns.flags.RA and not first.flags & dns.flags.AA
    before = stats(rlab)
    assert before["upstream_queries"] >= 3  # root, TLD, leaf

    time.sleep(1.1)
    second = ask(rlab.resolver, "www.example.test.", source="127.10.0.5")
    assert addresses(second) == ["192.0.2.80"]
    assert ttl_of(second, dns.rdatatype.A) < ttl_of(first, dns.rdatatype.A)
    after = stats(rlab)
    assert after["upstream_queries"] == before["upstream_queries"], "a cached answer went upstream"
    assert after["cache_hits"] == before["cache_hits"] + 1

    # The leaf server goes away: the cached answer is still served.
    rlab.knot["example.test."].stop()
    third = ask(rlab.resolver, "www.example.test.", source="127.10.0.5")
    assert addresses(third) == ["192.0.2.80"]


def test_negative_answers_are_cached(rlab):
    rlab.vpc("127.10.0.0/16")
    nx = ask(rlab.resolver, "missing.example.test.", source="127.10.0.5", timeout=6)
    assert nx.rcode() == dns.rcode.NXDOMAIN
    soa = [rrset for rrset in nx.authority if rrset.rdtype == dns.rdatatype.SOA]
    assert soa and soa[0].name.to_text() == "example.test."
    nodata = ask(rlab.resolver, "www.example.test.", "MX", source="127.10.0.5", timeout=6)
    assert nodata.rcode() == dns.rcode.NOERROR and nodata.answer == []
    before = stats(rlab)

    rlab.knot["example.test."].stop()
    again = ask(rlab.resolver, "missing.example.test.", source="127.10.0.5")
    assert again.rcode() == dns.rcode.NXDOMAIN
    assert [r for r in again.authority if r.rdtype == dns.rdatatype.SOA]
    again_nodata = ask(rlab.resolver, "www.example.test.", "MX", source="127.10.0.5")
    assert again_nodata.rcode() == dns.rcode.NOERROR and again_nodata.answer == []
    after = stats(rlab)
    assert after["negative_hits"] == before["negative_hits"] + 2
    assert after["upstream_queries"] == before["upstream_queries"]


def test_cname_across_zones_and_a_glueless_delegation(rlab):
    rlab.vpc("127.10.0.0/16")
    resp = ask(rlab.resolver, "alias.example.test.", source="127.10.0.5", timeout=6)
    assert resp.rcode() == dns.rcode.NOERROR
    kinds = [(rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype)) for rrset in resp.answer]
    assert kinds == [("alias.example.test.", "CNAME"), ("www.cairn.test.", "A")]
    assert addresses(resp) == ["192.0.2.81"]


def test_split_horizon_through_recursion_to_cairns_own_public_zone(rlab):
    vpc_a = rlab.vpc("127.10.0.0/16")
    rlab.vpc("127.20.0.0/16")
    rlab.public_zone("pub.test.", [("app.pub.test.", "A", ["198.51.100.7"])])
    rlab.private_zone("pub.test.", vpc_a, [("app.pub.test.", "A", ["10.9.9.9"])])
    # VPC B has no private zone: root -> test. -> Cairn's public listener.
    public = ask(rlab.resolver, "app.pub.test.", source="127.20.0.5", timeout=6)
    assert addresses(public) == ["198.51.100.7"]
    private = ask(rlab.resolver, "app.pub.test.", source="127.10.0.5")
    assert addresses(private) == ["10.9.9.9"]
    assert private.flags & dns.flags.AA


def raw_udp(server, wire, source, timeout=6):
    """Sends `wire` from `source` and returns the reply's bytes as received."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.sendto(wire, server)
        return sock.recvfrom(65535)[0]


def records(resp):
    """Every record of the answer and authority sections, lowercased, without TTLs."""
    return sorted((rrset.name.to_text().lower(), rrset.rdtype, rr.to_text())
                  for section in (resp.answer, resp.authority) for rrset in section for rr in rrset)


def test_repeated_questions_are_copied_from_kept_replies(rlab):
    """Issue 17: an answer the VPC resolver wrote is kept whole and copied for the same
    question: the asker's ID and case, TTLs counted down; negative answers too."""
    rlab.vpc("127.10.0.0/16")
    first_q = dns.message.make_query("www.example.test.", "A")
    first = dns.message.from_wire(raw_udp(rlab.resolver, first_q.to_wire(), "127.10.0.5"))
    assert addresses(first) == ["192.0.2.80"]
    before = stats(rlab)

    time.sleep(1.1)
    again_q = dns.message.make_query("WwW.eXaMpLe.TeSt.", "A")
    again_q.id = (first_q.id + 1) % 65536
    wire = raw_udp(rlab.resolver, again_q.to_wire(), "127.10.0.5")
    after = stats(rlab)
    assert after["reply_hits"] == before["reply_hits"] + 1
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["upstream_queries"] == before["upstream_queries"]
    again = dns.message.from_wire(wire)
    assert again.id == again_q.id
    # The question as asked, byte for byte, and the answer's owner in the asker's case.
    question = again_q.to_wire()[12:]
    assert wire[12:12 + len(question)] == question
    assert again.answer[0].name.to_text() == "WwW.eXaMpLe.TeSt."
    assert again.flags & dns.flags.RA and not again.flags & dns.flags.AA
    assert records(again) == records(first)
    assert 1 <= ttl_of(first, dns.rdatatype.A) - ttl_of(again, dns.rdatatype.A) <= 2

    # NXDOMAIN is kept too, with its SOA, and counted as a negative hit.
    nx = ask(rlab.resolver, "missing.example.test.", source="127.10.0.5", timeout=6)
    assert nx.rcode() == dns.rcode.NXDOMAIN
    before = stats(rlab)
    nx_again = ask(rlab.resolver, "missing.example.test.", source="127.10.0.5")
    assert nx_again.rcode() == dns.rcode.NXDOMAIN
    assert records(nx_again) == records(nx)
    after = stats(rlab)
    assert after["reply_hits"] == before["reply_hits"] + 1
    assert after["negative_hits"] == before["negative_hits"] + 1
    assert after["reply_entries"] >= 2


def test_kept_replies_expire_with_their_smallest_ttl_and_never_hold_servfail(rlab):
    rlab.vpc("127.10.0.0/16")
    short = ask(rlab.resolver, "short.example.test.", source="127.10.0.5", timeout=6)
    assert addresses(short) == ["192.0.2.82"]
    before = stats(rlab)
    assert addresses(ask(rlab.resolver, "short.example.test.", source="127.10.0.5")) == ["192.0.2.82"]
    assert stats(rlab)["reply_hits"] == before["reply_hits"] + 1

    # Past its TTL (2 s) the answer is resolved again, upstream.
    time.sleep(2.2)
    before = stats(rlab)
    assert addresses(ask(rlab.resolver, "short.example.test.", source="127.10.0.5")) == ["192.0.2.82"]
    after = stats(rlab)
    assert after["reply_hits"] == before["reply_hits"]
    assert after["upstream_queries"] > before["upstream_queries"]

    # lame.test. is delegated to a server that does not serve it: SERVFAIL, every time
    # resolved again rather than copied.
    before = stats(rlab)
    for _ in range(2):
        failed = ask(rlab.resolver, "x.lame.test.", source="127.10.0.5", timeout=12)
        assert failed.rcode() == dns.rcode.SERVFAIL
    after = stats(rlab)
    assert after["servfails"] == before["servfails"] + 2
    assert after["reply_hits"] == before["reply_hits"]


def test_a_kept_reply_too_big_for_udp_is_truncated_not_sent(rlab):
    rlab.vpc("127.10.0.0/16")
    # 600 bytes of TXT: truncated over UDP without EDNS (512), whole over TCP.
    udp = ask(rlab.resolver, "big.example.test.", "TXT", source="127.10.0.5", timeout=6)
    assert udp.flags & dns.flags.TC and not udp.answer
    tcp = ask(rlab.resolver, "big.example.test.", "TXT", source="127.10.0.5", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert sum(len(s) for rrset in tcp.answer for rr in rrset for s in rr.strings) == 600
    # The TCP answer is kept, but a UDP asker still gets TC, not 600 bytes.
    before = stats(rlab)
    udp_again = ask(rlab.resolver, "big.example.test.", "TXT", source="127.10.0.5")
    assert udp_again.flags & dns.flags.TC and not udp_again.answer
    assert stats(rlab)["reply_hits"] == before["reply_hits"]
    tcp_again = ask(rlab.resolver, "big.example.test.", "TXT", source="127.10.0.5", tcp=True)
    assert records(tcp_again) == records(tcp)
    assert stats(rlab)["reply_hits"] == before["reply_hits"] + 1
