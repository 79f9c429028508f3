"""VPCs and private hosted zones through real clients (issue 4) against a real `cairn serve`.

boto3's EC2 and Route 53 clients and the AWS CLI (`aws ec2 ...`, `aws route53 ...`) are pointed
at Cairn's one API port; the tests assert what a user sees: response shapes as the SDK parses
them, EC2's defaults, error codes and messages, and that association changes reach INSYNC.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"
REGION = "us-east-1"

# The VPCs here are 10.x blocks with the default --vpc-dns-port 53: on a host that has one of
# their +2 addresses, two servers would both bind it. Under pytest-xdist these tests run on
# one worker, one after another.
pytestmark = pytest.mark.xdist_group("port-53-on-10.x-vpcs")


@pytest.fixture
def srv(cairn_server):
    return cairn_server()


@pytest.fixture
def ec2(srv):
    return harness.route53_client(srv, "ec2")


@pytest.fixture
def r53(srv):
    return harness.route53_client(srv)


def error_of(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response


def wait_insync(r53, change_id: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        info = r53.get_change(Id=change_id)["ChangeInfo"]
        if info["Status"] == "INSYNC":
            return info
        assert time.monotonic() < deadline, f"{change_id} still {info['Status']}"
        time.sleep(0.1)


# ---------------------------------------------------------------- EC2 with boto3


def test_vpc_lifecycle_and_defaults(ec2):
    vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "corp"}]}],
    )["Vpc"]
    assert vpc["VpcId"].startswith("vpc-") and len(vpc["VpcId"]) == 21
    assert vpc["CidrBlock"] == "10.20.0.0/16"
    assert vpc["State"] == "available"
    assert vpc["IsDefault"] is False
    assert vpc["OwnerId"] == "111111111111"
    assert vpc["Tags"] == [{"Key": "Name", "Value": "corp"}]
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}

    vpc_id = vpc["VpcId"]
    support = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert support["EnableDnsSupport"] == {"Value": True}
    assert hostnames["EnableDnsHostnames"] == {"Value": False}
    assert support["VpcId"] == vpc_id
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {"Value": True}

    described = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert [v["VpcId"] for v in described] == [vpc_id]
    by_tag = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["corp"]}])["Vpcs"]
    assert [v["VpcId"] for v in by_tag] == [vpc_id]
    assert ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.99.0.0/16"]}])["Vpcs"] == []

    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"], "CreateVpc makes the default group"
    assert groups[0]["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]

    ec2.delete_vpc(VpcId=vpc_id)
    err = error_of(ec2.describe_vpcs, VpcIds=[vpc_id])
    assert err["Error"]["Code"] == "InvalidVpcID.NotFound"
    assert err["Error"]["Message"] == f"The vpc ID '{vpc_id}' does not exist"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_vpc_errors(ec2):
    err = error_of(ec2.create_vpc, CidrBlock="10.0.0.0/8")
    assert err["Error"] == {"Code": "InvalidVpc.Range", "Message": "The CIDR '10.0.0.0/8' is invalid."}
    err = error_of(ec2.create_vpc, CidrBlock="10.0.0.0/29")
    assert err["Error"]["Code"] == "InvalidVpc.Range"
    err = error_of(ec2.delete_vpc, VpcId="vpc-0123456789abcdef0")
    assert err["Error"]["Code"] == "InvalidVpcID.NotFound"
    err = error_of(ec2.describe_vpcs, Filters=[{"Name": "flavour", "Values": ["x"]}])
    assert err["Error"] == {"Code": "InvalidParameterValue", "Message": "The filter 'flavour' is invalid"}
    err = error_of(ec2.create_vpc, CidrBlock="10.0.0.0/16", DryRun=True)
    assert err["Error"]["Code"] == "DryRunOperation"
    # The server's only VPC is still the default one it starts with.
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert [(v["CidrBlock"], v["IsDefault"]) for v in vpcs] == [("172.31.0.0/16", True)], \
        "no refused or dry-run request created a VPC"


def test_subnets(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.1.0/24")["Subnet"]
    assert subnet["SubnetId"].startswith("subnet-")
    assert subnet["AvailabilityZone"] == f"{REGION}a"
    assert subnet["AvailableIpAddressCount"] == 251
    assert subnet["VpcId"] == vpc_id
    assert subnet["EnableDns64"] is False
    assert subnet["SubnetArn"].endswith(f":subnet/{subnet['SubnetId']}")

    err = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.31.0.0/24")
    assert err["Error"] == {"Code": "InvalidSubnet.Range", "Message": "The CIDR '10.31.0.0/24' is invalid."}
    err = error_of(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.30.1.0/25")
    assert err["Error"] == {"Code": "InvalidSubnet.Conflict",
                            "Message": "The CIDR '10.30.1.0/25' conflicts with another subnet"}

    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], EnableDns64={"Value": True})
    described = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"]
    assert described[0]["EnableDns64"] is True
    assert [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]] == [subnet["SubnetId"]]

    err = error_of(ec2.delete_vpc, VpcId=vpc_id)
    assert err["Error"] == {"Code": "DependencyViolation",
                            "Message": f"The vpc '{vpc_id}' has dependencies and cannot be deleted."}
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    err = error_of(ec2.describe_subnets, SubnetIds=[subnet["SubnetId"]])
    assert err["Error"]["Code"] == "InvalidSubnetID.NotFound"
    ec2.delete_vpc(VpcId=vpc_id)


def test_security_groups(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(GroupName="dns", Description="DNS in", VpcId=vpc_id)["GroupId"]
    assert group_id.startswith("sg-")
    err = error_of(ec2.create_security_group, GroupName="dns", Description="again", VpcId=vpc_id)
    assert err["Error"] == {"Code": "InvalidGroup.Duplicate",
                            "Message": f"The security group 'dns' already exists for VPC '{vpc_id}'"}

    permissions = [
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [{"CidrIpv6": "fd00::/8"}]},
        {"IpProtocol": "tcp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "192.168.0.0/16"}]},
    ]
    assert ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)["Return"] is True
    err = error_of(ec2.authorize_security_group_ingress, GroupId=group_id, IpPermissions=permissions[:1])
    assert err["Error"]["Code"] == "InvalidPermission.Duplicate"

    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["GroupName"] == "dns" and group["Description"] == "DNS in" and group["VpcId"] == vpc_id
    got = group["IpPermissions"]
    assert got[0]["IpProtocol"] == "udp" and got[0]["FromPort"] == 53 and got[0]["ToPort"] == 53
    assert got[0]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]
    assert got[0]["Ipv6Ranges"] == [{"CidrIpv6": "fd00::/8"}]
    assert got[1]["IpRanges"] == [{"CidrIp": "192.168.0.0/16"}]

    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    err = error_of(ec2.delete_security_group, GroupId=default["GroupId"])
    assert err["Error"]["Code"] == "CannotDelete"
    err = error_of(ec2.delete_vpc, VpcId=vpc_id)
    assert err["Error"]["Code"] == "DependencyViolation"
    ec2.delete_security_group(GroupId=group_id)
    err = error_of(ec2.describe_security_groups, GroupIds=[group_id])
    assert err["Error"] == {"Code": "InvalidGroup.NotFound", "Message": f"The security group '{group_id}' does not exist"}
    ec2.delete_vpc(VpcId=vpc_id)


# ---------------------------------------------------------------- private hosted zones


def private_zone(r53, name: str, vpc_id: str) -> dict:
    return r53.create_hosted_zone(
        Name=name,
        CallerReference=uuid.uuid4().hex,
        HostedZoneConfig={"PrivateZone": True, "Comment": "private"},
        VPC={"VPCRegion": REGION, "VPCId": vpc_id},
    )


def test_private_zone_associations(ec2, r53):
    vpc1 = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    vpc2 = ec2.create_vpc(CidrBlock="10.51.0.0/16")["Vpc"]["VpcId"]
    created = private_zone(r53, "corp.example", vpc1)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["HostedZone"]["Config"] == {"Comment": "private", "PrivateZone": True}
    assert created["VPC"] == {"VPCRegion": REGION, "VPCId": vpc1}
    assert "DelegationSet" not in created
    wait_insync(r53, created["ChangeInfo"]["Id"])
    zone_id = created["HostedZone"]["Id"].rsplit("/", 1)[-1]

    got = r53.get_hosted_zone(Id=zone_id)
    assert got["VPCs"] == [{"VPCRegion": REGION, "VPCId": vpc1}]
    assert "DelegationSet" not in got

    change = r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": vpc2}, Comment="second")["ChangeInfo"]
    assert change["Comment"] == "second"
    assert wait_insync(r53, change["Id"])["Status"] == "INSYNC"
    assert sorted(v["VPCId"] for v in r53.get_hosted_zone(Id=zone_id)["VPCs"]) == sorted([vpc1, vpc2])

    by_vpc = r53.list_hosted_zones_by_vpc(VPCId=vpc2, VPCRegion=REGION)
    assert by_vpc["HostedZoneSummaries"] == [
        {"HostedZoneId": zone_id, "Name": "corp.example.", "Owner": {"OwningAccount": "111111111111"}}]
    assert by_vpc["MaxItems"] == "100"

    err = error_of(r53.associate_vpc_with_hosted_zone, HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    assert err["Error"]["Code"] == "ConflictingDomainExists"
    err = error_of(private_zone, r53, "corp.example", vpc2)
    assert err["Error"]["Code"] == "ConflictingDomainExists"

    r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    err = error_of(r53.disassociate_vpc_from_hosted_zone, HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    assert err["Error"]["Code"] == "VPCAssociationNotFound"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    err = error_of(r53.disassociate_vpc_from_hosted_zone, HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": vpc1})
    assert err["Error"]["Code"] == "LastVPCAssociation"
    assert r53.list_hosted_zones_by_vpc(VPCId=vpc2, VPCRegion=REGION)["HostedZoneSummaries"] == []

    public = r53.create_hosted_zone(Name="public-example.com", CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    err = error_of(r53.associate_vpc_with_hosted_zone, HostedZoneId=public, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    assert err["Error"]["Code"] == "PublicZoneVPCAssociation"
    err = error_of(r53.create_hosted_zone, Name="x.example", CallerReference=uuid.uuid4().hex,
                   VPC={"VPCRegion": REGION, "VPCId": "vpc-0123456789abcdef0"})
    assert err["Error"] == {"Code": "InvalidVPCId", "Message": "The VPC ID is invalid.", "Type": "Sender"}


def test_vpc_association_authorizations(ec2, r53):
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    zone_id = private_zone(r53, "auth.example", vpc)["HostedZone"]["Id"].rsplit("/", 1)[-1]
    other = {"VPCRegion": "us-west-2", "VPCId": "vpc-0aaaaaaaaaaaaaaaa"}
    created = r53.create_vpc_association_authorization(HostedZoneId=zone_id, VPC=other)
    assert created["HostedZoneId"] == zone_id and created["VPC"] == other
    assert r53.list_vpc_association_authorizations(HostedZoneId=zone_id)["VPCs"] == [other]
    r53.delete_vpc_association_authorization(HostedZoneId=zone_id, VPC=other)
    assert r53.list_vpc_association_authorizations(HostedZoneId=zone_id)["VPCs"] == []
    err = error_of(r53.delete_vpc_association_authorization, HostedZoneId=zone_id, VPC=other)
    assert err["Error"]["Code"] == "VPCAssociationAuthorizationNotFound"


# ---------------------------------------------------------------- the AWS CLI


def test_aws_cli_ec2_and_private_zone(srv, tmp_path):
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed (./run-tests installs awscli into .venv)")
    env = harness.aws_env(srv, tmp_path)
    env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})

    def aws(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run([str(AWS), *args, "--output", "json"], capture_output=True, text=True, env=env,
                             timeout=60, stdin=subprocess.DEVNULL)
        if check:
            assert res.returncode == 0, f"aws {' '.join(args)}: {res.stderr}"
        return res

    vpc = json.loads(aws("ec2", "create-vpc", "--cidr-block", "10.70.0.0/16").stdout)["Vpc"]
    assert vpc["CidrBlock"] == "10.70.0.0/16" and vpc["VpcId"].startswith("vpc-")
    vpcs = json.loads(aws("ec2", "describe-vpcs", "--vpc-ids", vpc["VpcId"]).stdout)["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [vpc["VpcId"]]
    attr = json.loads(aws("ec2", "describe-vpc-attribute", "--vpc-id", vpc["VpcId"], "--attribute", "enableDnsSupport").stdout)
    assert attr["EnableDnsSupport"] == {"Value": True}

    bad = aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/8", check=False)
    assert bad.returncode != 0
    assert "InvalidVpc.Range" in bad.stderr and "The CIDR '10.0.0.0/8' is invalid." in bad.stderr, bad.stderr

    zone = json.loads(aws("route53", "create-hosted-zone", "--name", "cli.example", "--caller-reference", uuid.uuid4().hex,
                          "--vpc", f"VPCRegion={REGION},VPCId={vpc['VpcId']}",
                          "--hosted-zone-config", "PrivateZone=true").stdout)
    assert zone["HostedZone"]["Config"]["PrivateZone"] is True
    assert zone["VPC"]["VPCId"] == vpc["VpcId"]
    listed = json.loads(aws("route53", "list-hosted-zones-by-vpc", "--vpc-id", vpc["VpcId"], "--vpc-region", REGION).stdout)
    assert [s["Name"] for s in listed["HostedZoneSummaries"]] == ["cli.example."]


def test_describe_calls_page_with_max_results_and_next_token(ec2):
    # The server's default VPC (with its default group) is listed with the 12 made here.
    (default_vpc,) = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"]]
    created = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(12)]
    vpc_ids = sorted(created + [default_vpc])
    subnet_ids = sorted(ec2.create_subnet(VpcId=created[0], CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
                        for i in range(7))
    # boto3's paginators drive MaxResults/NextToken; every resource comes exactly once.
    pages = list(ec2.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Vpcs"]) for p in pages] == [5, 5, 3]
    assert sorted(v["VpcId"] for p in pages for v in p["Vpcs"]) == vpc_ids
    assert "NextToken" not in pages[-1]
    pages = list(ec2.get_paginator("describe_subnets").paginate(
        Filters=[{"Name": "vpc-id", "Values": [created[0]]}], PaginationConfig={"PageSize": 5}))
    assert [len(p["Subnets"]) for p in pages] == [5, 2]
    assert sorted(s["SubnetId"] for p in pages for s in p["Subnets"]) == subnet_ids
    # Each VPC has its default security group.
    pages = list(ec2.get_paginator("describe_security_groups").paginate(PaginationConfig={"PageSize": 5}))
    assert sum(len(p["SecurityGroups"]) for p in pages) == 13 and len(pages) == 3

    # A resource deleted between pages neither repeats nor shifts the rest.
    first = ec2.describe_vpcs(MaxResults=5)
    ec2.delete_vpc(VpcId=next(v["VpcId"] for v in first["Vpcs"] if v["VpcId"] in created[1:]))
    rest = ec2.describe_vpcs(MaxResults=1000, NextToken=first["NextToken"])
    seen = [v["VpcId"] for v in first["Vpcs"]] + [v["VpcId"] for v in rest["Vpcs"]]
    assert sorted(seen) == vpc_ids and len(set(seen)) == len(seen)

    # (boto3 checks the minimum itself; the maximum is the server's to refuse.)
    assert error_of(ec2.describe_vpcs, MaxResults=1001)["Error"]["Code"] == "InvalidParameterValue"
    assert error_of(ec2.describe_vpcs, MaxResults=5, NextToken="not-a-token")["Error"]["Code"] == "InvalidPaginationToken"
    assert error_of(ec2.describe_vpcs, MaxResults=5, VpcIds=[created[0]])["Error"]["Code"] == "InvalidParameterCombination"
