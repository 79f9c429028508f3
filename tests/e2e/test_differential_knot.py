"""Differential suite: the same zone in Knot DNS and in Cairn, the same queries, section by section.

Every query (a few hundred, built below from tests/e2e/fixtures/differential.zone) goes to both
servers byte for byte. Knot's reply, passed through the deliberate differences of
differences.py, is what Cairn must send. Compared: ID, opcode, rcode, flags QR AA TC RD RA,
the question exactly as echoed (0x20 case preserved), answer/authority/additional as sets of
RRs including TTLs, and the OPT record (presence, version, payload, DO, options).

Seeded: DIFF_SEED=<n> reproduces a run (the seed is printed on failure).
"""

from __future__ import annotations

import os
import random
import struct

import dns.message
import dns.rdatatype
import pytest

import dnsdiff
import harness
from harness import dump_log, require_cairn, require_knot
from differences import RULES, ZoneView, expected_from_knot

ZONE = "diff.example."
ZONE_FILE = harness.FIXTURES / "differential.zone"
SEED = int(os.environ.get("DIFF_SEED", "20240101"))
EDNS_VARIANTS = [None, 512, 1232, 4096]

# (group, owner relative to the zone or absolute with a trailing dot, qtypes)
NAMES: list[tuple[str, str, list[str]]] = [
    ("positive", "@", ["SOA", "NS", "A", "AAAA", "MX", "TXT", "CAA"]),
    ("positive", "www", ["A", "AAAA"]),
    ("positive", "ns1", ["A", "AAAA"]),
    ("positive", "mail", ["A", "AAAA"]),
    ("positive", "multi", ["TXT"]),
    ("positive", "escapes", ["TXT"]),
    ("positive", "spf", ["SPF"]),
    ("positive", "_sip._tcp", ["SRV"]),
    ("positive", "naptr", ["NAPTR"]),
    ("positive", "ptr", ["PTR"]),
    ("positive", "unknown", ["TYPE65280", "A"]),
    ("positive", "caa", ["CAA"]),
    ("negative", "www", ["TXT", "MX"]),
    ("negative", "@", ["SRV", "PTR"]),
    ("negative", "_tcp", ["A"]),              # empty non-terminal: NODATA
    ("negative", "spf", ["TXT"]),
    ("negative", "unknown", ["AAAA"]),
    ("negative", "nx", ["A"]),
    ("negative", "a.b.nx", ["AAAA"]),
    ("negative", "www2", ["A"]),
    ("negative", "x.www", ["A"]),             # below an existing leaf
    ("cname", "c1", ["A", "AAAA", "MX", "CNAME"]),
    ("cname", "c3", ["A", "TXT", "CNAME"]),
    ("cname", "cmx", ["MX", "NS"]),
    ("cname", "ext", ["A", "CNAME"]),
    ("cname", "cext", ["A", "TXT"]),
    ("cname", "loop1", ["A"]),
    ("cname", "loop2", ["AAAA"]),
    ("cname", "self", ["A"]),
    ("wildcard", "x.wild", ["A", "TXT", "AAAA", "MX"]),
    ("wildcard", "deep.x.wild", ["A"]),
    ("wildcard", "explicit.wild", ["A", "TXT"]),  # explicit name beside the wildcard wins
    ("wildcard", "wild", ["A"]),                 # the wildcard's parent: not covered
    ("wildcard", "ent.wild", ["A"]),             # empty non-terminal blocks the wildcard
    ("wildcard", "x.ent.wild", ["A"]),           # ... and its subtree (NXDOMAIN)
    ("wildcard", "leaf.ent.wild", ["A"]),
    ("wildcard", "*.wild", ["A", "TXT"]),        # the literal wildcard owner
    ("wildcard", "a.wcname", ["A", "AAAA", "TXT"]),
    ("wildcard", "a.b.wcname", ["MX"]),
    ("wildcard", "x.wcext", ["A"]),
    ("dname", "dn", ["DNAME", "A"]),             # the owner answers from its own data
    ("dname", "host.dn", ["A", "AAAA", "CNAME", "DNAME"]),
    ("dname", "alias.dn", ["A"]),                # DNAME, then a CNAME in the target
    ("dname", "a.b.dn", ["A"]),                  # the target does not exist: NXDOMAIN
    ("dname", "x.dnext", ["A", "CNAME"]),        # the target is outside the zone
    ("delegation", "sub", ["A", "NS", "DS", "MX"]),
    ("delegation", "ns.sub", ["A", "AAAA"]),
    ("delegation", "host.sub", ["A"]),
    ("delegation", "deep.host.sub", ["TXT"]),
    ("truncation", "big", ["A"]),
    ("truncation", "bigtxt", ["TXT"]),
    ("truncation", "long", ["TXT"]),
    ("refused", "www.example.org.", ["A"]),
    ("refused", "example.org.", ["SOA"]),
    ("refused", "outside.example.", ["NS"]),
    ("refused", "example.", ["SOA"]),            # the zone's parent
    ("refused", ".", ["NS"]),
    ("refused", "diff.example.org.", ["A"]),
]


def absolute(owner: str) -> str:
    if owner == "@":
        return ZONE
    if owner.endswith("."):
        return owner
    return f"{owner}.{ZONE}"


def mix_case(rng: random.Random, name: str) -> str:
    """Random 0x20 case (draft-vixie-dnsext-dns0x20)."""
    return "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c.lower() for c in name)


def build_query(rng: random.Random, qname: str, qtype: str, edns: int | None) -> bytes:
    q = dns.message.make_query(qname, dns.rdatatype.from_text(qtype),
                               use_edns=0 if edns is not None else False,
                               payload=edns or 512)
    q.id = rng.randrange(1, 65536)
    q.flags = dns.flags.RD if rng.random() < 0.3 else 0
    return q.to_wire()


def build_cases() -> list[dnsdiff.Case]:
    rng = random.Random(SEED)
    cases: list[dnsdiff.Case] = []
    for group, owner, qtypes in NAMES:
        for qtype in qtypes:
            for edns in EDNS_VARIANTS:
                qname = mix_case(rng, absolute(owner))
                cases.append(dnsdiff.Case(group, f"{qname} {qtype} edns={edns}",
                                          build_query(rng, qname, qtype, edns), qname, qtype,
                                          "udp", edns))
            # and once over TCP, where nothing is truncated
            edns = rng.choice(EDNS_VARIANTS)
            qname = mix_case(rng, absolute(owner))
            cases.append(dnsdiff.Case("tcp", f"{qname} {qtype} edns={edns} tcp",
                                      build_query(rng, qname, qtype, edns), qname, qtype, "tcp", edns))
    # protocol errors
    base = build_query(rng, mix_case(rng, "www." + ZONE), "A", None)
    base_edns = build_query(rng, mix_case(rng, "www." + ZONE), "A", 1232)

    def err(label, wire, malformed=False, edns=None):
        cases.append(dnsdiff.Case("errors", label, wire, transport="udp", edns=edns, malformed=malformed))

    def set_opcode(wire: bytes, opcode: int) -> bytes:
        b = bytearray(wire)
        b[2] = (b[2] & 0x87) | (opcode << 3)
        return bytes(b)

    err("opcode 3 (unassigned) -> NOTIMP", set_opcode(base, 3))
    err("opcode 3 with EDNS -> NOTIMP", set_opcode(base_edns, 3), edns=1232)
    err("opcode 2 (STATUS) -> NOTIMP", set_opcode(base, 2))
    err("opcode 15 -> NOTIMP", set_opcode(base, 15))
    qd2 = bytearray(base)
    qd2[4:6] = struct.pack("!H", 2)
    err("QDCOUNT=2 with two questions -> FORMERR", bytes(qd2) + base[12:], malformed=True)
    err("QDCOUNT=2 with one question -> FORMERR", bytes(qd2), malformed=True)
    err("question cut short -> FORMERR", base[:len(base) - 3], malformed=True)
    err("header only, QDCOUNT=1 -> FORMERR", base[:12], malformed=True)
    qd0 = bytearray(base[:12])
    qd0[4:6] = b"\x00\x00"
    err("QDCOUNT=0 -> FORMERR", bytes(qd0), malformed=True)
    qr = bytearray(base)
    qr[2] |= 0x80
    err("QR=1 (a reply sent to us) -> silence", bytes(qr), malformed=True)
    for version in (1, 255):
        q = dns.message.make_query(mix_case(rng, "www." + ZONE), "A", use_edns=version, payload=1232)
        q.id = rng.randrange(1, 65536)
        q.flags = 0
        err(f"EDNS version {version} -> BADVERS", q.to_wire(), edns=1232)
    q = dns.message.make_query(mix_case(rng, "www." + ZONE), "A", rdclass="CH")
    q.id = rng.randrange(1, 65536)
    q.flags = 0
    err("class CH -> REFUSED", q.to_wire())
    q = dns.message.make_query(mix_case(rng, "www." + ZONE), "A", use_edns=0, payload=100)
    q.id = rng.randrange(1, 65536)
    q.flags = 0
    err("EDNS payload 100 (below 512: treated as 512)", q.to_wire(), edns=512)
    return cases


CASES = build_cases()
GROUPS = sorted({c.group for c in CASES})


def send(server: tuple[str, int], case: dnsdiff.Case) -> bytes | None:
    """The reply, or None after a timeout (a lost UDP query is retried once)."""
    for attempt in range(1 if case.malformed else 2):
        try:
            if case.transport == "tcp":
                return harness.send_tcp(server, case.wire)[0]
            return harness.send_udp(server, case.wire, timeout=1.0 if case.malformed else 2.0)
        except (TimeoutError, ConnectionError, OSError):
            continue
    return None


@pytest.fixture(scope="module")
def zone_view():
    return ZoneView(ZONE_FILE, ZONE)


@pytest.fixture(scope="module")
def knot(tmp_path_factory):
    require_knot()
    srv = harness.start_knot({ZONE: ZONE_FILE}, workdir=tmp_path_factory.mktemp("knot"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def knot_replies(knot):
    return {id(c): dnsdiff.parse(send(knot.addr, c)) for c in CASES}


@pytest.fixture(scope="module")
def cairn(request, tmp_path_factory):
    require_cairn()
    data_dir = tmp_path_factory.mktemp("cairn") / "data"
    harness.import_zone(data_dir, ZONE_FILE, ZONE)
    srv = harness.start_cairn(data_dir)
    failed_before = request.session.testsfailed
    try:
        harness.wait_answers(srv.addr, ZONE, 10.0, srv.proc)
    except Exception:
        dump_log(srv, "zone not served")
        srv.stop()
        raise
    yield srv
    rc = srv.stop()
    if request.session.testsfailed > failed_before or rc not in (0, -15):
        dump_log(srv, f"differential failures (exit {rc})")


def test_case_count():
    """A few hundred queries, every group represented."""
    assert len(CASES) >= 300, len(CASES)
    assert set(GROUPS) >= {"positive", "negative", "cname", "wildcard", "delegation", "truncation",
                           "refused", "errors", "tcp"}


def test_rules_are_documented():
    doc = (harness.REPO / "docs" / "differences-from-knot.md").read_text()
    for rule in RULES:
        assert f"`{rule.name}`" in doc, f"rule {rule.name} is not explained in docs/differences-from-knot.md"


@pytest.mark.parametrize("group", GROUPS)
def test_knot_answers_every_query(group, knot_replies):
    """The Knot side itself: every well-formed query gets a parseable reply with our ID."""
    bad = []
    for c in (c for c in CASES if c.group == group and not c.malformed):
        r = knot_replies[id(c)]
        if not r.replied or r.error or r.id != c.qid:
            bad.append(f"{c.label}: {dnsdiff.describe(r)}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("group", GROUPS)
def test_cairn_matches_knot(group, knot_replies, cairn, zone_view):
    failures = []
    used_rules: dict[str, int] = {}
    cases = [c for c in CASES if c.group == group]
    for c in cases:
        knot_r = knot_replies[id(c)]
        expected, applied = expected_from_knot(c, knot_r, zone_view)
        for name in applied:
            used_rules[name] = used_rules.get(name, 0) + 1
        got = dnsdiff.parse(send(cairn.addr, c))
        problems = dnsdiff.diff(expected, got, expected_id=c.qid if expected.replied else None)
        if problems:
            failures.append(
                f"\n=== {c.label} [{c.transport}] query={c.wire.hex()}\n"
                f"  rules applied to Knot's reply: {', '.join(applied) or 'none'}\n"
                + "".join(f"  - {p}\n" for p in problems)
                + f"  knot:\n{dnsdiff.describe(knot_r)}\n  cairn:\n{dnsdiff.describe(got)}")
    summary = f"group {group}: {len(failures)} of {len(cases)} queries differ (seed {SEED}); " \
              f"rules used: {used_rules or 'none'}"
    print(summary)
    assert not failures, summary + "\n" + "".join(failures)
