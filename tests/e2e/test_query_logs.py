"""Query logging end to end (issue 13): configs made with boto3 against `cairn serve`,
queries sent with dnspython from chosen loopback sources, and the records read back from the
JSON-lines files the destination ARNs map to (<data-dir>/query-logs/logs/NAME.jsonl).

Resolver query logs: one JSON record per query answered in an associated VPC, every field
checked; none after the VPC is disassociated. Public DNS query logs: one line per query to the
public listener for the zone, matched against Route 53's exact 1.0 format.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid

import pytest

import harness

dns = pytest.importorskip("dns")
boto3 = pytest.importorskip("boto3")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ACCOUNT = "111111111111"
VPC_CIDR = "127.30.0.0/16"
CLIENT = "127.30.0.9"


def ask(server, qname, qtype="A", source=None, tcp=False):
    q = dns.message.make_query(qname, qtype)
    host, port = server
    if tcp:
        return dns.query.tcp(q, host, port=port, source=source, timeout=3.0)
    return dns.query.udp(q, host, port=port, source=source, timeout=3.0)


def records(path, count, timeout=5.0):
    """The first `count` lines of `path`, once the writer has appended them."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        assert time.monotonic() < deadline, f"{path}: {len(lines)} lines, expected {count}"
        time.sleep(0.05)


def settled(path, quiet=0.3, timeout=5.0):
    """How many lines `path` has once the writer has written everything queued: the count no
    longer changes over `quiet` seconds (the writer flushes every 50 ms)."""
    deadline = time.monotonic() + timeout
    count = -1
    while True:
        now = len(path.read_text().splitlines()) if path.exists() else 0
        if now == count:
            return count
        assert time.monotonic() < deadline, f"{path} still growing after {timeout}s"
        count = now
        time.sleep(quiet)


def wait_until(what, predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def metrics(srv):
    host, port = harness.split_hostport(srv.extra["ready"]["metrics"])
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as resp:
        return resp.read().decode()


@pytest.fixture
def lab(cairn_server):
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--metrics-listen", "127.0.0.1:0"])
    return srv, ("127.0.0.1", resolver_port)


def private_zone(r53, name, vpc_id, records_):
    zone = r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex,
                                  HostedZoneConfig={"PrivateZone": True},
                                  VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})
    zone_id = zone["HostedZone"]["Id"]
    changes = [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": n, "Type": t, "TTL": 60, "ResourceRecords": [{"Value": v}]}} for n, t, v in records_]
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    return zone_id


def test_resolver_query_log_records(lab):
    srv, resolver = lab
    ec2 = harness.route53_client(srv, "ec2")
    r53 = harness.route53_client(srv)
    rsv = harness.route53_client(srv, "route53resolver")
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    private_zone(r53, "corp.example.", vpc_id, [("www.corp.example.", "A", "10.1.2.3")])

    token = uuid.uuid4().hex
    created = rsv.create_resolver_query_log_config(
        Name="vpc-dns", CreatorRequestId=token,
        DestinationArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:vpc-dns:*")["ResolverQueryLogConfig"]
    assert created["Status"] == "CREATING"
    assert created["DestinationArn"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:vpc-dns"
    # Idempotent on CreatorRequestId.
    again = rsv.create_resolver_query_log_config(
        Name="vpc-dns", CreatorRequestId=token,
        DestinationArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:vpc-dns")["ResolverQueryLogConfig"]
    assert again["Id"] == created["Id"]
    config_id = created["Id"]

    assoc = rsv.associate_resolver_query_log_config(
        ResolverQueryLogConfigId=config_id, ResourceId=vpc_id)["ResolverQueryLogConfigAssociation"]
    assert (assoc["Status"], assoc["Error"], assoc["ResourceId"]) == ("CREATING", "NONE", vpc_id)
    got = rsv.get_resolver_query_log_config_association(
        ResolverQueryLogConfigAssociationId=assoc["Id"])["ResolverQueryLogConfigAssociation"]
    assert got["Status"] == "ACTIVE"
    listed = rsv.list_resolver_query_log_config_associations(
        Filters=[{"Name": "ResourceId", "Values": [vpc_id]}])
    assert (listed["TotalCount"], listed["TotalFilteredCount"]) == (1, 1)
    configs = rsv.list_resolver_query_log_configs(SortBy="Name", SortOrder="DESCENDING")
    assert [c["Id"] for c in configs["ResolverQueryLogConfigs"]] == [config_id]
    assert configs["ResolverQueryLogConfigs"][0]["AssociationCount"] == 1
    # Deleting while associated is refused.
    with pytest.raises(ClientError) as refused:
        rsv.delete_resolver_query_log_config(ResolverQueryLogConfigId=config_id)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"

    # The data plane follows the store: ask until a query is logged.
    log = srv.workdir / "query-logs" / "logs" / "vpc-dns.jsonl"
    wait_until("first record", lambda: ask(resolver, "www.corp.example.", source=CLIENT).answer
               and log.exists() and log.read_text())
    # Every query the wait above made is written before counting from here.
    start = settled(log)

    before = time.time()
    ok = ask(resolver, "www.corp.example.", source=CLIENT)
    nx = ask(resolver, "Missing.corp.example.", source=CLIENT, tcp=True)
    assert ok.rcode() == dns.rcode.NOERROR and nx.rcode() == dns.rcode.NXDOMAIN
    lines = records(log, start + 2)[start:start + 2]
    first, second = (json.loads(line) for line in lines)

    assert list(first) == ["version", "account_id", "region", "vpc_id", "query_timestamp",
                           "query_name", "query_type", "query_class", "rcode", "answers",
                           "srcaddr", "srcport", "transport", "srcids"]
    assert first["version"] == "1.100000"
    assert (first["account_id"], first["region"], first["vpc_id"]) == (ACCOUNT, "us-east-1", vpc_id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["query_timestamp"])
    stamp = time.mktime(time.strptime(first["query_timestamp"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before - 2 <= stamp <= time.time() + 1
    assert (first["query_name"], first["query_type"], first["query_class"]) == \
        ("www.corp.example.", "A", "IN")
    assert first["rcode"] == "NOERROR"
    assert first["answers"] == [{"Rdata": "10.1.2.3", "Type": "A", "Class": "IN"}]
    assert first["srcaddr"] == CLIENT
    assert isinstance(first["srcport"], str) and 0 < int(first["srcport"]) < 65536
    assert first["transport"] == "UDP"
    assert first["srcids"] == {}

    assert second["query_name"] == "Missing.corp.example.", "the name as asked, case kept"
    assert (second["rcode"], second["answers"], second["transport"]) == ("NXDOMAIN", [], "TCP")
    assert second["srcaddr"] == CLIENT

    assert re.search(r'cairn_query_log_records_total\{result="written"\} [1-9]', metrics(srv))
    assert 'cairn_query_log_records_total{result="dropped"} 0' in metrics(srv)

    # Disassociated: no more records.
    gone = rsv.disassociate_resolver_query_log_config(
        ResolverQueryLogConfigId=config_id, ResourceId=vpc_id)["ResolverQueryLogConfigAssociation"]
    assert gone["Status"] == "DELETING"
    time.sleep(1.0)  # the data plane follows the change log
    count = len(log.read_text().splitlines())
    for _ in range(3):
        ask(resolver, "www.corp.example.", source=CLIENT)
    time.sleep(0.5)
    assert len(log.read_text().splitlines()) == count
    deleted = rsv.delete_resolver_query_log_config(ResolverQueryLogConfigId=config_id)
    assert deleted["ResolverQueryLogConfig"]["Status"] == "DELETING"


# 1.0 <timestamp ms> <zone id> <name, no trailing dot> <type> <rcode> <UDP|TCP> <edge> <ip> <ecs|->
PUBLIC_LINE = re.compile(
    r"1\.0 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<zone>Z[A-Z0-9]+) (?P<name>\S+) (?P<type>\S+) "
    r"(?P<rcode>[A-Z]+) (?P<transport>UDP|TCP) (?P<edge>\S+) (?P<ip>\S+) (?P<ecs>\S+)")


def test_public_query_logging(cairn_server):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    zone = r53.create_hosted_zone(Name="logged.example.", CallerReference=uuid.uuid4().hex)
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53/logged.example"
    created = r53.create_query_logging_config(HostedZoneId=zone_id, CloudWatchLogsLogGroupArn=arn)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"].endswith("/2013-04-01/queryloggingconfig/" + created["QueryLoggingConfig"]["Id"])
    config = created["QueryLoggingConfig"]
    assert (config["HostedZoneId"], config["CloudWatchLogsLogGroupArn"]) == (zone_id, arn)
    assert len(config["Id"]) == 36
    assert r53.get_query_logging_config(Id=config["Id"])["QueryLoggingConfig"] == config
    assert r53.list_query_logging_configs(HostedZoneId=zone_id)["QueryLoggingConfigs"] == [config]
    with pytest.raises(ClientError) as twice:
        r53.create_query_logging_config(HostedZoneId=zone_id, CloudWatchLogsLogGroupArn=arn)
    assert twice.value.response["Error"]["Code"] == "QueryLoggingConfigAlreadyExists"
    assert twice.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as no_zone:
        r53.create_query_logging_config(HostedZoneId="ZNOSUCHZONE", CloudWatchLogsLogGroupArn=arn)
    assert no_zone.value.response["Error"]["Code"] == "NoSuchHostedZone"

    log = srv.workdir / "query-logs" / "logs" / "aws" / "route53" / "logged.example.jsonl"
    wait_until("first line", lambda: ask(srv.addr, "logged.example.", "SOA").answer
               and log.exists() and log.read_text())
    start = settled(log)
    ask(srv.addr, "WWW.logged.example.", "A")
    ask(srv.addr, "logged.example.", "NS", tcp=True)
    lines = records(log, start + 2)[start:start + 2]
    first, second = (PUBLIC_LINE.fullmatch(line) for line in lines)
    assert first and second, lines
    assert (first["zone"], first["name"], first["type"], first["rcode"], first["transport"]) == \
        (zone_id, "WWW.logged.example", "A", "NXDOMAIN", "UDP")
    assert (first["ip"], first["ecs"]) == ("127.0.0.1", "-")
    assert (second["name"], second["type"], second["rcode"], second["transport"]) == \
        ("logged.example", "NS", "NOERROR", "TCP")
    assert first["edge"] == second["edge"] == harness.http_get_json(srv, "/_cairn/health")["node_id"]

    r53.delete_query_logging_config(Id=config["Id"])
    with pytest.raises(ClientError) as gone:
        r53.get_query_logging_config(Id=config["Id"])
    assert gone.value.response["Error"]["Code"] == "NoSuchQueryLoggingConfig"


def test_a_ds_query_at_a_child_apex_is_logged_by_the_parent(cairn_server):
    """Cairn answers a DS query at a child zone's apex from the parent zone (RFC 4035
    §3.1.4.1), so that query belongs in the parent's query log, not the child's."""
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    ids, logs = {}, {}
    for name in ("parent.example.", "child.parent.example."):
        zone = r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)
        ids[name] = zone["HostedZone"]["Id"].split("/")[-1]
        group = "/aws/route53/" + name.rstrip(".")
        r53.create_query_logging_config(
            HostedZoneId=ids[name],
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}")
        logs[name] = srv.workdir / "query-logs" / "logs" / "aws" / "route53" / (name.rstrip(".") + ".jsonl")
    # The parent delegates the child, as a parent does.
    r53.change_resource_record_sets(HostedZoneId=ids["parent.example."], ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {
            "Name": "child.parent.example.", "Type": "NS", "TTL": 300,
            "ResourceRecords": [{"Value": "ns1.child.parent.example."}]}}]})
    for name in logs:
        wait_until(f"{name} logged", lambda n=name: ask(srv.addr, n, "SOA").answer
                   and logs[n].exists() and logs[n].read_text())
    parent_start, child_start = settled(logs["parent.example."]), settled(logs["child.parent.example."])

    reply = ask(srv.addr, "child.parent.example.", "DS")
    assert reply.rcode() == dns.rcode.NOERROR
    ask(srv.addr, "child.parent.example.", "A")
    parent_new = records(logs["parent.example."], parent_start + 1)[parent_start:]
    child_new = records(logs["child.parent.example."], child_start + 1)[child_start:]
    parent_new = [PUBLIC_LINE.fullmatch(line) for line in parent_new]
    child_new = [PUBLIC_LINE.fullmatch(line) for line in child_new]
    assert [(m["zone"], m["name"], m["type"]) for m in parent_new] == \
        [(ids["parent.example."], "child.parent.example", "DS")]
    assert [(m["zone"], m["name"], m["type"]) for m in child_new] == \
        [(ids["child.parent.example."], "child.parent.example", "A")]
    assert settled(logs["parent.example."]) == parent_start + 1
    assert settled(logs["child.parent.example."]) == child_start + 1


def test_queries_through_an_inbound_endpoint_name_it(cairn_server):
    vpc_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--vpc-dns-port", str(vpc_port)])
    ec2 = harness.route53_client(srv, "ec2")
    rsv = harness.route53_client(srv, "route53resolver")
    vpc_id = ec2.create_vpc(CidrBlock="127.31.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    private_zone(harness.route53_client(srv), "onprem.example.", vpc_id,
                 [("db.onprem.example.", "A", "10.9.9.9")])
    subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=c)["Subnet"]["SubnetId"]
               for c in ("127.31.1.0/24", "127.31.2.0/24")]
    sg = ec2.create_security_group(GroupName="dns", Description="DNS", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "127.0.0.0/8"}]}])
    endpoint = rsv.create_resolver_endpoint(
        CreatorRequestId=uuid.uuid4().hex, SecurityGroupIds=[sg], Direction="INBOUND",
        IpAddresses=[{"SubnetId": s, "Ip": ip}
                     for s, ip in zip(subnets, ("127.31.1.10", "127.31.2.10"))])["ResolverEndpoint"]
    ips = rsv.list_resolver_endpoint_ip_addresses(ResolverEndpointId=endpoint["Id"])["IpAddresses"]
    ip_id = next(a["IpId"] for a in ips if a["Ip"] == "127.31.1.10")
    config = rsv.create_resolver_query_log_config(
        Name="inbound", CreatorRequestId=uuid.uuid4().hex,
        DestinationArn="arn:aws:s3:::dns-logs/resolver/")["ResolverQueryLogConfig"]
    rsv.associate_resolver_query_log_config(ResolverQueryLogConfigId=config["Id"], ResourceId=vpc_id)

    log = srv.workdir / "query-logs" / "s3" / "dns-logs" / "resolver" / "query-logs.jsonl"
    endpoint_addr = ("127.31.1.10", vpc_port)
    wait_until("a logged query", lambda: ask(endpoint_addr, "db.onprem.example.", source="127.0.0.1").answer
               and log.exists() and log.read_text())
    settled(log)
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["vpc_id"] == vpc_id
    assert record["srcaddr"] == "127.0.0.1"
    assert record["answers"] == [{"Rdata": "10.9.9.9", "Type": "A", "Class": "IN"}]
    assert record["srcids"] == {"resolver_endpoint": endpoint["Id"], "resolver_network_interface": ip_id}
