"""IP-based routing end to end: a CIDR collection made with boto3, IP-based records for two
locations and the `*` default, and dnspython queries from chosen loopback source addresses
(127.10.0.5, 127.20.0.5, 127.30.0.5 all reach the server on 127.0.0.1) and with EDNS Client
Subnet options. Moving a block with ChangeCidrCollection is served within a second; deleting
what records use is refused with Route 53's codes.
"""

from __future__ import annotations

import time
import uuid

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

NAME = "www.ip.example."
ANSWERS = {"east": "10.0.0.1", "west": "10.0.0.2", "*": "10.0.0.9"}


def setup_routing(srv):
    r53 = harness.route53_client(srv)
    collection = r53.create_cidr_collection(Name="offices", CallerReference=uuid.uuid4().hex)["Collection"]
    cid = collection["Id"]
    assert collection["Version"] == 1
    r53.change_cidr_collection(Id=cid, CollectionVersion=1, Changes=[
        {"LocationName": "east", "Action": "PUT", "CidrList": ["127.10.0.0/16", "2001:db8:10::/48"]},
        {"LocationName": "west", "Action": "PUT", "CidrList": ["127.20.0.0/16"]},
    ])
    zone_id = r53.create_hosted_zone(Name="ip.example", CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": {
            "Name": NAME, "Type": "A", "TTL": 60, "SetIdentifier": location,
            "CidrRoutingConfig": {"CollectionId": cid, "LocationName": location},
            "ResourceRecords": [{"Value": ip}]}}
        for location, ip in ANSWERS.items()
    ]
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    harness.wait_answers(srv.addr, "ip.example.")
    harness.wait_insync(r53, change)
    return r53, cid, zone_id, changes


def ask(srv, source: str = "127.0.0.1", subnet: str | None = None, prefix: int | None = None):
    options = [dns.edns.ECSOption(subnet, prefix)] if subnet is not None else []
    q = dns.message.make_query(NAME, "A", use_edns=0, payload=1232, options=options)
    host, port = srv.addr
    return dns.query.udp(q, host, port=port, source=source, timeout=2.0)


def addresses(reply) -> list[str]:
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def ecs_of(reply):
    found = [o for o in reply.options if isinstance(o, dns.edns.ECSOption)]
    return found[0] if found else None


def test_source_addresses_and_ecs_pick_their_locations(cairn_server):
    srv = cairn_server()
    r53, cid, _, _ = setup_routing(srv)
    assert ask(srv, "127.10.0.5").answer and addresses(ask(srv, "127.10.0.5")) == ["10.0.0.1"]
    assert addresses(ask(srv, "127.20.0.5")) == ["10.0.0.2"]
    assert addresses(ask(srv, "127.30.0.5")) == ["10.0.0.9"]

    # ECS wins over the source; the scope is the matched block's length.
    for subnet, prefix, want, scope in [
        ("127.20.1.0", 24, "10.0.0.2", 16),
        ("127.10.0.0", 16, "10.0.0.1", 16),
        ("127.10.0.0", 8, "10.0.0.9", 8),  # shorter than the block: no match
        ("127.99.0.0", 24, "10.0.0.9", 24),
        ("2001:db8:10:ff00::", 56, "10.0.0.1", 48),
    ]:
        reply = ask(srv, "127.20.0.5", subnet, prefix)
        assert reply.rcode() == dns.rcode.NOERROR
        assert addresses(reply) == [want], (subnet, prefix)
        ecs = ecs_of(reply)
        assert ecs is not None
        assert (ecs.srclen, ecs.scopelen) == (prefix, scope), (subnet, prefix)

    blocks = r53.list_cidr_blocks(CollectionId=cid, LocationName="east")["CidrBlocks"]
    assert sorted(b["CidrBlock"] for b in blocks) == ["127.10.0.0/16", "2001:db8:10::/48"]
    locations = r53.list_cidr_locations(CollectionId=cid)["CidrLocations"]
    assert [l["LocationName"] for l in locations] == ["east", "west"]
    assert [c["Id"] for c in r53.list_cidr_collections()["CidrCollections"]] == [cid]


def test_moving_a_block_takes_effect_within_a_second(cairn_server):
    srv = cairn_server()
    r53, cid, _, _ = setup_routing(srv)
    assert addresses(ask(srv, "127.30.0.5")) == ["10.0.0.9"]
    version = r53.list_cidr_collections()["CidrCollections"][0]["Version"]
    r53.change_cidr_collection(Id=cid, CollectionVersion=version, Changes=[
        {"LocationName": "west", "Action": "PUT", "CidrList": ["127.30.0.0/16"]},
        {"LocationName": "west", "Action": "DELETE_IF_EXISTS", "CidrList": ["127.20.0.0/16"]},
    ])
    started = time.monotonic()
    while addresses(ask(srv, "127.30.0.5")) != ["10.0.0.2"]:
        assert time.monotonic() - started < 1.0, "the moved block is not served within a second"
        time.sleep(0.02)
    assert addresses(ask(srv, "127.20.0.5")) == ["10.0.0.9"]

    with pytest.raises(ClientError) as stale:
        r53.change_cidr_collection(Id=cid, CollectionVersion=version, Changes=[
            {"LocationName": "west", "Action": "PUT", "CidrList": ["127.40.0.0/16"]}])
    assert stale.value.response["Error"]["Code"] == "CidrCollectionVersionMismatchException"


def test_in_use_collections_and_locations_are_kept(cairn_server):
    srv = cairn_server()
    r53, cid, zone_id, changes = setup_routing(srv)
    with pytest.raises(ClientError) as in_use:
        r53.change_cidr_collection(Id=cid, Changes=[
            {"LocationName": "west", "Action": "DELETE_IF_EXISTS", "CidrList": ["127.20.0.0/16"]}])
    assert in_use.value.response["Error"]["Code"] == "CidrBlockInUseException"
    with pytest.raises(ClientError) as collection_in_use:
        r53.delete_cidr_collection(Id=cid)
    assert collection_in_use.value.response["Error"]["Code"] == "CidrCollectionInUseException"
    with pytest.raises(ClientError) as missing:
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": NAME, "Type": "A", "TTL": 60, "SetIdentifier": "north",
                "CidrRoutingConfig": {"CollectionId": cid, "LocationName": "north"},
                "ResourceRecords": [{"Value": "10.0.0.3"}]}}]})
    assert missing.value.response["Error"]["Code"] == "InvalidChangeBatch"

    # Records gone, blocks gone: the collection may go.
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [{**c, "Action": "DELETE"} for c in changes]})
    r53.change_cidr_collection(Id=cid, Changes=[
        {"LocationName": "east", "Action": "DELETE_IF_EXISTS", "CidrList": ["127.10.0.0/16", "2001:db8:10::/48"]},
        {"LocationName": "west", "Action": "DELETE_IF_EXISTS", "CidrList": ["127.20.0.0/16"]}])
    r53.delete_cidr_collection(Id=cid)
    with pytest.raises(ClientError) as gone:
        r53.list_cidr_locations(CollectionId=cid)
    assert gone.value.response["Error"]["Code"] == "NoSuchCidrCollectionException"
