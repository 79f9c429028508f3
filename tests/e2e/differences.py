"""The deliberate differences between Cairn and Knot DNS, as named rules.

The differential suite sends every query to Knot and to Cairn. Knot's reply, passed through
these rules in order, is what Cairn must answer exactly. Each rule is one documented
behaviour, with its source; docs/differences-from-knot.md explains each one for users.
Anything not covered by a rule is a bug in Cairn (or in a rule): the suite prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

from dnsdiff import RR, Case, Reply, rrs_of

A, AAAA, NS, MX, SRV, CNAME = (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.NS,
                               dns.rdatatype.MX, dns.rdatatype.SRV, dns.rdatatype.CNAME)


class ZoneView:
    """The zone file as data, for rules that add records Knot does not send."""

    def __init__(self, path: Path, origin: str):
        self.origin = dns.name.from_text(origin)
        self.zone = dns.zone.from_file(str(path), origin=self.origin, relativize=False)
        self.cuts = [n for n, node in self.zone.nodes.items()
                     if n != self.origin and node.get_rdataset(dns.rdataclass.IN, NS) is not None]

    def rrs(self, name: dns.name.Name, rdtype: int) -> list[RR]:
        rds = self.zone.get_rdataset(name, rdtype)
        if rds is None:
            return []
        return rrs_of(dns.rrset.from_rdata_list(name, rds.ttl, list(rds)))

    def authoritative(self, name: dns.name.Name) -> bool:
        """In the zone and not at or below a delegation point (so not glue)."""
        return name.is_subdomain(self.origin) and not any(name.is_subdomain(c) for c in self.cuts)


@dataclass(frozen=True)
class Rule:
    """A deliberate difference: `apply` turns Knot's reply into Cairn's, or returns None."""

    name: str
    source: str
    summary: str
    apply: Callable[[Case, Reply, ZoneView], Reply | None]


def _size(case: Case, r: Reply) -> int:
    """Wire size of reply `r` to `case`, rendered with name compression."""
    qname, qtype, qclass = r.question[0]
    msg = dns.message.Message(id=r.id)
    msg.question.append(dns.rrset.RRset(dns.name.from_text(qname), qclass, qtype))
    for sec_name, sec in (("answer", msg.answer), ("authority", msg.authority),
                          ("additional", msg.additional)):
        groups: dict = {}
        for rr in getattr(r, sec_name):
            groups.setdefault((rr.owner, rr.rdclass, rr.rdtype, rr.ttl), []).append(rr)
        for (owner, rdclass, rdtype, ttl), rrs in groups.items():
            rds = [dns.rdata.from_wire(rdclass, rdtype, rr.rdata, 0, len(rr.rdata)) for rr in rrs]
            sec.append(dns.rrset.from_rdata_list(dns.name.from_text(owner), ttl, rds))
    if r.opt is not None:
        msg.use_edns(r.opt[0], payload=r.opt[1])
    return len(msg.to_wire())


def _route53_authority_and_additional(case: Case, knot: Reply, zone: ZoneView) -> Reply | None:
    positive = (knot.replied and not knot.error and knot.rcode == 0 and "AA" in knot.flags
                and "TC" not in knot.flags and knot.answer and not knot.authority)
    if not positive:
        return None
    apex_ns = zone.rrs(zone.origin, NS)
    out = knot
    if not set(apex_ns) <= knot.answer:
        out = out.with_(authority=frozenset(apex_ns))
    # Targets whose A/AAAA go in additional: NS (authority and answer), MX and SRV (answer),
    # and CNAME when the CNAME itself was asked for (otherwise the chain is followed in the
    # answer section and the target's data of the asked type is already there).
    with_targets = (NS, MX, SRV, CNAME) if case.qtype.upper() == "CNAME" else (NS, MX, SRV)
    targets: list[dns.name.Name] = []
    for rr in sorted(out.authority) + sorted(out.answer):
        if rr.rdtype in with_targets:
            rd = dns.rdata.from_wire(rr.rdclass, rr.rdtype, rr.rdata, 0, len(rr.rdata))
            target = rd.target if rr.rdtype != MX else rd.exchange
            if target not in targets:
                targets.append(target)
    extra: list[frozenset] = []  # one RRset at a time, so they can be dropped whole
    have = set(out.answer) | set(out.additional)
    for t in targets:
        if not zone.authoritative(t):
            continue
        for rdtype in (A, AAAA):
            rrset = frozenset(zone.rrs(t, rdtype)) - have
            if rrset:
                extra.append(rrset)
                have |= rrset
    candidate = out.with_(additional=out.additional.union(*extra))
    # Records added here are optional: drop additional RRsets, then the NS, rather than truncate.
    while extra and _size(case, candidate) > case.size_limit():
        extra.pop()
        candidate = out.with_(additional=out.additional.union(*extra))
    if _size(case, candidate) > case.size_limit():
        candidate = knot
    return candidate if candidate != knot else None


def _formerr_instead_of_silence(case: Case, knot: Reply, zone: ZoneView) -> Reply | None:
    if not case.malformed or knot.replied or len(case.wire) < 12:
        return None
    flags = int.from_bytes(case.wire[2:4], "big")
    if flags & 0x8000:  # a reply: never answered, by either server
        return None
    return Reply(replied=True, id=case.qid, opcode=(flags >> 11) & 0xF, rcode=1,
                 flags=frozenset({"QR"} | ({"RD"} if flags & 0x0100 else set())))


# EDE 20 (Not Authoritative) with no EXTRA-TEXT, as both servers send it on REFUSED.
_EDE_NOT_AUTHORITATIVE = (15, "0014")


def _no_extended_errors(case: Case, knot: Reply, zone: ZoneView) -> Reply | None:
    if knot.opt is None or not any(t == 15 for t, _ in knot.opt[3]):
        return None
    version, payload, do, opts = knot.opt
    keep = lambda o: o[0] != 15 or (knot.rcode == 5 and o == _EDE_NOT_AUTHORITATIVE)  # noqa: E731
    kept = tuple(o for o in opts if keep(o))
    if kept == opts:
        return None
    return knot.with_(opt=(version, payload, do, kept))


RULES: list[Rule] = [
    Rule(
        name="route53-authority-ns",
        source="ROUTE53.md §2.7 [DG:DNSBehavior]",
        summary="Positive authoritative answers carry the zone's apex NS RRset in the authority "
                "section, and the A/AAAA RRsets of in-zone targets of NS, MX, SRV and CNAME "
                "records in additional (minus RRsets already in the answer). Knot sends minimal "
                "responses (no NS in authority). The added records are optional: they are left "
                "out, never truncated, when the reply would not fit.",
        apply=_route53_authority_and_additional,
    ),
    Rule(
        name="formerr-for-malformed",
        source="issue 2 (FORMERR for malformed queries); RFC 1035 §4.1.1",
        summary="Knot drops a query it cannot parse (QDCOUNT 2, a question cut short) without "
                "a reply. Cairn answers FORMERR: ID, opcode and RD copied, QR set, no question, "
                "no records, no OPT.",
        apply=_formerr_instead_of_silence,
    ),
    Rule(
        name="no-extended-dns-errors",
        source="ROUTE53.md §2.7 (documents no EDE); RFC 8914 makes EDE optional; issue 15",
        summary="Knot 3.2 adds an Extended DNS Error option when the query has EDNS. Cairn "
                "sends the same EDE 20 (Not Authoritative, no text) on REFUSED for a name in "
                "no zone (issue 15), and no other EDE on the public listener: Knot's others "
                "are removed.",
        apply=_no_extended_errors,
    ),
]


def expected_from_knot(case: Case, knot: Reply, zone: ZoneView) -> tuple[Reply, list[str]]:
    """Cairn's expected reply, and the names of the rules that changed Knot's."""
    applied = []
    out = knot
    for rule in RULES:
        new = rule.apply(case, out, zone)
        if new is not None and new != out:
            out = new
            applied.append(rule.name)
    return out, applied
