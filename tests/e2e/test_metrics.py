"""The Prometheus exporter (issue 15) against a real `cairn serve`: known DNS and API traffic,
then `GET /metrics`, parsed whole by `prometheus_client`'s parser, with exact increases."""

from __future__ import annotations

import json
import urllib.request

import pytest

import harness

prometheus_parser = pytest.importorskip("prometheus_client.parser")
pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

ZONE = """$ORIGIN metrics.example.
$TTL 300
@    SOA ns1 hostmaster 1 7200 900 1209600 300
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.1
"""


def scrape(port: int) -> tuple[str, dict]:
    """The exposition text and every sample, keyed by (name, sorted labels)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = resp.read().decode()
    samples = {}
    for family in prometheus_parser.text_string_to_metric_families(text):
        for s in family.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            assert key not in samples, f"duplicate series {key}"
            samples[key] = s.value
    return text, samples


def value(samples: dict, name: str, **labels) -> float:
    """A series' value; a series not exported yet counts as 0, as Prometheus reads it."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_after_known_traffic(cairn_server, tmp_path):
    zone_file = tmp_path / "metrics.zone"
    zone_file.write_text(ZONE)
    port = harness.free_port()
    srv = cairn_server(zones={"metrics.example": zone_file},
                       extra_args=["--metrics-listen", f"127.0.0.1:{port}"])
    assert srv.extra["ready"]["metrics"] == f"127.0.0.1:{port}"
    r53 = harness.route53_client(srv)
    zone_id = r53.list_hosted_zones()["HostedZones"][0]["Id"]

    _, before = scrape(port)
    # DNS: 3 × A over UDP, 1 × AAAA over TCP (NOERROR, no data), 1 NXDOMAIN, 1 REFUSED.
    for _ in range(3):
        assert harness.query(srv.addr, "www.metrics.example", "A").rcode() == 0
    assert harness.query(srv.addr, "www.metrics.example", "AAAA", tcp=True).rcode() == 0
    assert harness.query(srv.addr, "nope.metrics.example", "A").rcode() == 3
    assert harness.query(srv.addr, "www.not-served.test", "MX").rcode() == 5
    # API: two reads and one NoSuchHostedZone.
    r53.get_hosted_zone(Id=zone_id)
    r53.get_hosted_zone(Id=zone_id)
    with pytest.raises(ClientError):
        r53.get_hosted_zone(Id="ZNOSUCHZONE1234")
    # EC2 names its action in the form body: the label is the action, errors included.
    ec2 = harness.route53_client(srv, "ec2")
    ec2.describe_vpcs()
    with pytest.raises(ClientError):
        ec2.delete_vpc(VpcId="vpc-0000000000000000f")

    text, after = scrape(port)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    req = "cairn_dns_requests_total"
    assert delta(req, listener="public", proto="udp", type="A") == 4
    assert delta(req, listener="public", proto="tcp", type="AAAA") == 1
    assert delta(req, listener="public", proto="udp", type="MX") == 1
    resp = "cairn_dns_responses_total"
    assert delta(resp, listener="public", proto="udp", rcode="NOERROR") == 3
    assert delta(resp, listener="public", proto="tcp", rcode="NOERROR") == 1
    assert delta(resp, listener="public", proto="udp", rcode="NXDOMAIN") == 1
    assert delta(resp, listener="public", proto="udp", rcode="REFUSED") == 1
    assert value(after, "cairn_dns_rrl_dropped_total", listener="public") == 0
    # Latency: one observation per query, in CoreDNS's buckets; answers from memory are fast.
    dur = "cairn_dns_request_duration_seconds"
    assert delta(f"{dur}_count", listener="public", proto="udp") == 5
    assert delta(f"{dur}_count", listener="public", proto="tcp") == 1
    assert value(after, f"{dur}_bucket", listener="public", proto="udp", le="+Inf") == \
        value(after, f"{dur}_count", listener="public", proto="udp")
    assert value(after, f"{dur}_bucket", listener="public", proto="udp", le="8.192") == \
        value(after, f"{dur}_count", listener="public", proto="udp")
    assert 0 < delta(f"{dur}_sum", listener="public", proto="udp") < 5
    assert f'{dur}_bucket{{listener="public",proto="udp",le="0.00025"}}' in text

    api = "cairn_api_requests_total"
    get_op = "GET /2013-04-01/hostedzone/{id}"
    assert delta(api, service="route53", operation=get_op, status="200") == 2
    assert delta(api, service="route53", operation=get_op, status="404") == 1
    assert delta("cairn_api_request_duration_seconds_count", service="route53") == 3
    assert delta(api, service="ec2", operation="DescribeVpcs", status="200") == 1
    assert delta(api, service="ec2", operation="DeleteVpc", status="400") == 1
    assert value(after, "cairn_api_request_duration_seconds_bucket", service="route53", le="+Inf") == \
        value(after, "cairn_api_request_duration_seconds_count", service="route53")

    assert value(after, "cairn_snapshot_zones") == 1
    assert value(after, "cairn_snapshot_seq") >= 1
    assert ("cairn_resolver_cache_hits_total", ()) in after
    # No VPC query went upstream: the histogram is there, empty.
    assert value(after, "cairn_resolver_upstream_duration_seconds_count") == 0
    assert ("cairn_resolver_upstream_duration_seconds_bucket", (("le", "+Inf"),)) in after

    # Snapshot age and change-log lag, labelled with this node's id.
    node = (srv.workdir / "node-id").read_text().strip()
    age = value(after, "cairn_snapshot_age_seconds", node=node)
    assert ("cairn_snapshot_age_seconds", (("node", node),)) in after and age >= 0
    assert value(after, "cairn_changelog_lag", node=node) == 0
    # A change resets the age: applied within the poll, the age starts again from 0.
    import time
    time.sleep(1.5)
    assert value(scrape(port)[1], "cairn_snapshot_age_seconds", node=node) >= 1.5
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": "new.metrics.example.", "Type": "A", "TTL": 60,
            "ResourceRecords": [{"Value": "192.0.2.9"}]}}]})
    harness.wait_insync(r53, change)
    fresh = scrape(port)[1]
    assert value(fresh, "cairn_snapshot_age_seconds", node=node) < 1.5
    assert value(fresh, "cairn_changelog_lag", node=node) == 0
    assert value(fresh, "cairn_snapshot_seq") > value(after, "cairn_snapshot_seq")
    # The TCP query's connection closes once the client hangs up (the server may still be
    # finishing it at the first scrape).
    harness.wait_for(lambda: value(scrape(port)[1], "cairn_dns_tcp_connections", listener="public"),
                     lambda n: n == 0)
    # The scrape is not an API call; the readiness endpoint is not counted either.
    assert "/_cairn/health" not in text


def test_health_check_status_is_exported(cairn_server, tmp_path):
    port = harness.free_port()
    srv = cairn_server(extra_args=["--metrics-listen", f"127.0.0.1:{port}"])
    backend = harness.OkBackend()
    try:
        r53 = harness.route53_client(srv)
        check = backend.health_check(r53)
        harness.health_override(srv, check, "unhealthy")
        key = ("cairn_health_check_status", (("health_check_id", check),))
        harness.wait_for(lambda: scrape(port)[1].get(key), lambda v: v == 0.0)
        harness.health_override(srv, check, "healthy")
        harness.wait_for(lambda: scrape(port)[1].get(key), lambda v: v == 1.0)
    finally:
        backend.stop()


def test_metrics_listen_none_turns_the_exporter_off(cairn_server):
    srv = cairn_server(extra_args=["--metrics-listen", "none"])
    assert srv.extra["ready"]["metrics"] is None
    # The server still answers.
    assert harness.http_get_json(srv, "/_cairn/health")["status"] == "ok"


def test_metrics_listen_rejects_a_bad_address(tmp_path):
    res = harness.cairn("serve", "--data-dir", str(tmp_path / "d"), "--api-listen", "127.0.0.1:0",
                        "--dns-listen", "127.0.0.1:0", "--metrics-listen", "nowhere", check=False,
                        timeout=20)
    assert res.returncode != 0
    assert "--metrics-listen \"nowhere\"" in res.stderr + res.stdout

