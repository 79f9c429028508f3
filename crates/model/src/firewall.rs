//! Route 53 Resolver DNS Firewall: domain lists, rule groups and their rules, rule-group
//! associations with VPCs, and per-VPC firewall configs ([ROUTE53.md §6.6],
//! [ROUTE53-NEXT.md §E]).
//!
//! The control plane validates and stores these; the data plane compiles every VPC's
//! associated rule groups, in priority order, into one matcher ([`FirewallContents`] is what
//! it reads). Like the Resolver's resources, each records its owner account and share status
//! so rule groups can be shared through RAM later without a schema change.

use serde::{Deserialize, Serialize};

use crate::resolver_status::{text_enum, ShareStatus};

text_enum!(
    /// `FirewallRule.Action`.
    FirewallAction {
        /// `ALLOW`: stop evaluating and resolve as usual.
        Allow = "ALLOW",
        /// `BLOCK`: stop evaluating and answer with the rule's `BlockResponse`.
        Block = "BLOCK",
        /// `ALERT`: stop evaluating, resolve as usual, and log the match.
        Alert = "ALERT",
    }
);

text_enum!(
    /// `FirewallRule.BlockResponse`: how a BLOCK answers.
    BlockResponse {
        /// `NODATA`: NOERROR with an empty answer.
        NoData = "NODATA",
        /// `NXDOMAIN`.
        NxDomain = "NXDOMAIN",
        /// `OVERRIDE`: a CNAME to `BlockOverrideDomain` with `BlockOverrideTtl`.
        Override = "OVERRIDE",
    }
);

text_enum!(
    /// `FirewallRule.FirewallDomainRedirectionAction`: whether the names a CNAME or DNAME
    /// chain leads to are checked too.
    RedirectionAction {
        /// `INSPECT_REDIRECTION_DOMAIN` (the default): every name in the chain is checked.
        Inspect = "INSPECT_REDIRECTION_DOMAIN",
        /// `TRUST_REDIRECTION_DOMAIN`: only the first name is.
        Trust = "TRUST_REDIRECTION_DOMAIN",
    }
);

text_enum!(
    /// `FirewallConfig.FirewallFailOpen`: what a query gets when the firewall cannot decide.
    FailOpen {
        /// `ENABLED`: let it through.
        Enabled = "ENABLED",
        /// `DISABLED` (the default): fail closed, SERVFAIL.
        Disabled = "DISABLED",
        /// `USE_LOCAL_RESOURCE_SETTING`: for Route 53 Profiles.
        UseLocalResourceSetting = "USE_LOCAL_RESOURCE_SETTING",
    }
);

text_enum!(
    /// `FirewallRuleGroupAssociation.MutationProtection`.
    MutationProtection {
        /// `ENABLED`: the association cannot be changed or removed until this is disabled.
        Enabled = "ENABLED",
        /// `DISABLED`.
        Disabled = "DISABLED",
    }
);

text_enum!(
    /// `FirewallDomainList.Status`.
    DomainListStatus {
        /// `COMPLETE`.
        Complete = "COMPLETE",
        /// `COMPLETE_IMPORT_FAILED`: an import stopped; `StatusMessage` says where.
        CompleteImportFailed = "COMPLETE_IMPORT_FAILED",
        /// `IMPORTING`.
        Importing = "IMPORTING",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `UPDATING`.
        Updating = "UPDATING",
    }
);

text_enum!(
    /// `FirewallRuleGroup.Status` and `FirewallRuleGroupAssociation.Status`.
    FirewallStatus {
        /// `COMPLETE`.
        Complete = "COMPLETE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `UPDATING`.
        Updating = "UPDATING",
    }
);

/// A domain list: its metadata. Its domains are kept apart ([`FirewallContents::domains`]),
/// since a list may hold hundreds of thousands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallDomainList {
    /// `rslvr-fdl-…`.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `CreatorRequestId` (idempotency); empty for managed lists.
    pub creator_request_id: String,
    /// `Status`.
    pub status: DomainListStatus,
    /// `StatusMessage`.
    #[serde(default)]
    pub status_message: Option<String>,
    /// `ManagedOwnerName`: set on lists Cairn ships (`Route 53 Resolver DNS Firewall`).
    #[serde(default)]
    pub managed_owner_name: Option<String>,
    /// `DomainCount`.
    pub domain_count: u32,
    /// The owning account.
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// A rule group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallRuleGroup {
    /// `rslvr-frg-…`.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `Status`.
    pub status: FirewallStatus,
    /// `ShareStatus`.
    pub share_status: ShareStatus,
    /// The owning account (`OwnerId`).
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// One rule of a rule group. Route 53 gives rules no id: a rule is addressed by its group,
/// its domain list and its `Qtype`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallRule {
    /// `FirewallRuleGroupId`.
    pub rule_group_id: String,
    /// `FirewallDomainListId`.
    pub domain_list_id: String,
    /// `Name`.
    pub name: String,
    /// `Priority`: unique within the group; lower is evaluated first.
    pub priority: i32,
    /// `Action`.
    pub action: FirewallAction,
    /// `BlockResponse` (BLOCK only).
    #[serde(default)]
    pub block_response: Option<BlockResponse>,
    /// `BlockOverrideDomain` (OVERRIDE only), as given.
    #[serde(default)]
    pub block_override_domain: Option<String>,
    /// `BlockOverrideTtl` (OVERRIDE only), 0–604800.
    #[serde(default)]
    pub block_override_ttl: Option<u32>,
    /// `FirewallDomainRedirectionAction`.
    pub redirection_action: RedirectionAction,
    /// `Qtype`: the one query type the rule applies to (its number); `None` for every type.
    #[serde(default)]
    pub qtype: Option<u16>,
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// A rule group associated with a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallRuleGroupAssociation {
    /// `rslvr-frgassoc-…`.
    pub id: String,
    /// `FirewallRuleGroupId`.
    pub rule_group_id: String,
    /// `VpcId`.
    pub vpc_id: String,
    /// `Name`.
    pub name: String,
    /// `Priority`: unique per VPC; lower is evaluated first (Route 53 allows 100–9900).
    pub priority: i32,
    /// `MutationProtection`.
    pub mutation_protection: MutationProtection,
    /// `Status`.
    pub status: FirewallStatus,
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// The owning account.
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// A VPC's firewall settings, when they differ from the default (fail closed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallConfig {
    /// `rslvr-fc-…`.
    pub id: String,
    /// `ResourceId`: the VPC.
    pub vpc_id: String,
    /// `FirewallFailOpen`.
    pub fail_open: FailOpen,
    /// The owning account (`OwnerId`).
    pub owner_account: String,
}

/// Everything the data plane compiles the firewall from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallContents {
    /// Every domain list's metadata.
    pub domain_lists: Vec<FirewallDomainList>,
    /// Every domain list's domains, by list id, as stored (an optional leading `*.`; `*`
    /// alone matches every name). The data plane compares them without regard to case or a
    /// trailing dot.
    pub domains: Vec<(String, Vec<String>)>,
    /// Every rule group.
    pub rule_groups: Vec<FirewallRuleGroup>,
    /// Every rule of every group.
    pub rules: Vec<FirewallRule>,
    /// Every rule-group association.
    pub associations: Vec<FirewallRuleGroupAssociation>,
    /// Every VPC's firewall config that differs from the default.
    pub configs: Vec<FirewallConfig>,
}
