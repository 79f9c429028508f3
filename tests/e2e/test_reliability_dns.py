"""Hostile DNS input (issue 7): malformed-packet storms, silent TCP floods, response-rate limiting.

Every load here is bounded in count and time. The server under test is always one we started
(fixture `cairn_server`); after each storm the test asks real questions and checks the answers,
and that the process is alive and logged no panic.
"""

from __future__ import annotations

import random
import socket
import struct
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
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


@pytest.fixture
def zone_file(tmp_path):
    path = tmp_path / "example.com.zone"
    path.write_text(ZONE)
    return path


def assert_serves(srv, tcp: bool = False):
    r = harness.query(srv.addr, "www.example.com.", "A", tcp=tcp, edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert [rr.to_text() for rrset in r.answer for rr in rrset] == ["192.0.2.1"]


def assert_alive(srv):
    assert srv.proc.poll() is None, f"cairn exited:\n{harness.describe_log(srv)}"
    log = srv.log()
    assert "panicked" not in log and "bug:" not in log, harness.describe_log(srv)


# ---------------------------------------------------------------- malformed packets


def header(qid=0x4242, flags=0, qd=1, an=0, ns=0, ar=0) -> bytes:
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)


def opt(payload=1232, ttl=0, rdata=b"", rdlen=None) -> bytes:
    return b"\x00" + struct.pack("!HHIH", 41, payload, ttl, len(rdata) if rdlen is None else rdlen) + rdata


def hostile_messages(rng: random.Random) -> list[bytes]:
    """A catalogue of malformed queries, each kind several times with random variation."""
    msgs = [
        b"", b"\x00", b"\x00" * 11,                                   # shorter than a header
        header(),                                                      # question missing
        header() + b"\xc0\x0c" + struct.pack("!HH", 1, 1),             # question name points at itself
        header() + b"\x03www\xc0\x0c" + struct.pack("!HH", 1, 1),      # pointer loop after a label
        header(ar=1) + QUESTION + b"\xc0\x0c\xc0\x0c",                 # additional record: pointer loop
        header(ar=1) + QUESTION + b"\xc0\xff" + struct.pack("!HHIH", 1, 1, 0, 0),  # pointer past the end
        header(qd=5) + QUESTION,                                       # lying QDCOUNT
        header(qd=0xFFFF) + QUESTION,
        header(an=0xFFFF) + QUESTION,                                  # lying ANCOUNT
        header(ns=3) + QUESTION,
        header(ar=0xFFFF) + QUESTION,                                  # lying ARCOUNT
        header(ar=2) + QUESTION + opt(),                               # one record short
        header(ar=1) + QUESTION + opt(payload=65535),                  # oversized EDNS payload
        header(ar=1) + QUESTION + opt(rdata=b"\x00\x0a\xff\xff" + b"x" * 8),  # option longer than its data
        header(ar=1) + QUESTION + opt(rdlen=400),                      # OPT RDLENGTH past the end
        header(ar=1) + QUESTION + opt()[:5],                           # truncated OPT
        header(ar=2) + QUESTION + opt() + opt(),                       # two OPT records
        header(ar=1) + QUESTION + b"\x03www\x00" + opt()[1:],          # OPT not at the root
        header(ar=1) + QUESTION + opt(ttl=0x00050000),                 # EDNS version 5
        header(ar=1) + QUESTION + opt(rdata=b"\x00\x0a\x00\x08" + b"\x01" * 8) + b"\x00" * 3,  # trailing bytes
        header() + b"\x40" + b"a" * 64 + b"\x00" + struct.pack("!HH", 1, 1),  # label type 01
        header() + (b"\x3f" + b"a" * 63) * 5 + b"\x00" + struct.pack("!HH", 1, 1),  # name > 255
        header() + b"\x03www",                                         # truncated name
        header() + b"\x03www\x00\x00",                                 # truncated type/class
        header(flags=0x8000) + QUESTION,                               # a response (must not reflect)
        header(flags=0x7800) + QUESTION,                               # opcode 15
        header() + QUESTION[:-4] + struct.pack("!HH", 252, 1),         # AXFR over UDP
        header() + QUESTION[:-4] + struct.pack("!HH", 41, 1),          # qtype OPT
        header() + QUESTION[:-4] + struct.pack("!HH", 1, 255),         # class ANY
        header() + b"\x00" * 4000,                                     # huge zero padding
    ]
    out = []
    for _ in range(20):
        out.extend(msgs)
        # Random bytes with a plausible header, and pure noise.
        for _ in range(40):
            n = rng.randrange(0, 600)
            noise = bytes(rng.getrandbits(8) for _ in range(n))
            out.append(noise)
            out.append(header(qid=rng.getrandbits(16), qd=rng.randrange(3), ar=rng.randrange(3)) + noise)
        # Bit flips of a good query with EDNS.
        good = bytearray(header(ar=1) + QUESTION + opt(rdata=b"\x00\x0a\x00\x08" + b"\x01" * 8))
        for _ in range(40):
            m = bytearray(good)
            for _ in range(rng.randrange(1, 6)):
                m[rng.randrange(len(m))] ^= 1 << rng.randrange(8)
            out.append(bytes(m[: rng.randrange(len(m) + 1)]))
    return out


def test_malformed_packet_storm_then_correct_answers(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file}, workers=2)
    rng = random.Random(7)
    storm = hostile_messages(rng)
    t0 = time.monotonic()

    # UDP: every message several times, as fast as we can send (bounded: ~40k datagrams).
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        for _ in range(3):
            for m in storm:
                try:
                    s.sendto(m, srv.addr)
                    sent += 1
                except BlockingIOError:
                    time.sleep(0.001)
        # Drain whatever came back; a response (QR=1) must never be answered.
        s.setblocking(True)
        s.settimeout(0.2)
        try:
            while True:
                s.recvfrom(65535)
        except (socket.timeout, BlockingIOError):
            pass

    # TCP: the same messages framed, many per connection, plus framing abuse.
    for chunk_start in range(0, len(storm), 200):
        chunk = storm[chunk_start:chunk_start + 200]
        try:
            with socket.create_connection(srv.addr, timeout=2) as c:
                c.sendall(b"".join(struct.pack("!H", len(m)) + m for m in chunk))
                c.shutdown(socket.SHUT_WR)
                while c.recv(65535):
                    pass
        except OSError:
            pass  # the server may close a connection that sent garbage; that is fine
    for abuse in [b"\xff\xff" + b"x" * 100, b"\x00\x00" * 50, b"\x00", b"\x00\x05abc"]:
        with socket.create_connection(srv.addr, timeout=2) as c:
            c.sendall(abuse)
            c.shutdown(socket.SHUT_WR)
            try:
                while c.recv(65535):
                    pass
            except OSError:
                pass
    print(f"storm: {sent} datagrams and {len(storm)} TCP messages in {time.monotonic() - t0:.1f}s")

    assert_alive(srv)
    assert_serves(srv)
    assert_serves(srv, tcp=True)

    # Specific answers the storm contained: FORMERR for malformed, nothing for a response.
    r = harness.send_udp(srv.addr, header(qd=5) + QUESTION)
    assert r[3] & 0x0F == dns.rcode.FORMERR
    r = harness.send_udp(srv.addr, header(ar=1) + QUESTION + opt()[:5])
    assert r[3] & 0x0F == dns.rcode.FORMERR
    r = dns.message.from_wire(harness.send_udp(srv.addr, header(ar=1) + QUESTION + opt(payload=65535)))
    assert r.rcode() == dns.rcode.NOERROR and r.payload == 4096
    with pytest.raises(socket.timeout):
        harness.send_udp(srv.addr, header(flags=0x8000) + QUESTION, timeout=0.5)
    r = harness.send_udp(srv.addr, header() + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
    assert r[3] & 0x0F == dns.rcode.FORMERR
    assert_alive(srv)


# ---------------------------------------------------------------- silent TCP floods


def test_tcp_connections_that_never_send_do_not_starve_udp_or_new_tcp_clients(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file}, workers=2)
    flood: list[socket.socket] = []
    worst_tcp = 0.0
    worst_udp = 0.0
    try:
        # 1500 silent connections: more than the server's 1024 slots, so the rest wait in the
        # accept queue. The flood keeps reconnecting what the server closes, for 8 s.
        def open_some(n):
            for _ in range(n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    s.connect(srv.addr)
                except BlockingIOError:
                    pass
                flood.append(s)

        open_some(1500)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            t = time.monotonic()
            assert_serves(srv)
            worst_udp = max(worst_udp, time.monotonic() - t)
            t = time.monotonic()
            r = dns.message.from_wire(harness.send_tcp(srv.addr, harness.make_query("www.example.com.", "A"),
                                                       timeout=8)[0])
            worst_tcp = max(worst_tcp, time.monotonic() - t)
            assert r.rcode() == dns.rcode.NOERROR and r.answer
            # The attacker replaces connections the server has closed.
            alive = []
            for s in flood:
                try:
                    if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                        s.close()
                        continue
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    s.close()
                    continue
                alive.append(s)
            flood[:] = alive
            open_some(1500 - len(flood))
            time.sleep(0.2)
    finally:
        for s in flood:
            s.close()
    print(f"under a silent flood: worst UDP answer {worst_udp * 1000:.0f} ms, worst new TCP client {worst_tcp:.2f} s")
    assert worst_udp < 1.0
    # With more than half the slots taken a silent connection is closed after 1 s, so a new
    # client waits at most a couple of those rounds in the accept queue.
    assert worst_tcp < 5.0
    assert_alive(srv)
    assert_serves(srv, tcp=True)


# ---------------------------------------------------------------- response-rate limiting


def burst_from(source: str, server, n: int, qname="www.example.com.") -> dict:
    """Send `n` identical queries from `source`, as fast as possible; classify the replies."""
    wire = harness.make_query(qname, "A", edns=0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        # Room for every reply while we are still sending (the default buffer holds ~250).
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        for i in range(n):
            s.sendto(struct.pack("!H", i) + wire[2:], server)
        s.settimeout(0.5)
        full = truncated = 0
        try:
            while True:
                data, _ = s.recvfrom(65535)
                r = dns.message.from_wire(data)
                if r.flags & dns.flags.TC:
                    assert not r.answer, "a slipped reply carries no records"
                    assert r.question[0].name.to_text() == qname
                    truncated += 1
                else:
                    assert r.answer
                    full += 1
        except socket.timeout:
            pass
    return {"full": full, "truncated": truncated, "dropped": n - full - truncated}


def test_rrl_limits_a_non_exempt_source_and_slips_every_second_reply(cairn_server, zone_file):
    srv = cairn_server(zones={"example.com": zone_file},
                       extra_args=["--rrl-exempt-loopback", "false", "--rrl-rate", "5", "--rrl-slip", "2"])
    got = burst_from("127.0.0.2", srv.addr, 200)
    print("127.0.0.2, rate 5/s, 200 queries:", got)
    # About 5 full answers (plus what refills while the burst is sent), then half TC, half dropped.
    assert 5 <= got["full"] <= 15
    assert got["truncated"] >= 80 and got["dropped"] >= 80
    # Another /24 has its own budget; a TCP client is never limited.
    assert burst_from("127.0.1.2", srv.addr, 5)["full"] == 5
    assert_serves(srv, tcp=True)
    # The bucket refills at the rate.
    time.sleep(1.2)
    assert burst_from("127.0.0.2", srv.addr, 5)["full"] == 5
    assert_alive(srv)


def test_rrl_exempts_loopback_and_trusted_networks_by_default_and_rate_0_turns_it_off(cairn_server, zone_file):
    # Defaults: loopback is exempt.
    srv = cairn_server(zones={"example.com": zone_file})
    assert burst_from("127.0.0.2", srv.addr, 300)["full"] >= 295
    srv.stop()
    # Loopback not exempt, but a trusted network is.
    srv = cairn_server(zones={"example.com": zone_file}, extra_args=[
        "--rrl-exempt-loopback", "false", "--rrl-rate", "5", "--trusted-network", "127.0.5.0/24"])
    assert burst_from("127.0.5.9", srv.addr, 300)["full"] >= 295
    assert burst_from("127.0.6.9", srv.addr, 100)["full"] <= 15
    srv.stop()
    # --rrl-rate 0: off for everyone.
    srv = cairn_server(zones={"example.com": zone_file},
                       extra_args=["--rrl-exempt-loopback", "false", "--rrl-rate", "0"])
    assert burst_from("127.0.0.2", srv.addr, 300)["full"] >= 295
    assert "response-rate limiting off" in srv.log()
