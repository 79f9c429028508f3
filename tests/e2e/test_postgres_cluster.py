"""Two `cairn serve` nodes on one PostgreSQL database (DESIGN.md §1: "PostgreSQL for
several nodes").

A real PostgreSQL started here, two nodes with their own data dirs and ports on the same
`--store postgres://…`: a record created through node A's API is answered by node B over
DNS; GetChange through either node says INSYNC only once both applied the change (node B
frozen with SIGSTOP holds it PENDING); and kill -9 of node A right after its 200 loses
nothing: node B and a restarted A serve the record.
"""

from __future__ import annotations

import os
import signal
import time

import dns.rcode

import harness
from postgres_server import postgres_server  # noqa: F401  (the fixture)

ZONE = "cluster.test"


def a_records(server, name: str) -> set[str]:
    r = harness.query(server, name, "A")
    return {rd.address for rrset in r.answer if rrset.rdtype == 1 for rd in rrset}


def upsert(r53, zone_id: str, name: str, address: str) -> str:
    resp = r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": address}]}}]},
    )
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    return resp["ChangeInfo"]["Id"]


def status(r53, change_id: str) -> str:
    return r53.get_change(Id=change_id)["ChangeInfo"]["Status"]


def test_two_nodes_share_one_postgres_database(cairn_server, postgres_server, tmp_path):  # noqa: F811
    url = postgres_server.create_database("cluster")
    store = ["--store", url]
    node_a = cairn_server(data_dir=tmp_path / "a", extra_args=store)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=store)
    r53_a = harness.route53_client(node_a)
    r53_b = harness.route53_client(node_b)

    # A zone made through A is served by B.
    zone_id = r53_a.create_hosted_zone(Name=ZONE, CallerReference="cluster-1")["HostedZone"]["Id"]
    harness.wait_answers(node_b.addr, ZONE, 5.0, node_b.proc)
    assert {z["Id"] for z in r53_b.list_hosted_zones()["HostedZones"]} == {zone_id}

    # A record created through A's API is answered by B; INSYNC through both APIs.
    change = upsert(r53_a, zone_id, f"www.{ZONE}", "192.0.2.10")
    harness.wait_for(lambda: status(r53_a, change), lambda s: s == "INSYNC", 5.0)
    assert status(r53_b, change) == "INSYNC"
    # INSYNC means every live node applied it: B answers at once.
    assert a_records(node_b.addr, f"www.{ZONE}") == {"192.0.2.10"}
    assert a_records(node_a.addr, f"www.{ZONE}") == {"192.0.2.10"}

    # With B frozen (alive, but not applying), a change through A stays PENDING.
    os.kill(node_b.pid, signal.SIGSTOP)
    try:
        change = upsert(r53_a, zone_id, f"frozen.{ZONE}", "192.0.2.20")
        harness.wait_for(lambda: a_records(node_a.addr, f"frozen.{ZONE}"), lambda a: a == {"192.0.2.20"}, 5.0)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert status(r53_a, change) == "PENDING", "INSYNC before node B applied the change"
            time.sleep(0.1)
    finally:
        os.kill(node_b.pid, signal.SIGCONT)
    harness.wait_for(lambda: status(r53_b, change), lambda s: s == "INSYNC", 5.0)
    assert status(r53_a, change) == "INSYNC"
    assert a_records(node_b.addr, f"frozen.{ZONE}") == {"192.0.2.20"}

    # kill -9 of A right after its 200 loses nothing.
    upsert(r53_a, zone_id, f"durable.{ZONE}", "192.0.2.30")
    os.kill(node_a.pid, signal.SIGKILL)
    node_a.proc.wait(5)
    harness.wait_for(lambda: a_records(node_b.addr, f"durable.{ZONE}"), lambda a: a == {"192.0.2.30"}, 5.0)
    restarted = cairn_server(data_dir=tmp_path / "a", extra_args=store)
    harness.wait_for(lambda: a_records(restarted.addr, f"durable.{ZONE}"), lambda a: a == {"192.0.2.30"}, 5.0)
    r = harness.query(restarted.addr, f"durable.{ZONE}", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert a_records(restarted.addr, f"www.{ZONE}") == {"192.0.2.10"}


def test_other_nodes_apply_a_change_at_once_through_listen_notify(cairn_server, postgres_server, tmp_path):  # noqa: F811
    """Every write sends NOTIFY; each node LISTENs and applies the change at once. The poll is
    set to a minute here, so a node that only polled would not see these changes in time."""
    url = postgres_server.create_database("notify")
    args = ["--store", url, "--change-poll-ms", "60000"]
    node_a = cairn_server(data_dir=tmp_path / "a", extra_args=args)
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=args)
    r53_a = harness.route53_client(node_a)
    zone_id = r53_a.create_hosted_zone(Name="notify.test", CallerReference="notify-1")["HostedZone"]["Id"]
    harness.wait_answers(node_b.addr, "notify.test", 5.0, node_b.proc)
    took = []
    for i in range(3):
        t0 = time.monotonic()
        change = upsert(r53_a, zone_id, "www.notify.test", f"192.0.2.{20 + i}")
        harness.wait_for(lambda: a_records(node_b.addr, "www.notify.test"),
                         lambda s, i=i: s == {f"192.0.2.{20 + i}"}, 5.0)
        took.append(time.monotonic() - t0)
        harness.wait_for(lambda: status(r53_a, change), lambda s: s == "INSYNC", 5.0)
    print(f"change through A answered by B after {', '.join(f'{t * 1000:.0f} ms' for t in took)}")
