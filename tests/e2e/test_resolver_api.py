"""Route 53 Resolver and Route 53 Profiles through real clients (issue 5) against a real
`cairn serve`: boto3's `route53resolver` and `route53profiles` clients and the AWS CLI
(`aws route53resolver ...`), on the same API port as Route 53 and EC2.

The tests assert what a user sees: response shapes as the SDK parses them, statuses (CREATING
then OPERATIONAL, COMPLETE, DELETING), addresses assigned inside the subnet (never one of the
five AWS reserves), idempotency, and error codes with their messages.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import uuid
from pathlib import Path

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"

# Fixed addresses: the server runs with the default --vpc-dns-port 53, so every VPC made here
# binds 127.79.0.2:53 and every inbound endpoint binds its 127.79.x.y addresses on port 53.
# Under pytest-xdist these tests run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("port-53-on-127.79.x.x")


@pytest.fixture
def srv(cairn_server):
    return cairn_server()


@pytest.fixture
def ec2(srv):
    return harness.route53_client(srv, "ec2")


@pytest.fixture
def resolver(srv):
    return harness.route53_client(srv, "route53resolver")


@pytest.fixture
def profiles(srv):
    return harness.route53_client(srv, "route53profiles")


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response


@pytest.fixture
def net(ec2):
    """A VPC 127.79.0.0/16 with two /24 subnets and a security group."""
    vpc = ec2.create_vpc(CidrBlock="127.79.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vpc, CidrBlock="127.79.1.0/24")["Subnet"]["SubnetId"]
    s2 = ec2.create_subnet(VpcId=vpc, CidrBlock="127.79.2.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="dns", Description="dns", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "s1": s1, "s2": s2, "sg": sg}


def make_endpoint(resolver, net, direction="OUTBOUND", ips=None, **extra):
    ips = ips or [{"SubnetId": net["s1"]}, {"SubnetId": net["s2"]}]
    return resolver.create_resolver_endpoint(
        CreatorRequestId=uuid.uuid4().hex, Direction=direction, SecurityGroupIds=[net["sg"]],
        IpAddresses=ips, **extra)["ResolverEndpoint"]


# ---------------------------------------------------------------- endpoints with boto3


def test_endpoint_lifecycle_with_assigned_addresses(resolver, net):
    req = uuid.uuid4().hex
    created = resolver.create_resolver_endpoint(
        CreatorRequestId=req, Name="inbound-1", Direction="INBOUND", SecurityGroupIds=[net["sg"]],
        IpAddresses=[{"SubnetId": net["s1"]}, {"SubnetId": net["s2"], "Ip": "127.79.2.20"}],
        Tags=[{"Key": "env", "Value": "test"}])["ResolverEndpoint"]
    assert created["Status"] == "CREATING"
    assert created["StatusMessage"]
    assert created["Direction"] == "INBOUND"
    assert created["HostVPCId"] == net["vpc"]
    assert created["IpAddressCount"] == 2
    assert created["ResolverEndpointType"] == "IPV4"
    assert created["SecurityGroupIds"] == [net["sg"]]
    assert created["Id"].startswith("rslvr-in-")
    assert created["Arn"] == f"arn:aws:route53resolver:us-east-1:111111111111:resolver-endpoint/{created['Id']}"
    assert created["CreatorRequestId"] == req

    got = resolver.get_resolver_endpoint(ResolverEndpointId=created["Id"])["ResolverEndpoint"]
    assert got["Status"] == "OPERATIONAL"

    ips = resolver.list_resolver_endpoint_ip_addresses(ResolverEndpointId=created["Id"])["IpAddresses"]
    block = ipaddress.ip_network("127.79.1.0/24")
    assigned = ipaddress.ip_address(ips[0]["Ip"])
    assert assigned in block
    assert assigned not in list(block)[:4] and assigned != block.broadcast_address
    assert ips[1]["Ip"] == "127.79.2.20"
    assert all(ip["Status"] == "ATTACHED" and ip["IpId"].startswith("rni-") for ip in ips)

    # CreatorRequestId is single use: the same request again is refused.
    err = error_of(resolver.create_resolver_endpoint, CreatorRequestId=req, Direction="INBOUND",
                   SecurityGroupIds=[net["sg"]], IpAddresses=[{"SubnetId": net["s1"]}, {"SubnetId": net["s2"]}])
    assert err["Error"]["Code"] == "ResourceExistsException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400

    updated = resolver.update_resolver_endpoint(ResolverEndpointId=created["Id"], Name="renamed")["ResolverEndpoint"]
    assert updated["Name"] == "renamed"

    # Add a third address, then remove it again.
    grown = resolver.associate_resolver_endpoint_ip_address(
        ResolverEndpointId=created["Id"], IpAddress={"SubnetId": net["s1"], "Ip": "127.79.1.99"})
    assert grown["ResolverEndpoint"]["IpAddressCount"] == 3
    resolver.disassociate_resolver_endpoint_ip_address(
        ResolverEndpointId=created["Id"], IpAddress={"Ip": "127.79.1.99"})
    err = error_of(resolver.disassociate_resolver_endpoint_ip_address, ResolverEndpointId=created["Id"],
                   IpAddress={"Ip": "127.79.2.20"})
    assert err["Error"]["Code"] == "InvalidRequestException"

    tags = resolver.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"]
    assert tags == [{"Key": "env", "Value": "test"}]
    resolver.tag_resource(ResourceArn=created["Arn"], Tags=[{"Key": "team", "Value": "dns"}])
    resolver.untag_resource(ResourceArn=created["Arn"], TagKeys=["env"])
    assert resolver.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"] == [{"Key": "team", "Value": "dns"}]

    listed = resolver.list_resolver_endpoints(Filters=[{"Name": "HostVPCId", "Values": [net["vpc"]]}])
    assert [e["Id"] for e in listed["ResolverEndpoints"]] == [created["Id"]]

    deleted = resolver.delete_resolver_endpoint(ResolverEndpointId=created["Id"])["ResolverEndpoint"]
    assert deleted["Status"] == "DELETING"
    err = error_of(resolver.get_resolver_endpoint, ResolverEndpointId=created["Id"])
    assert err["Error"]["Code"] == "ResourceNotFoundException"


def test_endpoint_errors(resolver, net):
    err = error_of(resolver.create_resolver_endpoint, CreatorRequestId="x", Direction="INBOUND",
                   SecurityGroupIds=["test-invalid-sg-123"],
                   IpAddresses=[{"SubnetId": net["s1"]}, {"SubnetId": net["s2"]}])
    assert err["Error"] == {
        "Code": "InvalidParameterException",
        "Message": '[RSLVR-00408] Malformed security group ID: "Invalid id: "test-invalid-sg-123" (expecting "sg-...")".',
    }
    err = error_of(resolver.create_resolver_endpoint, CreatorRequestId="y", Direction="INBOUND",
                   SecurityGroupIds=[net["sg"]],
                   IpAddresses=[{"SubnetId": net["s1"], "Ip": "10.0.0.5"}, {"SubnetId": net["s2"]}])
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert "not in the CIDR block 127.79.1.0/24" in err["Error"]["Message"]
    err = error_of(resolver.create_resolver_endpoint, CreatorRequestId="z", Direction="INBOUND",
                   SecurityGroupIds=[net["sg"]],
                   IpAddresses=[{"SubnetId": net["s1"], "Ip": "127.79.1.2"}, {"SubnetId": net["s2"]}])
    assert err["Error"]["Code"] == "InvalidRequestException", "the VPC's +2 resolver address is reserved"
    assert resolver.list_resolver_endpoints()["ResolverEndpoints"] == []


# ---------------------------------------------------------------- rules and associations


def test_rules_associations_and_loop_prevention(resolver, net):
    outbound = make_endpoint(resolver, net, "OUTBOUND")
    inbound = make_endpoint(resolver, net, "INBOUND",
                            ips=[{"SubnetId": net["s1"], "Ip": "127.79.1.53"}, {"SubnetId": net["s2"]}])
    rule = resolver.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, Name="corp", RuleType="FORWARD", DomainName="Corp.Example",
        ResolverEndpointId=outbound["Id"], TargetIps=[{"Ip": "192.0.2.10"}, {"Ip": "192.0.2.11", "Port": 5353}],
    )["ResolverRule"]
    assert rule["DomainName"] == "corp.example."
    assert rule["Status"] == "COMPLETE"
    assert rule["TargetIps"] == [{"Ip": "192.0.2.10", "Port": 53, "Protocol": "Do53"},
                                 {"Ip": "192.0.2.11", "Port": 5353, "Protocol": "Do53"}]
    assert rule["OwnerId"] == "111111111111" and rule["ShareStatus"] == "NOT_SHARED"

    rules = resolver.list_resolver_rules()["ResolverRules"]
    internet = rules[0]
    assert internet["Id"] == "rslvr-autodefined-rr-internet-resolver"
    assert internet["Name"] == "Internet Resolver"
    assert internet["OwnerId"] == "Route 53 Resolver"
    assert internet["RuleType"] == "RECURSIVE" and internet["DomainName"] == "."
    assert internet["ShareStatus"] == "NOT_SHARED"
    assert [r["Id"] for r in rules[1:]] == [rule["Id"]]

    err = error_of(resolver.create_resolver_rule, CreatorRequestId="bad", RuleType="FORWARD",
                   DomainName="x.example", ResolverEndpointId=inbound["Id"], TargetIps=[{"Ip": "192.0.2.1"}])
    assert err["Error"]["Message"] == "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints."

    system = resolver.create_resolver_rule(CreatorRequestId="sys", RuleType="SYSTEM",
                                           DomainName="internal.corp.example")["ResolverRule"]
    assert "TargetIps" not in system

    assoc = resolver.associate_resolver_rule(ResolverRuleId=rule["Id"], VPCId=net["vpc"], Name="corp-assoc")
    assoc = assoc["ResolverRuleAssociation"]
    assert assoc["Status"] == "CREATING"
    got = resolver.get_resolver_rule_association(ResolverRuleAssociationId=assoc["Id"])["ResolverRuleAssociation"]
    assert got["Status"] == "COMPLETE" and got["VPCId"] == net["vpc"] and got["Name"] == "corp-assoc"

    err = error_of(resolver.associate_resolver_rule, ResolverRuleId=rule["Id"], VPCId=net["vpc"])
    assert err["Error"]["Code"] == "ResourceExistsException"
    err = error_of(resolver.associate_resolver_rule, ResolverRuleId="rslvr-rr-nope", VPCId=net["vpc"])
    assert err["Error"] == {"Code": "ResourceNotFoundException",
                            "Message": '[RSLVR-00703] Resolver rule with ID "rslvr-rr-nope" does not exist.'}
    err = error_of(resolver.delete_resolver_rule, ResolverRuleId=rule["Id"])
    assert err["Error"]["Code"] == "ResourceInUseException"
    err = error_of(resolver.delete_resolver_endpoint, ResolverEndpointId=outbound["Id"])
    assert err["Error"]["Code"] == "ResourceInUseException"

    # A rule whose target is the VPC's own inbound endpoint would loop.
    looping = resolver.create_resolver_rule(
        CreatorRequestId="loop", RuleType="FORWARD", DomainName="loop.example",
        ResolverEndpointId=outbound["Id"], TargetIps=[{"Ip": "127.79.1.53"}])["ResolverRule"]
    err = error_of(resolver.associate_resolver_rule, ResolverRuleId=looping["Id"], VPCId=net["vpc"])
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert err["Error"]["Message"].startswith("[RSLVR-00804]")

    # UpdateResolverRule keeps what it is not given.
    updated = resolver.update_resolver_rule(ResolverRuleId=rule["Id"], Config={"Name": "corp2"})["ResolverRule"]
    assert updated["Name"] == "corp2" and updated["TargetIps"] == rule["TargetIps"]

    listed = resolver.list_resolver_rule_associations(Filters=[{"Name": "VPCId", "Values": [net["vpc"]]}])
    ids = [a["Id"] for a in listed["ResolverRuleAssociations"]]
    assert f"rslvr-autodefined-assoc-{net['vpc']}-internet-resolver" in ids and assoc["Id"] in ids

    gone = resolver.disassociate_resolver_rule(ResolverRuleId=rule["Id"], VPCId=net["vpc"])
    assert gone["ResolverRuleAssociation"]["Status"] == "DELETING"
    assert resolver.delete_resolver_rule(ResolverRuleId=rule["Id"])["ResolverRule"]["Status"] == "DELETING"


def test_resolver_config(srv, resolver, net):
    got = resolver.get_resolver_config(ResourceId=net["vpc"])["ResolverConfig"]
    assert got["AutodefinedReverse"] == "ENABLED" and got["ResourceId"] == net["vpc"]
    upd = resolver.update_resolver_config(ResourceId=net["vpc"], AutodefinedReverseFlag="DISABLE")
    assert upd["ResolverConfig"]["AutodefinedReverse"] == "DISABLING"
    got = resolver.get_resolver_config(ResourceId=net["vpc"])["ResolverConfig"]
    assert got["AutodefinedReverse"] == "DISABLED"
    # One config per VPC of the account: this one and the default VPC the server starts with.
    default_vpc = harness.route53_client(srv, "ec2").describe_vpcs(
        Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    configs = resolver.list_resolver_configs()["ResolverConfigs"]
    assert sorted(c["ResourceId"] for c in configs) == sorted([net["vpc"], default_vpc])


# ---------------------------------------------------------------- the AWS CLI


def test_aws_cli_creates_endpoints_and_rules(srv, net, tmp_path):
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed")
    env = harness.aws_env(srv, tmp_path)

    def aws(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([str(AWS), *args, "--output", "json"], capture_output=True, text=True, env=env,
                             timeout=60, stdin=subprocess.DEVNULL)
        if check:
            assert res.returncode == 0, res.stderr
        return res

    out = aws("route53resolver", "create-resolver-endpoint", "--creator-request-id", "cli-1",
              "--direction", "OUTBOUND", "--security-group-ids", net["sg"],
              "--ip-addresses", f"SubnetId={net['s1']}", f"SubnetId={net['s2']},Ip=127.79.2.44",
              "--name", "cli-out")
    endpoint = json.loads(out.stdout)["ResolverEndpoint"]
    assert endpoint["Status"] == "CREATING" and endpoint["Id"].startswith("rslvr-out-")
    out = aws("route53resolver", "create-resolver-rule", "--creator-request-id", "cli-rule",
              "--rule-type", "FORWARD", "--domain-name", "onprem.example",
              "--resolver-endpoint-id", endpoint["Id"], "--target-ips", "Ip=192.0.2.53,Port=53")
    rule = json.loads(out.stdout)["ResolverRule"]
    assert rule["DomainName"] == "onprem.example."
    out = aws("route53resolver", "associate-resolver-rule", "--resolver-rule-id", rule["Id"], "--vpc-id", net["vpc"])
    assert json.loads(out.stdout)["ResolverRuleAssociation"]["Status"] == "CREATING"
    out = aws("route53resolver", "list-resolver-endpoint-ip-addresses", "--resolver-endpoint-id", endpoint["Id"])
    assert sorted(ip["Ip"] for ip in json.loads(out.stdout)["IpAddresses"])[1] == "127.79.2.44"
    res = aws("route53resolver", "delete-resolver-rule", "--resolver-rule-id", rule["Id"], check=False)
    assert res.returncode != 0 and "ResourceInUseException" in res.stderr


# ---------------------------------------------------------------- Route 53 Profiles


def test_profiles_carry_zones_and_rules(srv, resolver, profiles, net):
    r53 = harness.route53_client(srv)
    zone = r53.create_hosted_zone(Name="corp.example", CallerReference=uuid.uuid4().hex,
                                  VPC={"VPCRegion": "us-east-1", "VPCId": net["vpc"]},
                                  HostedZoneConfig={"PrivateZone": True})["HostedZone"]["Id"].split("/")[-1]
    outbound = make_endpoint(resolver, net, "OUTBOUND")
    rule = resolver.create_resolver_rule(CreatorRequestId="p-rule", RuleType="FORWARD", DomainName="onprem.example",
                                         ResolverEndpointId=outbound["Id"],
                                         TargetIps=[{"Ip": "192.0.2.1"}])["ResolverRule"]

    token = uuid.uuid4().hex
    profile = profiles.create_profile(Name="shared-dns", ClientToken=token,
                                      Tags=[{"Key": "team", "Value": "dns"}])["Profile"]
    assert profile["Id"].startswith("rp-") and profile["Status"] == "COMPLETE"
    assert profile["ShareStatus"] == "NOT_SHARED" and profile["OwnerId"] == "111111111111"
    assert profile["Arn"] == f"arn:aws:route53profiles:us-east-1:111111111111:profile/{profile['Id']}"
    again = profiles.create_profile(Name="shared-dns", ClientToken=token)["Profile"]
    assert again["Id"] == profile["Id"], "a repeated ClientToken returns the same profile"
    assert profiles.get_profile(ProfileId=profile["Id"])["Profile"]["Name"] == "shared-dns"
    assert [p["Id"] for p in profiles.list_profiles()["ProfileSummaries"]] == [profile["Id"]]
    assert profiles.list_tags_for_resource(ResourceArn=profile["Arn"])["Tags"] == {"team": "dns"}
    profiles.tag_resource(ResourceArn=profile["Arn"], Tags={"env": "test"})
    profiles.untag_resource(ResourceArn=profile["Arn"], TagKeys=["team"])
    assert profiles.list_tags_for_resource(ResourceArn=profile["Arn"])["Tags"] == {"env": "test"}

    assoc = profiles.associate_profile(ProfileId=profile["Id"], ResourceId=net["vpc"], Name="vpc-assoc")
    assoc = assoc["ProfileAssociation"]
    assert assoc["Status"] == "CREATING" and assoc["ResourceId"] == net["vpc"]
    got = profiles.get_profile_association(ProfileAssociationId=assoc["Id"])["ProfileAssociation"]
    assert got["Status"] == "COMPLETE"
    listed = profiles.list_profile_associations(ResourceId=net["vpc"])["ProfileAssociations"]
    assert [a["Id"] for a in listed] == [assoc["Id"]]
    other = profiles.create_profile(Name="other", ClientToken=uuid.uuid4().hex)["Profile"]
    err = error_of(profiles.associate_profile, ProfileId=other["Id"], ResourceId=net["vpc"], Name="second")
    assert err["Error"]["Code"] == "LimitExceededException", "one profile per VPC"

    zone_arn = f"arn:aws:route53:::hostedzone/{zone}"
    rule_arn = rule["Arn"]
    made = profiles.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=zone_arn, Name="zone")
    made = made["ProfileResourceAssociation"]
    assert made["ResourceType"] == "HOSTED_ZONE" and made["ResourceArn"] == zone_arn
    profiles.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=rule_arn, Name="rule")
    err = error_of(profiles.associate_resource_to_profile, ProfileId=profile["Id"],
                   ResourceArn="arn:aws:route53:::hostedzone/ZNOSUCHZONE0", Name="missing")
    assert err["Error"]["Code"] == "ResourceNotFoundException"
    listed = profiles.list_profile_resource_associations(ProfileId=profile["Id"])["ProfileResourceAssociations"]
    assert sorted(r["ResourceType"] for r in listed) == ["HOSTED_ZONE", "RESOLVER_RULE"]
    only_rules = profiles.list_profile_resource_associations(ProfileId=profile["Id"], ResourceType="RESOLVER_RULE")
    assert [r["ResourceArn"] for r in only_rules["ProfileResourceAssociations"]] == [rule_arn]
    upd = profiles.update_profile_resource_association(ProfileResourceAssociationId=made["Id"], Name="zone2")
    assert upd["ProfileResourceAssociation"]["Name"] == "zone2"
    got = profiles.get_profile_resource_association(ProfileResourceAssociationId=made["Id"])
    assert got["ProfileResourceAssociation"]["Name"] == "zone2"

    err = error_of(profiles.delete_profile, ProfileId=profile["Id"])
    assert err["Error"]["Code"] == "ConflictException"
    gone = profiles.disassociate_resource_from_profile(ProfileId=profile["Id"], ResourceArn=rule_arn)
    assert gone["ProfileResourceAssociation"]["Status"] == "DELETING"
    profiles.disassociate_profile(ProfileId=profile["Id"], ResourceId=net["vpc"])
    profiles.delete_profile(ProfileId=profile["Id"])
    err = error_of(profiles.get_profile, ProfileId=profile["Id"])
    assert err["Error"]["Code"] == "ResourceNotFoundException"
