"""Terraform's AWS provider applies, re-plans empty and destroys the DNS Firewall resources
(issue 13): a domain list with domains, a rule group with a BLOCK OVERRIDE rule, its
association with a VPC and the VPC's firewall config. boto3 sees what Terraform made, and
nothing after destroy.

Needs `terraform` on PATH and the AWS provider in the local filesystem mirror; skips saying
so otherwise (as test_route53_terraform.py does).
"""

from __future__ import annotations


import pytest

import harness
from terraform_kit import fill, provider_block, require_terraform, runner

boto3 = pytest.importorskip("boto3")

CONFIG = provider_block("ec2", "route53resolver") + r'''
resource "aws_vpc" "fw" {
  cidr_block = "127.63.0.0/16"
}

resource "aws_route53_resolver_firewall_domain_list" "bad" {
  name    = "bad-domains"
  domains = ["bad.example.com", "*.worse.example.com"]
  tags = {
    team = "dns"
  }
}

resource "aws_route53_resolver_firewall_rule_group" "main" {
  name = "main"
}

resource "aws_route53_resolver_firewall_rule" "block" {
  name                    = "block-bad"
  action                  = "BLOCK"
  block_override_dns_type = "CNAME"
  block_override_domain   = "walled.example.com"
  block_override_ttl      = 60
  block_response          = "OVERRIDE"
  firewall_domain_list_id = aws_route53_resolver_firewall_domain_list.bad.id
  firewall_rule_group_id  = aws_route53_resolver_firewall_rule_group.main.id
  priority                = 100
}

resource "aws_route53_resolver_firewall_rule_group_association" "main" {
  name                   = "main"
  firewall_rule_group_id = aws_route53_resolver_firewall_rule_group.main.id
  mutation_protection    = "DISABLED"
  priority               = 101
  vpc_id                 = aws_vpc.fw.id
}

resource "aws_route53_resolver_firewall_config" "main" {
  resource_id        = aws_vpc.fw.id
  firewall_fail_open = "ENABLED"
}
'''


@pytest.fixture
def tf(cairn_server, tmp_path):
    binary = require_terraform()
    srv = cairn_server(extra_args=["--vpc-dns-port", str(harness.free_port("127.0.0.1"))])
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(fill(CONFIG, srv))
    run = runner(binary, work, tmp_path)
    run.srv = srv
    return run


def test_terraform_firewall_resources(tf):
    fw = harness.route53_client(tf.srv, "route53resolver")
    tf("init", "-input=false")
    try:
        tf("apply", "-auto-approve", "-input=false")
        lists = [entry for entry in fw.list_firewall_domain_lists()["FirewallDomainLists"]
                 if entry["Name"] == "bad-domains"]
        assert len(lists) == 1
        assert sorted(fw.list_firewall_domains(FirewallDomainListId=lists[0]["Id"])["Domains"]) == \
            ["*.worse.example.com", "bad.example.com"]
        groups = fw.list_firewall_rule_groups()["FirewallRuleGroups"]
        assert [g["Name"] for g in groups] == ["main"]
        rules = fw.list_firewall_rules(FirewallRuleGroupId=groups[0]["Id"])["FirewallRules"]
        assert [(r["Action"], r["BlockResponse"], r["BlockOverrideDomain"], r["BlockOverrideTtl"]) for r in rules] == \
            [("BLOCK", "OVERRIDE", "walled.example.com", 60)]
        assocs = fw.list_firewall_rule_group_associations()["FirewallRuleGroupAssociations"]
        assert [(a["Priority"], a["Status"]) for a in assocs] == [(101, "COMPLETE")]
        assert fw.get_firewall_config(ResourceId=assocs[0]["VpcId"])["FirewallConfig"]["FirewallFailOpen"] == "ENABLED"

        plan = tf("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
        assert plan.returncode == 0, f"second plan is not empty:\n{plan.stdout[-8000:]}"
    finally:
        destroyed = tf("destroy", "-auto-approve", "-input=false", ok=(0, 1))
    assert destroyed.returncode == 0, destroyed.stdout[-8000:] + destroyed.stderr[-8000:]
    assert fw.list_firewall_rule_groups()["FirewallRuleGroups"] == []
    assert fw.list_firewall_rule_group_associations()["FirewallRuleGroupAssociations"] == []
    assert all("ManagedOwnerName" in entry for entry in fw.list_firewall_domain_lists()["FirewallDomainLists"])
