"""Route 53 Resolver DNS Firewall control plane (issue 13) through boto3 against a real
`cairn serve`: domain lists and their domains (ADD, REMOVE, REPLACE, import from a file),
rule groups, rules, rule-group associations with VPCs and firewall configs, with the errors
users meet and every returned field checked. Writes survive a restart.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

# Creating a VPC binds its resolver address on port 53 (see test_resolver_api.py).
pytestmark = pytest.mark.xdist_group("port-53-on-127.79.x.x")

ACCOUNT = "111111111111"
TRACE = r'Trace Id: "1-[0-9a-f]{8}-[0-9a-f]{24}"'
MANAGED = {
    "AWSManagedDomainsMalwareDomainList",
    "AWSManagedDomainsBotnetCommandandControl",
    "AWSManagedAggregateThreatList",
    "AWSManagedDomainsAmazonGuardDutyThreatList",
}


@pytest.fixture
def srv(cairn_server):
    return cairn_server()


@pytest.fixture
def fw(srv):
    return harness.route53_client(srv, "route53resolver")


@pytest.fixture
def vpc(srv):
    ec2 = harness.route53_client(srv, "ec2")
    return ec2.create_vpc(CidrBlock="127.79.0.0/16")["Vpc"]["VpcId"]


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]


def is_date(text: str) -> bool:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None


def token() -> str:
    return uuid.uuid4().hex


def arn(kind: str, ident: str) -> str:
    return f"arn:aws:route53resolver:us-east-1:{ACCOUNT}:{kind}/{ident}"


# ---------------------------------------------------------------- domain lists


def test_domain_list_lifecycle_and_updates(fw):
    req = token()
    made = fw.create_firewall_domain_list(CreatorRequestId=req, Name="blocked",
                                          Tags=[{"Key": "team", "Value": "dns"}])["FirewallDomainList"]
    ident = made["Id"]
    assert re.fullmatch(r"rslvr-fdl-[0-9a-f]+", ident)
    assert {k: made[k] for k in ("Arn", "Name", "DomainCount", "Status", "CreatorRequestId")} == {
        "Arn": arn("firewall-domain-list", ident), "Name": "blocked", "DomainCount": 0,
        "Status": "COMPLETE", "CreatorRequestId": req}
    assert made["StatusMessage"] and is_date(made["CreationTime"]) and is_date(made["ModificationTime"])
    assert set(made) == {"Id", "Arn", "Name", "DomainCount", "Status", "StatusMessage",
                         "CreatorRequestId", "CreationTime", "ModificationTime"}
    # The same CreatorRequestId is the same list.
    again = fw.create_firewall_domain_list(CreatorRequestId=req, Name="blocked")["FirewallDomainList"]
    assert again["Id"] == ident

    out = fw.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD",
                                     Domains=["b.example.com", "a.example.com", "*.ads.example"])
    assert {k: out[k] for k in ("Id", "Name", "Status")} == {"Id": ident, "Name": "blocked", "Status": "COMPLETE"}
    fw.update_firewall_domains(FirewallDomainListId=ident, Operation="REMOVE", Domains=["a.example.com"])
    assert fw.list_firewall_domains(FirewallDomainListId=ident)["Domains"] == ["*.ads.example", "b.example.com"]
    fw.update_firewall_domains(FirewallDomainListId=ident, Operation="REPLACE", Domains=["*"])
    got = fw.get_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]
    assert got["DomainCount"] == 1 and got["Status"] == "COMPLETE"
    assert fw.list_firewall_domains(FirewallDomainListId=ident)["Domains"] == ["*"]

    listed = fw.list_firewall_domain_lists()["FirewallDomainLists"]
    mine = [entry for entry in listed if entry["Id"] == ident]
    assert mine == [{"Id": ident, "Arn": arn("firewall-domain-list", ident), "Name": "blocked",
                     "CreatorRequestId": req}]
    managed = [entry for entry in listed if "ManagedOwnerName" in entry]
    assert {entry["Name"] for entry in managed} == MANAGED
    assert all(entry["ManagedOwnerName"] == "Route 53 Resolver DNS Firewall" for entry in managed)
    assert fw.list_tags_for_resource(ResourceArn=made["Arn"])["Tags"] == [{"Key": "team", "Value": "dns"}]

    deleted = fw.delete_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]
    assert deleted["Id"] == ident and deleted["Status"] == "DELETING"
    err = error_of(fw.get_firewall_domain_list, FirewallDomainListId=ident)
    assert err["Code"] == "ResourceNotFoundException"
    assert re.fullmatch(rf'\[RSLVR-02025\] Can’t find the resource with ID "{ident}"\. {TRACE}', err["Message"])


def test_domain_errors_and_managed_lists(fw):
    ident = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="l")["FirewallDomainList"]["Id"]
    for bad in ["exa mple.com", "a_b.example", "x" * 256, "a.*.example"]:
        err = error_of(fw.update_firewall_domains, FirewallDomainListId=ident, Operation="ADD", Domains=[bad])
        assert err["Code"] == "ValidationException", bad
    err = error_of(fw.update_firewall_domains, FirewallDomainListId=ident, Operation="ADD",
                   Domains=[f"d{i}.example" for i in range(1001)])
    assert err["Code"] == "LimitExceededException"
    assert fw.get_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]["DomainCount"] == 0
    err = error_of(fw.update_firewall_domains, FirewallDomainListId="rslvr-fdl-missing", Operation="ADD",
                   Domains=["a.example"])
    assert err["Code"] == "ResourceNotFoundException"

    managed = next(entry for entry in fw.list_firewall_domain_lists()["FirewallDomainLists"]
                   if entry["Name"] == "AWSManagedDomainsMalwareDomainList")
    err = error_of(fw.update_firewall_domains, FirewallDomainListId=managed["Id"], Operation="ADD",
                   Domains=["evil.example"])
    assert err["Code"] == "ValidationException"
    assert error_of(fw.delete_firewall_domain_list, FirewallDomainListId=managed["Id"])["Code"] == "ValidationException"


def test_list_firewall_domains_pages_over_thousands(fw):
    ident = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="big")["FirewallDomainList"]["Id"]
    wanted = sorted(f"host{i:05}.example.com" for i in range(2500))
    for start in range(0, len(wanted), 1000):
        fw.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD", Domains=wanted[start:start + 1000])
    assert fw.get_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]["DomainCount"] == 2500
    first = fw.list_firewall_domains(FirewallDomainListId=ident)
    assert len(first["Domains"]) == 100 and "NextToken" in first
    got, kwargs = [], {"MaxResults": 1000}
    while True:
        page = fw.list_firewall_domains(FirewallDomainListId=ident, **kwargs)
        got += page["Domains"]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert got == wanted
    # boto3's paginator walks the same pages.
    paged = [d for p in fw.get_paginator("list_firewall_domains").paginate(FirewallDomainListId=ident)
             for d in p["Domains"]]
    assert paged == wanted


def test_import_from_a_file_under_the_data_dir(fw, srv, tmp_path):
    ident = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="imported")["FirewallDomainList"]["Id"]
    fw.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD", Domains=["old.example"])
    path = srv.workdir / "blocklist.txt"
    path.write_text("# a comment\nbad.example\n\n*.worse.example\n")
    out = fw.import_firewall_domains(FirewallDomainListId=ident, Operation="REPLACE", DomainFileUrl=f"file://{path}")
    assert out["Id"] == ident and out["Status"] == "COMPLETE"
    assert fw.list_firewall_domains(FirewallDomainListId=ident)["Domains"] == ["*.worse.example", "bad.example"]

    outside = tmp_path / "elsewhere.txt"
    outside.write_text("x.example\n")
    for url in [f"file://{outside}", "s3://bucket/domains.txt", "https://example.com/domains.txt"]:
        err = error_of(fw.import_firewall_domains, FirewallDomainListId=ident, Operation="REPLACE", DomainFileUrl=url)
        assert err["Code"] == "ValidationException", url
    bad = srv.workdir / "bad.txt"
    bad.write_text("ok.example\nnot valid\n")
    err = error_of(fw.import_firewall_domains, FirewallDomainListId=ident, Operation="REPLACE",
                   DomainFileUrl=f"file://{bad}")
    assert err["Code"] == "ValidationException" and "not valid" in err["Message"]
    assert fw.get_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]["DomainCount"] == 2

    # The operator fills a managed list by importing into it.
    managed = next(entry["Id"] for entry in fw.list_firewall_domain_lists()["FirewallDomainLists"]
                   if entry["Name"] == "AWSManagedAggregateThreatList")
    fw.import_firewall_domains(FirewallDomainListId=managed, Operation="REPLACE", DomainFileUrl=f"file://{path}")
    assert fw.get_firewall_domain_list(FirewallDomainListId=managed)["FirewallDomainList"]["DomainCount"] == 2


# ---------------------------------------------------------------- rule groups and rules


def test_rule_groups_and_rules(fw):
    req = token()
    group = fw.create_firewall_rule_group(CreatorRequestId=req, Name="walled-garden")["FirewallRuleGroup"]
    gid = group["Id"]
    assert re.fullmatch(r"rslvr-frg-[0-9a-f]+", gid)
    assert {k: group[k] for k in ("Arn", "Name", "RuleCount", "Status", "OwnerId", "ShareStatus",
                                  "CreatorRequestId")} == {
        "Arn": arn("firewall-rule-group", gid), "Name": "walled-garden", "RuleCount": 0, "Status": "COMPLETE",
        "OwnerId": ACCOUNT, "ShareStatus": "NOT_SHARED", "CreatorRequestId": req}
    allow = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="allow")["FirewallDomainList"]["Id"]
    block = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="block")["FirewallDomainList"]["Id"]

    rule = fw.create_firewall_rule(CreatorRequestId="r1", FirewallRuleGroupId=gid, FirewallDomainListId=allow,
                                   Priority=100, Action="ALLOW", Name="allow-good")["FirewallRule"]
    assert set(rule) == {"FirewallRuleGroupId", "FirewallDomainListId", "Name", "Priority", "Action",
                         "CreatorRequestId", "CreationTime", "ModificationTime", "FirewallDomainRedirectionAction"}
    assert (rule["Priority"], rule["Action"], rule["FirewallDomainRedirectionAction"]) == (
        100, "ALLOW", "INSPECT_REDIRECTION_DOMAIN")
    override = fw.create_firewall_rule(
        CreatorRequestId="r2", FirewallRuleGroupId=gid, FirewallDomainListId=block, Priority=200, Action="BLOCK",
        Name="block-rest", BlockResponse="OVERRIDE", BlockOverrideDomain="walled.example.com.",
        BlockOverrideDnsType="CNAME", BlockOverrideTtl=60, Qtype="AAAA",
        FirewallDomainRedirectionAction="TRUST_REDIRECTION_DOMAIN")["FirewallRule"]
    assert {k: override[k] for k in ("BlockResponse", "BlockOverrideDomain", "BlockOverrideDnsType",
                                     "BlockOverrideTtl", "Qtype", "FirewallDomainRedirectionAction")} == {
        "BlockResponse": "OVERRIDE", "BlockOverrideDomain": "walled.example.com.", "BlockOverrideDnsType": "CNAME",
        "BlockOverrideTtl": 60, "Qtype": "AAAA", "FirewallDomainRedirectionAction": "TRUST_REDIRECTION_DOMAIN"}
    assert fw.get_firewall_rule_group(FirewallRuleGroupId=gid)["FirewallRuleGroup"]["RuleCount"] == 2

    # The errors users meet.
    err = error_of(fw.create_firewall_rule, CreatorRequestId="r3", FirewallRuleGroupId=gid,
                   FirewallDomainListId=block, Priority=100, Action="ALERT", Name="dup")
    assert err["Code"] == "ValidationException" and "priority 100" in err["Message"]
    err = error_of(fw.create_firewall_rule, CreatorRequestId="r4", FirewallRuleGroupId=gid,
                   FirewallDomainListId=block, Priority=300, Action="BLOCK", Name="o", BlockResponse="OVERRIDE")
    assert err["Code"] == "ValidationException" and "BlockOverrideDomain" in err["Message"]
    err = error_of(fw.create_firewall_rule, CreatorRequestId="r5", FirewallRuleGroupId=gid,
                   FirewallDomainListId=block, Priority=300, Action="BLOCK", Name="b")
    assert err["Code"] == "ValidationException"
    err = error_of(fw.create_firewall_rule, CreatorRequestId="r6", FirewallRuleGroupId=gid,
                   FirewallDomainListId=block, Priority=300, Action="ALERT", Name="q", Qtype="BOGUS")
    assert err["Code"] == "ValidationException"
    err = error_of(fw.create_firewall_rule, CreatorRequestId="r7", FirewallRuleGroupId="rslvr-frg-nope",
                   FirewallDomainListId=block, Priority=300, Action="ALERT", Name="q")
    assert err["Code"] == "ResourceNotFoundException"

    # Update, addressed by group + list + qtype.
    updated = fw.update_firewall_rule(FirewallRuleGroupId=gid, FirewallDomainListId=block, Qtype="AAAA",
                                      BlockResponse="NXDOMAIN", Priority=250)["FirewallRule"]
    assert (updated["BlockResponse"], updated["Priority"]) == ("NXDOMAIN", 250)
    assert "BlockOverrideDomain" not in updated
    err = error_of(fw.update_firewall_rule, FirewallRuleGroupId=gid, FirewallDomainListId=block, Priority=1)
    assert err["Code"] == "ResourceNotFoundException"  # no rule without a Qtype for that list

    rules = fw.list_firewall_rules(FirewallRuleGroupId=gid)["FirewallRules"]
    assert [(r["Priority"], r["Action"]) for r in rules] == [(100, "ALLOW"), (250, "BLOCK")]
    assert fw.list_firewall_rules(FirewallRuleGroupId=gid, Action="BLOCK")["FirewallRules"] == [rules[1]]

    err = error_of(fw.delete_firewall_rule_group, FirewallRuleGroupId=gid)
    assert err["Code"] == "ConflictException"
    err = error_of(fw.delete_firewall_domain_list, FirewallDomainListId=allow)
    assert err["Code"] == "ConflictException"
    gone = fw.delete_firewall_rule(FirewallRuleGroupId=gid, FirewallDomainListId=block, Qtype="AAAA")["FirewallRule"]
    assert gone["Priority"] == 250
    fw.delete_firewall_rule(FirewallRuleGroupId=gid, FirewallDomainListId=allow)
    listed = fw.list_firewall_rule_groups()["FirewallRuleGroups"]
    assert [g for g in listed if g["Id"] == gid] == [{
        "Id": gid, "Arn": arn("firewall-rule-group", gid), "Name": "walled-garden", "OwnerId": ACCOUNT,
        "CreatorRequestId": req, "ShareStatus": "NOT_SHARED"}]
    assert fw.delete_firewall_rule_group(FirewallRuleGroupId=gid)["FirewallRuleGroup"]["Status"] == "DELETING"


# ---------------------------------------------------------------- associations and configs


def test_associations_and_configs(fw, vpc):
    gid = fw.create_firewall_rule_group(CreatorRequestId=token(), Name="g1")["FirewallRuleGroup"]["Id"]
    gid2 = fw.create_firewall_rule_group(CreatorRequestId=token(), Name="g2")["FirewallRuleGroup"]["Id"]
    req = token()
    assoc = fw.associate_firewall_rule_group(CreatorRequestId=req, FirewallRuleGroupId=gid, VpcId=vpc,
                                             Priority=101, Name="first",
                                             MutationProtection="ENABLED")["FirewallRuleGroupAssociation"]
    aid = assoc["Id"]
    assert re.fullmatch(r"rslvr-frgassoc-[0-9a-f]+", aid)
    assert {k: assoc[k] for k in ("Arn", "FirewallRuleGroupId", "VpcId", "Name", "Priority",
                                  "MutationProtection", "Status", "CreatorRequestId")} == {
        "Arn": arn("firewall-rule-group-association", aid), "FirewallRuleGroupId": gid, "VpcId": vpc,
        "Name": "first", "Priority": 101, "MutationProtection": "ENABLED", "Status": "COMPLETE",
        "CreatorRequestId": req}
    assert assoc["StatusMessage"] and is_date(assoc["CreationTime"]) and is_date(assoc["ModificationTime"])

    for priority in (100, 9900):
        err = error_of(fw.associate_firewall_rule_group, CreatorRequestId=token(), FirewallRuleGroupId=gid2,
                       VpcId=vpc, Priority=priority, Name="x")
        assert err["Code"] == "ValidationException"
        assert err["Message"].startswith('[RSLVR-00000] The priority value you provided is reserved.')
    err = error_of(fw.associate_firewall_rule_group, CreatorRequestId=token(), FirewallRuleGroupId=gid2,
                   VpcId=vpc, Priority=101, Name="x")
    assert err["Code"] == "ConflictException"  # the VPC has priority 101 already
    err = error_of(fw.associate_firewall_rule_group, CreatorRequestId=token(), FirewallRuleGroupId=gid2,
                   VpcId="vpc-0000000000000dead", Priority=200, Name="x")
    assert err["Code"] == "ResourceNotFoundException"
    second = fw.associate_firewall_rule_group(CreatorRequestId=token(), FirewallRuleGroupId=gid2, VpcId=vpc,
                                              Priority=200, Name="second")["FirewallRuleGroupAssociation"]

    # Mutation protection blocks change and removal until it is turned off.
    err = error_of(fw.update_firewall_rule_group_association, FirewallRuleGroupAssociationId=aid, Priority=150)
    assert err["Code"] == "ConflictException"
    err = error_of(fw.disassociate_firewall_rule_group, FirewallRuleGroupAssociationId=aid)
    assert err["Code"] == "ConflictException"
    err = error_of(fw.delete_firewall_rule_group, FirewallRuleGroupId=gid)
    assert err["Code"] == "ConflictException"
    changed = fw.update_firewall_rule_group_association(
        FirewallRuleGroupAssociationId=aid, MutationProtection="DISABLED", Priority=300)["FirewallRuleGroupAssociation"]
    assert (changed["MutationProtection"], changed["Priority"]) == ("DISABLED", 300)
    got = fw.get_firewall_rule_group_association(FirewallRuleGroupAssociationId=aid)["FirewallRuleGroupAssociation"]
    assert got["Priority"] == 300
    listed = fw.list_firewall_rule_group_associations(VpcId=vpc)["FirewallRuleGroupAssociations"]
    assert [a["Id"] for a in listed] == [second["Id"], aid]
    assert fw.list_firewall_rule_group_associations(Priority=300)["FirewallRuleGroupAssociations"] == [got]
    out = fw.disassociate_firewall_rule_group(FirewallRuleGroupAssociationId=aid)["FirewallRuleGroupAssociation"]
    assert out["Status"] == "DELETING"
    assert error_of(fw.get_firewall_rule_group_association,
                    FirewallRuleGroupAssociationId=aid)["Code"] == "ResourceNotFoundException"

    # Configs: a VPC never updated fails closed (DISABLED).
    config = fw.get_firewall_config(ResourceId=vpc)["FirewallConfig"]
    assert config == {"Id": config["Id"], "ResourceId": vpc, "OwnerId": ACCOUNT, "FirewallFailOpen": "DISABLED"}
    assert config["Id"].startswith("rslvr-fc-")
    updated = fw.update_firewall_config(ResourceId=vpc, FirewallFailOpen="ENABLED")["FirewallConfig"]
    assert updated == {**config, "FirewallFailOpen": "ENABLED"}
    assert fw.get_firewall_config(ResourceId=vpc)["FirewallConfig"] == updated
    assert updated in fw.list_firewall_configs()["FirewallConfigs"]
    assert error_of(fw.get_firewall_config, ResourceId="vpc-0000000000000dead")["Code"] == "ResourceNotFoundException"
    err = error_of(fw.update_firewall_config, ResourceId=vpc, FirewallFailOpen="MAYBE")
    assert err["Code"] == "ValidationException"


def test_writes_survive_a_restart(cairn_server, tmp_path):
    data = tmp_path / "data"
    srv = cairn_server(data_dir=data)
    fw = harness.route53_client(srv, "route53resolver")
    vpc = harness.route53_client(srv, "ec2").create_vpc(CidrBlock="127.79.0.0/16")["Vpc"]["VpcId"]
    lid = fw.create_firewall_domain_list(CreatorRequestId=token(), Name="kept")["FirewallDomainList"]["Id"]
    fw.update_firewall_domains(FirewallDomainListId=lid, Operation="ADD", Domains=["kept.example"])
    gid = fw.create_firewall_rule_group(CreatorRequestId=token(), Name="kept")["FirewallRuleGroup"]["Id"]
    rule = fw.create_firewall_rule(CreatorRequestId="r", FirewallRuleGroupId=gid, FirewallDomainListId=lid,
                                   Priority=1, Action="BLOCK", BlockResponse="NODATA", Name="r")["FirewallRule"]
    assoc = fw.associate_firewall_rule_group(CreatorRequestId=token(), FirewallRuleGroupId=gid, VpcId=vpc,
                                             Priority=500, Name="kept")["FirewallRuleGroupAssociation"]
    config = fw.update_firewall_config(ResourceId=vpc, FirewallFailOpen="ENABLED")["FirewallConfig"]
    srv.stop()

    srv = cairn_server(data_dir=data)
    fw = harness.route53_client(srv, "route53resolver")
    assert fw.list_firewall_domains(FirewallDomainListId=lid)["Domains"] == ["kept.example"]
    assert fw.list_firewall_rules(FirewallRuleGroupId=gid)["FirewallRules"] == [rule]
    assert fw.get_firewall_rule_group_association(
        FirewallRuleGroupAssociationId=assoc["Id"])["FirewallRuleGroupAssociation"] == assoc
    assert fw.get_firewall_config(ResourceId=vpc)["FirewallConfig"] == config
