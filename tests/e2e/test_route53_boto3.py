"""Route 53 through boto3 against a real `cairn serve`: the control plane as clients use it.

Each test starts its own server (fixture `cairn_server`) and drives it with boto3 pointed at
the API port with the test credentials the harness exports.
"""

from __future__ import annotations

import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def client(srv):
    return harness.route53_client(srv)


def error_of(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_zone_lifecycle(cairn_server):
    r53 = client(cairn_server())
    ref = f"ref-{uuid.uuid4()}"
    created = r53.create_hosted_zone(Name="boto.example.com", CallerReference=ref)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    zone_id = created["HostedZone"]["Id"]
    assert zone_id.startswith("/hostedzone/")
    assert created["HostedZone"]["Name"] == "boto.example.com."
    assert created["HostedZone"]["ResourceRecordSetCount"] == 2
    assert created["HostedZone"]["Config"] == {"PrivateZone": False}
    assert created["ChangeInfo"]["Id"].startswith("/change/")
    assert len(created["DelegationSet"]["NameServers"]) >= 1
    assert created["Location"].endswith("/2013-04-01/hostedzone/" + zone_id.split("/")[-1])

    got = r53.get_hosted_zone(Id=zone_id)
    assert got["HostedZone"]["Id"] == zone_id
    assert got["HostedZone"]["CallerReference"] == ref

    with pytest.raises(ClientError) as exc:
        r53.create_hosted_zone(Name="other.example.com", CallerReference=ref)
    assert error_of(exc)[0] == "HostedZoneAlreadyExists"
    assert error_of(exc)[2] == 409

    bare = zone_id.split("/")[-1]
    with pytest.raises(ClientError) as exc:
        r53.delete_hosted_zone(Id=bare + "asdf1234")
    assert error_of(exc) == ("NoSuchHostedZone", f"No hosted zone found with ID: {bare}asdf1234", 404)

    deleted = r53.delete_hosted_zone(Id=zone_id)
    assert deleted["ChangeInfo"]["Id"].startswith("/change/")


def test_record_sets_and_pagination(cairn_server):
    r53 = client(cairn_server())
    zone_id = r53.create_hosted_zone(Name="page.example.com", CallerReference=str(uuid.uuid4()))["HostedZone"]["Id"]
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"h{i}.page.example.com", "Type": "A", "TTL": 60,
                                                    "ResourceRecords": [{"Value": f"192.0.2.{i}"}]}}
        for i in range(10)
    ]
    changes.append({"Action": "CREATE", "ResourceRecordSet": {
        "Name": "*.page.example.com", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"wild"'}]}})
    change = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    r53.get_waiter("resource_record_sets_changed").wait(
        Id=change["ChangeInfo"]["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    pages = r53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zone_id, PaginationConfig={"PageSize": 3})
    names = [(s["Name"], s["Type"]) for page in pages for s in page["ResourceRecordSets"]]
    assert len(names) == 13
    assert names[:3] == [("page.example.com.", "NS"), ("page.example.com.", "SOA"), ("\\052.page.example.com.", "TXT")]
    assert len(set(names)) == 13

    with pytest.raises(ClientError) as exc:
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [changes[0]]})
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidChangeBatch", 400)
    assert message == "[Tried to create resource record set [name='h0.page.example.com.', type='A'] but it already exists]"


def test_zone_listings(cairn_server):
    r53 = client(cairn_server())
    for name in ["b.list.example", "a.list.example", "list.example"]:
        r53.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()))
    zones = [z["Name"] for page in r53.get_paginator("list_hosted_zones").paginate(PaginationConfig={"PageSize": 1})
             for z in page["HostedZones"]]
    assert sorted(zones) == ["a.list.example.", "b.list.example.", "list.example."]
    by_name = r53.list_hosted_zones_by_name(DNSName="list.example")
    assert [z["Name"] for z in by_name["HostedZones"]] == ["list.example.", "a.list.example.", "b.list.example."]
    assert r53.get_hosted_zone_count()["HostedZoneCount"] == 3


def test_unsigned_and_badly_signed_requests_are_refused(cairn_server):
    srv = cairn_server()
    host, port = srv.api
    bad = boto3.client("route53", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                       aws_access_key_id=harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
                       aws_secret_access_key="wrong", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        bad.list_hosted_zones()
    assert error_of(exc)[0] == "SignatureDoesNotMatch"
    assert error_of(exc)[2] == 403
