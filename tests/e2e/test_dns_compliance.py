"""ISC's DNS compliance tests ("genreport", issue 15) against the public listener.

genreport is not packaged for Debian, so this module sends its query set itself and applies
its checks. Both are read from genreport.c's `opts[]` table and `process()` (ISC's
DNS-Compliance-Testing, 2016-2019; read in the mirror damaestro/DNS-Compliance-Testing):
each test is one query to the zone's apex, and the test is "ok" when no check below tags
the reply. Tested here: the default set (EDNS: dns, edns, edns1, edns@512, ednsopt,
edns1opt, do, ednsflags, optlist, ednstcp), the full set (aa, ad, cd, ra, rd, tc, zflag,
opcode, opcodeflg, type666, tcp, docd, edns1do, the nsid/cookie/expire/subnet options with
EDNS 0 and 1) and the common-client set (bind11, dig11). Left out: dnswkk (TSIG with a
well-known key: Cairn answers only its configured keys) and icmp (ping).

Checks, as `process()` makes them for an authoritative (non-recursive) server:
- the opcode is echoed; EDNS version 0: NOERROR (BADCOOKIE allowed with a cookie), a non-QUERY
  opcode NOTIMP; EDNS version 1: BADVERS; the OPT, when any, is version 0 and BADVERS agrees
  with the version; an OPT exactly when the query had one;
- SOA queries: the SOA in the answer when NOERROR, none otherwise;
- option 100 (unknown) is not echoed; DO answered with DO when RRSIGs come back; CD echoed;
- AA set on NOERROR QUERY answers, never for other opcodes; RA never for other opcodes;
  RD echoed for QUERY only; AD only when asked for (AD or DO); CD only when set; Z clear;
  the OPT's flags other than DO clear;
- edns@512 (TC ignored): the reply fits 512 bytes;
- a server cookie, when sent, echoes the client cookie 0102030405060708.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytest

import harness

ZONE = """\
$ORIGIN compliance.example.
$TTL 300
@    3600 IN SOA ns1.compliance.example. hostmaster.compliance.example. 1 7200 900 1209600 300
          IN NS  ns1.compliance.example.
          IN MX  10 mail.compliance.example.
ns1       IN A   192.0.2.53
mail      IN A   192.0.2.25
"""
APEX = "compliance.example."

SOA, DNSKEY, OPT, RRSIG = 6, 48, 41, 46
NOERROR, NOTIMP, BADVERS, BADCOOKIE = 0, 4, 16, 23
CLIENT_COOKIE = bytes.fromhex("0102030405060708")

# Header bits.
QR, AA, TC, RD, RA, Z, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0040, 0x0020, 0x0010
DO = 0x8000

NSID = struct.pack("!HH", 3, 0)
ECS = struct.pack("!HHHBB", 8, 4, 1, 0, 0)
EXPIRE = struct.pack("!HH", 9, 0)
COOKIE = struct.pack("!HH", 10, 8) + CLIENT_COOKIE
OPT100 = struct.pack("!HH", 100, 0)


@dataclass(frozen=True)
class Probe:
    """One row of genreport's opts[]."""
    name: str
    udpsize: int = 0          # 0: no EDNS
    eflags: int = 0
    version: int = 0
    options: bytes = b""
    tcp: bool = False
    cookie: bool = False
    ignore: bool = False      # ignore TC (edns@512)
    flags: int = 0            # header flags set in the query: TC RD RA CD AD AA Z
    opcode: int = 0
    qtype: int = SOA


TESTS = [
    Probe("dns"),
    Probe("aa", flags=AA),
    Probe("ad", flags=AD),
    Probe("cd", flags=CD),
    Probe("ra", flags=RA),
    Probe("rd", flags=RD),
    Probe("tc", flags=TC),
    Probe("zflag", flags=Z),
    Probe("opcode", opcode=15, qtype=0),
    Probe("opcodeflg", opcode=15, qtype=0, flags=TC | RD | RA | CD | AD | AA | Z),
    Probe("type666", qtype=666),
    Probe("tcp", tcp=True),
    Probe("edns", udpsize=4096),
    Probe("edns1", udpsize=4096, version=1),
    Probe("edns@512", udpsize=512, ignore=True, eflags=DO, qtype=DNSKEY),
    Probe("ednsopt", udpsize=4096, options=OPT100),
    Probe("edns1opt", udpsize=4096, version=1, options=OPT100),
    Probe("do", udpsize=4096, eflags=DO),
    Probe("docd", udpsize=4096, eflags=DO, flags=CD),
    Probe("edns1do", udpsize=4096, eflags=DO, version=1),
    Probe("ednsflags", udpsize=4096, eflags=0x0080),
    Probe("optlist", udpsize=4096, options=NSID + ECS + EXPIRE + COOKIE, cookie=True),
    Probe("ednsnsid", udpsize=4096, options=NSID),
    Probe("ednscookie", udpsize=4096, options=COOKIE, cookie=True),
    Probe("ednsexpire", udpsize=4096, options=EXPIRE),
    Probe("ednssubnet", udpsize=4096, options=ECS),
    Probe("edns1nsid", udpsize=4096, version=1, options=NSID),
    Probe("edns1cookie", udpsize=4096, version=1, options=COOKIE, cookie=True),
    Probe("edns1expire", udpsize=4096, version=1, options=EXPIRE),
    Probe("edns1subnet", udpsize=4096, version=1, options=ECS),
    Probe("ednstcp", udpsize=512, eflags=DO, tcp=True, qtype=DNSKEY),
    Probe("bind11", udpsize=4096, eflags=DO, options=COOKIE, cookie=True),
    Probe("dig11", udpsize=4096, options=COOKIE, cookie=True, flags=RD | AD),
]


KNOWN_GAPS = {"opcodeflg": ["rd", "cd"]}


def wire_name(name: str) -> bytes:
    return b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"


def build(test: Probe, qid: int) -> bytes:
    """The query genreport sends for `test` (res_mkquery, then the flags and OPT it sets)."""
    flags = (test.opcode << 11) | test.flags
    question = b"" if test.opcode else wire_name(APEX) + struct.pack("!HH", test.qtype, 1)
    msg = struct.pack("!HHHHHH", qid, flags, 0 if test.opcode else 1, 0, 0, 1 if test.udpsize else 0)
    msg += question
    if test.udpsize:
        ttl = (test.version << 16) | test.eflags
        msg += b"\0" + struct.pack("!HHIH", OPT, test.udpsize, ttl, len(test.options)) + test.options
    return msg


@dataclass
class Parsed:
    flags: int
    rcode: int
    counts: tuple
    answer: list        # (owner, type)
    opt: tuple | None   # (udpsize, ttl, options [(code, data)])
    length: int


def read_name(msg: bytes, pos: int) -> tuple[str, int]:
    labels, end = [], None
    for _ in range(128):
        n = msg[pos]
        if n == 0:
            return ".".join(labels) + ".", (end if end is not None else pos + 1)
        if n & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
            continue
        labels.append(msg[pos + 1:pos + 1 + n].decode().lower())
        pos += 1 + n
    raise ValueError("name loop")


def parse(msg: bytes) -> Parsed:
    """Every section, as process() walks it; a malformed reply raises."""
    _, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    pos = 12
    for _ in range(qd):
        _, pos = read_name(msg, pos)
        pos += 4
    answer, opt = [], None
    for i in range(an + ns + ar):
        owner, pos = read_name(msg, pos)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        rdata = msg[pos + 10:pos + 10 + rdlen]
        assert len(rdata) == rdlen, "record cut short"
        pos += 10 + rdlen
        if i < an:
            answer.append((owner, rtype))
        if rtype == OPT:
            assert i >= an + ns and opt is None, "OPT out of place or twice"
            options, p = [], 0
            while p < len(rdata):
                code, olen = struct.unpack("!HH", rdata[p:p + 4])
                options.append((code, rdata[p + 4:p + 4 + olen]))
                p += 4 + olen
            assert p == len(rdata), "option cut short"
            opt = (rclass, ttl, options)
    assert pos == len(msg), "trailing bytes"
    rcode = (flags & 0xF) + (((opt[1] >> 24) << 4) if opt else 0)
    return Parsed(flags, rcode, (qd, an, ns, ar), answer, opt, len(msg))


def tags(test: Probe, r: Parsed, opcode: int) -> list[str]:
    """genreport's tags for the reply: empty means "ok"."""
    out = []
    if test.opcode and any(r.counts):
        out.append("non-empty-section")
    if opcode != test.opcode:
        out.append(f"opcode{opcode}")
    if test.version == 0:
        if test.opcode == 0 and r.rcode != NOERROR and not (
                test.cookie and r.rcode == BADCOOKIE and cookie_seen(r)):
            out.append(f"rcode{r.rcode}")
        if test.opcode != 0 and r.rcode != NOTIMP:
            out.append(f"rcode{r.rcode}")
    if test.version != 0 and r.rcode != BADVERS:
        out.append(f"rcode{r.rcode}")
    if r.opt:
        version = (r.opt[1] >> 16) & 0xFF
        if version != 0:
            out.append("version-not-zero")
        if (version < test.version and r.rcode != BADVERS) or (version >= test.version and r.rcode == BADVERS):
            out.append("badversion")
    if not r.opt and test.udpsize:
        out.append("noopt")
    if r.opt and not test.udpsize:
        out.append("opt")
    seen_soa = any(owner == APEX and t == SOA for owner, t in r.answer)
    if test.qtype == SOA and test.version == 0 and not test.ignore and not seen_soa and r.rcode == NOERROR:
        out.append("nosoa")
    if test.qtype == SOA and seen_soa and (test.version != 0 or r.rcode != NOERROR):
        out.append("soa")
    if r.opt and any(code == 100 for code, _ in r.opt[2]):
        out.append("echoed")
    seen_rrsig = any(t == RRSIG for _, t in r.answer)
    if r.opt and test.eflags & DO and not r.opt[1] & DO and seen_rrsig:
        out.append("nodo")
    if r.opt and test.eflags & DO and test.flags & CD and r.opt[1] & DO and not r.flags & CD and seen_rrsig:
        out.append("nocd")
    if not r.flags & AA and test.version == 0 and r.rcode == NOERROR and test.opcode == 0:
        out.append("noaa")
    if r.flags & AA and test.opcode:
        out.append("aa")
    if r.flags & RA and test.opcode:
        out.append("ra")
    if r.flags & RD and (test.opcode or not test.flags & RD):
        out.append("rd")
    if not r.flags & RD and test.flags & RD and test.opcode == 0:
        out.append("nord")
    if r.flags & AD and (test.opcode or (not test.flags & AD and not test.eflags & DO)):
        out.append("ad")
    if r.flags & CD and (test.opcode or not test.flags & CD):
        out.append("cd")
    if r.flags & Z:
        out.append("z")
    if r.opt and r.opt[1] & 0x7FFF:
        out.append("mbz")
    if test.ignore and r.length > (test.udpsize or 512):
        out.append("toobig")
    if test.cookie and cookie_seen(r) and cookie_seen(r)[:8] != CLIENT_COOKIE:
        out.append("cookie-mismatch")
    return out


def cookie_seen(r: Parsed) -> bytes | None:
    """A server cookie option (16 to 40 bytes), as process() counts one."""
    for code, data in (r.opt[2] if r.opt else []):
        if code == 10 and 16 <= len(data) <= 40:
            return data
    return None


def run(server, test: Probe, qid: int) -> Parsed:
    """Sends `test`'s query; falls back to TCP on TC=1 unless the test ignores TC, as genreport."""
    query = build(test, qid)
    if test.tcp:
        reply = harness.send_tcp(server, query)[0]
    else:
        reply = harness.send_udp(server, query)
        if struct.unpack("!H", reply[2:4])[0] & TC and not test.ignore:
            reply = harness.send_tcp(server, query)[0]
    assert reply[:2] == query[:2], "reply id"
    assert struct.unpack("!H", reply[2:4])[0] & QR, "QR clear"
    return parse(reply)


@pytest.fixture(scope="module")
def zone_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("compliance") / "compliance.example.zone"
    path.write_text(ZONE)
    return path


def test_every_genreport_test_is_ok(cairn_server, zone_file):
    srv = cairn_server(zones={"compliance.example": zone_file})
    report = {}
    for i, test in enumerate(TESTS):
        parsed = run(srv.addr, test, 0x4000 + i)
        opcode = (parsed.flags >> 11) & 0xF
        report[test.name] = tags(test, parsed, opcode) or ["ok"]
    print(" ".join(f"{name}={','.join(t)}" for name, t in report.items()))
    # Not yet ok, and known: a header-only NOTIMP copies RD and CD (crates/wire header.rs
    # does it on purpose for every header-only reply; genreport wants them only for QUERY).
    assert {name: t for name, t in report.items() if t != ["ok"]} == KNOWN_GAPS


def test_checks_catch_a_non_compliant_reply():
    """The checks are not vacuous: replies with the faults genreport reports are tagged."""
    def reply(flags, rcode=0, answer=(), opt=None, counts=(1, 0, 0, 0), length=100):
        return Parsed(QR | flags, rcode, counts, list(answer), opt, length)

    soa = [(APEX, SOA)]
    edns = next(t for t in TESTS if t.name == "edns")
    assert tags(edns, reply(AA, answer=soa), 0) == ["noopt"]
    assert tags(edns, reply(AA, answer=soa, opt=(4096, 0x0001, [])), 0) == ["mbz"]
    assert tags(edns, reply(0, answer=soa, opt=(4096, 0, [])), 0) == ["noaa"]
    ednsopt = next(t for t in TESTS if t.name == "ednsopt")
    assert tags(ednsopt, reply(AA, answer=soa, opt=(4096, 0, [(100, b"")])), 0) == ["echoed"]
    edns1 = next(t for t in TESTS if t.name == "edns1")
    assert tags(edns1, reply(AA, answer=soa, opt=(4096, 0, []), ), 0) == ["rcode0", "badversion", "soa"]
    opcodeflg = next(t for t in TESTS if t.name == "opcodeflg")
    assert tags(opcodeflg, reply(RD | CD, rcode=NOTIMP, counts=(0, 0, 0, 0)), 15) == ["rd", "cd"]
    cookie = next(t for t in TESTS if t.name == "ednscookie")
    bad = (4096, 0, [(10, b"\x09" * 8 + b"\x01" * 16)])
    assert tags(cookie, reply(AA, answer=soa, opt=bad), 0) == ["cookie-mismatch"]
    e512 = next(t for t in TESTS if t.name == "edns@512")
    assert tags(e512, reply(AA, opt=(4096, DO, []), length=600), 0) == ["toobig"]
