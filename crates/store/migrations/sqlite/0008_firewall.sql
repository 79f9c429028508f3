-- DNS Firewall (issue 13): domain lists, their domains, rule groups, rules, rule-group
-- associations with VPCs and per-VPC firewall configs. Each resource is a JSON document
-- (serde of cairn_model::firewall) with the columns lookups and uniqueness need beside it;
-- a list's domains are rows of their own, one per (list, domain), so a 250,000-domain list
-- is not one document. Every write logs a 'firewall' change; the data plane reloads
-- load_firewall(). Tags live in the `tags` table.

CREATE TABLE firewall_domain_lists (
    id   TEXT PRIMARY KEY,                   -- rslvr-fdl-…
    body TEXT NOT NULL                       -- JSON cairn_model::firewall::FirewallDomainList
);

CREATE TABLE firewall_domains (
    list_id TEXT NOT NULL REFERENCES firewall_domain_lists (id),
    domain  TEXT NOT NULL,                   -- as given: an optional leading '*'
    PRIMARY KEY (list_id, domain)
);

CREATE TABLE firewall_rule_groups (
    id   TEXT PRIMARY KEY,                   -- rslvr-frg-…
    body TEXT NOT NULL                       -- JSON cairn_model::firewall::FirewallRuleGroup
);

-- A rule has no id: (group, domain list, qtype) addresses it; qtype 0 stands for every type.
CREATE TABLE firewall_rules (
    rule_group_id  TEXT NOT NULL REFERENCES firewall_rule_groups (id),
    domain_list_id TEXT NOT NULL REFERENCES firewall_domain_lists (id),
    qtype          INTEGER NOT NULL,
    body           TEXT NOT NULL,            -- JSON cairn_model::firewall::FirewallRule
    PRIMARY KEY (rule_group_id, domain_list_id, qtype)
);

CREATE TABLE firewall_rule_group_associations (
    id            TEXT PRIMARY KEY,          -- rslvr-frgassoc-…
    rule_group_id TEXT NOT NULL REFERENCES firewall_rule_groups (id),
    vpc_id        TEXT NOT NULL,
    body          TEXT NOT NULL,             -- JSON cairn_model::firewall::FirewallRuleGroupAssociation
    UNIQUE (rule_group_id, vpc_id)
);

CREATE TABLE firewall_configs (
    vpc_id TEXT PRIMARY KEY,
    body   TEXT NOT NULL                     -- JSON cairn_model::firewall::FirewallConfig
);

-- The AWS-managed lists, empty (cairn_model::firewall_validate::MANAGED_DOMAIN_LISTS);
-- the operator fills them with ImportFirewallDomains (docs/dns-firewall.md).
INSERT INTO firewall_domain_lists (id, body) VALUES ('rslvr-fdl-aws0malware000001', '{"id":"rslvr-fdl-aws0malware000001","name":"AWSManagedDomainsMalwareDomainList","creator_request_id":"","status":"COMPLETE","status_message":null,"managed_owner_name":"Route 53 Resolver DNS Firewall","domain_count":0,"owner_account":"aws","created_at_ms":0,"modified_at_ms":0}');
INSERT INTO firewall_domain_lists (id, body) VALUES ('rslvr-fdl-aws0botnet0000002', '{"id":"rslvr-fdl-aws0botnet0000002","name":"AWSManagedDomainsBotnetCommandandControl","creator_request_id":"","status":"COMPLETE","status_message":null,"managed_owner_name":"Route 53 Resolver DNS Firewall","domain_count":0,"owner_account":"aws","created_at_ms":0,"modified_at_ms":0}');
INSERT INTO firewall_domain_lists (id, body) VALUES ('rslvr-fdl-aws0aggregate0003', '{"id":"rslvr-fdl-aws0aggregate0003","name":"AWSManagedAggregateThreatList","creator_request_id":"","status":"COMPLETE","status_message":null,"managed_owner_name":"Route 53 Resolver DNS Firewall","domain_count":0,"owner_account":"aws","created_at_ms":0,"modified_at_ms":0}');
INSERT INTO firewall_domain_lists (id, body) VALUES ('rslvr-fdl-aws0guardduty0004', '{"id":"rslvr-fdl-aws0guardduty0004","name":"AWSManagedDomainsAmazonGuardDutyThreatList","creator_request_id":"","status":"COMPLETE","status_message":null,"managed_owner_name":"Route 53 Resolver DNS Firewall","domain_count":0,"owner_account":"aws","created_at_ms":0,"modified_at_ms":0}');
