"""TestDNSAnswer through boto3: the API reports what this node's DNS server answers."""

from __future__ import annotations

import time
import uuid

import pytest

import harness

pytest.importorskip("boto3")


def _zone(r53, name):
    zone = r53.create_hosted_zone(Name=name, CallerReference=f"ref-{uuid.uuid4()}")
    return zone["HostedZone"]["Id"].split("/")[-1]


def _change(r53, zone_id, *sets):
    """Applies the sets and waits until the change is INSYNC (served), as a user would."""
    change = r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": s} for s in sets]},
    )["ChangeInfo"]["Id"]
    deadline = time.monotonic() + 10
    while r53.get_change(Id=change)["ChangeInfo"]["Status"] != "INSYNC":
        assert time.monotonic() < deadline, f"{change} not INSYNC within 10 s"
        time.sleep(0.02)


def test_testdnsanswer_reports_what_dig_gets(cairn_server):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    zone_id = _zone(r53, "tda.example.com")
    _change(
        r53,
        zone_id,
        {"Name": "www.tda.example.com", "Type": "A", "TTL": 60,
         "ResourceRecords": [{"Value": "192.0.2.1"}, {"Value": "192.0.2.2"}]},
        {"Name": "txt.tda.example.com", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"hello world"'}]},
        {"Name": "f.tda.example.com", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 60,
         "ResourceRecords": [{"Value": "192.0.2.10"}]},
        {"Name": "f.tda.example.com", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 60,
         "ResourceRecords": [{"Value": "192.0.2.11"}]},
    )
    harness.wait_answers(srv.dns[0], "tda.example.com.")

    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="www.tda.example.com", RecordType="A")
    assert got["ResponseCode"] == "NOERROR"
    assert sorted(got["RecordData"]) == ["192.0.2.1", "192.0.2.2"]
    assert got["RecordName"] == "www.tda.example.com"
    assert got["RecordType"] == "A"
    assert got["Protocol"] == "UDP"
    # The same as a real query to the DNS port.
    reply = harness.query(srv.dns[0], "www.tda.example.com.", "A")
    assert sorted(rd.to_text() for rrset in reply.answer for rd in rrset) == ["192.0.2.1", "192.0.2.2"]

    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="txt.tda.example.com", RecordType="TXT")
    assert got["RecordData"] == ['"hello world"']

    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="f.tda.example.com", RecordType="A")
    assert got["RecordData"] == ["192.0.2.10"], "failover answers the primary"

    got = r53.test_dns_answer(HostedZoneId=zone_id, RecordName="nope.tda.example.com", RecordType="A")
    assert got["ResponseCode"] == "NXDOMAIN"
    assert got["RecordData"] == []


def test_testdnsanswer_errors(cairn_server):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        r53.test_dns_answer(HostedZoneId="ZNOSUCHZONE1", RecordName="a.example.com", RecordType="A")
    assert e.value.response["Error"]["Code"] == "NoSuchHostedZone"
