"""The DNS Firewall end to end, from VPC sources (issue 13): boto3's `route53resolver` client
makes domain lists, rule groups, rules and VPC associations against `cairn serve`, and
dnspython asks the VPC resolver from an address inside the VPC.

What is checked is what a client in the VPC sees: each action (ALLOW, ALERT, BLOCK) and block
response (NODATA, NXDOMAIN, OVERRIDE), wildcard entries, ALLOW beating BLOCK by priority within
a group and across associated groups, Qtype, CNAME chains inspected or trusted, and that
disassociating a group lifts its rules. Firewall changes reach the data plane through the
change log, as record changes do, so each check waits (bounded) for the answer to change.
"""

from __future__ import annotations

import json
import uuid

import pytest

import harness

dns = pytest.importorskip("dns")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

VPC_CIDR = "127.31.0.0/16"
IN_VPC = "127.31.0.5"
ZONE = "corp.internal"

ROOT_ZONE = """\
$TTL 300
@   IN SOA a.root.test. hostmaster.root.test. 1 3600 600 86400 30
@   IN NS  a.root.test.
"""

RECORDS = [
    ("ok.corp.internal", "A", ["10.0.0.1"]),
    ("blocked.corp.internal", "A", ["10.0.0.2"]),
    ("nodata.corp.internal", "A", ["10.0.0.3"]),
    ("override.corp.internal", "A", ["10.0.0.4"]),
    ("safe.corp.internal", "A", ["10.0.0.5"]),
    ("evil.corp.internal", "A", ["10.0.0.6"]),
    ("a.evil.corp.internal", "A", ["10.0.0.7"]),
    ("x.y.evil.corp.internal", "A", ["10.0.0.8"]),
    ("dual.corp.internal", "A", ["10.0.0.9"]),
    ("dual.corp.internal", "AAAA", ["fd00::9"]),
    ("chain.corp.internal", "CNAME", ["hidden.corp.internal"]),
    ("hidden.corp.internal", "A", ["10.0.0.10"]),
    ("allowed.corp.internal", "A", ["10.0.0.11"]),
]


class Lab:
    def __init__(self, srv, resolver):
        self.srv = srv
        self.resolver = resolver
        self.r53 = harness.route53_client(srv)
        self.ec2 = harness.route53_client(srv, "ec2")
        self.rsv = harness.route53_client(srv, "route53resolver")
        self.vpc_id = self.ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
        # Private zones answer in a VPC with DNS hostnames on, as on AWS.
        self.ec2.modify_vpc_attribute(VpcId=self.vpc_id, EnableDnsHostnames={"Value": True})
        zone = self.r53.create_hosted_zone(
            Name=ZONE, CallerReference=uuid.uuid4().hex,
            HostedZoneConfig={"PrivateZone": True},
            VPC={"VPCRegion": "us-east-1", "VPCId": self.vpc_id})
        changes = {}
        for name, rtype, values in RECORDS:
            changes.setdefault((name, rtype), []).extend(values)
        change = self.r53.change_resource_record_sets(
            HostedZoneId=zone["HostedZone"]["Id"],
            ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                "Name": name, "Type": rtype, "TTL": 60,
                "ResourceRecords": [{"Value": v} for v in values]}}
                for (name, rtype), values in changes.items()]})
        harness.wait_insync(self.r53, change)

    def ask(self, qname, qtype="A"):
        q = dns.message.make_query(qname, qtype)
        host, port = self.resolver
        return dns.query.udp(q, host, port=port, source=IN_VPC, timeout=2.0)

    def domain_list(self, *domains):
        made = self.rsv.create_firewall_domain_list(
            CreatorRequestId=uuid.uuid4().hex, Name="list-" + uuid.uuid4().hex[:8])
        list_id = made["FirewallDomainList"]["Id"]
        self.rsv.update_firewall_domains(
            FirewallDomainListId=list_id, Operation="ADD", Domains=list(domains))
        return list_id

    def rule_group(self):
        return self.rsv.create_firewall_rule_group(
            CreatorRequestId=uuid.uuid4().hex,
            Name="group-" + uuid.uuid4().hex[:8])["FirewallRuleGroup"]["Id"]

    def rule(self, group_id, list_id, priority, action, **extra):
        self.rsv.create_firewall_rule(
            CreatorRequestId=uuid.uuid4().hex, FirewallRuleGroupId=group_id,
            FirewallDomainListId=list_id, Priority=priority, Action=action,
            Name=f"rule-{priority}", **extra)

    def associate(self, group_id, priority):
        return self.rsv.associate_firewall_rule_group(
            CreatorRequestId=uuid.uuid4().hex, FirewallRuleGroupId=group_id,
            VpcId=self.vpc_id, Priority=priority,
            Name=f"assoc-{priority}")["FirewallRuleGroupAssociation"]["Id"]

    def wait_rcode(self, qname, rcode, qtype="A"):
        return harness.wait_for(lambda: self.ask(qname, qtype),
                                lambda r: r.rcode() == rcode, timeout=8.0)


def answers(resp):
    """(type, text) of every answer record, in order."""
    return [(dns.rdatatype.to_text(rrset.rdtype), rr.to_text())
            for rrset in resp.answer for rr in rrset]


@pytest.fixture
def lab(cairn_server, knot_server, tmp_path):
    # Public names go to a loopback root that knows nothing (never the real root).
    root_file = tmp_path / "root.zone"
    root_file.write_text(ROOT_ZONE)
    root = knot_server({".": root_file})
    resolver_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--forwarder", "%s:%d" % root.addr])
    return Lab(srv, ("127.0.0.1", resolver_port))


def test_block_responses_wildcards_and_disassociation(lab):
    # Before any rule group is associated, every name resolves.
    for name in ("blocked", "nodata", "override", "a.evil"):
        assert lab.ask(f"{name}.{ZONE}").rcode() == dns.rcode.NOERROR
    nx = lab.domain_list("blocked.corp.internal")
    nodata = lab.domain_list("nodata.corp.internal")
    override = lab.domain_list("override.corp.internal")
    wild = lab.domain_list("*.evil.corp.internal")
    group = lab.rule_group()
    lab.rule(group, nx, 100, "BLOCK", BlockResponse="NXDOMAIN")
    lab.rule(group, nodata, 200, "BLOCK", BlockResponse="NODATA")
    lab.rule(group, override, 300, "BLOCK", BlockResponse="OVERRIDE",
             BlockOverrideDomain="safe.corp.internal", BlockOverrideDnsType="CNAME",
             BlockOverrideTtl=30)
    lab.rule(group, wild, 400, "BLOCK", BlockResponse="NXDOMAIN")
    assoc = lab.associate(group, 101)

    resp = lab.wait_rcode("blocked.corp.internal", dns.rcode.NXDOMAIN)
    assert answers(resp) == []
    # Matching ignores case.
    assert lab.ask("BLOCKED.Corp.Internal").rcode() == dns.rcode.NXDOMAIN
    # With EDNS the block says why: EDE 15 (Blocked, RFC 8914); without, there is no OPT.
    host, port = lab.resolver
    with_edns = dns.query.udp(dns.message.make_query("blocked.corp.internal", "A", use_edns=0),
                              host, port=port, source=IN_VPC, timeout=2.0)
    assert with_edns.rcode() == dns.rcode.NXDOMAIN
    assert [(o.code, o.text) for o in with_edns.options if o.otype == 15] == \
        [(15, "blocked by DNS Firewall")]
    assert resp.edns < 0

    resp = lab.ask("nodata.corp.internal")
    assert resp.rcode() == dns.rcode.NOERROR
    assert answers(resp) == []

    resp = lab.ask("override.corp.internal")
    assert resp.rcode() == dns.rcode.NOERROR
    cname = resp.answer[0]
    assert (cname.name.to_text(), dns.rdatatype.to_text(cname.rdtype), cname.ttl) == \
        ("override.corp.internal.", "CNAME", 30)
    assert [rr.to_text() for rr in cname] == ["safe.corp.internal."]
    # The override target is resolved in the same view, as any CNAME answer is.
    assert ("A", "10.0.0.5") in answers(resp)
    assert ("A", "10.0.0.4") not in answers(resp)

    # `*.evil.corp.internal` covers names below it at any depth, not the name itself.
    assert lab.ask("a.evil.corp.internal").rcode() == dns.rcode.NXDOMAIN
    assert lab.ask("x.y.evil.corp.internal").rcode() == dns.rcode.NXDOMAIN
    resp = lab.ask("evil.corp.internal")
    assert resp.rcode() == dns.rcode.NOERROR and answers(resp) == [("A", "10.0.0.6")]
    # Names no rule covers resolve as before.
    assert answers(lab.ask("ok.corp.internal")) == [("A", "10.0.0.1")]

    lab.rsv.disassociate_firewall_rule_group(FirewallRuleGroupAssociationId=assoc)
    resp = lab.wait_rcode("blocked.corp.internal", dns.rcode.NOERROR)
    assert answers(resp) == [("A", "10.0.0.2")]
    assert answers(lab.ask("a.evil.corp.internal")) == [("A", "10.0.0.7")]


def test_allow_beats_block_by_priority_within_and_across_groups(lab):
    allowed = lab.domain_list("allowed.corp.internal")
    everything = lab.domain_list("*")
    # Within one group: a walled garden, ALLOW first, then BLOCK everything.
    garden = lab.rule_group()
    lab.rule(garden, allowed, 100, "ALLOW")
    lab.rule(garden, everything, 200, "BLOCK", BlockResponse="NXDOMAIN")
    assoc = lab.associate(garden, 101)
    lab.wait_rcode("ok.corp.internal", dns.rcode.NXDOMAIN)
    assert answers(lab.ask("allowed.corp.internal")) == [("A", "10.0.0.11")]
    lab.rsv.disassociate_firewall_rule_group(FirewallRuleGroupAssociationId=assoc)
    lab.wait_rcode("ok.corp.internal", dns.rcode.NOERROR)

    # Across groups: the association with the lower priority is evaluated first.
    allow_group = lab.rule_group()
    lab.rule(allow_group, allowed, 100, "ALLOW")
    block_group = lab.rule_group()
    lab.rule(block_group, everything, 100, "BLOCK", BlockResponse="NXDOMAIN")
    allow_assoc = lab.associate(allow_group, 200)
    lab.associate(block_group, 300)
    lab.wait_rcode("ok.corp.internal", dns.rcode.NXDOMAIN)
    assert answers(lab.ask("allowed.corp.internal")) == [("A", "10.0.0.11")]
    # Move the ALLOW group after the BLOCK group: now the BLOCK rule decides first.
    lab.rsv.update_firewall_rule_group_association(
        FirewallRuleGroupAssociationId=allow_assoc, Priority=400)
    lab.wait_rcode("allowed.corp.internal", dns.rcode.NXDOMAIN)


def test_qtype_and_alert_and_their_query_log_fields(lab):
    # Resolver query logging for the VPC: BLOCK and ALERT matches carry the firewall fields.
    config = lab.rsv.create_resolver_query_log_config(
        Name="fw", CreatorRequestId=uuid.uuid4().hex,
        DestinationArn="arn:aws:logs:us-east-1:111111111111:log-group:fw")["ResolverQueryLogConfig"]
    lab.rsv.associate_resolver_query_log_config(
        ResolverQueryLogConfigId=config["Id"], ResourceId=lab.vpc_id)
    log = lab.srv.workdir / "query-logs" / "logs" / "fw.jsonl"

    dual = lab.domain_list("dual.corp.internal")
    ok = lab.domain_list("ok.corp.internal")
    group = lab.rule_group()
    lab.rule(group, dual, 100, "BLOCK", BlockResponse="NXDOMAIN", Qtype="AAAA")
    lab.rule(group, ok, 200, "ALERT")
    lab.associate(group, 101)
    lab.wait_rcode("dual.corp.internal", dns.rcode.NXDOMAIN, qtype="AAAA")
    # The rule names AAAA only: A is answered.
    assert answers(lab.ask("dual.corp.internal", "A")) == [("A", "10.0.0.9")]
    # ALERT lets the query through unchanged.
    resp = lab.ask("ok.corp.internal")
    assert resp.rcode() == dns.rcode.NOERROR and answers(resp) == [("A", "10.0.0.1")]

    def logged():
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]

    def last_for(records, name, qtype):
        found = [r for r in records if r["query_name"] == name and r["query_type"] == qtype]
        return found[-1] if found else None

    records = harness.wait_for(logged, lambda rs: last_for(rs, "ok.corp.internal.", "A"))
    blocked = last_for(records, "dual.corp.internal.", "AAAA")
    assert blocked is not None and blocked["rcode"] == "NXDOMAIN"
    assert (blocked["firewall_rule_group_id"], blocked["firewall_rule_action"],
            blocked["firewall_domain_list_id"]) == (group, "BLOCK", dual)
    alerted = last_for(records, "ok.corp.internal.", "A")
    assert alerted["rcode"] == "NOERROR"
    assert (alerted["firewall_rule_group_id"], alerted["firewall_rule_action"],
            alerted["firewall_domain_list_id"]) == (group, "ALERT", ok)
    passed = last_for(records, "dual.corp.internal.", "A")
    assert passed is not None and "firewall_rule_action" not in passed


def test_cname_chain_inspected_unless_trusted(lab):
    chain = lab.domain_list("chain.corp.internal")
    hidden = lab.domain_list("hidden.corp.internal")
    group = lab.rule_group()
    lab.rule(group, chain, 100, "ALLOW")  # INSPECT_REDIRECTION_DOMAIN by default
    lab.rule(group, hidden, 200, "BLOCK", BlockResponse="NXDOMAIN")
    lab.associate(group, 101)
    lab.wait_rcode("hidden.corp.internal", dns.rcode.NXDOMAIN)
    # chain.corp.internal is allowed, but its CNAME target is inspected and blocked.
    assert lab.ask("chain.corp.internal").rcode() == dns.rcode.NXDOMAIN

    # Trusting the redirection on the ALLOW rule lets the whole chain through.
    lab.rsv.update_firewall_rule(
        FirewallRuleGroupId=group, FirewallDomainListId=chain,
        FirewallDomainRedirectionAction="TRUST_REDIRECTION_DOMAIN")
    resp = lab.wait_rcode("chain.corp.internal", dns.rcode.NOERROR)
    assert answers(resp) == [("CNAME", "hidden.corp.internal."), ("A", "10.0.0.10")]
    # The target asked for by itself is still blocked.
    assert lab.ask("hidden.corp.internal").rcode() == dns.rcode.NXDOMAIN
