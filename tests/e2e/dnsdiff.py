"""Normalise DNS replies into comparable values, and print what differs.

A reply becomes a `Reply`: header fields, the question exactly as sent back (0x20 case
kept), each section as a set of RRs (owner compared case-insensitively, TTL included, RDATA
in canonical wire form), and the OPT record (version, payload, DO, options).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

FLAG_NAMES = ("QR", "AA", "TC", "RD", "RA")
FLAG_BITS = {"QR": dns.flags.QR, "AA": dns.flags.AA, "TC": dns.flags.TC, "RD": dns.flags.RD,
             "RA": dns.flags.RA}
SECTIONS = ("answer", "authority", "additional")


@dataclass(frozen=True, order=True)
class RR:
    """One resource record: the comparison key is (owner, ttl, class, type, canonical rdata)."""

    owner: str
    ttl: int
    rdclass: int
    rdtype: int
    rdata: bytes
    text: str = field(compare=False, default="")

    def __str__(self) -> str:
        return self.text or f"{self.owner} {self.ttl} {self.rdtype} {self.rdata.hex()}"


def rrs_of(rrset: dns.rrset.RRset) -> list[RR]:
    owner = rrset.name.to_text().lower()
    out = []
    for rd in rrset:
        canonical = rd.to_digestable()  # names in RDATA lowercased (RFC 4034 6.2)
        shown = dns.rdata.from_wire(rrset.rdclass, rrset.rdtype, canonical, 0, len(canonical))
        text = f"{owner} {rrset.ttl} {dns.rdataclass.to_text(rrset.rdclass)} " \
               f"{dns.rdatatype.to_text(rrset.rdtype)} {shown.to_text()}"
        out.append(RR(owner, rrset.ttl, rrset.rdclass, rrset.rdtype, canonical, text))
    return out


@dataclass(frozen=True)
class Reply:
    """A reply as the differential suite compares it (or `replied=False` for silence)."""

    replied: bool
    id: int = 0
    opcode: int = 0
    rcode: int = 0
    flags: frozenset = frozenset()
    question: tuple = ()
    answer: frozenset = frozenset()
    authority: frozenset = frozenset()
    additional: frozenset = frozenset()
    opt: tuple | None = None  # (version, payload, do_bit, ((otype, data_hex), ...))
    error: str = ""           # the reply could not be parsed

    def with_(self, **kw) -> "Reply":
        return replace(self, **kw)


NO_REPLY = Reply(replied=False)


def parse(wire: bytes | None) -> Reply:
    if wire is None:
        return NO_REPLY
    try:
        msg = dns.message.from_wire(wire, ignore_trailing=False)
    except (dns.exception.DNSException, ValueError, IndexError) as e:
        flags = int.from_bytes(wire[2:4], "big") if len(wire) >= 4 else 0
        return Reply(replied=True, id=int.from_bytes(wire[:2], "big") if len(wire) >= 2 else -1,
                     opcode=(flags >> 11) & 0xF, rcode=flags & 0xF,
                     flags=frozenset(n for n, b in FLAG_BITS.items() if flags & b),
                     error=f"unparseable reply ({type(e).__name__}: {e}): {wire.hex()}")
    return from_message(msg)


def from_message(msg: dns.message.Message) -> Reply:
    question = tuple((q.name.to_text(), q.rdtype, q.rdclass) for q in msg.question)
    sections = {}
    for sec in SECTIONS:
        rrs = []
        for rrset in getattr(msg, sec):
            rrs.extend(rrs_of(rrset))
        sections[sec] = frozenset(rrs)
    opt = None
    if msg.edns >= 0:
        opts = tuple(sorted((int(o.otype), o.to_wire().hex()) for o in msg.options))
        opt = (msg.edns, msg.payload, bool(msg.ednsflags & dns.flags.DO), opts)
    return Reply(replied=True, id=msg.id, opcode=msg.opcode(), rcode=msg.rcode(),
                 flags=frozenset(n for n, b in FLAG_BITS.items() if msg.flags & b),
                 question=question, opt=opt, **sections)


def fmt_rcode(rcode: int) -> str:
    try:
        return dns.rcode.to_text(rcode)
    except ValueError:
        return str(rcode)


def fmt_question(question: tuple) -> str:
    return ", ".join(f"{n} {dns.rdataclass.to_text(c)} {dns.rdatatype.to_text(t)}" for n, t, c in question) or "(none)"


def fmt_opt(opt) -> str:
    if opt is None:
        return "no OPT"
    version, payload, do, opts = opt
    o = " ".join(f"opt{t}={h}" for t, h in opts)
    return f"OPT version={version} payload={payload} do={int(do)} {o}".rstrip()


def describe(r: Reply) -> str:
    if not r.replied:
        return "    (no reply)"
    if r.error:
        return f"    {r.error}"
    lines = [f"    id={r.id} opcode={dns.opcode.to_text(r.opcode)} rcode={fmt_rcode(r.rcode)} "
             f"flags={' '.join(f for f in FLAG_NAMES if f in r.flags)} {fmt_opt(r.opt)}",
             f"    question: {fmt_question(r.question)}"]
    for sec in SECTIONS:
        for rr in sorted(getattr(r, sec)):
            lines.append(f"    {sec[:4]}: {rr}")
    return "\n".join(lines)


def diff(expected: Reply, got: Reply, *, expected_id: int | None = None) -> list[str]:
    """Human-readable differences (empty when the replies are equal for our purposes)."""
    out = []
    if expected.replied != got.replied:
        return [f"reply: expected {'a reply' if expected.replied else 'silence'}, "
                f"got {'a reply' if got.replied else 'silence'}"]
    if not got.replied:
        return []
    if got.error or expected.error:
        if got.error != expected.error:
            out.append(f"parse: expected {expected.error or 'parseable'}, got {got.error or 'parseable'}")
    if expected_id is not None and got.id != expected_id:
        out.append(f"id: expected {expected_id}, got {got.id}")
    if expected.opcode != got.opcode:
        out.append(f"opcode: expected {expected.opcode}, got {got.opcode}")
    if expected.rcode != got.rcode:
        out.append(f"rcode: expected {fmt_rcode(expected.rcode)}, got {fmt_rcode(got.rcode)}")
    for f in FLAG_NAMES:
        if (f in expected.flags) != (f in got.flags):
            out.append(f"flag {f}: expected {int(f in expected.flags)}, got {int(f in got.flags)}")
    if expected.question != got.question:
        out.append(f"question: expected {fmt_question(expected.question)}, got {fmt_question(got.question)}")
    for sec in SECTIONS:
        e, g = getattr(expected, sec), getattr(got, sec)
        for rr in sorted(e - g):
            out.append(f"{sec}: missing  {rr}")
        for rr in sorted(g - e):
            out.append(f"{sec}: extra    {rr}")
    if expected.opt != got.opt:
        out.append(f"edns: expected {fmt_opt(expected.opt)}, got {fmt_opt(got.opt)}")
    return out


@dataclass
class Case:
    """One query of the differential suite."""

    group: str
    label: str
    wire: bytes
    qname: str = ""
    qtype: str = ""
    transport: str = "udp"     # "udp" or "tcp"
    edns: int | None = None    # EDNS payload advertised, None without OPT
    malformed: bool = False    # a query a server may not be able to parse

    @property
    def qid(self) -> int:
        return int.from_bytes(self.wire[:2], "big")

    def size_limit(self) -> int:
        """The largest reply this query allows (RFC 1035 4.2.1, RFC 6891 6.2.5; 4096 server cap)."""
        if self.transport == "tcp":
            return 65535
        if self.edns is None:
            return 512
        return max(512, min(self.edns, 4096))
