//! DNS Firewall's exceptions and messages for its domain errors (json-1.1, every one a 400).
//! Messages with an `[RSLVR-…]` code are the ones AWS was recorded or cited answering
//! (`aws-recorded/route53resolver.json`; the association priority one from
//! hashicorp/terraform-provider-aws#43694); the others are Cairn's own words. Like AWS's,
//! every message ends with a trace id.

use axum::http::StatusCode;
use cairn_model::firewall_validate::{
    FirewallError, FirewallErrorKind, FirewallField, MAX_DOMAINS_PER_IMPORT, MAX_DOMAINS_PER_LIST,
    MAX_DOMAINS_PER_UPDATE, MAX_RULES_PER_GROUP,
};

use super::AwsError;

/// A firewall refusal: the exception its kind names, and its message.
pub(super) fn firewall_error(err: FirewallError) -> AwsError {
    let code = match err.kind() {
        FirewallErrorKind::ResourceNotFound => "ResourceNotFoundException",
        FirewallErrorKind::Validation => "ValidationException",
        FirewallErrorKind::Conflict => "ConflictException",
        FirewallErrorKind::LimitExceeded => "LimitExceededException",
    };
    let message = format!("{} Trace Id: \"{}\"", message(err), trace_id());
    AwsError::new(StatusCode::BAD_REQUEST, code, message)
}

/// An X-Ray style trace id, `1-<8 hex: seconds>-<24 hex>`, as AWS's messages carry.
fn trace_id() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let random: [u8; 12] = rand::random();
    format!("1-{:08x}-{}", seconds as u32, hex::encode(random))
}

fn enumeration(field: FirewallField) -> (&'static str, &'static str) {
    match field {
        FirewallField::Action => ("action", "ALLOW, BLOCK, ALERT"),
        FirewallField::BlockResponse => ("blockResponse", "NODATA, NXDOMAIN, OVERRIDE"),
        FirewallField::BlockOverrideDnsType => ("blockOverrideDnsType", "CNAME"),
        FirewallField::RedirectionAction => (
            "firewallDomainRedirectionAction",
            "INSPECT_REDIRECTION_DOMAIN, TRUST_REDIRECTION_DOMAIN",
        ),
        FirewallField::MutationProtection => ("mutationProtection", "ENABLED, DISABLED"),
        FirewallField::FailOpen => (
            "firewallFailOpen",
            "ENABLED, DISABLED, USE_LOCAL_RESOURCE_SETTING",
        ),
        FirewallField::UpdateOperation => ("operation", "ADD, REMOVE, REPLACE"),
        FirewallField::ImportOperation => ("operation", "REPLACE"),
    }
}

fn message(err: FirewallError) -> String {
    use FirewallError as E;
    match err {
        E::NoSuchResource(id) => format!("[RSLVR-02025] Can\u{2019}t find the resource with ID \"{id}\"."),
        E::NoSuchRule { group, domain_list, qtype } => {
            let qtype = qtype.map(|q| format!(" and Qtype {q}")).unwrap_or_default();
            format!(
                "[RSLVR-02025] Can\u{2019}t find the resource with ID \"{domain_list}\": rule group {group} has no rule for it{qtype}."
            )
        }
        E::InvalidName(name) => format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"
        ),
        E::InvalidDomain(domain) => format!(
            "The domain \"{domain}\" is not valid: a domain is 1 to 255 characters of letters, digits, hyphens and dots, with an optional leading \"*\"."
        ),
        E::InvalidQtype(q) => format!(
            "The query type \"{q}\" is not valid: use A, AAAA, CAA, CNAME, DS, MX, NAPTR, NS, PTR, SOA, SPF, SRV, TXT or TYPEnnn (1 to 65334)."
        ),
        E::NotInEnumeration { field, value } => {
            let (name, set) = enumeration(field);
            format!(
                "1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: Member must satisfy enum value set: [{set}]"
            )
        }
        E::AssociationPriority(_) => "[RSLVR-00000] The priority value you provided is reserved. Provide a number between \"100\" and \"9900\".".into(),
        E::RulePriority(p) => format!("The priority {p} is not valid: a rule priority is a number from 0 to 2147483647."),
        E::BlockResponseRequired => "A rule with Action BLOCK needs a BlockResponse.".into(),
        E::BlockResponseNotAllowed(action) => format!(
            "BlockResponse and the BlockOverride fields apply to BLOCK rules only, not to {action}."
        ),
        E::OverrideFieldsRequired => "BlockResponse OVERRIDE needs BlockOverrideDomain, BlockOverrideDnsType and BlockOverrideTtl.".into(),
        E::OverrideTtl(ttl) => format!(
            "1 validation error detected: Value '{ttl}' at 'blockOverrideTtl' failed to satisfy constraint: Member must have value less than or equal to 604800"
        ),
        E::OverrideDomain(d) => format!("The BlockOverrideDomain \"{d}\" is not valid: 1 to 255 characters."),
        E::DuplicateRulePriority { group, priority } => format!(
            "The rule group {group} already has a rule with priority {priority}. Priorities must be unique within a rule group."
        ),
        E::RuleExists { group, domain_list } => format!(
            "The rule group {group} already has a rule for domain list {domain_list} and this query type."
        ),
        E::DuplicateAssociationPriority { vpc, priority } => format!(
            "The VPC {vpc} already has a rule group associated with priority {priority}. Priorities must be unique within a VPC."
        ),
        E::AlreadyAssociated { group, vpc } => {
            format!("The rule group {group} is already associated with VPC {vpc}.")
        }
        E::RuleGroupAssociated { group, vpc } => format!(
            "The rule group {group} cannot be deleted while it is associated with VPC {vpc}. Disassociate it first."
        ),
        E::RuleGroupHasRules(group) => format!(
            "The rule group {group} cannot be deleted while it has rules. Delete its rules first."
        ),
        E::DomainListInUse { list, group } => format!(
            "The domain list {list} cannot be deleted while rule group {group} has a rule that uses it."
        ),
        E::ManagedDomainList(list) => format!(
            "The domain list {list} is managed by Route 53 Resolver DNS Firewall and cannot be changed or deleted."
        ),
        E::MutationProtected(id) => format!(
            "The rule group association {id} has mutation protection enabled. Disable it with UpdateFirewallRuleGroupAssociation first."
        ),
        E::TooManyDomainsInRequest(n) => format!(
            "{n} domains are too many for one request: UpdateFirewallDomains takes at most {MAX_DOMAINS_PER_UPDATE}, an import file at most {MAX_DOMAINS_PER_IMPORT}."
        ),
        E::TooManyDomains(n) => format!(
            "The domain list would hold {n} domains; the limit is {MAX_DOMAINS_PER_LIST}."
        ),
        E::TooManyRules(group) => format!(
            "The rule group {group} already has {MAX_RULES_PER_GROUP} rules, the limit."
        ),
        E::UnsupportedImportUrl(url) => format!(
            "Cairn cannot import domains from \"{url}\": use a file:// URL of a file under the server's data directory."
        ),
        E::ImportFileUnreadable { url, reason } => {
            format!("Cannot read the domain file \"{url}\": {reason}.")
        }
        E::LocalSettingForVpc => {
            "USE_LOCAL_RESOURCE_SETTING applies to Route 53 Profiles only, not to a VPC.".into()
        }
    }
}
