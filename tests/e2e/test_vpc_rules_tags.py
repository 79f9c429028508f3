"""The EC2 calls Terraform makes beyond issue 4's (issue 19), through boto3 against a real
`cairn serve`: egress rules, revoking rules, security group rules by id, tags by resource id,
the main route table and default network ACL of a VPC, and the default VPC the server starts
with (and `--no-default-vpc`). Asserts what a user sees: shapes as the SDK parses them, error
codes and messages, and that rules survive a restart.
"""

from __future__ import annotations

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

# 10.x VPCs with the default --vpc-dns-port 53, as in test_vpc_api.py: one worker at a time.
pytestmark = pytest.mark.xdist_group("port-53-on-10.x-vpcs")


def error_of(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response["Error"]


def test_egress_revoke_and_rules_by_id_survive_restart(cairn_server, tmp_path):
    data = tmp_path / "data"
    srv = cairn_server(data_dir=data)
    ec2 = harness.route53_client(srv, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]

    # A new group lets everything out; Terraform revokes that first.
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    all_out = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert described["IpPermissionsEgress"] == [{**all_out, "Ipv6Ranges": [], "PrefixListIds": [],
                                                 "UserIdGroupPairs": []}]
    assert ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[all_out])["Return"] is True
    err = error_of(ec2.revoke_security_group_egress, GroupId=group, IpPermissions=[all_out])
    assert err == {"Code": "InvalidPermission.NotFound",
                   "Message": "The specified rule does not exist in this security group."}

    made = ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    (egress_rule,) = made["SecurityGroupRules"]
    assert egress_rule["IsEgress"] is True and egress_rule["CidrIpv4"] == "0.0.0.0/0"
    assert egress_rule["SecurityGroupRuleId"].startswith("sgr-")
    made = ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": other}]}])
    ingress_rules = made["SecurityGroupRules"]
    assert sorted((r["IpProtocol"], r["FromPort"], r.get("CidrIpv4"), r.get("ReferencedGroupInfo", {}).get("GroupId"))
                  for r in ingress_rules) == [
        ("-1", -1, None, other), ("tcp", 443, "10.0.0.0/8", None), ("tcp", 443, "192.168.0.0/16", None)]

    listed = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    assert sorted(r["SecurityGroupRuleId"] for r in listed) == sorted(
        r["SecurityGroupRuleId"] for r in ingress_rules + [egress_rule])
    one = ec2.describe_security_group_rules(SecurityGroupRuleIds=[egress_rule["SecurityGroupRuleId"]])
    assert one["SecurityGroupRules"] == [egress_rule]
    err = error_of(ec2.describe_security_group_rules, SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    assert err == {"Code": "InvalidSecurityGroupRuleId.NotFound",
                   "Message": "The security group rule ID 'sgr-0123456789abcdef0' does not exist"}

    # Revoke one source by rule id: the permission keeps its other source.
    ten = next(r for r in ingress_rules if r.get("CidrIpv4") == "10.0.0.0/8")
    ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[ten["SecurityGroupRuleId"]])
    # A group named by another's rule cannot go.
    err = error_of(ec2.delete_security_group, GroupId=other)
    assert err["Code"] == "DependencyViolation"

    # After a restart, the group is as left.
    srv.stop()
    srv = cairn_server(data_dir=data)
    ec2 = harness.route53_client(srv, "ec2")
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert [(p["IpProtocol"], p.get("FromPort"), [r["CidrIp"] for r in p["IpRanges"]],
             [g["GroupId"] for g in p["UserIdGroupPairs"]]) for p in described["IpPermissions"]] == [
        ("tcp", 443, ["192.168.0.0/16"], []), ("-1", None, [], [other])]
    assert [(p["IpProtocol"], p["FromPort"]) for p in described["IpPermissionsEgress"]] == [("udp", 53)]
    ids_after = sorted(r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"])
    assert ids_after == sorted(r["SecurityGroupRuleId"] for r in ingress_rules + [egress_rule] if r is not ten)


def test_tags_route_tables_and_network_acls(cairn_server):
    srv = cairn_server()
    ec2 = harness.route53_client(srv, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.71.1.0/24")["Subnet"]["SubnetId"]

    ec2.create_tags(Resources=[vpc, subnet], Tags=[{"Key": "team", "Value": "dns"}, {"Key": "env", "Value": "test"}])
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"] == [{"Key": "env", "Value": "test"},
                                                                  {"Key": "team", "Value": "dns"}]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc, subnet]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in tags) == sorted([
        (vpc, "vpc", "env", "test"), (vpc, "vpc", "team", "dns"),
        (subnet, "subnet", "env", "test"), (subnet, "subnet", "team", "dns")])
    # A value that does not match leaves the tag; a key alone removes it.
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "team", "Value": "other"}, {"Key": "env"}])
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"] == [{"Key": "team", "Value": "dns"}]
    err = error_of(ec2.create_tags, Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert err == {"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist"}

    (table,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                  {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert table["VpcId"] == vpc and table["RouteTableId"].startswith("rtb-")
    assert table["Routes"] == [{"DestinationCidrBlock": "10.71.0.0/16", "GatewayId": "local",
                                "Origin": "CreateRouteTable", "State": "active"}]
    assert table["Associations"][0]["Main"] is True
    (acl,) = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    assert acl["IsDefault"] is True and acl["NetworkAclId"].startswith("acl-")
    assert [a["SubnetId"] for a in acl["Associations"]] == [subnet]
    assert sorted((e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in acl["Entries"]) == [
        (100, False, "allow"), (100, True, "allow"), (32767, False, "deny"), (32767, True, "deny")]


def test_default_vpc_and_no_default_vpc(cairn_server, tmp_path):
    data = tmp_path / "data"
    srv = cairn_server(data_dir=data)
    ec2 = harness.route53_client(srv, "ec2")
    (default,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert default["CidrBlock"] == "172.31.0.0/16" and default["IsDefault"] is True
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default["VpcId"]]}])["Subnets"]
    assert sorted((s["AvailabilityZone"], s["CidrBlock"], s["DefaultForAz"], s["MapPublicIpOnLaunch"])
                  for s in subnets) == [("us-east-1a", "172.31.0.0/20", True, True),
                                        ("us-east-1b", "172.31.16.0/20", True, True),
                                        ("us-east-1c", "172.31.32.0/20", True, True)]
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attrs[0]["AttributeValues"] == [{"AttributeValue": default["VpcId"]}]
    # Without VpcId, a group goes into the default VPC.
    group = ec2.create_security_group(GroupName="no-vpc-id", Description="d")["GroupId"]
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["VpcId"] == default["VpcId"]

    # The user deletes it; after a restart it is still gone, as on AWS.
    ec2.delete_security_group(GroupId=group)
    for s in subnets:
        ec2.delete_subnet(SubnetId=s["SubnetId"])
    ec2.delete_vpc(VpcId=default["VpcId"])
    srv.stop()
    srv = cairn_server(data_dir=data)
    ec2 = harness.route53_client(srv, "ec2")
    assert ec2.describe_vpcs()["Vpcs"] == []
    err = error_of(ec2.create_security_group, GroupName="x", Description="d")
    assert err["Code"] == "VPCIdNotSpecified"

    # --no-default-vpc: a fresh server without one.
    bare = cairn_server(extra_args=["--no-default-vpc"])
    ec2 = harness.route53_client(bare, "ec2")
    assert ec2.describe_vpcs()["Vpcs"] == []
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attrs[0]["AttributeValues"] == [{"AttributeValue": "none"}]
