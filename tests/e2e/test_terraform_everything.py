"""Terraform's AWS provider applies, re-plans empty and destroys ONE configuration holding every
resource type Cairn serves (issue 19): VPCs, subnets, security groups and their rules, the
default VPC; public and private zones, records of every routing policy, health checks, zone
associations and authorizations, delegation sets, CIDR collections and locations; Resolver
endpoints, rules, rule associations and configs; Route 53 Profiles and their associations.

Between apply and destroy, DNS shows the configuration works: a record of the private zone is
answered at the VPC's own "+2" resolver address, and the forwarding rule's domain goes out
through the outbound endpoint. After destroy, boto3 finds nothing left.

Needs `terraform` on PATH and the AWS provider in a local filesystem mirror (/opt/tf-plugins,
or TF_PLUGIN_MIRROR); skips saying so otherwise. Nothing is fetched from the network.
"""

from __future__ import annotations

import time

import pytest

import harness
from terraform_kit import fill, provider_block, require_terraform, runner

boto3 = pytest.importorskip("boto3")
dns = pytest.importorskip("dns")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

# The VPCs live on loopback blocks so that their "+2" resolver addresses can be bound here.
MAIN_VPC = "127.60.0.0/16"
IN_MAIN = "127.60.0.5"
PEER_VPC = "127.61.0.0/16"
OTHER_VPC = "127.62.0.0/16"

CONFIG = provider_block("ec2", "route53", "route53resolver", "route53profiles") + r'''
# ------------------------------------------------------------------ EC2

resource "aws_default_vpc" "default" {
  tags = {
    Name = "default"
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "@MAIN_VPC@"
  enable_dns_hostnames = true
  tags = {
    Name = "main"
  }
}

resource "aws_vpc" "peer" {
  cidr_block = "@PEER_VPC@"
}

resource "aws_vpc" "other" {
  cidr_block = "@OTHER_VPC@"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "127.60.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "a"
  }
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "127.60.2.0/24"
  availability_zone = "us-east-1b"
}

# Inline rules: the provider revokes the default egress rule and authorizes these.
resource "aws_security_group" "dns" {
  name        = "dns"
  description = "DNS from loopback"
  vpc_id      = aws_vpc.main.id

  ingress {
    protocol    = "udp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = ["127.0.0.0/8"]
  }

  ingress {
    protocol    = "tcp"
    from_port   = 53
    to_port     = 53
    cidr_blocks = ["127.0.0.0/8"]
  }

  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Rules as resources of their own, on groups without inline rules.
resource "aws_security_group" "standalone" {
  name        = "standalone"
  description = "rules managed one by one"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.standalone.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
}

# (A rule naming another group reads back as "account/sg-…" when the provider skips
# learning its account id, as here: that rule type is left to test_vpc_rules_tags.py.)
resource "aws_vpc_security_group_ingress_rule" "all_from_ula" {
  security_group_id = aws_security_group.standalone.id
  ip_protocol       = "-1"
  cidr_ipv6         = "fd00::/8"
}

resource "aws_vpc_security_group_egress_rule" "dns_out" {
  security_group_id = aws_security_group.standalone.id
  ip_protocol       = "udp"
  from_port         = 53
  to_port           = 53
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "legacy" {
  name        = "legacy"
  description = "rules as aws_security_group_rule"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.legacy.id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["192.168.0.0/16"]
}

# No vpc_id: made in the default VPC.
resource "aws_security_group" "in_default_vpc" {
  name        = "in-default-vpc"
  description = "made without a VPC id"
}

# ------------------------------------------------------------------ Route 53

resource "aws_route53_delegation_set" "ds" {
  reference_name = "tf-everything"
}

resource "aws_route53_zone" "public" {
  name              = "everything.example"
  delegation_set_id = aws_route53_delegation_set.ds.id
  force_destroy     = true
}

resource "aws_route53_zone" "private" {
  name = "corp.internal"
  vpc {
    vpc_id = aws_vpc.main.id
  }
  # Its other VPC comes from aws_route53_zone_association.
  lifecycle {
    ignore_changes = [vpc]
  }
}

resource "aws_route53_zone_association" "peer" {
  zone_id = aws_route53_zone.private.zone_id
  vpc_id  = aws_vpc.peer.id
}

resource "aws_route53_vpc_association_authorization" "other" {
  zone_id = aws_route53_zone.private.zone_id
  vpc_id  = aws_vpc.other.id
}

resource "aws_route53_record" "private_db" {
  zone_id = aws_route53_zone.private.zone_id
  name    = "db.corp.internal"
  type    = "A"
  ttl     = 60
  records = ["10.1.2.3"]
}

resource "aws_route53_health_check" "web" {
  ip_address        = "127.0.0.1"
  port              = 9
  type              = "TCP"
  request_interval  = 30
  failure_threshold = 3
  tags = {
    Name = "web"
  }
}

resource "aws_route53_cidr_collection" "offices" {
  name = "offices"
}

resource "aws_route53_cidr_location" "hq" {
  cidr_collection_id = aws_route53_cidr_collection.offices.id
  name               = "hq"
  cidr_blocks        = ["203.0.113.0/24"]
}

resource "aws_route53_record" "simple" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "www.everything.example"
  type    = "A"
  ttl     = 300
  records = ["192.0.2.1"]
}

resource "aws_route53_record" "alias" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "everything.example"
  type    = "A"
  alias {
    zone_id                = aws_route53_zone.public.zone_id
    name                   = aws_route53_record.simple.fqdn
    evaluate_target_health = false
  }
}

resource "aws_route53_record" "weighted" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "weighted.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.10"]
  set_identifier = "blue"
  weighted_routing_policy {
    weight = 10
  }
}

resource "aws_route53_record" "latency" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "latency.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.20"]
  set_identifier = "virginia"
  latency_routing_policy {
    region = "us-east-1"
  }
}

resource "aws_route53_record" "failover_primary" {
  zone_id         = aws_route53_zone.public.zone_id
  name            = "failover.everything.example"
  type            = "A"
  ttl             = 60
  records         = ["192.0.2.30"]
  set_identifier  = "primary"
  health_check_id = aws_route53_health_check.web.id
  failover_routing_policy {
    type = "PRIMARY"
  }
}

resource "aws_route53_record" "failover_secondary" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "failover.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.31"]
  set_identifier = "secondary"
  failover_routing_policy {
    type = "SECONDARY"
  }
}

resource "aws_route53_record" "geo" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "geo.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.40"]
  set_identifier = "everywhere"
  geolocation_routing_policy {
    country = "*"
  }
}

resource "aws_route53_record" "geoproximity" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "near.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.50"]
  set_identifier = "oregon"
  geoproximity_routing_policy {
    aws_region = "us-west-2"
    bias       = 10
  }
}

resource "aws_route53_record" "multivalue" {
  zone_id                          = aws_route53_zone.public.zone_id
  name                             = "multi.everything.example"
  type                             = "A"
  ttl                              = 60
  records                          = ["192.0.2.60"]
  set_identifier                   = "one"
  multivalue_answer_routing_policy = true
}

resource "aws_route53_record" "cidr" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "cidr.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.70"]
  set_identifier = "hq"
  cidr_routing_policy {
    collection_id = aws_route53_cidr_collection.offices.id
    location_name = aws_route53_cidr_location.hq.name
  }
}

resource "aws_route53_record" "cidr_default" {
  zone_id        = aws_route53_zone.public.zone_id
  name           = "cidr.everything.example"
  type           = "A"
  ttl            = 60
  records        = ["192.0.2.71"]
  set_identifier = "elsewhere"
  cidr_routing_policy {
    collection_id = aws_route53_cidr_collection.offices.id
    location_name = "*"
  }
}

# ------------------------------------------------------------------ Resolver

resource "aws_route53_resolver_endpoint" "inbound" {
  name               = "inbound"
  direction          = "INBOUND"
  security_group_ids = [aws_security_group.dns.id]
  ip_address {
    subnet_id = aws_subnet.a.id
    ip        = "127.60.1.20"
  }
  ip_address {
    subnet_id = aws_subnet.b.id
    ip        = "127.60.2.20"
  }
}

resource "aws_route53_resolver_endpoint" "outbound" {
  name               = "outbound"
  direction          = "OUTBOUND"
  security_group_ids = [aws_security_group.dns.id]
  ip_address {
    subnet_id = aws_subnet.a.id
    ip        = "127.60.1.10"
  }
  ip_address {
    subnet_id = aws_subnet.b.id
    ip        = "127.60.2.10"
  }
}

resource "aws_route53_resolver_rule" "partner" {
  name                 = "partner"
  domain_name          = "partner.internal"
  rule_type            = "FORWARD"
  resolver_endpoint_id = aws_route53_resolver_endpoint.outbound.id
  target_ip {
    ip   = "127.0.0.1"
    port = @PARTNER_PORT@
  }
}

resource "aws_route53_resolver_rule_association" "partner" {
  name             = "partner-main"
  resolver_rule_id = aws_route53_resolver_rule.partner.id
  vpc_id           = aws_vpc.main.id
}

resource "aws_route53_resolver_config" "main" {
  resource_id              = aws_vpc.main.id
  autodefined_reverse_flag = "DISABLE"
}

# ------------------------------------------------------------------ Profiles

resource "aws_route53profiles_profile" "shared" {
  name = "shared"
}

resource "aws_route53profiles_resource_association" "private_zone" {
  name         = "private-zone"
  profile_id   = aws_route53profiles_profile.shared.id
  resource_arn = aws_route53_zone.private.arn
}

resource "aws_route53profiles_association" "other" {
  name        = "other"
  profile_id  = aws_route53profiles_profile.shared.id
  resource_id = aws_vpc.other.id
}

output "main_vpc" {
  value = aws_vpc.main.id
}

output "default_vpc" {
  value = aws_default_vpc.default.id
}

output "in_default_vpc_group_vpc" {
  value = aws_security_group.in_default_vpc.vpc_id
}

output "private_zone" {
  value = aws_route53_zone.private.zone_id
}
'''


def ask(server, qname, qtype="A", source=None, timeout=2.0):
    q = dns.message.make_query(qname, qtype)
    host, port = server
    return dns.query.udp(q, host, port=port, source=source, timeout=timeout)


def addresses(resp):
    return sorted(rr.to_text() for rrset in resp.answer for rr in rrset if rrset.rdtype == dns.rdatatype.A)


def eventually(check, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (dns.exception.Timeout, OSError):
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, f"{what} not reached within {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def lab(cairn_server, knot_server, tmp_path):
    tf = require_terraform()
    vpc_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--vpc-dns-port", str(vpc_port),
                                   # public names: a dead loopback forwarder, never the internet
                                   "--forwarder", f"127.0.0.1:{harness.free_port('127.0.0.1')}"])
    # The forwarding rule's target: a loopback authoritative server for partner.internal.
    partner_file = tmp_path / "partner.zone"
    partner_file.write_text("$TTL 300\n@ IN SOA ns.partner.internal. h.partner.internal. 1 3600 600 86400 300\n"
                            "@ IN NS ns.partner.internal.\nns IN A 127.0.0.1\napi IN A 172.16.7.7\n")
    partner = knot_server({"partner.internal.": partner_file})
    host, port = srv.api
    endpoint = f"http://{host}:{port}"
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(fill(CONFIG, srv, MAIN_VPC=MAIN_VPC, PEER_VPC=PEER_VPC, OTHER_VPC=OTHER_VPC,
                                       PARTNER_PORT=partner.addr[1]))
    run = runner(tf, work, tmp_path)
    run.srv, run.vpc_port, run.endpoint = srv, vpc_port, endpoint
    return run


def clients(srv):
    return {name: harness.route53_client(srv, name) for name in ("ec2", "route53", "route53resolver", "route53profiles")}


def test_terraform_every_resource_type(lab):
    run, srv = lab, lab.srv
    api = clients(srv)
    ec2 = api["ec2"]
    default_vpc = [v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]]
    assert [v["CidrBlock"] for v in default_vpc] == ["172.31.0.0/16"], "the server starts with its default VPC"
    run("init", "-input=false")
    destroyed = False
    try:
        run("apply", "-auto-approve", "-input=false")
        out = lambda name: run("output", "-raw", name).stdout.strip()  # noqa: E731
        main_vpc = out("main_vpc")
        assert out("default_vpc") == default_vpc[0]["VpcId"]
        assert out("in_default_vpc_group_vpc") == default_vpc[0]["VpcId"]

        # The private zone is answered at the main VPC's own "+2" address, to a client in it.
        resolver = ("127.60.0.2", lab.vpc_port)
        eventually(lambda: addresses(ask(resolver, "db.corp.internal.", source=IN_MAIN)) == ["10.1.2.3"],
                   what="private record at the VPC resolver")
        # The forwarding rule sends partner.internal out through the outbound endpoint.
        eventually(lambda: addresses(ask(resolver, "api.partner.internal.", source=IN_MAIN)) == ["172.16.7.7"],
                   what="forwarded answer")
        # Public records over the authoritative listener.
        r = harness.query(srv.addr, "www.everything.example", "A", edns=0)
        assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ["192.0.2.1"]
        r = harness.query(srv.addr, "everything.example", "A", edns=0)
        assert addresses(r) == ["192.0.2.1"], "the alias answers with its target's address"

        # Security group rules are what the configuration says, seen as a user sees them.
        groups = {g["GroupName"]: g for g in ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [main_vpc]}])["SecurityGroups"]}
        assert sorted((p["IpProtocol"], p.get("FromPort")) for p in groups["dns"]["IpPermissions"]) == \
            [("tcp", 53), ("udp", 53)]
        assert [p["IpProtocol"] for p in groups["dns"]["IpPermissionsEgress"]] == ["-1"]
        assert [(p["IpProtocol"], p["FromPort"]) for p in groups["standalone"]["IpPermissionsEgress"]] == [("udp", 53)]
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [groups["standalone"]["GroupId"]]}])["SecurityGroupRules"]
        assert sorted((r["IsEgress"], r["IpProtocol"], r["FromPort"]) for r in rules) == \
            [(False, "-1", -1), (False, "tcp", 443), (True, "udp", 53)]

        # A second plan sees exactly what was applied.
        plan = run("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
        assert plan.returncode == 0, f"second plan is not empty:\n{plan.stdout[-8000:]}"
        assert "No changes." in plan.stdout
    finally:
        result = run("destroy", "-auto-approve", "-input=false", ok=(0, 1))
        destroyed = result.returncode == 0
    assert destroyed, result.stdout[-8000:] + result.stderr[-8000:]

    # Nothing Terraform made is left; the default VPC stays (aws_default_vpc only forgets it).
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [default_vpc[0]["VpcId"]]
    assert [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]] == ["default"]
    assert all(s["DefaultForAz"] for s in ec2.describe_subnets()["Subnets"])
    r53 = api["route53"]
    assert r53.list_hosted_zones()["HostedZones"] == []
    assert r53.list_health_checks()["HealthChecks"] == []
    assert r53.list_reusable_delegation_sets()["DelegationSets"] == []
    assert r53.list_cidr_collections()["CidrCollections"] == []
    resolver_api = api["route53resolver"]
    assert resolver_api.list_resolver_endpoints()["ResolverEndpoints"] == []
    assert [r["RuleType"] for r in resolver_api.list_resolver_rules()["ResolverRules"]] == ["RECURSIVE"]
    # What is left is the Internet Resolver rule's autodefined association with the default VPC.
    assert [a["VPCId"] for a in resolver_api.list_resolver_rule_associations()["ResolverRuleAssociations"]] == \
        [default_vpc[0]["VpcId"]]
    profiles = api["route53profiles"]
    assert profiles.list_profiles()["ProfileSummaries"] == []
    assert profiles.list_profile_associations()["ProfileAssociations"] == []
