"""Routing policies through the real binary (issue 6): weighted shares over thousands of
queries, latency by the node's `--region`, and aliases at the apex answered as the target's
type. Records are made with boto3; queries are dnspython over UDP to `cairn serve`.
(Failover, multivalue, calculated and inverted checks: test_health_failover.py; geolocation,
geoproximity, IP-based: their own modules.)
"""

from __future__ import annotations

import collections
import uuid

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

import harness

boto3 = pytest.importorskip("boto3")


def make_zone(srv, name: str, rrsets: list[dict]) -> str:
    r53 = harness.route53_client(srv)
    zone_id = r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    if rrsets:
        change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": s} for s in rrsets]})["ChangeInfo"]["Id"]
        harness.wait_for(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"], lambda s: s == "INSYNC")
    return zone_id.split("/")[-1]


def ask(srv, name: str, rtype: str = "A") -> dns.message.Message:
    q = dns.message.make_query(name, rtype)
    return dns.message.from_wire(harness.send_udp(srv.addr, q.to_wire()))


def values(reply: dns.message.Message) -> list[str]:
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def a_set(name: str, ip: str, ttl: int = 60, **policy) -> dict:
    return {"Name": name, "Type": "A", "TTL": ttl, "ResourceRecords": [{"Value": ip}], **policy}


def test_weighted_shares_stay_within_statistical_bounds(cairn_server):
    srv = cairn_server()
    name = "w.weights.example."
    make_zone(srv, "weights.example", [
        a_set(name, "10.0.0.1", SetIdentifier="one", Weight=1),
        a_set(name, "10.0.0.3", SetIdentifier="three", Weight=3),
        a_set(name, "10.0.0.9", SetIdentifier="never", Weight=0),
    ])
    n = 4000
    counts = collections.Counter(tuple(values(ask(srv, name))) for _ in range(n))
    # Each answer is exactly one record set.
    assert set(counts) <= {("10.0.0.1",), ("10.0.0.3",)}, counts
    # Weight 0 is never chosen while another weight is positive.
    assert counts[("10.0.0.9",)] == 0
    # Weight 1 of 4: expected 1,000 of 4,000, standard deviation ~27; allow five of them.
    sigma = (n * 0.25 * 0.75) ** 0.5
    assert abs(counts[("10.0.0.1",)] - n * 0.25) < 5 * sigma, counts
    assert counts[("10.0.0.1",)] + counts[("10.0.0.3",)] == n


def test_all_zero_weights_are_chosen_uniformly(cairn_server):
    srv = cairn_server()
    name = "z.weights.example."
    make_zone(srv, "weights.example", [
        a_set(name, f"10.0.1.{i}", SetIdentifier=f"s{i}", Weight=0) for i in range(1, 5)])
    n = 2000
    counts = collections.Counter(values(ask(srv, name))[0] for _ in range(n))
    assert sorted(counts) == [f"10.0.1.{i}" for i in range(1, 5)]
    sigma = (n * 0.25 * 0.75) ** 0.5
    for ip, count in counts.items():
        assert abs(count - n / 4) < 5 * sigma, counts


LATENCY = [("us-east-1", "10.1.0.1"), ("eu-west-1", "10.1.0.2"), ("ap-southeast-2", "10.1.0.3")]


@pytest.mark.parametrize("node_region, want", [
    ("us-east-1", "10.1.0.1"),       # its own region
    ("us-east-2", "10.1.0.1"),       # Ohio: Virginia is nearest
    ("eu-central-1", "10.1.0.2"),    # Frankfurt: Ireland
    ("ap-southeast-4", "10.1.0.3"),  # Melbourne: Sydney
])
def test_latency_answers_the_region_nearest_the_node(cairn_server, node_region, want):
    srv = cairn_server(extra_args=["--region", node_region])
    name = "api.latency.example."
    make_zone(srv, "latency.example", [a_set(name, ip, SetIdentifier=region, Region=region)
                                       for region, ip in LATENCY])
    assert values(ask(srv, name)) == [want]


def test_latency_skips_an_unhealthy_region(cairn_server, ok_backend):
    srv = cairn_server(extra_args=["--region", "eu-central-1"])
    r53 = harness.route53_client(srv)
    check = ok_backend.health_check(r53)
    name = "api.latency.example."
    make_zone(srv, "latency.example", [
        a_set(name, ip, SetIdentifier=region, Region=region, **({"HealthCheckId": check} if region == "eu-west-1" else {}))
        for region, ip in LATENCY])
    assert values(ask(srv, name)) == ["10.1.0.2"]
    harness.health_override(srv, check, "unhealthy")
    # Ireland down: Virginia (~6,500 km) is nearer Frankfurt than Sydney (~16,500 km).
    harness.wait_for(lambda: values(ask(srv, name)), lambda v: v == ["10.1.0.1"])
    harness.health_override(srv, check, None)
    harness.wait_for(lambda: values(ask(srv, name)), lambda v: v == ["10.1.0.2"])


def test_an_alias_at_the_apex_is_answered_as_the_targets_type(cairn_server):
    srv = cairn_server()
    zone_id = make_zone(srv, "apex.example", [
        {"Name": "www.apex.example.", "Type": "A", "TTL": 300,
         "ResourceRecords": [{"Value": "192.0.2.10"}, {"Value": "192.0.2.11"}]},
    ])
    other = make_zone(srv, "other.example", [
        {"Name": "lb.other.example.", "Type": "AAAA", "TTL": 120, "ResourceRecords": [{"Value": "2001:db8::80"}]}])
    r53 = harness.route53_client(srv)
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "apex.example.", "Type": "A", "AliasTarget": {
            "HostedZoneId": zone_id, "DNSName": "www.apex.example.", "EvaluateTargetHealth": False}}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "apex.example.", "Type": "AAAA", "AliasTarget": {
            "HostedZoneId": other, "DNSName": "lb.other.example.", "EvaluateTargetHealth": False}}},
    ]})["ChangeInfo"]["Id"]
    harness.wait_for(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"], lambda s: s == "INSYNC")

    reply = ask(srv, "apex.example.", "A")
    assert reply.rcode() == dns.rcode.NOERROR
    assert [(r.name.to_text(), r.rdtype, r.ttl) for r in reply.answer] == [("apex.example.", dns.rdatatype.A, 300)], \
        "the query name, the alias's type and the target's TTL; never a CNAME"
    assert values(reply) == ["192.0.2.10", "192.0.2.11"]
    # The AAAA alias reaches a name in another hosted zone Cairn serves.
    reply = ask(srv, "apex.example.", "AAAA")
    assert [(r.name.to_text(), r.rdtype, r.ttl) for r in reply.answer] == [("apex.example.", dns.rdatatype.AAAA, 120)]
    assert values(reply) == ["2001:db8::80"]
    # An alias answers only its own type: TXT at the apex is NODATA with the SOA.
    reply = ask(srv, "apex.example.", "TXT")
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []
    assert any(r.rdtype == dns.rdatatype.SOA for r in reply.authority)
