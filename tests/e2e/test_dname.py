"""DNAME (RFC 6672) on both sides (issue 18).

Authoritative: a zone holding DNAMEs, imported with `cairn zone import` (Route 53's API takes
no DNAME), asked with dnspython: the DNAME, the CNAME synthesised from it, and the chase.

VPC resolver: a loopback tree of real Knot servers on port 53 of 127.56.0.x, one of whose
zones holds DNAMEs, resolved through a VPC and through Unbound (iterator only) from the same
root hints; the answer sections must be the same. Also a private zone with a DNAME.

    .             127.56.0.1   delegates test. (glue)
    test.         127.56.0.2   delegates example.test. and other.test. (glue)
    example.test. 127.56.0.3   old DNAME new.example.test., away DNAME other.test.
    other.test.   127.56.0.4   deep DNAME example.test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

import harness
from test_vpc_resolver import Lab, ask

dns = pytest.importorskip("dns")
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

AUTH_ZONE = """\
$ORIGIN dname.example.
$TTL 300
@            IN SOA ns1 hostmaster 1 7200 900 1209600 60
@            IN NS  ns1
ns1          IN A   192.0.2.53
old    600   IN DNAME new.dname.example.
www.new      IN A   192.0.2.1
away   120   IN DNAME example.net.
grow         IN DNAME {long}.dname.example.
""".format(long=".".join(["x" * 63] * 3))


def sections(resp, section="answer"):
    """A section as RRsets in order: (owner, type, sorted rdata), without TTLs."""
    return [(rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
             sorted(rr.to_text().lower() for rr in rrset))
            for rrset in getattr(resp, section)]


def test_authoritative_dname_imported_with_cairn_zone_import(cairn_server, tmp_path):
    path = tmp_path / "dname.example.zone"
    path.write_text(AUTH_ZONE)
    srv = cairn_server(zones={"dname.example": path})

    r = harness.query(srv.addr, "www.old.dname.example.", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    assert sections(r) == [
        ("old.dname.example.", "DNAME", ["new.dname.example."]),
        ("www.old.dname.example.", "CNAME", ["www.new.dname.example."]),
        ("www.new.dname.example.", "A", ["192.0.2.1"]),
    ]
    # The synthesised CNAME carries the DNAME's TTL (RFC 6672 §3.1).
    assert [rrset.ttl for rrset in r.answer][:2] == [600, 600]

    out = harness.query(srv.addr, "host.away.dname.example.", "A")
    assert sections(out) == [
        ("away.dname.example.", "DNAME", ["example.net."]),
        ("host.away.dname.example.", "CNAME", ["host.example.net."]),
    ]
    nx = harness.query(srv.addr, "nope.old.dname.example.", "A")
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert [t for _, t, _ in sections(nx)] == ["DNAME", "CNAME"]
    assert [t for _, t, _ in sections(nx, "authority")] == ["SOA"]
    # The owner itself answers from its own data.
    own = harness.query(srv.addr, "old.dname.example.", "DNAME")
    assert sections(own) == [("old.dname.example.", "DNAME", ["new.dname.example."])]
    # A name too long once substituted (the target is 3 × 64 + 15 octets, so a first label
    # of 47 fits and one of 48 does not): YXDOMAIN with the DNAME.
    fits = harness.query(srv.addr, "a" * 47 + ".grow.dname.example.", "A", tcp=True)
    assert fits.rcode() == dns.rcode.NXDOMAIN  # to a name the zone does not hold
    assert [t for _, t, _ in sections(fits)] == ["DNAME", "CNAME"]
    yx = harness.query(srv.addr, "a" * 48 + ".grow.dname.example.", "A", tcp=True)
    assert yx.rcode() == dns.rcode.YXDOMAIN
    assert [t for _, t, _ in sections(yx)] == ["DNAME"]


#----------- The VPC resolver against Unbound --------------------------------

ROOT = """\
$TTL 3600
.                 IN SOA a.root-servers.test. hostmaster.root.test. 1 3600 600 86400 300
.                 IN NS  a.root-servers.test.
a.root-servers.test. IN A 127.56.0.1
test.             IN NS  ns1.nic.test.
ns1.nic.test.     IN A   127.56.0.2
"""

TLD = """\
$ORIGIN test.
$TTL 3600
@                 IN SOA ns1.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@                 IN NS  ns1.nic.test.
ns1.nic           IN A   127.56.0.2
example           IN NS  ns1.example.test.
ns1.example       IN A   127.56.0.3
other             IN NS  ns1.other.test.
ns1.other         IN A   127.56.0.4
"""

EXAMPLE = """\
$ORIGIN example.test.
$TTL 300
@                 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 120
@                 IN NS  ns1.example.test.
ns1               IN A   127.56.0.3
www               IN A   192.0.2.80
old               IN DNAME new.example.test.
host.new          IN A   192.0.2.81
alias.new         IN CNAME www.example.test.
away              IN DNAME other.test.
"""

OTHER = """\
$ORIGIN other.test.
$TTL 300
@                 IN SOA ns1.other.test. hostmaster.other.test. 1 3600 600 86400 120
@                 IN NS  ns1.other.test.
ns1               IN A   127.56.0.4
host              IN A   192.0.2.90
deep              IN DNAME example.test.
"""

# (name, type): each asked of both resolvers, in this order, so later ones below a DNAME
# already seen are answered by synthesis from the cache.
QUESTIONS = [
    ("host.old.example.test.", "A"),
    ("alias.old.example.test.", "A"),
    ("host.old.example.test.", "AAAA"),
    ("missing.old.example.test.", "A"),
    ("other.old.example.test.", "CNAME"),
    ("old.example.test.", "DNAME"),
    ("host.away.example.test.", "A"),
    ("www.deep.other.test.", "A"),
    ("host.old.deep.other.test.", "A"),
    ("host.old.example.test.", "A"),
]


def start_unbound_resolver(workdir, port, hints):
    """Unbound iterating from `hints` (loopback servers allowed), no validation."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "unbound.conf"
    conf.write_text("\n".join([
        "server:",
        f"    interface: 127.0.0.1@{port}",
        f"    port: {port}",
        "    do-daemonize: no",
        '    username: ""',
        '    chroot: ""',
        f'    directory: "{workdir}"',
        f'    pidfile: "{workdir}/unbound.pid"',
        "    use-syslog: no",
        '    logfile: ""',
        "    verbosity: 1",
        "    do-ip6: no",
        '    module-config: "iterator"',
        f'    root-hints: "{hints}"',
        "    do-not-query-localhost: no",
        "    qname-minimisation: no",
        "    access-control: 127.0.0.0/8 allow",
        # Unbound answers the special-use `test.` itself (RFC 6761) unless told not to.
        '    local-zone: "test." nodefault',
        "remote-control:",
        "    control-enable: no",
    ]) + "\n")
    log = workdir / "unbound.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["unbound", "-d", "-c", str(conf)], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    srv = harness.Server("unbound", proc, [("127.0.0.1", port)], workdir, log)
    deadline = time.monotonic() + 10
    while True:
        try:
            dns.query.udp(dns.message.make_query("test.", "SOA"), "127.0.0.1", port=port, timeout=1)
            return srv
        except (dns.exception.Timeout, OSError):
            if time.monotonic() > deadline:
                srv.stop()
                raise TimeoutError(f"unbound not answering:\n{srv.log()[-3000:]}")
            time.sleep(0.1)


@pytest.fixture
def dname_tree(knot_server, tmp_path):
    for host, origin, text in [("127.56.0.1", ".", ROOT), ("127.56.0.2", "test.", TLD),
                               ("127.56.0.3", "example.test.", EXAMPLE),
                               ("127.56.0.4", "other.test.", OTHER)]:
        path = tmp_path / f"{origin.strip('.') or 'root'}.zone"
        path.write_text(text)
        knot_server({origin: path}, host=host, port=53)
    hints = tmp_path / "named.root"
    hints.write_text(".  3600000 NS a.root-servers.test.\n"
                     "a.root-servers.test. 3600000 A 127.56.0.1\n")
    return hints


@pytest.mark.skipif(os.geteuid() != 0, reason="binds port 53 on 127.56.0.x (needs root)")
@pytest.mark.xdist_group("port-53-on-127.56.0.x")
def test_vpc_resolver_answers_dnames_as_unbound_does(cairn_server, dname_tree, tmp_path):
    if shutil.which("unbound") is None:
        pytest.skip("unbound not installed")
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(harness.free_port("127.0.0.1")),
                                   "--root-hints", str(dname_tree)])
    lab = Lab(srv, ("127.0.0.1", resolver_port), None)
    lab.vpc("127.10.0.0/16")
    unbound = start_unbound_resolver(tmp_path / "unbound", harness.free_port("127.0.0.1"), dname_tree)
    try:
        differ = []
        for name, rtype in QUESTIONS:
            ours = ask(lab.resolver, name, rtype, source="127.10.0.5", timeout=6)
            theirs = ask(unbound.addr, name, rtype, timeout=6)
            got = (dns.rcode.to_text(ours.rcode()), sections(ours))
            want = (dns.rcode.to_text(theirs.rcode()), sections(theirs))
            if got != want:
                differ.append(f"{name} {rtype}:\n  cairn   {got}\n  unbound {want}")
            # Every name asked is a DNAME's owner or below one: the DNAME comes first.
            assert sections(ours)[0][1] == "DNAME", (name, rtype, sections(ours))
        assert not differ, f"{len(differ)} of {len(QUESTIONS)} differ:\n" + "\n".join(differ)
    finally:
        unbound.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="binds port 53 on 127.56.0.x (needs root)")
@pytest.mark.xdist_group("port-53-on-127.56.0.x")
def test_a_private_zone_dname_is_answered_in_the_vpc(cairn_server, dname_tree, tmp_path):
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(harness.free_port("127.0.0.1")),
                                   "--root-hints", str(dname_tree)])
    lab = Lab(srv, ("127.0.0.1", resolver_port), None)
    vpc = lab.vpc("127.10.0.0/16")
    zone_file = tmp_path / "corp.internal.zone"
    zone_file.write_text("$ORIGIN corp.internal.\n$TTL 300\n"
                         "@ IN SOA ns.corp.internal. admin.corp.internal. 1 7200 900 1209600 60\n"
                         "db.new IN A 10.7.0.10\n"
                         "old IN DNAME new.corp.internal.\n"
                         "pub IN DNAME example.test.\n")
    harness.cairn("zone", "import", str(zone_file), "--private-vpc", vpc, "--data-dir", str(srv.workdir))
    harness.wait_for(lambda: ask(lab.resolver, "db.old.corp.internal.", source="127.10.0.5"),
                     lambda r: len(r.answer) == 3)
    r = ask(lab.resolver, "db.old.corp.internal.", source="127.10.0.5")
    assert r.flags & dns.flags.AA
    assert sections(r) == [
        ("old.corp.internal.", "DNAME", ["new.corp.internal."]),
        ("db.old.corp.internal.", "CNAME", ["db.new.corp.internal."]),
        ("db.new.corp.internal.", "A", ["10.7.0.10"]),
    ]
    # A DNAME out of the private zone: the synthesised CNAME is followed publicly.
    r = ask(lab.resolver, "www.pub.corp.internal.", source="127.10.0.5", timeout=6)
    assert sections(r) == [
        ("pub.corp.internal.", "DNAME", ["example.test."]),
        ("www.pub.corp.internal.", "CNAME", ["www.example.test."]),
        ("www.example.test.", "A", ["192.0.2.80"]),
    ]
