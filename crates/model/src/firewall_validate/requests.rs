//! What the API parses each firewall write into; the checks take these.

use super::*;

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
