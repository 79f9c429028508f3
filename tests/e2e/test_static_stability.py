"""Static stability (issue 15): Route 53's promise that the data plane keeps answering when
the control plane cannot.

Two `cairn serve` nodes share a real PostgreSQL. With PostgreSQL stopped, both keep answering
DNS, their APIs answer ServiceUnavailable at once (Route 53's XML, the json protocol, EC2's
query protocol) and readiness says "serving", not writable. Node B killed with -9 and started
again during the outage serves its saved snapshot. When PostgreSQL returns, both take writes
again without a restart, and B follows changes made through A.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

import harness
from postgres_server import postgres_server  # noqa: F401  (the fixture)

ZONE = "stable.test"


def a_records(server, name: str) -> set[str]:
    r = harness.query(server, name, "A")
    return {rd.address for rrset in r.answer if rrset.rdtype == 1 for rd in rrset}


def upsert(r53, zone_id: str, name: str, address: str) -> dict:
    return r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": address}]}}]},
    )


def health(node) -> dict:
    return harness.http_get_json(node, "/_cairn/health")


def refused_fast(call) -> tuple[str, int, float]:
    """Runs an API call that must fail; returns (error code, HTTP status, seconds taken)."""
    t0 = time.monotonic()
    with pytest.raises(ClientError) as err:
        call()
    took = time.monotonic() - t0
    resp = err.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"], took


def test_nodes_serve_through_a_store_outage_and_recover(cairn_server, postgres_server, tmp_path):  # noqa: F811
    url = postgres_server.create_database("stable")
    store = ["--store", url]
    node_a = cairn_server(data_dir=tmp_path / "a", extra_args=store)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=store)
    r53_a = harness.route53_client(node_a)
    assert health(node_a)["status"] == "ok" and health(node_a)["writable"] is True

    zone_id = r53_a.create_hosted_zone(Name=ZONE, CallerReference="stable-1")["HostedZone"]["Id"]
    upsert(r53_a, zone_id, f"www.{ZONE}", "192.0.2.10")
    harness.wait_for(lambda: a_records(node_b.addr, f"www.{ZONE}"), lambda s: s == {"192.0.2.10"}, 5.0)
    # B keeps the inputs of what it applied in its data dir (written at most every 5 s).
    saved = tmp_path / "b" / "saved-snapshot.json"
    harness.wait_for(lambda: saved.exists() and "192.0.2.10" in saved.read_text(), bool, 15.0)
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert json.loads(saved.read_text())["format"] == 1

    # The outage: both nodes keep answering; the API refuses at once, in each protocol's shape.
    postgres_server.halt()
    for node in (node_a, node_b):
        assert a_records(node.addr, f"www.{ZONE}") == {"192.0.2.10"}
    code, status, took = refused_fast(lambda: upsert(r53_a, zone_id, f"new.{ZONE}", "192.0.2.11"))
    assert (code, status) == ("ServiceUnavailable", 503), code
    assert took < 15, f"the API took {took:.1f} s to refuse"
    harness.wait_for(lambda: health(node_a), lambda h: h["status"] == "serving" and h["writable"] is False, 5.0)

    # B dies and starts again during the outage: it serves its saved snapshot.
    node_b.proc.kill()
    node_b.proc.wait(5)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=store)
    assert a_records(node_b.addr, f"www.{ZONE}") == {"192.0.2.10"}
    soa = harness.query(node_b.addr, ZONE, "SOA")
    assert soa.answer and soa.flags & 0x0400  # authoritative, from the saved zone
    h = health(node_b)
    assert (h["status"], h["writable"], h["zones"]) == ("serving", False, 1), h
    r53_b = harness.route53_client(node_b)
    code, status, took = refused_fast(lambda: r53_b.list_hosted_zones())
    assert (code, status) == ("ServiceUnavailable", 503)
    assert took < 2, f"the API of a node without its store took {took:.1f} s to refuse"
    resolver_b = harness.route53_client(node_b, "route53resolver")
    code, status, _ = refused_fast(lambda: resolver_b.list_resolver_endpoints())
    assert (code, status) == ("ServiceUnavailable", 503)
    ec2_b = harness.route53_client(node_b, "ec2")
    code, status, _ = refused_fast(lambda: ec2_b.describe_vpcs())
    assert (code, status) == ("ServiceUnavailable", 503)
    assert "serving the saved snapshot" in node_b.log()

    # The store returns: both nodes take writes again, without a restart, and follow each other.
    postgres_server.resume()
    for node in (node_a, node_b):
        harness.wait_for(lambda n=node: health(n), lambda h: h["status"] == "ok" and h["writable"] is True, 20.0)
    assert r53_b.list_hosted_zones()["HostedZones"][0]["Id"] == zone_id
    upsert(r53_a, zone_id, f"new.{ZONE}", "192.0.2.11")
    harness.wait_for(lambda: a_records(node_b.addr, f"new.{ZONE}"), lambda s: s == {"192.0.2.11"}, 5.0)
    upsert(r53_b, zone_id, f"www.{ZONE}", "192.0.2.12")
    harness.wait_for(lambda: a_records(node_a.addr, f"www.{ZONE}"), lambda s: s == {"192.0.2.12"}, 5.0)


def test_a_node_without_store_or_saved_snapshot_exits_clearly(tmp_path):
    """No store and nothing saved: nothing to serve, so the start fails and says why."""
    harness.require_cairn()
    port = harness.free_port()  # nothing listens there
    res = harness.cairn("serve", "--data-dir", str(tmp_path / "d"), "--api-listen", "127.0.0.1:0",
                        "--dns-listen", "127.0.0.1:0",
                        "--store", f"postgres://cairn@127.0.0.1:{port}/none", check=False, timeout=60)
    assert res.returncode == 1
    assert "cannot open the store" in res.stderr and "no saved snapshot" in res.stderr, res.stderr


def soa_serial(server, zone: str) -> int:
    reply = harness.query(server, zone, "SOA")
    return next(rd.serial for rrset in reply.answer if rrset.rdtype == 6 for rd in rrset)


def test_a_restarted_node_serves_the_same_serials_from_its_saved_snapshot(
        cairn_server, postgres_server, tmp_path):  # noqa: F811
    """With zone transfers on, a zone's SOA serial is its last change-log sequence, the same on
    every node (docs/secondaries.md). A node restarted during an outage gives the serials the
    others give, so a secondary that asks it sees no zone go backwards or jump."""
    url = postgres_server.create_database("serials")
    args = ["--store", url, "--allow-transfer", "127.0.0.0/8"]
    node_a = cairn_server(data_dir=tmp_path / "a", extra_args=args)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=args)
    r53 = harness.route53_client(node_a)
    first = r53.create_hosted_zone(Name="one.test", CallerReference="serial-1")["HostedZone"]["Id"]
    upsert(r53, first, "www.one.test", "192.0.2.21")
    second = r53.create_hosted_zone(Name="two.test", CallerReference="serial-2")["HostedZone"]["Id"]
    upsert(r53, second, "www.two.test", "192.0.2.22")
    harness.wait_for(lambda: a_records(node_b.addr, "www.two.test"), lambda s: s == {"192.0.2.22"}, 5.0)
    saved = tmp_path / "b" / "saved-snapshot.json"
    harness.wait_for(lambda: saved.exists() and "192.0.2.22" in saved.read_text(), bool, 15.0)
    serials = {zone: soa_serial(node_a.addr, zone) for zone in ("one.test", "two.test")}
    # The first zone's last change is older than the log's newest entry: its serial is lower.
    assert serials["one.test"] < serials["two.test"], serials
    assert {zone: soa_serial(node_b.addr, zone) for zone in serials} == serials

    postgres_server.halt()
    node_b.proc.kill()
    node_b.proc.wait(5)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=args)
    assert health(node_b)["status"] == "serving"
    assert {zone: soa_serial(node_b.addr, zone) for zone in serials} == serials
    postgres_server.resume()
    harness.wait_for(lambda: health(node_b), lambda h: h["writable"] is True, 20.0)
