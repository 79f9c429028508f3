//! The rules Route 53 Resolver's DNS Firewall applies to writes ([ROUTE53.md §6.6],
//! [ROUTE53-NEXT.md §E]).
//!
//! Every function is pure: it takes the firewall's current state (a [`FirewallContents`]
//! whose `domains` may be empty: no rule reads them) and a request, and returns what must
//! be stored or a [`FirewallError`] naming the rule broken. The store runs them inside its
//! write transaction; the API words the errors (`cairn_api::error::firewall`).
//!
//! # Layout
//! - `error`: [`FirewallError`], one variant per rule, and its kinds;
//! - `requests`: what the API parses a request into;
//! - this module: the quotas, the checks on values (names, domains, Qtypes, enumerations)
//!   and the lookups every write shares;
//! - `lists`: domain lists, their domains, and rule groups;
//! - `rules`: rules;
//! - `vpcs`: rule-group associations and firewall configs.

use std::str::FromStr;

use crate::firewall::{
    BlockResponse, DomainListStatus, FailOpen, FirewallAction, FirewallConfig, FirewallContents,
    FirewallDomainList, FirewallRule, FirewallRuleGroup, FirewallRuleGroupAssociation,
    FirewallStatus, MutationProtection, RedirectionAction,
};
use crate::resolver_status::ShareStatus;
use crate::RrType;
mod error;
mod lists;
mod requests;
mod rules;
#[cfg(test)]
mod tests;
mod vpcs;

pub use error::{FirewallError, FirewallErrorKind, FirewallField};
pub use lists::{
    check_domain_update, check_import, create_domain_list, create_rule_group, delete_domain_list,
    delete_rule_group, domains_changed,
};
pub use requests::{AssociationUpdate, DomainOperation, NewAssociation, NewNamed, RuleRequest};
pub use rules::{create_rule, update_rule};
pub use vpcs::{associate, disassociate, update_association, update_config};

/// Shorthand.
pub type FirewallResult<T> = Result<T, FirewallError>;

/// At most this many domains in one UpdateFirewallDomains request.
pub const MAX_DOMAINS_PER_UPDATE: usize = 1_000;
/// At most this many domains in one domain list (Route 53's account quota, 100,000).
pub const MAX_DOMAINS_PER_LIST: u64 = 100_000;
/// At most this many lines in one import file.
pub const MAX_DOMAINS_PER_IMPORT: usize = 250_000;
/// At most this many rules in one rule group.
pub const MAX_RULES_PER_GROUP: usize = 100;
/// Association priorities lie strictly between these (AWS refuses 100 and 9900 themselves).
pub const ASSOCIATION_PRIORITY_BOUNDS: (i64, i64) = (100, 9900);
/// `BlockOverrideTtl` at most this (a week).
pub const MAX_OVERRIDE_TTL: i64 = 604_800;
/// `ManagedOwnerName` of the lists Cairn ships.
pub const MANAGED_OWNER: &str = "Route 53 Resolver DNS Firewall";

/// The AWS-managed domain lists Cairn ships, empty, by id and name (migration 0008 creates
/// them; the operator fills them with ImportFirewallDomains, docs/dns-firewall.md).
pub const MANAGED_DOMAIN_LISTS: [(&str, &str); 4] = [
    (
        "rslvr-fdl-aws0malware000001",
        "AWSManagedDomainsMalwareDomainList",
    ),
    (
        "rslvr-fdl-aws0botnet0000002",
        "AWSManagedDomainsBotnetCommandandControl",
    ),
    (
        "rslvr-fdl-aws0aggregate0003",
        "AWSManagedAggregateThreatList",
    ),
    (
        "rslvr-fdl-aws0guardduty0004",
        "AWSManagedDomainsAmazonGuardDutyThreatList",
    ),
];

/// The Qtype mnemonics a rule accepts; any other type is `TYPEnnn`.
const QTYPE_MNEMONICS: [&str; 13] = [
    "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT",
];

//------------ checks on values ------------------------------------------------------------

fn not_in(field: FirewallField, value: &str) -> FirewallError {
    FirewallError::NotInEnumeration {
        field,
        value: value.to_string(),
    }
}

/// A `Name`: the pattern `(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)`, 64 at most.
pub fn check_name(name: &str) -> FirewallResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        && !name.chars().all(|c| c.is_ascii_digit());
    ok.then_some(())
        .ok_or_else(|| FirewallError::InvalidName(name.to_string()))
}

/// A domain-list entry: 1–255 characters, an optional leading `*`, then letters, digits,
/// hyphens and dots.
pub fn check_domain(domain: &str) -> FirewallResult<()> {
    let rest = domain.strip_prefix('*').unwrap_or(domain);
    let ok = !domain.is_empty()
        && domain.len() <= 255
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    ok.then_some(())
        .ok_or_else(|| FirewallError::InvalidDomain(domain.to_string()))
}

/// Domains as given: each checked, surrounding blanks trimmed.
pub fn check_domains(domains: &[String]) -> FirewallResult<Vec<String>> {
    domains
        .iter()
        .map(|d| {
            let d = d.trim();
            check_domain(d).map(|()| d.to_string())
        })
        .collect()
}

/// A `Qtype`: one of the mnemonics, or `TYPEnnn` with nnn in 1–65334; its number.
pub fn parse_qtype(text: &str) -> FirewallResult<u16> {
    let invalid = || FirewallError::InvalidQtype(text.to_string());
    if QTYPE_MNEMONICS.contains(&text) {
        return RrType::from_str(text)
            .map(RrType::code)
            .map_err(|_| invalid());
    }
    text.strip_prefix("TYPE")
        .and_then(|n| n.parse::<u16>().ok())
        .filter(|n| (1..=65334).contains(n))
        .ok_or_else(invalid)
}

/// A rule's Qtype as the API shows it: the mnemonic, else `TYPEnnn`.
pub fn qtype_text(qtype: u16) -> String {
    RrType::from_code(qtype).as_str()
}

fn parse_optional_qtype(text: Option<&str>) -> FirewallResult<Option<u16>> {
    text.map(parse_qtype).transpose()
}

fn parse_enum<T>(
    field: FirewallField,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> FirewallResult<T> {
    parse(text).ok_or_else(|| not_in(field, text))
}

/// `MutationProtection`.
pub fn parse_mutation_protection(text: &str) -> FirewallResult<MutationProtection> {
    parse_enum(
        FirewallField::MutationProtection,
        text,
        MutationProtection::parse,
    )
}

/// `FirewallFailOpen` for a VPC (USE_LOCAL_RESOURCE_SETTING is for Profiles).
pub fn parse_fail_open(text: &str) -> FirewallResult<FailOpen> {
    match parse_enum(FirewallField::FailOpen, text, FailOpen::parse)? {
        FailOpen::UseLocalResourceSetting => Err(FirewallError::LocalSettingForVpc),
        other => Ok(other),
    }
}

/// `Action` (for ListFirewallRules' filter too).
pub fn parse_action(text: &str) -> FirewallResult<FirewallAction> {
    parse_enum(FirewallField::Action, text, FirewallAction::parse)
}

//------------ lookups ---------------------------------------------------------------------

/// The domain list with this id.
pub fn find_domain_list<'a>(
    fw: &'a FirewallContents,
    id: &str,
) -> FirewallResult<&'a FirewallDomainList> {
    fw.domain_lists
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| FirewallError::NoSuchResource(id.to_string()))
}

/// The rule group with this id.
pub fn find_rule_group<'a>(
    fw: &'a FirewallContents,
    id: &str,
) -> FirewallResult<&'a FirewallRuleGroup> {
    fw.rule_groups
        .iter()
        .find(|g| g.id == id)
        .ok_or_else(|| FirewallError::NoSuchResource(id.to_string()))
}

/// The association with this id.
pub fn find_association<'a>(
    fw: &'a FirewallContents,
    id: &str,
) -> FirewallResult<&'a FirewallRuleGroupAssociation> {
    fw.associations
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| FirewallError::NoSuchResource(id.to_string()))
}

/// The rule a group, a list and a Qtype address.
pub fn find_rule<'a>(
    fw: &'a FirewallContents,
    group: &str,
    domain_list: &str,
    qtype: Option<&str>,
) -> FirewallResult<&'a FirewallRule> {
    find_rule_group(fw, group)?;
    let wanted = parse_optional_qtype(qtype)?;
    fw.rules
        .iter()
        .find(|r| r.rule_group_id == group && r.domain_list_id == domain_list && r.qtype == wanted)
        .ok_or_else(|| FirewallError::NoSuchRule {
            group: group.to_string(),
            domain_list: domain_list.to_string(),
            qtype: qtype.map(str::to_string),
        })
}

/// The number of rules in a group (`RuleCount`).
pub fn rule_count(fw: &FirewallContents, group: &str) -> usize {
    fw.rules.iter().filter(|r| r.rule_group_id == group).count()
}

/// `rslvr-fc-…` for a VPC's config, stable so the default config has the same id.
pub fn firewall_config_id(vpc_id: &str) -> String {
    format!("rslvr-fc-{}", vpc_id.strip_prefix("vpc-").unwrap_or(vpc_id))
}

/// The VPC's firewall config: the stored one, or the default (fail closed).
pub fn firewall_config(fw: &FirewallContents, vpc_id: &str, owner: &str) -> FirewallConfig {
    fw.configs
        .iter()
        .find(|c| c.vpc_id == vpc_id)
        .cloned()
        .unwrap_or_else(|| FirewallConfig {
            id: firewall_config_id(vpc_id),
            vpc_id: vpc_id.to_string(),
            fail_open: FailOpen::Disabled,
            owner_account: owner.to_string(),
        })
}
