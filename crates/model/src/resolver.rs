//! Route 53 Resolver and Route 53 Profiles: endpoints, rules, their VPC associations, per-VPC
//! resolver settings, and profiles that carry zones and rules to VPCs ([ROUTE53.md §6]).
//!
//! The control plane validates and stores these; the data plane compiles them into each VPC's
//! view. Every resource records its owner account and, where Route 53 has one, its share
//! status, so multi-account sharing can come later without a schema change.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::{Deserialize, Serialize};

pub use crate::id::{
    ProfileAssociationId, ProfileId, ProfileResourceAssociationId, ResolverEndpointId,
    ResolverRuleAssociationId, ResolverRuleId,
};
pub use crate::resolver_status::{
    EndpointDirection, EndpointStatus, IpAddressStatus, ProfileStatus, ResolverEndpointType,
    RuleAssociationStatus, RuleStatus, RuleType, ShareStatus,
};

/// One address of an endpoint (an ENI in AWS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointAddress {
    /// `IpId` (`rni-` + hex).
    pub ip_id: String,
    /// The subnet it sits in.
    pub subnet_id: String,
    /// IPv4 address, chosen or assigned from the subnet.
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// IPv6 address, chosen or assigned from the subnet's block.
    #[serde(default)]
    pub ipv6: Option<Ipv6Addr>,
    /// `ATTACHED` once usable (Route 53's IP statuses: CREATING, ATTACHING, ATTACHED, …).
    pub status: IpAddressStatus,
}

impl EndpointAddress {
    /// Every address, IPv4 first.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.ip
            .map(IpAddr::V4)
            .into_iter()
            .chain(self.ipv6.map(IpAddr::V6))
            .collect()
    }
}

/// A Resolver endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolverEndpoint {
    /// `rslvr-in-…` or `rslvr-out-…`.
    pub id: ResolverEndpointId,
    /// `CreatorRequestId` (idempotency).
    pub creator_request_id: String,
    /// `Name`, if given.
    #[serde(default)]
    pub name: Option<String>,
    /// Direction.
    pub direction: EndpointDirection,
    /// `HostVPCId`: the VPC of its subnets.
    pub host_vpc_id: String,
    /// `SecurityGroupIds`; inbound endpoints admit sources their ingress rules allow.
    pub security_group_ids: Vec<String>,
    /// Its addresses (2–6 in Route 53).
    pub addresses: Vec<EndpointAddress>,
    /// `ResolverEndpointType`: `IPV4`, `IPV6` or `DUALSTACK`.
    pub endpoint_type: ResolverEndpointType,
    /// `Protocols`: `Do53`, `DoH`, `DoH-FIPS`.
    pub protocols: Vec<String>,
    /// Inbound only: synthesize AAAA for queries arriving through it (RFC 6147).
    #[serde(default)]
    pub dns64_enabled: bool,
    /// `OPERATIONAL` once created.
    pub status: EndpointStatus,
    /// The owning account.
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// One target of a FORWARD rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAddress {
    /// `Ip`.
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// `Ipv6`.
    #[serde(default)]
    pub ipv6: Option<Ipv6Addr>,
    /// `Port` (53 when omitted).
    pub port: u16,
    /// `Protocol`: `Do53` (Cairn forwards Do53 only).
    pub protocol: String,
}

impl TargetAddress {
    /// The socket address queries go to.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.ip
            .map(IpAddr::V4)
            .or(self.ipv6.map(IpAddr::V6))
            .map(|ip| SocketAddr::new(ip, self.port))
    }
}

/// A Resolver rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolverRule {
    /// `rslvr-rr-…` (autodefined rules: `rslvr-autodefined-rr-…`).
    pub id: ResolverRuleId,
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `DomainName`: lowercase, with a trailing dot (`corp.example.`; `.` for every name).
    pub domain_name: String,
    /// `Name`, if given.
    #[serde(default)]
    pub name: Option<String>,
    /// Type.
    pub rule_type: RuleType,
    /// FORWARD targets.
    #[serde(default)]
    pub targets: Vec<TargetAddress>,
    /// FORWARD: the outbound endpoint queries leave through.
    #[serde(default)]
    pub resolver_endpoint_id: Option<ResolverEndpointId>,
    /// `COMPLETE` once created.
    pub status: RuleStatus,
    /// `NOT_SHARED` (Cairn does not share yet).
    pub share_status: ShareStatus,
    /// The owning account.
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// A rule's association with a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleAssociation {
    /// `rslvr-rrassoc-…`.
    pub id: ResolverRuleAssociationId,
    /// The rule.
    pub rule_id: ResolverRuleId,
    /// The VPC.
    pub vpc_id: String,
    /// `Name`, if given.
    #[serde(default)]
    pub name: Option<String>,
    /// `COMPLETE` once created.
    pub status: RuleAssociationStatus,
}

/// `AutodefinedReverseFlag` of UpdateResolverConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutodefinedReverseFlag {
    /// `ENABLE`.
    Enable,
    /// `DISABLE`.
    Disable,
    /// `USE_LOCAL_RESOURCE_SETTING` (Route 53 Profiles only).
    UseLocalResourceSetting,
}

impl AutodefinedReverseFlag {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "ENABLE",
            Self::Disable => "DISABLE",
            Self::UseLocalResourceSetting => "USE_LOCAL_RESOURCE_SETTING",
        }
    }

    /// Reads the wire text (exact case).
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Enable, Self::Disable, Self::UseLocalResourceSetting]
            .into_iter()
            .find(|flag| flag.as_str() == text)
    }
}

/// Per-VPC Resolver settings (`ResolverConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcResolverConfig {
    /// The VPC (or profile) it applies to.
    pub resource_id: String,
    /// `AutodefinedReverse`: whether the autodefined reverse zones are answered.
    pub autodefined_reverse: bool,
    /// The owning account.
    pub owner_account: String,
}

/// `Validation` of UpdateResolverDnssecConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnssecValidationFlag {
    /// `ENABLE`.
    Enable,
    /// `DISABLE`.
    Disable,
    /// `USE_LOCAL_RESOURCE_SETTING` (Route 53 Profiles only).
    UseLocalResourceSetting,
}

impl DnssecValidationFlag {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "ENABLE",
            Self::Disable => "DISABLE",
            Self::UseLocalResourceSetting => "USE_LOCAL_RESOURCE_SETTING",
        }
    }

    /// Reads the wire text (exact case).
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Enable, Self::Disable, Self::UseLocalResourceSetting]
            .into_iter()
            .find(|flag| flag.as_str() == text)
    }
}

/// Per-VPC DNSSEC validation (`ResolverDnssecConfig`, issue 18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcDnssecConfig {
    /// The VPC it applies to.
    pub resource_id: String,
    /// Whether the VPC's resolver validates public answers.
    pub validation: bool,
    /// The owning account.
    pub owner_account: String,
}

/// A Route 53 Profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// `rp-…`.
    pub id: ProfileId,
    /// `Name`.
    pub name: String,
    /// `ClientToken`.
    pub client_token: String,
    /// `NOT_SHARED` (Cairn does not share yet).
    pub share_status: ShareStatus,
    /// `COMPLETE` once created.
    pub status: ProfileStatus,
    /// The owning account.
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    pub modified_at_ms: i64,
}

/// A profile's association with a VPC (at most one profile per VPC in Route 53).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileAssociation {
    /// `rpassoc-…`.
    pub id: ProfileAssociationId,
    /// The profile.
    pub profile_id: ProfileId,
    /// The VPC (`ResourceId`).
    pub vpc_id: String,
    /// `Name`.
    pub name: String,
    /// `COMPLETE` once created.
    pub status: ProfileStatus,
    /// The owning account.
    pub owner_account: String,
    /// `Priority` (100 when not given).
    #[serde(default)]
    pub priority: Option<i32>,
    /// Creation time, ms since the epoch.
    #[serde(default)]
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    #[serde(default)]
    pub modified_at_ms: i64,
}

/// A resource a profile carries to its VPCs: a private hosted zone or a Resolver rule (or,
/// stored but not served, a firewall rule group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileResource {
    /// `rpr-…`.
    pub id: ProfileResourceAssociationId,
    /// The profile.
    pub profile_id: ProfileId,
    /// `ResourceArn`.
    pub resource_arn: String,
    /// `ResourceType`: `HOSTED_ZONE`, `RESOLVER_RULE`, `FIREWALL_RULE_GROUP`, …
    pub resource_type: String,
    /// The bare id parsed from the ARN (`Z…`, `rslvr-rr-…`).
    pub resource_id: String,
    /// `Name`.
    pub name: String,
    /// `COMPLETE` once created.
    pub status: ProfileStatus,
    /// `ResourceProperties` (JSON text, e.g. `{"priority": 102}` for firewall rule groups).
    #[serde(default)]
    pub resource_properties: Option<String>,
    /// The owning account.
    #[serde(default)]
    pub owner_account: String,
    /// Creation time, ms since the epoch.
    #[serde(default)]
    pub created_at_ms: i64,
    /// Last change, ms since the epoch.
    #[serde(default)]
    pub modified_at_ms: i64,
}
