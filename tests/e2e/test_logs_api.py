"""The CloudWatch Logs subset end to end (issue 13): log groups made with boto3's `logs`
client against `cairn serve`, Resolver and public query logs sent to them with dnspython, and
the records read back through GetLogEvents, FilterLogEvents and DescribeLogStreams (and the
AWS CLI), every field checked against the record that was written.
"""

from __future__ import annotations

import calendar
import json
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import harness

dns = pytest.importorskip("dns")
boto3 = pytest.importorskip("boto3")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCOUNT = "111111111111"
VPC_CIDR = "127.31.0.0/16"
CLIENT = "127.31.0.9"
AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"


def ask(server, qname, qtype="A", source=None, tcp=False):
    q = dns.message.make_query(qname, qtype)
    host, port = server
    if tcp:
        return dns.query.tcp(q, host, port=port, source=source, timeout=3.0)
    return dns.query.udp(q, host, port=port, source=source, timeout=3.0)


def wait_until(what, predicate, timeout=8.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def all_events(logs, group, stream):
    return logs.get_log_events(logGroupName=group, logStreamName=stream,
                               startFromHead=True)["events"]


def settled(logs, group, stream, quiet=0.3, timeout=5.0):
    """How many events the stream has once the writer has written everything queued."""
    deadline = time.monotonic() + timeout
    count = -1
    while True:
        now = len(all_events(logs, group, stream))
        if now == count:
            return count
        assert time.monotonic() < deadline, "the stream is still growing"
        count = now
        time.sleep(quiet)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def ms(text, fmt):
    """An ISO-8601 UTC timestamp (whole seconds, or with .fff) as ms since the epoch."""
    whole, _, frac = text.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, fmt)) * 1000 + (int(frac) if frac else 0)


@pytest.fixture
def lab(cairn_server):
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}"])
    return srv, ("127.0.0.1", resolver_port)


def test_log_groups_and_resolver_query_logs_through_the_logs_api(lab):
    srv, resolver = lab
    logs = harness.route53_client(srv, "logs")
    ec2 = harness.route53_client(srv, "ec2")
    r53 = harness.route53_client(srv)
    rsv = harness.route53_client(srv, "route53resolver")
    group = "vpc-dns-logs"

    # A group: created, described with every field, and refused a second time.
    before_ms = int(time.time() * 1000)
    logs.create_log_group(logGroupName=group, tags={"team": "dns"})
    logs.create_log_group(logGroupName="other-group")
    with pytest.raises(ClientError) as twice:
        logs.create_log_group(logGroupName=group)
    assert error_code(twice) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as bad_name:
        logs.create_log_group(logGroupName="no spaces")
    assert error_code(bad_name) == "InvalidParameterException"
    described = logs.describe_log_groups(logGroupNamePrefix="vpc-")["logGroups"]
    assert len(described) == 1
    desc = described[0]
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"
    assert before_ms <= desc.pop("creationTime") <= time.time() * 1000
    assert desc == {"logGroupName": group, "metricFilterCount": 0, "arn": arn + ":*",
                    "storedBytes": 0, "logGroupClass": "STANDARD", "logGroupArn": arn}
    page = logs.describe_log_groups(limit=1)
    assert [g["logGroupName"] for g in page["logGroups"]] == ["other-group"]
    rest = logs.describe_log_groups(limit=1, nextToken=page["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == [group] and "nextToken" not in rest
    assert [g["logGroupName"] for g in
            logs.describe_log_groups(logGroupNamePattern="DNS")["logGroups"]] == [group]

    # Tags by name and by ARN.
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "dns"}
    logs.tag_resource(resourceArn=arn, tags={"env": "test"})
    assert logs.list_tags_for_resource(resourceArn=arn + ":*")["tags"] == {"team": "dns", "env": "test"}
    logs.untag_log_group(logGroupName=group, tags=["team"])
    logs.untag_resource(resourceArn=arn, tagKeys=["missing"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "test"}
    with pytest.raises(ClientError) as no_resource:
        logs.list_tags_for_resource(resourceArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:nope")
    assert error_code(no_resource) == "ResourceNotFoundException"

    # A VPC logging to the group, by the ARN DescribeLogGroups gave.
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    zone = r53.create_hosted_zone(Name="corp.example.", CallerReference=uuid.uuid4().hex,
                                  HostedZoneConfig={"PrivateZone": True},
                                  VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})
    r53.change_resource_record_sets(HostedZoneId=zone["HostedZone"]["Id"], ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "www.corp.example.", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "10.1.2.3"}]}}]})
    config = rsv.create_resolver_query_log_config(
        Name="vpc-dns", CreatorRequestId=uuid.uuid4().hex,
        DestinationArn=desc["arn"])["ResolverQueryLogConfig"]
    rsv.associate_resolver_query_log_config(ResolverQueryLogConfigId=config["Id"], ResourceId=vpc_id)

    with pytest.raises(ClientError) as no_stream:
        logs.get_log_events(logGroupName=group, logStreamName=vpc_id)
    assert error_code(no_stream) == "ResourceNotFoundException"
    # The data plane follows the store: ask until a query shows up as an event.
    wait_until("a first event", lambda: ask(resolver, "www.corp.example.", source=CLIENT).answer
               and logs.filter_log_events(logGroupName=group)["events"])
    start = settled(logs, group, vpc_id)

    sent_ms = int(time.time() * 1000)
    ok = ask(resolver, "www.corp.example.", source=CLIENT)
    nx = ask(resolver, "Missing.corp.example.", source=CLIENT, tcp=True)
    assert ok.rcode() == dns.rcode.NOERROR and nx.rcode() == dns.rcode.NXDOMAIN
    events = wait_until("two more events",
                        lambda: (e := all_events(logs, group, vpc_id)) and len(e) >= start + 2 and e)
    assert len(events) == start + 2
    first, second = events[start:]
    for event in (first, second):
        assert set(event) == {"timestamp", "message", "ingestionTime"}
        record = json.loads(event["message"])
        assert event["timestamp"] == ms(record["query_timestamp"], "%Y-%m-%dT%H:%M:%S")
        assert event["ingestionTime"] == event["timestamp"]
        assert sent_ms - 1000 <= event["timestamp"] <= time.time() * 1000
    record = json.loads(first["message"])
    assert list(record) == ["version", "account_id", "region", "vpc_id", "query_timestamp",
                            "query_name", "query_type", "query_class", "rcode", "answers",
                            "srcaddr", "srcport", "transport", "srcids"]
    assert (record["version"], record["account_id"], record["region"], record["vpc_id"]) == \
        ("1.100000", ACCOUNT, "us-east-1", vpc_id)
    assert (record["query_name"], record["query_type"], record["query_class"], record["rcode"]) == \
        ("www.corp.example.", "A", "IN", "NOERROR")
    assert record["answers"] == [{"Rdata": "10.1.2.3", "Type": "A", "Class": "IN"}]
    assert (record["srcaddr"], record["transport"], record["srcids"]) == (CLIENT, "UDP", {})
    assert 0 < int(record["srcport"]) < 65536
    record = json.loads(second["message"])
    assert (record["query_name"], record["rcode"], record["answers"], record["transport"]) == \
        ("Missing.corp.example.", "NXDOMAIN", [], "TCP")

    # One stream, named by the VPC.
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert streams == [{
        "logStreamName": vpc_id, "creationTime": events[0]["timestamp"],
        "firstEventTimestamp": events[0]["timestamp"], "lastEventTimestamp": second["timestamp"],
        "lastIngestionTime": second["timestamp"], "arn": f"{arn}:log-stream:{vpc_id}",
        "storedBytes": 0}]
    assert logs.describe_log_streams(logGroupIdentifier=arn, logStreamNamePrefix="vpc-x")["logStreams"] == []

    # Paging: forward from the head, then the same token once nothing is newer.
    head = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, startFromHead=True, limit=1)
    assert head["events"] == events[:1]
    token = head["nextForwardToken"]
    for expected in events[1:]:
        page = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, nextToken=token, limit=1)
        assert page["events"] == [expected]
        token = page["nextForwardToken"]
    end = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, nextToken=token, limit=1)
    assert end["events"] == [] and end["nextForwardToken"] == token
    # Without a token, the newest; backward from there, the one before.
    newest = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, limit=1)
    assert newest["events"] == [second]
    back = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, limit=1,
                               nextToken=newest["nextBackwardToken"])
    assert back["events"] == [first]
    # startTime is inclusive, endTime exclusive.
    ranged = logs.get_log_events(logGroupName=group, logStreamName=vpc_id, startFromHead=True,
                                 startTime=second["timestamp"], endTime=second["timestamp"] + 1)
    assert second in ranged["events"] and all(e["timestamp"] == second["timestamp"] for e in ranged["events"])

    # FilterLogEvents: the pattern subset.
    def filtered(pattern, **kw):
        out = logs.filter_log_events(logGroupName=group, filterPattern=pattern, **kw)
        return out["events"]
    nx_events = filtered('{ $.rcode = "NXDOMAIN" }')
    assert len(nx_events) == 1
    got = nx_events[0]
    assert set(got) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert (got["logStreamName"], got["timestamp"], got["message"], got["ingestionTime"]) == \
        (vpc_id, second["timestamp"], second["message"], second["ingestionTime"])
    assert filtered('"Missing.corp.example."') == nx_events
    assert filtered("?NXDOMAIN ?SERVFAIL") == nx_events
    assert filtered('{ $.rcode = "NOERROR" && $.answers[0].Rdata = "10.1.*" }')[-1]["message"] == first["message"]
    assert filtered('{ $.transport != "UDP" }') == nx_events
    assert filtered("NXDOMAIN", logStreamNames=["vpc-other"]) == []
    assert len(filtered("", startTime=second["timestamp"])) >= 1
    paged = logs.filter_log_events(logGroupName=group, limit=1)
    assert len(paged["events"]) == 1 and "nextToken" in paged
    assert paged["searchedLogStreams"] == [{"logStreamName": vpc_id, "searchedCompletely": True}]
    everything = [e for p in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
                  for e in p["events"]]
    assert [e["message"] for e in everything] == [e["message"] for e in events]
    assert len({e["eventId"] for e in everything}) == len(everything)
    for bad in ("[version, account]", "{ $.rcode IS NULL }", '{ $.rcode > "x" }'):
        with pytest.raises(ClientError) as refused:
            filtered(bad)
        assert error_code(refused) == "InvalidParameterException", bad

    # Retention: an event from long ago (a rotated day file) is served until a retention
    # period excludes it.
    old_line = json.dumps({**json.loads(first["message"]), "query_timestamp": "2020-01-01T00:00:00Z"},
                          separators=(",", ":"))
    rotated = srv.workdir / "query-logs" / "logs" / f"{group}.jsonl-20200101"
    rotated.write_text(old_line + "\n")
    oldest = all_events(logs, group, vpc_id)[0]
    assert (oldest["timestamp"], oldest["message"]) == (1577836800000, old_line)
    with pytest.raises(ClientError) as bad_days:
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    assert error_code(bad_days) == "InvalidParameterException"
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 1
    kept = all_events(logs, group, vpc_id)
    assert kept[0]["timestamp"] != 1577836800000 and second in kept
    assert all(e["message"] != old_line for e in logs.filter_log_events(logGroupName=group)["events"])
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
    assert all_events(logs, group, vpc_id)[0]["message"] == old_line

    # Deleted: gone from every call; the data plane's file stays for shippers.
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as gone:
        logs.get_log_events(logGroupName=group, logStreamName=vpc_id)
    assert error_code(gone) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as gone_twice:
        logs.delete_log_group(logGroupName=group)
    assert error_code(gone_twice) == "ResourceNotFoundException"
    assert (srv.workdir / "query-logs" / "logs" / f"{group}.jsonl").exists()


PUBLIC_LINE = re.compile(
    r"1\.0 (?P<time>\S+) (?P<zone>Z[A-Z0-9]+) (?P<name>\S+) (?P<type>\S+) "
    r"(?P<rcode>[A-Z]+) (?P<transport>UDP|TCP) (?P<edge>\S+) (?P<ip>\S+) (?P<ecs>\S+)")


def test_public_query_logs_through_the_logs_api_and_the_cli(cairn_server, tmp_path):
    srv = cairn_server()
    logs = harness.route53_client(srv, "logs")
    r53 = harness.route53_client(srv)
    group = "/aws/route53/logged.example"
    logs.create_log_group(logGroupName=group)
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    zone = r53.create_hosted_zone(Name="logged.example.", CallerReference=uuid.uuid4().hex)
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    r53.create_query_logging_config(HostedZoneId=zone_id, CloudWatchLogsLogGroupArn=arn)
    edge = harness.http_get_json(srv, "/_cairn/health")["node_id"]
    stream = f"{zone_id}/{edge}"

    wait_until("a first event", lambda: ask(srv.addr, "logged.example.", "SOA").answer
               and logs.filter_log_events(logGroupName=group)["events"])
    time.sleep(0.3)
    start = len(logs.filter_log_events(logGroupName=group)["events"])
    ask(srv.addr, "WWW.logged.example.", "A")
    ask(srv.addr, "logged.example.", "NS", tcp=True)
    events = wait_until("two more events", lambda: (e := logs.filter_log_events(
        logGroupName=group, logStreamNamePrefix=zone_id)["events"]) and len(e) >= start + 2 and e)
    assert len(events) == start + 2
    first, second = events[start:]
    for event in (first, second):
        line = PUBLIC_LINE.fullmatch(event["message"])
        assert line, event["message"]
        assert event["logStreamName"] == stream
        assert event["timestamp"] == event["ingestionTime"] == ms(line["time"], "%Y-%m-%dT%H:%M:%S")
        assert (line["zone"], line["edge"], line["ip"], line["ecs"]) == (zone_id, edge, "127.0.0.1", "-")
    one, two = PUBLIC_LINE.fullmatch(first["message"]), PUBLIC_LINE.fullmatch(second["message"])
    assert (one["name"], one["type"], one["rcode"], one["transport"]) == \
        ("WWW.logged.example", "A", "NXDOMAIN", "UDP")
    assert (two["name"], two["type"], two["rcode"], two["transport"]) == \
        ("logged.example", "NS", "NOERROR", "TCP")
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == [stream]
    assert logs.filter_log_events(logGroupName=group, filterPattern="NXDOMAIN UDP")["events"][-1] == first

    # The AWS CLI in the venv (v1, which has no `logs tail`) prints the same lines.
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed")
    env = harness.aws_env(srv, tmp_path)
    env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})
    out = subprocess.run(
        [str(AWS), "logs", "filter-log-events", "--log-group-name", group,
         "--filter-pattern", "?NXDOMAIN ?NS", "--query", "events[].message", "--output", "text"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    printed = out.stdout.strip().split("\t")
    assert first["message"] in printed and second["message"] in printed
    out = subprocess.run(
        [str(AWS), "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
         "--start-from-head", "--output", "json"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    cli_events = json.loads(out.stdout)["events"]
    assert cli_events[-2:] == [{k: e[k] for k in ("timestamp", "message", "ingestionTime")}
                               for e in (first, second)]
