//! The rules Route 53 Resolver's DNS Firewall applies to writes ([ROUTE53.md §6.6],
//! [ROUTE53-NEXT.md §E]).
//!
//! Every function is pure: it takes the firewall's current state (a [`FirewallContents`]
//! whose `domains` may be empty: no rule reads them) and a request, and returns what must
//! be stored or a [`FirewallError`] naming the rule broken. The store runs them inside its
//! write transaction; the API words the errors (`cairn_api::error::firewall`).

use std::str::FromStr;

use crate::firewall::{
    BlockResponse, DomainListStatus, FailOpen, FirewallAction, FirewallConfig, FirewallContents,
    FirewallDomainList, FirewallRule, FirewallRuleGroup, FirewallRuleGroupAssociation,
    FirewallStatus, MutationProtection, RedirectionAction,
};
use crate::resolver_status::ShareStatus;
use crate::RrType;

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

//------------ errors ----------------------------------------------------------------------

/// Which Route 53 Resolver exception a firewall refusal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallErrorKind {
    /// `ResourceNotFoundException`.
    ResourceNotFound,
    /// `ValidationException`.
    Validation,
    /// `ConflictException`.
    Conflict,
    /// `LimitExceededException`.
    LimitExceeded,
}

/// A field whose value must be one of an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallField {
    /// `Action`.
    Action,
    /// `BlockResponse`.
    BlockResponse,
    /// `BlockOverrideDnsType`.
    BlockOverrideDnsType,
    /// `FirewallDomainRedirectionAction`.
    RedirectionAction,
    /// `MutationProtection`.
    MutationProtection,
    /// `FirewallFailOpen`.
    FailOpen,
    /// `Operation` of UpdateFirewallDomains.
    UpdateOperation,
    /// `Operation` of ImportFirewallDomains.
    ImportOperation,
}

/// A firewall write refused. Ids are as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirewallError {
    /// No domain list, rule group, association or VPC with this id.
    #[error("no firewall resource {0}")]
    NoSuchResource(String),
    /// No rule with this domain list and Qtype in the group.
    #[error("no rule for list {domain_list} ({qtype:?}) in group {group}")]
    NoSuchRule {
        /// The rule group.
        group: String,
        /// The domain list.
        domain_list: String,
        /// The Qtype as given.
        qtype: Option<String>,
    },
    /// A `Name` outside the model's pattern.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// A domain entry outside the syntax.
    #[error("invalid domain {0:?}")]
    InvalidDomain(String),
    /// A `Qtype` that is neither a known mnemonic nor `TYPEnnn`.
    #[error("invalid qtype {0:?}")]
    InvalidQtype(String),
    /// A value outside its field's enumeration.
    #[error("{value:?} is not a valid {field:?}")]
    NotInEnumeration {
        /// The field.
        field: FirewallField,
        /// The value.
        value: String,
    },
    /// An association priority outside 100–9900 (exclusive).
    #[error("association priority {0} out of range")]
    AssociationPriority(i64),
    /// A rule priority that is not a positive 32-bit number.
    #[error("rule priority {0} out of range")]
    RulePriority(i64),
    /// BLOCK without `BlockResponse`.
    #[error("BLOCK needs a BlockResponse")]
    BlockResponseRequired,
    /// `BlockResponse` (or override fields) on an ALLOW or ALERT rule.
    #[error("BlockResponse given for a {0} rule")]
    BlockResponseNotAllowed(String),
    /// OVERRIDE without all three override fields.
    #[error("OVERRIDE needs BlockOverrideDomain, BlockOverrideDnsType and BlockOverrideTtl")]
    OverrideFieldsRequired,
    /// `BlockOverrideTtl` outside 0–604800.
    #[error("BlockOverrideTtl {0} out of range")]
    OverrideTtl(i64),
    /// `BlockOverrideDomain` longer than 255 or empty.
    #[error("invalid override domain {0:?}")]
    OverrideDomain(String),
    /// Two rules of a group with one priority.
    #[error("rule group {group} has a rule with priority {priority}")]
    DuplicateRulePriority {
        /// The group.
        group: String,
        /// The priority.
        priority: i64,
    },
    /// A rule for this group, list and Qtype exists.
    #[error("rule group {group} has a rule for list {domain_list} and this qtype")]
    RuleExists {
        /// The group.
        group: String,
        /// The list.
        domain_list: String,
    },
    /// Two associations of a VPC with one priority.
    #[error("VPC {vpc} has an association with priority {priority}")]
    DuplicateAssociationPriority {
        /// The VPC.
        vpc: String,
        /// The priority.
        priority: i64,
    },
    /// The group is already associated with the VPC.
    #[error("rule group {group} is already associated with {vpc}")]
    AlreadyAssociated {
        /// The group.
        group: String,
        /// The VPC.
        vpc: String,
    },
    /// Deleting a group that is associated with a VPC.
    #[error("rule group {group} is associated with {vpc}")]
    RuleGroupAssociated {
        /// The group.
        group: String,
        /// The VPC.
        vpc: String,
    },
    /// Deleting a group that holds rules.
    #[error("rule group {0} has rules")]
    RuleGroupHasRules(String),
    /// Deleting a domain list a rule uses.
    #[error("domain list {list} is used by rule group {group}")]
    DomainListInUse {
        /// The list.
        list: String,
        /// A group with a rule using it.
        group: String,
    },
    /// Changing or deleting an AWS-managed list through the API.
    #[error("domain list {0} is managed")]
    ManagedDomainList(String),
    /// Changing or removing an association with mutation protection on.
    #[error("association {0} has mutation protection")]
    MutationProtected(String),
    /// More domains in one request than allowed.
    #[error("{0} domains in one request")]
    TooManyDomainsInRequest(usize),
    /// A list would hold more domains than allowed.
    #[error("list would hold {0} domains")]
    TooManyDomains(u64),
    /// A group would hold more rules than allowed.
    #[error("rule group {0} is full")]
    TooManyRules(String),
    /// An import URL of a scheme Cairn does not read (`s3://`, `https://`).
    #[error("import from {0:?} not supported")]
    UnsupportedImportUrl(String),
    /// An import file outside the data directory, missing or unreadable.
    #[error("cannot read import file {url}: {reason}")]
    ImportFileUnreadable {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// `USE_LOCAL_RESOURCE_SETTING` for a VPC (it is for Profiles).
    #[error("USE_LOCAL_RESOURCE_SETTING for a VPC")]
    LocalSettingForVpc,
}

impl FirewallError {
    /// The exception this refusal is.
    pub fn kind(&self) -> FirewallErrorKind {
        use FirewallError as E;
        match self {
            E::NoSuchResource(_) | E::NoSuchRule { .. } => FirewallErrorKind::ResourceNotFound,
            E::AlreadyAssociated { .. }
            | E::RuleGroupAssociated { .. }
            | E::RuleGroupHasRules(_)
            | E::DomainListInUse { .. }
            | E::MutationProtected(_)
            | E::DuplicateAssociationPriority { .. } => FirewallErrorKind::Conflict,
            E::TooManyDomainsInRequest(_) | E::TooManyDomains(_) | E::TooManyRules(_) => {
                FirewallErrorKind::LimitExceeded
            }
            _ => FirewallErrorKind::Validation,
        }
    }
}

//------------ requests --------------------------------------------------------------------

/// CreateFirewallDomainList or CreateFirewallRuleGroup: both are a name and a token.
#[derive(Debug, Clone)]
pub struct NewNamed {
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `Name`.
    pub name: String,
    /// The creating account.
    pub owner_account: String,
}

/// CreateFirewallRule, or UpdateFirewallRule's new values (absent ones are kept).
#[derive(Debug, Clone, Default)]
pub struct RuleRequest {
    /// `CreatorRequestId` (create only).
    pub creator_request_id: String,
    /// `FirewallRuleGroupId`.
    pub rule_group_id: String,
    /// `FirewallDomainListId`.
    pub domain_list_id: String,
    /// `Qtype` as given (it is part of the rule's address on update).
    pub qtype: Option<String>,
    /// `Priority`.
    pub priority: Option<i64>,
    /// `Action`.
    pub action: Option<String>,
    /// `BlockResponse`.
    pub block_response: Option<String>,
    /// `BlockOverrideDomain`.
    pub block_override_domain: Option<String>,
    /// `BlockOverrideDnsType`.
    pub block_override_dns_type: Option<String>,
    /// `BlockOverrideTtl`.
    pub block_override_ttl: Option<i64>,
    /// `Name`.
    pub name: Option<String>,
    /// `FirewallDomainRedirectionAction`.
    pub redirection_action: Option<String>,
}

/// AssociateFirewallRuleGroup.
#[derive(Debug, Clone)]
pub struct NewAssociation {
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `FirewallRuleGroupId`.
    pub rule_group_id: String,
    /// `VpcId`.
    pub vpc_id: String,
    /// `Priority`.
    pub priority: i64,
    /// `Name`.
    pub name: String,
    /// `MutationProtection` (default DISABLED).
    pub mutation_protection: Option<String>,
    /// The creating account.
    pub owner_account: String,
}

/// UpdateFirewallRuleGroupAssociation: absent fields are kept.
#[derive(Debug, Clone, Default)]
pub struct AssociationUpdate {
    /// `Priority`.
    pub priority: Option<i64>,
    /// `MutationProtection`.
    pub mutation_protection: Option<String>,
    /// `Name`.
    pub name: Option<String>,
}

/// UpdateFirewallDomains' `Operation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainOperation {
    /// Add the domains the list lacks.
    Add,
    /// Remove the domains given.
    Remove,
    /// Replace the list's domains with these.
    Replace,
}

impl DomainOperation {
    /// UpdateFirewallDomains' `Operation` (`DENY` is in the model but not for user lists).
    pub fn parse_update(text: &str) -> FirewallResult<Self> {
        match text {
            "ADD" => Ok(Self::Add),
            "REMOVE" => Ok(Self::Remove),
            "REPLACE" => Ok(Self::Replace),
            _ => Err(not_in(FirewallField::UpdateOperation, text)),
        }
    }

    /// ImportFirewallDomains' `Operation`: REPLACE only.
    pub fn parse_import(text: &str) -> FirewallResult<Self> {
        match text {
            "REPLACE" => Ok(Self::Replace),
            _ => Err(not_in(FirewallField::ImportOperation, text)),
        }
    }
}

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

//------------ domain lists ----------------------------------------------------------------

/// CreateFirewallDomainList; a repeated `CreatorRequestId` returns the list made then
/// (`false`: nothing to write).
pub fn create_domain_list(
    fw: &FirewallContents,
    req: NewNamed,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallDomainList, bool)> {
    check_name(&req.name)?;
    if let Some(existing) = fw.domain_lists.iter().find(|l| {
        l.owner_account == req.owner_account && l.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    let list = FirewallDomainList {
        id,
        name: req.name,
        creator_request_id: req.creator_request_id,
        status: DomainListStatus::Complete,
        status_message: Some("Created Firewall Domain List".into()),
        managed_owner_name: None,
        domain_count: 0,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((list, true))
}

/// DeleteFirewallDomainList: refused for managed lists and lists a rule uses.
pub fn delete_domain_list(fw: &FirewallContents, id: &str) -> FirewallResult<FirewallDomainList> {
    let list = find_domain_list(fw, id)?;
    if list.managed_owner_name.is_some() {
        return Err(FirewallError::ManagedDomainList(id.to_string()));
    }
    if let Some(rule) = fw.rules.iter().find(|r| r.domain_list_id == id) {
        return Err(FirewallError::DomainListInUse {
            list: id.to_string(),
            group: rule.rule_group_id.clone(),
        });
    }
    Ok(list.clone())
}

/// UpdateFirewallDomains before it is applied: the list exists and is the user's, and the
/// domains are valid and few enough. Returns them trimmed.
pub fn check_domain_update(
    fw: &FirewallContents,
    id: &str,
    domains: &[String],
) -> FirewallResult<Vec<String>> {
    let list = find_domain_list(fw, id)?;
    if list.managed_owner_name.is_some() {
        return Err(FirewallError::ManagedDomainList(id.to_string()));
    }
    if domains.len() > MAX_DOMAINS_PER_UPDATE {
        return Err(FirewallError::TooManyDomainsInRequest(domains.len()));
    }
    check_domains(domains)
}

/// ImportFirewallDomains before it is applied: the list exists (managed ones included:
/// importing is how the operator fills them) and the file's lines are valid domains.
/// Blank lines and `#` comments are skipped.
pub fn check_import(fw: &FirewallContents, id: &str, text: &str) -> FirewallResult<Vec<String>> {
    find_domain_list(fw, id)?;
    let domains: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if domains.len() > MAX_DOMAINS_PER_IMPORT {
        return Err(FirewallError::TooManyDomainsInRequest(domains.len()));
    }
    check_domains(&domains)
}

/// The list after its domains changed: its new count, after the quota check.
pub fn domains_changed(
    list: &FirewallDomainList,
    count: u64,
    now_ms: i64,
) -> FirewallResult<FirewallDomainList> {
    if count > MAX_DOMAINS_PER_LIST {
        return Err(FirewallError::TooManyDomains(count));
    }
    let mut list = list.clone();
    list.domain_count = count as u32;
    list.status = DomainListStatus::Complete;
    list.status_message = Some("Finished domain list update".into());
    list.modified_at_ms = now_ms;
    Ok(list)
}

//------------ rule groups -----------------------------------------------------------------

/// CreateFirewallRuleGroup; a repeated `CreatorRequestId` returns the group made then.
pub fn create_rule_group(
    fw: &FirewallContents,
    req: NewNamed,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallRuleGroup, bool)> {
    check_name(&req.name)?;
    if let Some(existing) = fw.rule_groups.iter().find(|g| {
        g.owner_account == req.owner_account && g.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    let group = FirewallRuleGroup {
        id,
        name: req.name,
        creator_request_id: req.creator_request_id,
        status: FirewallStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((group, true))
}

/// DeleteFirewallRuleGroup: refused while associated with a VPC or holding rules.
pub fn delete_rule_group(fw: &FirewallContents, id: &str) -> FirewallResult<FirewallRuleGroup> {
    let group = find_rule_group(fw, id)?;
    if let Some(a) = fw.associations.iter().find(|a| a.rule_group_id == id) {
        return Err(FirewallError::RuleGroupAssociated {
            group: id.to_string(),
            vpc: a.vpc_id.clone(),
        });
    }
    if rule_count(fw, id) > 0 {
        return Err(FirewallError::RuleGroupHasRules(id.to_string()));
    }
    Ok(group.clone())
}

//------------ rules -----------------------------------------------------------------------

/// The action and block fields, checked together: BLOCK needs a response, OVERRIDE needs
/// all three override fields (CNAME, TTL 0–604800), other actions take none.
#[allow(clippy::type_complexity)]
fn check_action(
    action: FirewallAction,
    block_response: Option<&str>,
    domain: Option<&str>,
    dns_type: Option<&str>,
    ttl: Option<i64>,
) -> FirewallResult<(Option<BlockResponse>, Option<String>, Option<u32>)> {
    let response = block_response
        .map(|t| parse_enum(FirewallField::BlockResponse, t, BlockResponse::parse))
        .transpose()?;
    if let Some(t) = dns_type {
        if t != "CNAME" {
            return Err(not_in(FirewallField::BlockOverrideDnsType, t));
        }
    }
    if let Some(ttl) = ttl {
        if !(0..=MAX_OVERRIDE_TTL).contains(&ttl) {
            return Err(FirewallError::OverrideTtl(ttl));
        }
    }
    if let Some(d) = domain {
        if d.is_empty() || d.len() > 255 {
            return Err(FirewallError::OverrideDomain(d.to_string()));
        }
    }
    match (action, response) {
        (FirewallAction::Block, None) => Err(FirewallError::BlockResponseRequired),
        (FirewallAction::Block, Some(BlockResponse::Override)) => match (domain, dns_type, ttl) {
            (Some(d), Some(_), Some(ttl)) => Ok((
                Some(BlockResponse::Override),
                Some(d.to_string()),
                Some(ttl as u32),
            )),
            _ => Err(FirewallError::OverrideFieldsRequired),
        },
        // NODATA and NXDOMAIN ignore override fields, as Route 53 does.
        (FirewallAction::Block, Some(r)) => Ok((Some(r), None, None)),
        (other, Some(_)) => Err(FirewallError::BlockResponseNotAllowed(
            other.as_str().to_string(),
        )),
        (_, None) => Ok((None, None, None)),
    }
}

fn check_rule_priority(priority: i64) -> FirewallResult<i32> {
    i32::try_from(priority)
        .ok()
        .filter(|p| *p >= 0)
        .ok_or(FirewallError::RulePriority(priority))
}

fn check_priority_free(
    fw: &FirewallContents,
    group: &str,
    priority: i32,
    except: Option<(&str, Option<u16>)>,
) -> FirewallResult<()> {
    let taken = fw.rules.iter().any(|r| {
        r.rule_group_id == group
            && r.priority == priority
            && except != Some((r.domain_list_id.as_str(), r.qtype))
    });
    if taken {
        return Err(FirewallError::DuplicateRulePriority {
            group: group.to_string(),
            priority: i64::from(priority),
        });
    }
    Ok(())
}

/// CreateFirewallRule.
pub fn create_rule(
    fw: &FirewallContents,
    req: RuleRequest,
    now_ms: i64,
) -> FirewallResult<FirewallRule> {
    find_rule_group(fw, &req.rule_group_id)?;
    find_domain_list(fw, &req.domain_list_id)?;
    let name = req.name.unwrap_or_default();
    check_name(&name)?;
    let qtype = parse_optional_qtype(req.qtype.as_deref())?;
    let priority = check_rule_priority(req.priority.unwrap_or_default())?;
    let action = parse_action(req.action.as_deref().unwrap_or_default())?;
    let (block_response, block_override_domain, block_override_ttl) = check_action(
        action,
        req.block_response.as_deref(),
        req.block_override_domain.as_deref(),
        req.block_override_dns_type.as_deref(),
        req.block_override_ttl,
    )?;
    let redirection_action = match req.redirection_action.as_deref() {
        Some(t) => parse_enum(
            FirewallField::RedirectionAction,
            t,
            RedirectionAction::parse,
        )?,
        None => RedirectionAction::Inspect,
    };
    if fw.rules.iter().any(|r| {
        r.rule_group_id == req.rule_group_id
            && r.domain_list_id == req.domain_list_id
            && r.qtype == qtype
    }) {
        return Err(FirewallError::RuleExists {
            group: req.rule_group_id,
            domain_list: req.domain_list_id,
        });
    }
    check_priority_free(fw, &req.rule_group_id, priority, None)?;
    if rule_count(fw, &req.rule_group_id) >= MAX_RULES_PER_GROUP {
        return Err(FirewallError::TooManyRules(req.rule_group_id));
    }
    Ok(FirewallRule {
        rule_group_id: req.rule_group_id,
        domain_list_id: req.domain_list_id,
        name,
        priority,
        action,
        block_response,
        block_override_domain,
        block_override_ttl,
        redirection_action,
        qtype,
        creator_request_id: req.creator_request_id,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// UpdateFirewallRule: the rule its group, list and Qtype address, with the fields given
/// replaced; the action and block fields are checked again as a whole.
pub fn update_rule(
    fw: &FirewallContents,
    req: RuleRequest,
    now_ms: i64,
) -> FirewallResult<FirewallRule> {
    let mut rule = find_rule(
        fw,
        &req.rule_group_id,
        &req.domain_list_id,
        req.qtype.as_deref(),
    )?
    .clone();
    if let Some(name) = req.name {
        check_name(&name)?;
        rule.name = name;
    }
    if let Some(p) = req.priority {
        let p = check_rule_priority(p)?;
        check_priority_free(
            fw,
            &rule.rule_group_id,
            p,
            Some((&rule.domain_list_id, rule.qtype)),
        )?;
        rule.priority = p;
    }
    let action = match req.action.as_deref() {
        Some(t) => parse_action(t)?,
        None => rule.action,
    };
    let response = req
        .block_response
        .or_else(|| rule.block_response.map(|r| r.as_str().to_string()));
    let domain = req
        .block_override_domain
        .or_else(|| rule.block_override_domain.clone());
    let dns_type = req
        .block_override_dns_type
        .or_else(|| rule.block_override_domain.as_ref().map(|_| "CNAME".into()));
    let ttl = req
        .block_override_ttl
        .or_else(|| rule.block_override_ttl.map(i64::from));
    // Moving away from BLOCK drops the block fields kept from before.
    let keep_block = action == FirewallAction::Block;
    let (block_response, block_override_domain, block_override_ttl) = check_action(
        action,
        response.as_deref().filter(|_| keep_block),
        domain.as_deref().filter(|_| keep_block),
        dns_type.as_deref().filter(|_| keep_block),
        ttl.filter(|_| keep_block),
    )?;
    rule.action = action;
    rule.block_response = block_response;
    rule.block_override_domain = block_override_domain;
    rule.block_override_ttl = block_override_ttl;
    if let Some(t) = req.redirection_action.as_deref() {
        rule.redirection_action = parse_enum(
            FirewallField::RedirectionAction,
            t,
            RedirectionAction::parse,
        )?;
    }
    rule.modified_at_ms = now_ms;
    Ok(rule)
}

//------------ associations and configs ----------------------------------------------------

fn check_association_priority(
    fw: &FirewallContents,
    vpc: &str,
    priority: i64,
    except: Option<&str>,
) -> FirewallResult<i32> {
    let (low, high) = ASSOCIATION_PRIORITY_BOUNDS;
    if priority <= low || priority >= high {
        return Err(FirewallError::AssociationPriority(priority));
    }
    let taken = fw.associations.iter().any(|a| {
        a.vpc_id == vpc && i64::from(a.priority) == priority && Some(a.id.as_str()) != except
    });
    if taken {
        return Err(FirewallError::DuplicateAssociationPriority {
            vpc: vpc.to_string(),
            priority,
        });
    }
    Ok(priority as i32)
}

/// AssociateFirewallRuleGroup; `vpc_exists` says whether the VPC does. A repeated
/// `CreatorRequestId` returns the association made then (`false`).
pub fn associate(
    fw: &FirewallContents,
    vpc_exists: bool,
    req: NewAssociation,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallRuleGroupAssociation, bool)> {
    if let Some(existing) = fw.associations.iter().find(|a| {
        a.owner_account == req.owner_account && a.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    check_name(&req.name)?;
    find_rule_group(fw, &req.rule_group_id)?;
    if !vpc_exists {
        return Err(FirewallError::NoSuchResource(req.vpc_id));
    }
    let mutation_protection = match req.mutation_protection.as_deref() {
        Some(t) => parse_mutation_protection(t)?,
        None => MutationProtection::Disabled,
    };
    if fw
        .associations
        .iter()
        .any(|a| a.vpc_id == req.vpc_id && a.rule_group_id == req.rule_group_id)
    {
        return Err(FirewallError::AlreadyAssociated {
            group: req.rule_group_id,
            vpc: req.vpc_id,
        });
    }
    let priority = check_association_priority(fw, &req.vpc_id, req.priority, None)?;
    let assoc = FirewallRuleGroupAssociation {
        id,
        rule_group_id: req.rule_group_id,
        vpc_id: req.vpc_id,
        name: req.name,
        priority,
        mutation_protection,
        status: FirewallStatus::Complete,
        creator_request_id: req.creator_request_id,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((assoc, true))
}

/// UpdateFirewallRuleGroupAssociation: with mutation protection on, only turning it off
/// is allowed (in the same request as other changes, which then apply).
pub fn update_association(
    fw: &FirewallContents,
    id: &str,
    update: AssociationUpdate,
    now_ms: i64,
) -> FirewallResult<FirewallRuleGroupAssociation> {
    let mut assoc = find_association(fw, id)?.clone();
    let protection = update
        .mutation_protection
        .as_deref()
        .map(parse_mutation_protection)
        .transpose()?;
    let changes_other = update.priority.is_some() || update.name.is_some();
    if assoc.mutation_protection == MutationProtection::Enabled
        && changes_other
        && protection != Some(MutationProtection::Disabled)
    {
        return Err(FirewallError::MutationProtected(id.to_string()));
    }
    if let Some(name) = update.name {
        check_name(&name)?;
        assoc.name = name;
    }
    if let Some(p) = update.priority {
        assoc.priority = check_association_priority(fw, &assoc.vpc_id, p, Some(id))?;
    }
    if let Some(p) = protection {
        assoc.mutation_protection = p;
    }
    assoc.modified_at_ms = now_ms;
    Ok(assoc)
}

/// DisassociateFirewallRuleGroup: refused while mutation protection is on.
pub fn disassociate(
    fw: &FirewallContents,
    id: &str,
) -> FirewallResult<FirewallRuleGroupAssociation> {
    let assoc = find_association(fw, id)?;
    if assoc.mutation_protection == MutationProtection::Enabled {
        return Err(FirewallError::MutationProtected(id.to_string()));
    }
    Ok(assoc.clone())
}

/// UpdateFirewallConfig for a VPC that exists (`vpc_owner`: its account), or refused.
pub fn update_config(
    vpc_id: &str,
    vpc_owner: Option<&str>,
    fail_open: &str,
) -> FirewallResult<FirewallConfig> {
    let fail_open = parse_fail_open(fail_open)?;
    let owner = vpc_owner.ok_or_else(|| FirewallError::NoSuchResource(vpc_id.to_string()))?;
    Ok(FirewallConfig {
        id: firewall_config_id(vpc_id),
        vpc_id: vpc_id.to_string(),
        fail_open,
        owner_account: owner.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw_with_group() -> FirewallContents {
        let mut fw = FirewallContents::default();
        let named = |n: &str| NewNamed {
            creator_request_id: n.into(),
            name: n.into(),
            owner_account: "111111111111".into(),
        };
        let (l, _) = create_domain_list(&fw, named("l"), "rslvr-fdl-1".into(), 0).unwrap();
        fw.domain_lists.push(l);
        let (g, _) = create_rule_group(&fw, named("g"), "rslvr-frg-1".into(), 0).unwrap();
        fw.rule_groups.push(g);
        fw
    }

    fn rule(priority: i64, action: &str) -> RuleRequest {
        RuleRequest {
            creator_request_id: "r".into(),
            rule_group_id: "rslvr-frg-1".into(),
            domain_list_id: "rslvr-fdl-1".into(),
            priority: Some(priority),
            action: Some(action.into()),
            name: Some("r".into()),
            ..RuleRequest::default()
        }
    }

    #[test]
    fn domains_follow_the_syntax() {
        for ok in ["*", "*.example.com", "example.com.", "a-b.c0"] {
            assert!(check_domain(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "exa mple.com",
            "a.*.b",
            "ex_ample.com",
            &"a".repeat(256),
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn qtypes_are_mnemonics_or_type_numbers() {
        assert_eq!(parse_qtype("AAAA"), Ok(28));
        assert_eq!(parse_qtype("TYPE65"), Ok(65));
        assert_eq!(qtype_text(65), "HTTPS");
        assert!(parse_qtype("TYPE0").is_err());
        assert!(parse_qtype("TYPE65335").is_err());
        assert!(parse_qtype("aaaa").is_err());
        assert!(parse_qtype("HINFO").is_err());
    }

    #[test]
    fn block_rules_need_their_response() {
        let fw = fw_with_group();
        assert_eq!(
            create_rule(&fw, rule(1, "BLOCK"), 0),
            Err(FirewallError::BlockResponseRequired)
        );
        let mut r = rule(1, "BLOCK");
        r.block_response = Some("OVERRIDE".into());
        r.block_override_domain = Some("walled.example.".into());
        assert_eq!(
            create_rule(&fw, r.clone(), 0),
            Err(FirewallError::OverrideFieldsRequired)
        );
        r.block_override_dns_type = Some("A".into());
        r.block_override_ttl = Some(60);
        assert!(matches!(
            create_rule(&fw, r.clone(), 0),
            Err(FirewallError::NotInEnumeration { .. })
        ));
        r.block_override_dns_type = Some("CNAME".into());
        r.block_override_ttl = Some(604_801);
        assert_eq!(
            create_rule(&fw, r.clone(), 0),
            Err(FirewallError::OverrideTtl(604_801))
        );
        r.block_override_ttl = Some(604_800);
        let made = create_rule(&fw, r, 0).unwrap();
        assert_eq!(made.block_override_ttl, Some(604_800));
        assert_eq!(made.redirection_action, RedirectionAction::Inspect);
    }

    #[test]
    fn rule_priorities_and_addresses_are_unique_in_a_group() {
        let mut fw = fw_with_group();
        fw.rules
            .push(create_rule(&fw, rule(1, "ALLOW"), 0).unwrap());
        assert!(matches!(
            create_rule(&fw, rule(2, "ALERT"), 0),
            Err(FirewallError::RuleExists { .. })
        ));
        let mut other_type = rule(1, "ALERT");
        other_type.qtype = Some("A".into());
        assert!(matches!(
            create_rule(&fw, other_type.clone(), 0),
            Err(FirewallError::DuplicateRulePriority { priority: 1, .. })
        ));
        other_type.priority = Some(2);
        assert!(create_rule(&fw, other_type, 0).is_ok());
    }

    #[test]
    fn association_priority_is_strictly_inside_the_bounds_and_unique_per_vpc() {
        let mut fw = fw_with_group();
        let req = |p: i64, token: &str| NewAssociation {
            creator_request_id: token.into(),
            rule_group_id: "rslvr-frg-1".into(),
            vpc_id: "vpc-1".into(),
            priority: p,
            name: "a".into(),
            mutation_protection: Some("ENABLED".into()),
            owner_account: "111111111111".into(),
        };
        for p in [100, 9900] {
            assert_eq!(
                associate(&fw, true, req(p, "t"), "x".into(), 0),
                Err(FirewallError::AssociationPriority(p))
            );
        }
        assert_eq!(
            associate(&fw, false, req(101, "t"), "x".into(), 0),
            Err(FirewallError::NoSuchResource("vpc-1".into()))
        );
        let (a, _) = associate(&fw, true, req(101, "t"), "rslvr-frgassoc-1".into(), 0).unwrap();
        fw.associations.push(a);
        assert!(matches!(
            associate(&fw, true, req(102, "u"), "y".into(), 0),
            Err(FirewallError::AlreadyAssociated { .. })
        ));
        assert_eq!(
            disassociate(&fw, "rslvr-frgassoc-1"),
            Err(FirewallError::MutationProtected("rslvr-frgassoc-1".into()))
        );
        assert_eq!(
            delete_rule_group(&fw, "rslvr-frg-1").unwrap_err().kind(),
            FirewallErrorKind::Conflict
        );
        let unprotect = AssociationUpdate {
            mutation_protection: Some("DISABLED".into()),
            priority: Some(200),
            ..AssociationUpdate::default()
        };
        let a = update_association(&fw, "rslvr-frgassoc-1", unprotect, 1).unwrap();
        assert_eq!(
            (a.priority, a.mutation_protection),
            (200, MutationProtection::Disabled)
        );
    }
}
