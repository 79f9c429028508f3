//! Each VPC's DNSSEC validation config (Get/Update/ListResolverDnssecConfig(s), issue 18).

use crate::network::NetworkContents;
use crate::resolver::{DnssecValidationFlag, VpcDnssecConfig};

use super::{Enumeration, ResolverError, ResolverResult};

/// The id of a VPC's DNSSEC config: stable, derived from the VPC's (`vpc-0ab…` →
/// `rdsc-0ab…`, the prefix AWS uses).
pub fn dnssec_config_id(vpc_id: &str) -> String {
    format!("rdsc-{}", vpc_id.strip_prefix("vpc-").unwrap_or(vpc_id))
}

/// The VPC's DNSSEC config: the stored one, or the default (validation off).
pub fn dnssec_config(net: &NetworkContents, vpc_id: &str, owner: &str) -> VpcDnssecConfig {
    net.resolver_dnssec_configs
        .iter()
        .find(|c| c.resource_id == vpc_id)
        .cloned()
        .unwrap_or_else(|| VpcDnssecConfig {
            resource_id: vpc_id.into(),
            validation: false,
            owner_account: owner.into(),
        })
}

/// Reads `Validation`, with the enumeration's message for other values.
pub fn parse_dnssec_validation_flag(text: &str) -> ResolverResult<DnssecValidationFlag> {
    DnssecValidationFlag::parse(text).ok_or_else(|| ResolverError::NotInEnumeration {
        field: Enumeration::Validation,
        value: text.to_string(),
    })
}

/// UpdateResolverDnssecConfig for a VPC: `ENABLE` or `DISABLE` validation.
pub fn update_dnssec_config(
    net: &NetworkContents,
    vpc_id: &str,
    flag: DnssecValidationFlag,
) -> ResolverResult<VpcDnssecConfig> {
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| ResolverError::NoSuchVpc(vpc_id.to_string()))?;
    let validation = match flag {
        DnssecValidationFlag::Enable => true,
        DnssecValidationFlag::Disable => false,
        DnssecValidationFlag::UseLocalResourceSetting => {
            return Err(ResolverError::LocalSettingForVpc);
        }
    };
    Ok(VpcDnssecConfig {
        resource_id: vpc_id.into(),
        validation,
        owner_account: vpc.owner_account.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Vpc;

    fn net_with_vpc() -> NetworkContents {
        let mut net = NetworkContents::default();
        net.vpcs.push(Vpc {
            id: "vpc-0abc".into(),
            region: "us-east-1".into(),
            owner_account: "111122223333".into(),
            cidr_block: "10.0.0.0/16".parse().unwrap(),
            secondary_cidr_blocks: Vec::new(),
            ipv6_cidr_block: None,
            enable_dns_support: true,
            enable_dns_hostnames: true,
            is_default: false,
            created_at_ms: 0,
        });
        net
    }

    #[test]
    fn default_is_off_and_updates_are_checked() {
        let mut net = net_with_vpc();
        let config = dnssec_config(&net, "vpc-0abc", "111122223333");
        assert!(!config.validation);
        assert_eq!(dnssec_config_id("vpc-0abc"), "rdsc-0abc");
        let on = update_dnssec_config(&net, "vpc-0abc", DnssecValidationFlag::Enable).unwrap();
        assert!(on.validation);
        assert_eq!(on.owner_account, "111122223333");
        net.resolver_dnssec_configs.push(on);
        assert!(dnssec_config(&net, "vpc-0abc", "x").validation);
        assert_eq!(
            update_dnssec_config(&net, "vpc-nope", DnssecValidationFlag::Enable),
            Err(ResolverError::NoSuchVpc("vpc-nope".into()))
        );
        assert_eq!(
            update_dnssec_config(
                &net,
                "vpc-0abc",
                DnssecValidationFlag::UseLocalResourceSetting
            ),
            Err(ResolverError::LocalSettingForVpc)
        );
        assert!(parse_dnssec_validation_flag("enable").is_err());
    }
}
