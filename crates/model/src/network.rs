//! The networks Route 53 serves private DNS to: VPCs, their subnets and security groups
//! (the EC2 subset Route 53 needs), and the associations of private hosted zones with VPCs.
//!
//! The control plane validates and stores these; the data plane compiles them into one view
//! per VPC ([ROUTE53.md §5]). Ids look like AWS's (`vpc-` + 17 hex digits) so scripts that
//! check their shape keep working.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::HostedZoneId;

/// A VPC: an IPv4 network (and optionally an IPv6 one) whose resolver sees the private
/// hosted zones associated with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-` + 17 hex digits.
    pub id: String,
    /// The region it lives in (`VPCRegion`); Cairn keeps every VPC on the node's region
    /// unless the client names another.
    pub region: String,
    /// The 12-digit account that owns it.
    pub owner_account: String,
    /// The primary IPv4 CIDR block (/16 to /28).
    pub cidr_block: Ipv4Net,
    /// Further IPv4 blocks (AssociateVpcCidrBlock); empty for most VPCs.
    #[serde(default)]
    pub secondary_cidr_blocks: Vec<Ipv4Net>,
    /// The IPv6 block, if any.
    #[serde(default)]
    pub ipv6_cidr_block: Option<Ipv6Net>,
    /// `enableDnsSupport`: the VPC resolver answers at all (default true).
    pub enable_dns_support: bool,
    /// `enableDnsHostnames`: EC2 hostnames and private zones are resolved (default false for
    /// a VPC a client creates).
    pub enable_dns_hostnames: bool,
    /// Whether it is the account's default VPC.
    #[serde(default)]
    pub is_default: bool,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

impl Vpc {
    /// The VPC resolver's address: the primary block's base + 2 (10.0.0.2 for 10.0.0.0/16).
    pub fn resolver_address(&self) -> Ipv4Addr {
        plus_two(self.cidr_block)
    }

    /// Every block of the VPC, IPv4 then IPv6.
    pub fn cidr_blocks(&self) -> Vec<IpNet> {
        let mut blocks: Vec<IpNet> = vec![self.cidr_block.into()];
        blocks.extend(self.secondary_cidr_blocks.iter().map(|b| IpNet::from(*b)));
        blocks.extend(self.ipv6_cidr_block.map(IpNet::from));
        blocks
    }

    /// Whether `addr` lies in one of the VPC's blocks.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.cidr_blocks().iter().any(|b| b.contains(&addr))
    }
}

/// The base of `block` + 2, as AWS places the resolver.
pub fn plus_two(block: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(block.network()).wrapping_add(2))
}

/// A subnet of a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-` + 17 hex digits.
    pub id: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// Its IPv4 block, inside one of the VPC's.
    pub cidr_block: Ipv4Net,
    /// Its IPv6 block, inside the VPC's, if any.
    #[serde(default)]
    pub ipv6_cidr_block: Option<Ipv6Net>,
    /// `AvailabilityZone` (the region + a letter).
    pub availability_zone: String,
    /// `EnableDns64`: the resolver synthesizes AAAA for clients in this subnet (RFC 6147).
    #[serde(default)]
    pub enable_dns64: bool,
    /// A default VPC's subnet for its zone (`defaultForAz`; such subnets map public IPs on
    /// launch, as EC2's do).
    #[serde(default)]
    pub default_for_az: bool,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// A security group: which sources may reach what an endpoint listens on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-` + 17 hex digits.
    pub id: String,
    /// `GroupName`, unique in its VPC.
    pub name: String,
    /// `GroupDescription`.
    pub description: String,
    /// The VPC it belongs to.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// Ingress rules (AuthorizeSecurityGroupIngress).
    #[serde(default)]
    pub ingress: Vec<IngressRule>,
    /// Egress rules (AuthorizeSecurityGroupEgress). Kept and described, not enforced: what a
    /// Resolver endpoint sends is not filtered. A group stored before egress rules were kept
    /// has EC2's default, everything out.
    #[serde(default = "IngressRule::all_out")]
    pub egress: Vec<IngressRule>,
}

/// One ingress permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressRule {
    /// `IpProtocol`: `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: String,
    /// `FromPort` (absent for `-1`).
    #[serde(default)]
    pub from_port: Option<i32>,
    /// `ToPort` (absent for `-1`).
    #[serde(default)]
    pub to_port: Option<i32>,
    /// Source blocks (`IpRanges` and `Ipv6Ranges`).
    #[serde(default)]
    pub sources: Vec<IpNet>,
    /// Source security groups (`UserIdGroupPairs`).
    #[serde(default)]
    pub source_groups: Vec<String>,
}

impl IngressRule {
    /// The egress a new group has on EC2: all protocols to 0.0.0.0/0.
    pub fn all_out() -> Vec<IngressRule> {
        vec![IngressRule {
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            sources: vec![IpNet::V4(Ipv4Net::default())],
            source_groups: Vec::new(),
        }]
    }

    /// Whether this rule lets `source` reach `port` over `protocol` (`"tcp"` or `"udp"`).
    pub fn admits(&self, protocol: &str, port: u16, source: IpAddr) -> bool {
        let protocol_ok = self.protocol == "-1" || self.protocol.eq_ignore_ascii_case(protocol);
        let port_ok = match (self.from_port, self.to_port) {
            _ if self.protocol == "-1" => true,
            (Some(from), Some(to)) => (from..=to).contains(&i32::from(port)) || from == -1,
            _ => true,
        };
        protocol_ok && port_ok && self.sources.iter().any(|net| net.contains(&source))
    }
}

/// A private hosted zone's association with a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcAssociation {
    /// The private hosted zone.
    pub zone_id: HostedZoneId,
    /// The VPC.
    pub vpc_id: String,
    /// The VPC's region as the association names it.
    pub vpc_region: String,
}

/// Everything about networks the data plane needs, loaded in one piece (it is small next to
/// the zones): VPCs, subnets, security groups and private-zone associations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkContents {
    /// Every VPC.
    pub vpcs: Vec<Vpc>,
    /// Every subnet.
    pub subnets: Vec<Subnet>,
    /// Every security group.
    pub security_groups: Vec<SecurityGroup>,
    /// Every private-zone association.
    pub associations: Vec<VpcAssociation>,
    /// Every Resolver endpoint (issue 5).
    #[serde(default)]
    pub endpoints: Vec<crate::resolver::ResolverEndpoint>,
    /// Every Resolver rule.
    #[serde(default)]
    pub rules: Vec<crate::resolver::ResolverRule>,
    /// Every rule association.
    #[serde(default)]
    pub rule_associations: Vec<crate::resolver::RuleAssociation>,
    /// Per-VPC Resolver settings that differ from the defaults.
    #[serde(default)]
    pub resolver_configs: Vec<crate::resolver::VpcResolverConfig>,
    /// Per-VPC DNSSEC validation settings that differ from the default (off).
    #[serde(default)]
    pub resolver_dnssec_configs: Vec<crate::resolver::VpcDnssecConfig>,
    /// Every Route 53 Profile.
    #[serde(default)]
    pub profiles: Vec<crate::resolver::Profile>,
    /// Every profile association.
    #[serde(default)]
    pub profile_associations: Vec<crate::resolver::ProfileAssociation>,
    /// Every resource carried by a profile.
    #[serde(default)]
    pub profile_resources: Vec<crate::resolver::ProfileResource>,
    /// Every Resolver query log config (issue 13).
    #[serde(default)]
    pub query_log_configs: Vec<crate::query_log::QueryLogConfig>,
    /// Every query log config's VPC association: the VPCs whose queries are logged.
    #[serde(default)]
    pub query_log_associations: Vec<crate::query_log::QueryLogAssociation>,
    /// Every Route 53 public DNS query logging config (one per public zone).
    #[serde(default)]
    pub public_query_log_configs: Vec<crate::query_log::PublicQueryLogConfig>,
}
