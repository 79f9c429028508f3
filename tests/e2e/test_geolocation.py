"""Geolocation routing end to end: `cairn serve --geoip-db` with the test MaxMind DB
(tests/fixtures/geoip/test-city.mmdb, written by make_test_city.py beside it), records made
with boto3, and dnspython/dig queries carrying EDNS Client Subnet options from chosen subnets.

The fixture places 198.51.100.0/24 in US-CA, 203.0.113.0/24 in US-TX, 192.0.2.0/25 in DE
(Europe), 100.64.1.0/24 in JP (Asia) and 2001:db8:1::/48 in GB; loopback is nowhere.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

import dns.edns
import dns.message
import dns.rcode
import pytest

import harness

boto3 = pytest.importorskip("boto3")

GEOIP_DB = harness.REPO / "tests" / "fixtures" / "geoip" / "test-city.mmdb"
NAME = "www.geo.example."

# set identifier -> (GeoLocation, answer)
RECORDS = {
    "default": ({"CountryCode": "*"}, "10.0.0.1"),
    "europe": ({"ContinentCode": "EU"}, "10.0.0.2"),
    "us": ({"CountryCode": "US"}, "10.0.0.3"),
    "california": ({"CountryCode": "US", "SubdivisionCode": "CA"}, "10.0.0.4"),
}


def geo_zone(srv, checks: dict[str, str] | None = None) -> tuple[object, str]:
    """A zone geo.example with the four geolocation records of RECORDS at NAME."""
    r53 = harness.route53_client(srv)
    zone_id = r53.create_hosted_zone(Name="geo.example", CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    changes = []
    for ident, (location, ip) in RECORDS.items():
        rrset = {"Name": NAME, "Type": "A", "TTL": 60, "SetIdentifier": ident, "GeoLocation": location,
                 "ResourceRecords": [{"Value": ip}]}
        if checks and ident in checks:
            rrset["HealthCheckId"] = checks[ident]
        changes.append({"Action": "CREATE", "ResourceRecordSet": rrset})
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    harness.wait_answers(srv.addr, "geo.example.")
    harness.wait_insync(r53, change)
    return r53, zone_id.split("/")[-1]


def ask(srv, subnet: str | None = None, prefix: int | None = None) -> dns.message.Message:
    return harness.ask_ecs(srv.addr, NAME, subnet, prefix)


def addresses(reply: dns.message.Message) -> list[str]:
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def ecs_of(reply: dns.message.Message):
    found = [o for o in reply.options if isinstance(o, dns.edns.ECSOption)]
    return found[0] if found else None


@pytest.fixture
def geo_server(cairn_server):
    return cairn_server(extra_args=["--geoip-db", str(GEOIP_DB)])


def test_ecs_subnets_get_their_most_specific_record_and_scope(geo_server):
    geo_zone(geo_server)
    for subnet, prefix, want in [
        ("198.51.100.0", 24, "10.0.0.4"),  # US-CA: the state
        ("203.0.113.0", 24, "10.0.0.3"),   # US-TX: no TX record, the country
        ("192.0.2.0", 25, "10.0.0.2"),     # DE: no DE record, the continent
        ("2001:db8:1::", 48, "10.0.0.2"),  # GB over IPv6: the continent
        ("100.64.1.0", 24, "10.0.0.1"),    # JP, Asia: nothing for it, the default
    ]:
        reply = ask(geo_server, subnet, prefix)
        assert reply.rcode() == dns.rcode.NOERROR
        assert addresses(reply) == [want], (subnet, prefix)
        ecs = ecs_of(reply)
        assert ecs is not None, "the ECS option is echoed"
        assert (ecs.address, ecs.srclen, ecs.scopelen) == (subnet, prefix, prefix), (subnet, prefix)


def test_without_ecs_loopback_gets_the_default(geo_server):
    geo_zone(geo_server)
    reply = ask(geo_server)
    assert addresses(reply) == ["10.0.0.1"]
    assert ecs_of(reply) is None, "no ECS in the query, none in the answer"
    # Over TCP too.
    q = dns.message.make_query(NAME, "A", use_edns=0)
    tcp = dns.message.from_wire(harness.send_tcp(geo_server.addr, q.to_wire())[0])
    assert addresses(tcp) == ["10.0.0.1"]
    tcp_ecs = dns.message.make_query(NAME, "A", use_edns=0, options=[dns.edns.ECSOption("198.51.100.0", 24)])
    assert addresses(dns.message.from_wire(harness.send_tcp(geo_server.addr, tcp_ecs.to_wire())[0])) == ["10.0.0.4"]


def test_malformed_ecs_is_formerr(geo_server):
    geo_zone(geo_server)
    q = dns.message.make_query(NAME, "A", use_edns=0,
                               options=[dns.edns.GenericOption(dns.edns.OptionType.ECS, b"\x00\x01\x18\x00\xc6\x33")])
    reply = dns.message.from_wire(harness.send_udp(geo_server.addr, q.to_wire()))
    assert reply.rcode() == dns.rcode.FORMERR


def test_without_geoip_db_only_the_default_answers(cairn_server):
    srv = cairn_server()
    geo_zone(srv)
    reply = ask(srv, "198.51.100.0", 24)
    assert addresses(reply) == ["10.0.0.1"]
    assert ecs_of(reply).scopelen == 0, "the answer does not depend on the client"


def test_unhealthy_records_fall_back_to_larger_regions(geo_server, ok_backend):
    r53 = harness.route53_client(geo_server)
    checks = {}
    for ident in ("us", "california", "europe"):
        checks[ident] = ok_backend.health_check(r53)
    geo_zone(geo_server, checks)
    texas = lambda: addresses(ask(geo_server, "203.0.113.0", 24))  # noqa: E731
    california = lambda: addresses(ask(geo_server, "198.51.100.0", 24))  # noqa: E731
    assert texas() == ["10.0.0.3"]

    # The US record fails: Texas has no state record and goes up to... the default, since
    # there is no North America record; California keeps its own state record.
    assert harness.health_override(geo_server, checks["us"], "unhealthy")["Healthy"] is False
    harness.wait_for(texas, lambda a: a == ["10.0.0.1"])
    assert california() == ["10.0.0.4"]

    # The state record fails too: California goes to the next larger healthy region.
    harness.health_override(geo_server, checks["california"], "unhealthy")
    harness.wait_for(california, lambda a: a == ["10.0.0.1"])

    # Back to healthy: the most specific records answer again.
    harness.health_override(geo_server, checks["us"], None)
    harness.health_override(geo_server, checks["california"], None)
    harness.wait_for(california, lambda a: a == ["10.0.0.4"])
    harness.wait_for(texas, lambda a: a == ["10.0.0.3"])


def test_unhealthy_country_falls_back_to_its_continent_record(geo_server, ok_backend):
    """A country record (GB) inside a continent that has one (EU): GB down ⇒ EU."""
    r53 = harness.route53_client(geo_server)
    hc = ok_backend.health_check(r53)
    _, zone_id = geo_zone(geo_server)
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": NAME, "Type": "A", "TTL": 60, "SetIdentifier": "britain", "HealthCheckId": hc,
            "GeoLocation": {"CountryCode": "GB"}, "ResourceRecords": [{"Value": "10.0.0.5"}]}}]})
    britain = lambda: addresses(ask(geo_server, "2001:db8:1::", 48))  # noqa: E731
    harness.wait_for(britain, lambda a: a == ["10.0.0.5"])
    harness.health_override(geo_server, hc, "unhealthy")
    harness.wait_for(britain, lambda a: a == ["10.0.0.2"])
    harness.health_override(geo_server, hc, None)
    harness.wait_for(britain, lambda a: a == ["10.0.0.5"])


def dig_answers(srv, subnet: str) -> list[str]:
    host, port = srv.addr
    out = subprocess.run(["dig", f"@{host}", "-p", str(port), "+short", "+tries=1", "+time=2",
                          f"+subnet={subnet}", NAME, "A"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return sorted(line for line in out.stdout.split() if line)


def test_testdnsanswer_with_a_client_subnet_agrees_with_dig(geo_server):
    r53, zone_id = geo_zone(geo_server)
    for ip, mask, subnet in [
        ("198.51.100.77", "24", "198.51.100.0/24"),
        ("203.0.113.5", "24", "203.0.113.0/24"),
        ("192.0.2.9", "25", "192.0.2.0/25"),
        ("100.64.1.1", "24", "100.64.1.0/24"),
    ]:
        got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=NAME, RecordType="A",
                                  EDNS0ClientSubnetIP=ip, EDNS0ClientSubnetMask=mask)
        assert got["ResponseCode"] == "NOERROR"
        if shutil.which("dig"):
            want = dig_answers(geo_server, subnet)
        else:
            want = addresses(ask(geo_server, subnet.split("/")[0], int(subnet.split("/")[1])))
        assert sorted(got["RecordData"]) == want, (ip, mask)
    # The default mask (/24) and the resolver address stand in the same way.
    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=NAME, RecordType="A",
                              EDNS0ClientSubnetIP="198.51.100.200")
    assert got["RecordData"] == ["10.0.0.4"]
    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=NAME, RecordType="A", ResolverIP="203.0.113.53")
    assert got["RecordData"] == ["10.0.0.3"]
    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=NAME, RecordType="A")
    assert got["RecordData"] == ["10.0.0.1"], "no resolver or subnet: a client of unknown location"
