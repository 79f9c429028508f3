"""DNS COOKIE (RFC 7873, server cookies as RFC 9018) and Extended DNS Errors (RFC 8914) on a
real `cairn serve` (issue 15), asked with dnspython, dig and kdig.

Cookies: the client cookie is echoed with a 16-byte server cookie (version 1, reserved zero,
a timestamp near now); a server cookie sent back is accepted; a malformed COOKIE option is
FORMERR; response-rate limiting sends BADCOOKIE instead of a TC=1 slip to a client that sent
a cookie, and lets a client with a valid server cookie through.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import pytest

import harness

ZONE = """\
$ORIGIN example.com.
$TTL 300
@    3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300
          IN NS  ns1.example.com.
ns1       IN A   192.0.2.53
www       IN A   192.0.2.1
"""

COOKIE = 10
EDE = 15
BADCOOKIE = 23
CLIENT = bytes.fromhex("0123456789abcdef")


@pytest.fixture
def zone_file(tmp_path):
    path = tmp_path / "example.com.zone"
    path.write_text(ZONE)
    return path


def ask(server, data: bytes | None, *, qname="www.example.com.", tcp=False, source=None,
        edns=True) -> dns.message.Message:
    """One query whose OPT carries a COOKIE option with `data` (none when `data` is None)."""
    options = [] if data is None else [dns.edns.GenericOption(COOKIE, data)]
    q = dns.message.make_query(qname, "A", use_edns=0 if edns else False, options=options)
    q.flags = 0
    if tcp:
        return dns.message.from_wire(harness.send_tcp(server, q.to_wire())[0])
    if source is None:
        return dns.message.from_wire(harness.send_udp(server, q.to_wire()))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(2)
        s.sendto(q.to_wire(), server)
        return dns.message.from_wire(s.recvfrom(65535)[0])


def cookie_of(reply: dns.message.Message) -> bytes | None:
    found = [o.to_wire() for o in reply.options if o.otype == COOKIE]
    assert len(found) <= 1, found
    return found[0] if found else None


def ede_of(reply: dns.message.Message) -> list[tuple[int, str]]:
    return [(o.code, o.text or "") for o in reply.options if o.otype == EDE]


def assert_server_cookie(cookie: bytes, client: bytes = CLIENT) -> bytes:
    """The reply's cookie echoes `client` with an RFC 9018 server cookie; returns it whole."""
    assert cookie is not None and len(cookie) == 24, cookie
    assert cookie[:8] == client
    assert cookie[8] == 1 and cookie[9:12] == b"\0\0\0", cookie[8:].hex()
    (stamp,) = struct.unpack("!I", cookie[12:16])
    assert abs(stamp - time.time()) < 300
    return cookie


def test_cookie_echoed_accepted_and_malformed_is_formerr(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file})
    # A first query: client cookie only. The answer is as usual, with a server cookie.
    first = ask(srv.addr, CLIENT)
    assert first.rcode() == dns.rcode.NOERROR
    assert [rr.to_text() for rrset in first.answer for rr in rrset] == ["192.0.2.1"]
    full = assert_server_cookie(cookie_of(first))
    # Sent back, it is accepted: same answer, a server cookie again (over TCP too).
    again = ask(srv.addr, full)
    assert again.rcode() == dns.rcode.NOERROR and again.answer
    assert_server_cookie(cookie_of(again))
    assert_server_cookie(cookie_of(ask(srv.addr, full, tcp=True)))
    # A server cookie we did not make (another server's, 8 bytes) gets a fresh one of ours.
    foreign = ask(srv.addr, CLIENT + b"\x99" * 8)
    assert foreign.rcode() == dns.rcode.NOERROR and foreign.answer
    assert_server_cookie(cookie_of(foreign))
    # Error replies carry it too: REFUSED for a name in no zone, with EDE 20.
    refused = ask(srv.addr, CLIENT, qname="www.example.org.")
    assert refused.rcode() == dns.rcode.REFUSED
    assert_server_cookie(cookie_of(refused))
    assert ede_of(refused) == [(20, "")]
    # Malformed COOKIE options (RFC 7873 §5.2.2): FORMERR, no cookie back.
    for bad in (CLIENT[:7], CLIENT + b"\1", CLIENT + b"\2" * 7, CLIENT + b"\3" * 33):
        reply = ask(srv.addr, bad)
        assert reply.rcode() == dns.rcode.FORMERR, len(bad)
        assert reply.edns < 0 or cookie_of(reply) is None
    # No cookie, or no EDNS at all: replies as before, without a COOKIE option.
    assert cookie_of(ask(srv.addr, None)) is None
    plain = ask(srv.addr, None, edns=False)
    assert plain.edns < 0 and plain.answer


def test_dig_and_kdig_see_a_good_cookie(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file})
    host, port = srv.addr
    dig = shutil.which("dig")
    kdig = shutil.which("kdig")
    if not dig and not kdig:
        pytest.skip("neither dig nor kdig is installed")
    if dig:
        out = subprocess.run([dig, f"@{host}", "-p", str(port), "+cookie", "+norec",
                              "www.example.com", "A"], capture_output=True, text=True,
                             timeout=10).stdout
        # dig checks the echoed client cookie and prints "(good)" when it matches.
        assert "status: NOERROR" in out, out
        assert "COOKIE:" in out and "(good)" in out, out
    if kdig:
        out = subprocess.run([kdig, f"@{host}", "-p", str(port), "+cookie", "+norec",
                              "www.example.com", "A"], capture_output=True, text=True,
                             timeout=10).stdout
        assert "NOERROR" in out, out
        # kdig prints the client and server cookie after COOKIE:, 16 + 32 hex digits.
        line = next(line for line in out.splitlines() if "COOKIE:" in line)
        assert len(line.split("COOKIE:")[1].strip().split()[0]) == 48, line


def burst(source: str, server, n: int, cookie: bytes) -> dict:
    """`n` identical queries from `source` with COOKIE `cookie`; the replies by kind."""
    q = dns.message.make_query("www.example.com.", "A", use_edns=0,
                               options=[dns.edns.GenericOption(COOKIE, cookie)])
    q.flags = 0
    wire = q.to_wire()
    kinds = {"full": 0, "truncated": 0, "badcookie": 0}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        for i in range(n):
            s.sendto(struct.pack("!H", i) + wire[2:], server)
        s.settimeout(0.5)
        try:
            while True:
                r = dns.message.from_wire(s.recvfrom(65535)[0])
                if r.rcode() == BADCOOKIE:
                    assert not r.answer and not r.flags & dns.flags.TC
                    assert_server_cookie(cookie_of(r), cookie[:8])
                    kinds["badcookie"] += 1
                elif r.flags & dns.flags.TC:
                    kinds["truncated"] += 1
                else:
                    assert r.answer
                    kinds["full"] += 1
        except socket.timeout:
            pass
    return kinds


def test_rrl_sends_badcookie_and_lets_a_valid_server_cookie_through(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file},
                       extra_args=["--rrl-exempt-loopback", "false", "--rrl-rate", "5",
                                   "--rrl-slip", "2"])
    # A client cookie only: the slips are BADCOOKIE with a server cookie, never TC=1.
    got = burst("127.0.0.2", srv.addr, 200, CLIENT)
    print("client cookie only:", got)
    assert 5 <= got["full"] <= 15
    assert got["badcookie"] >= 80 and got["truncated"] == 0
    # With the server cookie learnt, the source is proven: every reply is sent.
    time.sleep(1.2)  # the bucket refills: this reply is sent in full
    learnt = assert_server_cookie(cookie_of(ask(srv.addr, CLIENT, source="127.0.0.2")))
    got = burst("127.0.0.2", srv.addr, 200, learnt)
    print("valid server cookie:", got)
    # (A datagram or two may be lost in the socket buffers under the burst, never limited.)
    assert got["full"] >= 195 and got["truncated"] == 0 and got["badcookie"] == 0


def test_resolver_listener_cookie_and_prohibited(cairn_server):
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}"])
    resolver = ("127.0.0.1", resolver_port)
    # No VPC is for 127.0.0.1: REFUSED, with EDE 18 (Prohibited) and the cookie echoed.
    reply = ask(resolver, CLIENT)
    assert reply.rcode() == dns.rcode.REFUSED
    assert ede_of(reply) == [(18, "")]
    full = assert_server_cookie(cookie_of(reply))
    assert_server_cookie(cookie_of(ask(resolver, full, tcp=True)))
    # Without EDNS there is no OPT, so no EDE either.
    plain = ask(resolver, None, edns=False)
    assert plain.rcode() == dns.rcode.REFUSED and plain.edns < 0
    assert os.path.exists(srv.log_path)
