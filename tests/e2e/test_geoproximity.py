"""Geoproximity routing end to end: `cairn serve --geoip-db` with the test MaxMind DB
(tests/fixtures/geoip/test-city.mmdb; make_test_city.py beside it lists each network's
coordinates), records made with boto3 in each of the three forms of GeoProximityLocation,
and dnspython/dig queries with EDNS Client Subnet options from chosen subnets.

Clients: 198.51.100.0/24 San Francisco, 203.0.113.0/24 Dallas, 192.0.2.128/25 Paris,
2001:db8:1::/48 London, 100.64.1.0/24 Tokyo; loopback is nowhere. Resources: Los Angeles
(LocalZoneGroup us-west-2-lax-1), Oregon (AWSRegion us-west-2), Frankfurt (Coordinates).
Distances that decide the tests: San Francisco–Los Angeles ~560 km, San Francisco–Oregon
~900 km; Tokyo–Oregon ~7,900 km, Tokyo–Los Angeles ~8,800 km, Tokyo–Frankfurt ~9,300 km.
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
from botocore.exceptions import ClientError  # noqa: E402

GEOIP_DB = harness.REPO / "tests" / "fixtures" / "geoip" / "test-city.mmdb"
NAME = "www.prox.example."

# set identifier -> (GeoProximityLocation, answer)
RECORDS = {
    "los-angeles": ({"LocalZoneGroup": "us-west-2-lax-1"}, "10.0.1.1"),
    "oregon": ({"AWSRegion": "us-west-2"}, "10.0.1.2"),
    "frankfurt": ({"Coordinates": {"Latitude": "50.11", "Longitude": "8.68"}}, "10.0.1.3"),
}
ANSWER = {ident: ip for ident, (_, ip) in RECORDS.items()}


@pytest.fixture
def prox_server(cairn_server):
    return cairn_server(extra_args=["--geoip-db", str(GEOIP_DB)])


def rrset(ident: str, location: dict, check: str | None = None) -> dict:
    out = {"Name": NAME, "Type": "A", "TTL": 60, "SetIdentifier": ident,
           "GeoProximityLocation": location, "ResourceRecords": [{"Value": ANSWER[ident]}]}
    if check:
        out["HealthCheckId"] = check
    return out


def prox_zone(srv, checks: dict[str, str] | None = None) -> tuple[object, str]:
    """Zone prox.example with the three geoproximity records of RECORDS at NAME."""
    r53 = harness.route53_client(srv)
    zone_id = r53.create_hosted_zone(Name="prox.example", CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    changes = [{"Action": "CREATE", "ResourceRecordSet": rrset(ident, location, (checks or {}).get(ident))}
               for ident, (location, _) in RECORDS.items()]
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    harness.wait_answers(srv.addr, "prox.example.")
    harness.wait_insync(r53, change)
    return r53, zone_id.split("/")[-1]


def ask(srv, subnet: str | None = None, prefix: int | None = None) -> dns.message.Message:
    return harness.ask_ecs(srv.addr, NAME, subnet, prefix)


def answer(srv, subnet: str | None = None, prefix: int | None = None) -> list[str]:
    reply = ask(srv, subnet, prefix)
    assert reply.rcode() == dns.rcode.NOERROR
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def upsert(r53, zone_id: str, ident: str, location: dict) -> None:
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": rrset(ident, location)}]})


def test_each_client_gets_the_nearest_resource_with_the_ecs_scope(prox_server):
    prox_zone(prox_server)
    for subnet, prefix, want in [
        ("198.51.100.0", 24, "los-angeles"),  # San Francisco
        ("203.0.113.0", 24, "los-angeles"),   # Dallas
        ("192.0.2.128", 25, "frankfurt"),     # Paris
        ("2001:db8:1::", 48, "frankfurt"),    # London, over IPv6
        ("100.64.1.0", 24, "oregon"),         # Tokyo: Oregon is nearer than Los Angeles
    ]:
        reply = ask(prox_server, subnet, prefix)
        assert sorted(rd.to_text() for r in reply.answer for rd in r) == [ANSWER[want]], (subnet, want)
        ecs = [o for o in reply.options if isinstance(o, dns.edns.ECSOption)]
        assert ecs and (ecs[0].srclen, ecs[0].scopelen) == (prefix, prefix), "the answer depends on the whole subnet"


def test_bias_grows_and_shrinks_a_resources_reach(prox_server):
    r53, zone_id = prox_zone(prox_server)
    san_francisco = lambda: answer(prox_server, "198.51.100.0", 24)  # noqa: E731
    tokyo = lambda: answer(prox_server, "100.64.1.0", 24)  # noqa: E731
    assert san_francisco() == [ANSWER["los-angeles"]]

    # +50 halves Oregon's distance (~450 km < ~560 km): San Francisco moves to Oregon.
    upsert(r53, zone_id, "oregon", {"AWSRegion": "us-west-2", "Bias": 50})
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["oregon"]])
    # −50 on Oregon doubles it instead (~1,800 km): back to Los Angeles.
    upsert(r53, zone_id, "oregon", {"AWSRegion": "us-west-2", "Bias": -50})
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["los-angeles"]])
    # Tokyo, nearest Oregon, now goes to Los Angeles; with +99 Frankfurt draws it in.
    harness.wait_for(tokyo, lambda a: a == [ANSWER["los-angeles"]])
    upsert(r53, zone_id, "frankfurt", {"Coordinates": {"Latitude": "50.11", "Longitude": "8.68"}, "Bias": 99})
    harness.wait_for(tokyo, lambda a: a == [ANSWER["frankfurt"]])

    # The stored bias and location come back as they were written.
    listed = r53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=NAME, StartRecordType="A")
    by_id = {s["SetIdentifier"]: s for s in listed["ResourceRecordSets"] if s["Name"] == NAME}
    assert by_id["oregon"]["GeoProximityLocation"] == {"AWSRegion": "us-west-2", "Bias": -50}
    assert by_id["los-angeles"]["GeoProximityLocation"] == {"LocalZoneGroup": "us-west-2-lax-1"}
    assert by_id["frankfurt"]["GeoProximityLocation"] == {
        "Coordinates": {"Latitude": "50.11", "Longitude": "8.68"}, "Bias": 99}


def test_an_unhealthy_resource_gives_way_to_the_next_nearest(prox_server, ok_backend):
    r53 = harness.route53_client(prox_server)
    checks = {ident: ok_backend.health_check(r53) for ident in ("los-angeles", "oregon")}
    prox_zone(prox_server, checks)
    san_francisco = lambda: answer(prox_server, "198.51.100.0", 24)  # noqa: E731
    assert san_francisco() == [ANSWER["los-angeles"]]

    harness.health_override(prox_server, checks["los-angeles"], "unhealthy")
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["oregon"]])
    # Oregon fails too: Frankfurt (no health check) is the only healthy one left.
    harness.health_override(prox_server, checks["oregon"], "unhealthy")
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["frankfurt"]])
    # Back to healthy: the nearest answers again.
    harness.health_override(prox_server, checks["los-angeles"], None)
    harness.health_override(prox_server, checks["oregon"], None)
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["los-angeles"]])


def test_every_resource_unhealthy_means_all_count_as_healthy(prox_server, ok_backend):
    r53 = harness.route53_client(prox_server)
    checks = {ident: ok_backend.health_check(r53) for ident in RECORDS}
    prox_zone(prox_server, checks)
    san_francisco = lambda: answer(prox_server, "198.51.100.0", 24)  # noqa: E731
    # The checks fail one at a time, each step seen in the answers before the next: a health
    # status reaches DNS asynchronously, and "all failing" answers as "all healthy" would, so
    # only the steps in between show the last override has arrived.
    harness.health_override(prox_server, checks["los-angeles"], "unhealthy")
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["oregon"]])
    harness.health_override(prox_server, checks["oregon"], "unhealthy")
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["frankfurt"]])
    harness.health_override(prox_server, checks["frankfurt"], "unhealthy")
    # Every record failing: Route 53 treats them all as healthy, so the nearest answers.
    harness.wait_for(san_francisco, lambda a: a == [ANSWER["los-angeles"]])
    assert answer(prox_server, "192.0.2.128", 25) == [ANSWER["frankfurt"]]


def test_a_client_the_database_cannot_place_is_measured_from_the_nodes_region(cairn_server):
    # Loopback is in no network of the database: the node's --region stands in.
    europe = cairn_server(extra_args=["--geoip-db", str(GEOIP_DB), "--region", "eu-central-1"])
    prox_zone(europe)
    assert answer(europe) == [ANSWER["frankfurt"]]
    assert answer(europe, "100.64.2.0", 24) == [ANSWER["frankfurt"]], "a continent-only record has no point"
    # Without a database every client is unplaced, ECS or not.
    west = cairn_server(extra_args=["--region", "us-west-1"])
    prox_zone(west)
    assert answer(west) == [ANSWER["los-angeles"]]
    assert answer(west, "192.0.2.128", 25) == [ANSWER["los-angeles"]]


def test_testdnsanswer_agrees_with_dig(prox_server):
    r53, zone_id = prox_zone(prox_server)
    for ip, mask, want in [("198.51.100.9", "24", "los-angeles"), ("192.0.2.200", "25", "frankfurt"),
                           ("100.64.1.1", "24", "oregon")]:
        got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName=NAME, RecordType="A",
                                  EDNS0ClientSubnetIP=ip, EDNS0ClientSubnetMask=mask)
        assert got["ResponseCode"] == "NOERROR"
        assert got["RecordData"] == [ANSWER[want]], ip
        if shutil.which("dig"):
            host, port = prox_server.addr
            out = subprocess.run(["dig", f"@{host}", "-p", str(port), "+short", "+tries=1", "+time=2",
                                  f"+subnet={ip}/{mask}", NAME, "A"], capture_output=True, text=True, timeout=10)
            assert out.stdout.split() == [ANSWER[want]], ip


def test_bad_locations_are_refused_with_invalid_input(prox_server):
    r53, zone_id = prox_zone(prox_server)
    for location, message in [
        ({"Coordinates": {"Latitude": "91", "Longitude": "0"}}, "Latitude '91' must be between -90 and 90"),
        ({"Coordinates": {"Latitude": "1.234", "Longitude": "0"}}, "cvc-pattern-valid: Value '1.234'"),
        ({"AWSRegion": "mars-north-1"}, "Unknown AWSRegion 'mars-north-1'"),
        ({"LocalZoneGroup": "lax"}, "Unknown LocalZoneGroup 'lax'"),
        ({"AWSRegion": "us-west-2", "LocalZoneGroup": "us-west-2-lax-1"},
         "Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found more than one"),
        ({"Bias": 10}, "Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found none"),
    ]:
        with pytest.raises(ClientError) as err:
            upsert(r53, zone_id, "oregon", location)
        assert err.value.response["Error"]["Code"] == "InvalidInput", location
        assert message in err.value.response["Error"]["Message"], (location, err.value.response["Error"]["Message"])
    # Nothing changed: Oregon still answers Tokyo.
    assert answer(prox_server, "100.64.1.0", 24) == [ANSWER["oregon"]]
