//! The rules EC2 applies to the network resources Cairn keeps ([`crate::network`]): CIDR
//! sizes and containment, subnet overlap, availability zones, ingress permissions.
//!
//! Every refusal is a [`NetworkError`] carrying the ids and values involved; the API gives
//! it EC2's code and message (`cairn_api::error`), and the store runs the same checks inside
//! its transaction.

use ipnet::{Ipv4Net, Ipv6Net};

use crate::network::{IngressRule, SecurityGroup, Subnet, Vpc};

/// Smallest prefix length (largest block) EC2 accepts for a VPC or subnet.
pub const MIN_PREFIX: u8 = 16;
/// Largest prefix length (smallest block) EC2 accepts for a VPC or subnet.
pub const MAX_PREFIX: u8 = 28;

/// A network request EC2 would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// A VPC block outside /16–/28.
    #[error("VPC block {0} is outside /16–/28")]
    InvalidVpcRange(String),
    /// A subnet block outside /16–/28 or outside its VPC.
    #[error("subnet block {0} is outside /16–/28 or its VPC")]
    InvalidSubnetRange(String),
    /// A subnet block overlapping another subnet of the VPC.
    #[error("subnet block {0} overlaps another subnet")]
    SubnetConflict(String),
    /// Any other malformed value (`InvalidParameterValue`), by the rule it breaks.
    #[error(transparent)]
    InvalidParameterValue(#[from] InvalidValue),
    /// No VPC with this id (in the region asked).
    #[error("no VPC {0}")]
    NoSuchVpc(String),
    /// No subnet with this id.
    #[error("no subnet {0}")]
    NoSuchSubnet(String),
    /// No security group with this id.
    #[error("no security group {0}")]
    NoSuchSecurityGroup(String),
    /// `GroupName` is taken in the VPC.
    #[error("security group {name} exists in VPC {vpc_id}")]
    SecurityGroupExists {
        /// The name asked for.
        name: String,
        /// The VPC.
        vpc_id: String,
    },
    /// The ingress permission exists already.
    #[error("duplicate rule {0:?}")]
    DuplicatePermission(Box<IngressRule>),
    /// A revoked permission the group does not hold (or a rule id it has not).
    #[error("no such rule")]
    PermissionNotFound,
    /// The VPC still holds subnets or security groups other than its default.
    #[error("VPC {0} has dependencies")]
    VpcHasDependencies(String),
    /// Another group's rules name this security group.
    #[error("security group {0} has dependents")]
    GroupHasDependents(String),
    /// A VPC's default security group, which may not be deleted.
    #[error("security group {0} is a default group")]
    DefaultGroup(String),
}

/// A value EC2 refuses as `InvalidParameterValue`: one variant per rule, carrying the
/// values involved (EC2's sentences are the API's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    /// `value` is not a CIDR block without host bits; `parameter` as EC2 names it.
    #[error("{parameter}: {value} is not a CIDR block")]
    CidrBlock {
        /// The text given.
        value: String,
        /// The parameter (`cidrBlock`, `CidrIp`, ...).
        parameter: String,
    },
    /// An availability zone that is not the region followed by one letter.
    #[error("availability zone {zone} is not in {region}")]
    AvailabilityZone {
        /// The zone asked for.
        zone: String,
        /// The VPC's region.
        region: String,
    },
    /// An `IpProtocol` that is neither a known name nor a number.
    #[error("unknown IP protocol {0}")]
    UnknownProtocol(String),
    /// A TCP or UDP permission without both ports; the protocol.
    #[error("{0} needs both ports")]
    MissingPorts(String),
    /// Ports outside 0–65535 or `from > to`.
    #[error("port range {from}:{to} is invalid")]
    PortRange {
        /// `FromPort`.
        from: i32,
        /// `ToPort`.
        to: i32,
    },
    /// A permission with no source range or group.
    #[error("a permission needs a source")]
    NoPermissionSource,
}

/// Parses an IPv4 block as EC2 reads `CidrBlock` (`parameter` names it in the message).
/// Host bits must be zero.
pub fn parse_ipv4_block(text: &str, parameter: &str) -> Result<Ipv4Net, NetworkError> {
    let invalid = || {
        NetworkError::from(InvalidValue::CidrBlock {
            value: text.to_string(),
            parameter: parameter.to_string(),
        })
    };
    let net: Ipv4Net = text.trim().parse().map_err(|_| invalid())?;
    if net.network() != net.addr() {
        return Err(invalid());
    }
    Ok(net)
}

/// Parses an IPv6 block (`Ipv6CidrBlock`, `CidrIpv6`); host bits must be zero.
pub fn parse_ipv6_block(text: &str, parameter: &str) -> Result<Ipv6Net, NetworkError> {
    let invalid = || {
        NetworkError::from(InvalidValue::CidrBlock {
            value: text.to_string(),
            parameter: parameter.to_string(),
        })
    };
    let net: Ipv6Net = text.trim().parse().map_err(|_| invalid())?;
    if net.network() != net.addr() {
        return Err(invalid());
    }
    Ok(net)
}

/// A VPC's primary block must be /16 to /28.
pub fn check_vpc_block(block: Ipv4Net) -> Result<(), NetworkError> {
    if (MIN_PREFIX..=MAX_PREFIX).contains(&block.prefix_len()) {
        Ok(())
    } else {
        Err(NetworkError::InvalidVpcRange(block.to_string()))
    }
}

/// A new subnet's block: /16 to /28, inside one of the VPC's IPv4 blocks, overlapping no
/// subnet in `existing` of the same VPC.
pub fn check_subnet_block(
    vpc: &Vpc,
    existing: &[Subnet],
    block: Ipv4Net,
) -> Result<(), NetworkError> {
    let inside = std::iter::once(&vpc.cidr_block)
        .chain(vpc.secondary_cidr_blocks.iter())
        .any(|vpc_block| vpc_block.contains(&block));
    if !(MIN_PREFIX..=MAX_PREFIX).contains(&block.prefix_len()) || !inside {
        return Err(NetworkError::InvalidSubnetRange(block.to_string()));
    }
    let conflict = existing
        .iter()
        .filter(|s| s.vpc_id == vpc.id)
        .any(|s| s.cidr_block.contains(&block) || block.contains(&s.cidr_block));
    if conflict {
        return Err(NetworkError::SubnetConflict(block.to_string()));
    }
    Ok(())
}

/// A subnet's IPv6 block must be a /64 inside the VPC's IPv6 block.
pub fn check_subnet_ipv6_block(vpc: &Vpc, block: Ipv6Net) -> Result<(), NetworkError> {
    match vpc.ipv6_cidr_block {
        Some(vpc_block) if block.prefix_len() == 64 && vpc_block.contains(&block) => Ok(()),
        _ => Err(NetworkError::InvalidSubnetRange(block.to_string())),
    }
}

/// The availability zone a subnet lands in: `requested`, which must be the region followed
/// by one letter, or the region's first zone (`us-east-1a`).
pub fn availability_zone(region: &str, requested: Option<&str>) -> Result<String, NetworkError> {
    let Some(zone) = requested else {
        return Ok(format!("{region}a"));
    };
    let letter = zone
        .strip_prefix(region)
        .filter(|rest| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase()));
    match letter {
        Some(_) => Ok(zone.to_string()),
        None => Err(InvalidValue::AvailabilityZone {
            zone: zone.to_string(),
            region: region.to_string(),
        }
        .into()),
    }
}

/// Normalises `IpProtocol` as EC2 stores it: names lowercased, the protocol numbers of
/// tcp (6), udp (17), icmp (1) and icmpv6 (58) named, `all` and `-1` as `-1`.
pub fn normalize_protocol(text: &str) -> Result<String, NetworkError> {
    let lower = text.trim().to_ascii_lowercase();
    let named = match lower.as_str() {
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "icmpv6" | "58" => "icmpv6",
        "-1" | "all" => "-1",
        other if other.parse::<u8>().is_ok() => return Ok(other.to_string()),
        _ => return Err(InvalidValue::UnknownProtocol(text.to_string()).into()),
    };
    Ok(named.to_string())
}

/// Checks one ingress permission as AuthorizeSecurityGroupIngress does: ports for tcp and
/// udp in 0–65535 with `from <= to`, at least one source.
pub fn check_ingress_rule(rule: &IngressRule) -> Result<(), NetworkError> {
    if matches!(rule.protocol.as_str(), "tcp" | "udp") {
        let (Some(from), Some(to)) = (rule.from_port, rule.to_port) else {
            return Err(InvalidValue::MissingPorts(rule.protocol.clone()).into());
        };
        if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) || from > to {
            return Err(InvalidValue::PortRange { from, to }.into());
        }
    }
    if rule.sources.is_empty() && rule.source_groups.is_empty() {
        return Err(InvalidValue::NoPermissionSource.into());
    }
    Ok(())
}

/// Whether `rule` grants nothing `existing` does not already: the same protocol and ports,
/// and every source already there (EC2's `InvalidPermission.Duplicate`).
pub fn is_duplicate_rule(existing: &[IngressRule], rule: &IngressRule) -> bool {
    existing.iter().any(|old| {
        old.protocol == rule.protocol
            && old.from_port == rule.from_port
            && old.to_port == rule.to_port
            && rule.sources.iter().all(|s| old.sources.contains(s))
            && rule
                .source_groups
                .iter()
                .all(|g| old.source_groups.contains(g))
    })
}

/// An ingress rule `group` may take: refused when it grants nothing new.
pub fn check_new_permission(group: &SecurityGroup, rule: &IngressRule) -> Result<(), NetworkError> {
    check_new_rule(&group.ingress, rule)
}

/// A rule that may join `existing` (a group's ingress or egress): refused when it grants
/// nothing new.
pub fn check_new_rule(existing: &[IngressRule], rule: &IngressRule) -> Result<(), NetworkError> {
    if is_duplicate_rule(existing, rule) {
        return Err(NetworkError::DuplicatePermission(Box::new(rule.clone())));
    }
    Ok(())
}

/// Takes `rule`'s grants out of `rules`, as RevokeSecurityGroupIngress/Egress do: every
/// source range and group of `rule` must be held by a rule of the same protocol and ports
/// (else `InvalidPermission.NotFound`, and nothing changes); a rule left with no source goes.
pub fn revoke_permission(
    rules: &mut Vec<IngressRule>,
    rule: &IngressRule,
) -> Result<(), NetworkError> {
    let mut kept = rules.clone();
    let same = |old: &IngressRule| {
        old.protocol == rule.protocol
            && old.from_port == rule.from_port
            && old.to_port == rule.to_port
    };
    for source in &rule.sources {
        let held = kept
            .iter_mut()
            .find(|old| same(old) && old.sources.contains(source))
            .ok_or(NetworkError::PermissionNotFound)?;
        held.sources.retain(|s| s != source);
    }
    for group in &rule.source_groups {
        let held = kept
            .iter_mut()
            .find(|old| same(old) && old.source_groups.contains(group))
            .ok_or(NetworkError::PermissionNotFound)?;
        held.source_groups.retain(|g| g != group);
    }
    kept.retain(|old| !old.sources.is_empty() || !old.source_groups.is_empty());
    *rules = kept;
    Ok(())
}

/// A VPC may be deleted once it holds no subnet and no security group but its default.
pub fn check_vpc_deletable(
    vpc_id: &str,
    subnets: u64,
    non_default_groups: u64,
) -> Result<(), NetworkError> {
    if subnets > 0 || non_default_groups > 0 {
        return Err(NetworkError::VpcHasDependencies(vpc_id.to_string()));
    }
    Ok(())
}

/// A security group may be deleted unless it is a default group or another group's rules
/// name it (`others` are the other groups).
pub fn check_group_deletable(
    group: &SecurityGroup,
    others: &[SecurityGroup],
) -> Result<(), NetworkError> {
    if group.name == "default" {
        return Err(NetworkError::DefaultGroup(group.id.clone()));
    }
    let referenced = others.iter().filter(|g| g.id != group.id).any(|g| {
        g.ingress
            .iter()
            .chain(&g.egress)
            .any(|r| r.source_groups.contains(&group.id))
    });
    if referenced {
        return Err(NetworkError::GroupHasDependents(group.id.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc(block: &str) -> Vpc {
        Vpc {
            id: "vpc-1".into(),
            region: "us-east-1".into(),
            owner_account: "111111111111".into(),
            cidr_block: block.parse().expect("block"),
            secondary_cidr_blocks: Vec::new(),
            ipv6_cidr_block: None,
            enable_dns_support: true,
            enable_dns_hostnames: false,
            is_default: false,
            created_at_ms: 0,
        }
    }

    fn subnet(block: &str) -> Subnet {
        Subnet {
            id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            owner_account: "111111111111".into(),
            cidr_block: block.parse().expect("block"),
            ipv6_cidr_block: None,
            availability_zone: "us-east-1a".into(),
            enable_dns64: false,
            default_for_az: false,
            created_at_ms: 0,
        }
    }

    #[test]
    fn vpc_blocks_are_16_to_28() {
        assert!(check_vpc_block("10.0.0.0/16".parse().expect("net")).is_ok());
        assert!(check_vpc_block("10.0.0.0/28".parse().expect("net")).is_ok());
        let err = check_vpc_block("10.0.0.0/8".parse().expect("net")).expect_err("too big");
        // EC2's code and words for it are the API's (crates/api/tests/domain_errors.rs).
        assert_eq!(err, NetworkError::InvalidVpcRange("10.0.0.0/8".into()));
        assert!(check_vpc_block("10.0.0.0/29".parse().expect("net")).is_err());
    }

    #[test]
    fn blocks_must_have_no_host_bits() {
        assert!(parse_ipv4_block("10.0.0.0/16", "cidrBlock").is_ok());
        let err = parse_ipv4_block("10.0.0.1/16", "cidrBlock").expect_err("host bits");
        assert_eq!(
            err,
            NetworkError::InvalidParameterValue(InvalidValue::CidrBlock {
                value: "10.0.0.1/16".into(),
                parameter: "cidrBlock".into()
            })
        );
        assert!(parse_ipv4_block("bogus", "cidrBlock").is_err());
    }

    #[test]
    fn subnets_lie_inside_the_vpc_and_do_not_overlap() {
        let v = vpc("10.0.0.0/16");
        let existing = [subnet("10.0.1.0/24")];
        assert!(check_subnet_block(&v, &existing, "10.0.2.0/24".parse().expect("net")).is_ok());
        let outside = check_subnet_block(&v, &existing, "10.1.0.0/24".parse().expect("net"));
        assert_eq!(
            outside,
            Err(NetworkError::InvalidSubnetRange("10.1.0.0/24".into()))
        );
        let overlap = check_subnet_block(&v, &existing, "10.0.0.0/20".parse().expect("net"));
        assert_eq!(
            overlap,
            Err(NetworkError::SubnetConflict("10.0.0.0/20".into()))
        );
        let same = check_subnet_block(&v, &existing, "10.0.1.0/24".parse().expect("net"));
        assert_eq!(
            same,
            Err(NetworkError::SubnetConflict("10.0.1.0/24".into()))
        );
    }

    #[test]
    fn availability_zones_follow_the_region() {
        assert_eq!(
            availability_zone("us-east-1", None).expect("default"),
            "us-east-1a"
        );
        assert_eq!(
            availability_zone("us-east-1", Some("us-east-1c")).expect("ok"),
            "us-east-1c"
        );
        assert!(availability_zone("us-east-1", Some("eu-west-1a")).is_err());
    }

    #[test]
    fn ingress_rules_are_checked_and_deduplicated() {
        assert_eq!(normalize_protocol("TCP").expect("tcp"), "tcp");
        assert_eq!(normalize_protocol("17").expect("udp"), "udp");
        assert!(normalize_protocol("bogus").is_err());
        let rule = IngressRule {
            protocol: "udp".into(),
            from_port: Some(53),
            to_port: Some(53),
            sources: vec!["10.0.0.0/8".parse().expect("net")],
            source_groups: Vec::new(),
        };
        assert!(check_ingress_rule(&rule).is_ok());
        let backwards = IngressRule {
            from_port: Some(60),
            to_port: Some(53),
            ..rule.clone()
        };
        assert!(check_ingress_rule(&backwards).is_err());
        assert!(is_duplicate_rule(std::slice::from_ref(&rule), &rule));
        let other = IngressRule {
            to_port: Some(54),
            ..rule.clone()
        };
        assert!(!is_duplicate_rule(std::slice::from_ref(&rule), &other));
    }
}
