//! The autodefined Internet Resolver rule and each VPC's resolver config.

use crate::network::NetworkContents;
use crate::resolver::{
    AutodefinedReverseFlag, ResolverRule, RuleAssociation, RuleAssociationStatus, RuleStatus,
    RuleType, ShareStatus, VpcResolverConfig,
};

use super::{Enumeration, ResolverError, ResolverResult, AUTODEFINED_OWNER, INTERNET_RESOLVER_ID};

/// The autodefined RECURSIVE rule for ".", as ListResolverRules shows it.
pub fn internet_resolver_rule() -> ResolverRule {
    ResolverRule {
        id: INTERNET_RESOLVER_ID.into(),
        creator_request_id: String::new(),
        domain_name: ".".into(),
        name: Some("Internet Resolver".into()),
        rule_type: RuleType::Recursive,
        targets: Vec::new(),
        resolver_endpoint_id: None,
        status: RuleStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: AUTODEFINED_OWNER.into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

/// The autodefined association of the Internet Resolver rule with `vpc_id`.
pub fn internet_resolver_association(vpc_id: &str) -> RuleAssociation {
    RuleAssociation {
        id: format!("rslvr-autodefined-assoc-{vpc_id}-internet-resolver").into(),
        rule_id: INTERNET_RESOLVER_ID.into(),
        vpc_id: vpc_id.into(),
        name: Some("System Rule Association".into()),
        status: RuleAssociationStatus::Complete,
    }
}

/// The id of a VPC's resolver config: stable, derived from the VPC's (`vpc-0ab…` →
/// `rslvr-rc-0ab…`).
pub fn resolver_config_id(vpc_id: &str) -> String {
    format!("rslvr-rc-{}", vpc_id.strip_prefix("vpc-").unwrap_or(vpc_id))
}

/// The VPC's resolver config: the stored one, or the default (autodefined reverse on).
pub fn resolver_config(net: &NetworkContents, vpc_id: &str, owner: &str) -> VpcResolverConfig {
    net.resolver_configs
        .iter()
        .find(|c| c.resource_id == vpc_id)
        .cloned()
        .unwrap_or_else(|| VpcResolverConfig {
            resource_id: vpc_id.into(),
            autodefined_reverse: true,
            owner_account: owner.into(),
        })
}

/// Reads `AutodefinedReverseFlag`, with the enumeration's message for other values.
pub fn parse_autodefined_reverse_flag(text: &str) -> ResolverResult<AutodefinedReverseFlag> {
    AutodefinedReverseFlag::parse(text).ok_or_else(|| ResolverError::NotInEnumeration {
        field: Enumeration::AutodefinedReverseFlag,
        value: text.to_string(),
    })
}

/// UpdateResolverConfig for a VPC: `ENABLE` or `DISABLE` the autodefined reverse rules.
pub fn update_config(
    net: &NetworkContents,
    vpc_id: &str,
    flag: AutodefinedReverseFlag,
    owner: &str,
) -> ResolverResult<VpcResolverConfig> {
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| ResolverError::NoSuchVpc(vpc_id.to_string()))?;
    let enabled = match flag {
        AutodefinedReverseFlag::Enable => true,
        AutodefinedReverseFlag::Disable => false,
        AutodefinedReverseFlag::UseLocalResourceSetting => {
            return Err(ResolverError::LocalSettingForVpc);
        }
    };
    let _ = owner;
    Ok(VpcResolverConfig {
        resource_id: vpc_id.into(),
        autodefined_reverse: enabled,
        owner_account: vpc.owner_account.clone(),
    })
}
