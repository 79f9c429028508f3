//! [`ResolverError`]: why Resolver or Profiles refused a write, one variant per rule,
//! carrying the ids and values involved. The API words each (`cairn_api::error::resolver`)
//! and names its exception from [`ResolverError::kind`].

use std::net::IpAddr;

use ipnet::IpNet;

use crate::resolver::EndpointDirection;

/// Which Resolver/Profiles exception a refusal is (the API gives each its code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolverErrorKind {
    /// `InvalidParameterException`: a value is malformed.
    InvalidParameter,
    /// `InvalidRequestException`: the request cannot be done in this state.
    InvalidRequest,
    /// `ResourceNotFoundException`.
    ResourceNotFound,
    /// `ResourceExistsException`.
    ResourceExists,
    /// `ResourceInUseException`.
    ResourceInUse,
    /// `LimitExceededException`.
    LimitExceeded,
    /// `ValidationException` (Profiles).
    Validation,
    /// `ConflictException` (Profiles).
    Conflict,
}

/// A field whose value must be one of an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enumeration {
    /// `AutodefinedReverseFlag`.
    AutodefinedReverseFlag,
    /// An endpoint's `Direction`.
    Direction,
    /// `ResolverEndpointType`.
    EndpointType,
    /// An endpoint's `Protocols`.
    Protocol,
    /// A rule's `RuleType`.
    RuleType,
    /// `Validation` of UpdateResolverDnssecConfig.
    Validation,
}

/// A write Resolver or Profiles refuses. Ids are as given (`String`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolverError {
    // ---- values (InvalidParameterException unless said) ----
    /// A `Name` outside the pattern; `kind` is the exception of the service asked
    /// (`Validation` for Profiles).
    #[error("invalid name {name:?}")]
    InvalidName {
        /// The name.
        name: String,
        /// The exception.
        kind: ResolverErrorKind,
    },
    /// A domain name that does not parse (or needs escapes).
    #[error("invalid domain name {0:?}")]
    InvalidDomainName(String),
    /// Text that is not an IPv4 address.
    #[error("invalid IPv4 address {0:?}")]
    InvalidIpv4(String),
    /// Text that is not an IPv6 address.
    #[error("invalid IPv6 address {0:?}")]
    InvalidIpv6(String),
    /// A value outside its field's enumeration.
    #[error("{value:?} is not a valid {field:?}")]
    NotInEnumeration {
        /// The field.
        field: Enumeration,
        /// The value given.
        value: String,
    },
    /// `INBOUND_DELEGATION`, which Cairn does not support yet.
    #[error("INBOUND_DELEGATION is not supported")]
    DelegationEndpoint,
    /// `USE_LOCAL_RESOURCE_SETTING` for a VPC.
    #[error("USE_LOCAL_RESOURCE_SETTING is for profiles only")]
    LocalSettingForVpc,
    /// An address in a subnet that does not exist.
    #[error("no subnet {0}")]
    NoSuchSubnet(String),
    /// No `SecurityGroupIds`.
    #[error("no security group")]
    NoSecurityGroup,
    /// A security group id not shaped `sg-…`.
    #[error("malformed security group id {0}")]
    MalformedSecurityGroupId(String),
    /// A security group that does not exist.
    #[error("no security group {0}")]
    NoSuchSecurityGroup(String),
    /// Fewer addresses than an endpoint needs.
    #[error("too few addresses")]
    TooFewAddresses,
    /// DisassociateResolverEndpointIpAddress naming no address.
    #[error("no address named")]
    NoAddressNamed,
    /// A target with neither or both of `Ip` and `Ipv6`.
    #[error("a target needs one of Ip and Ipv6")]
    TargetAddress,
    /// A target port outside 0–65535.
    #[error("port {0} is out of range")]
    TargetPort(i64),
    /// A `ClientToken` used by another profile.
    #[error("client token {0} already used")]
    ClientTokenReused(String),
    /// A resource ARN a profile cannot take.
    #[error("invalid resource ARN {0}")]
    InvalidResourceArn(String),

    // ---- InvalidRequestException ----
    /// A protocol combination the direction does not allow.
    #[error("protocols {protocols:?} are not allowed for {direction:?} endpoints")]
    ProtocolCombination {
        /// The endpoint's direction.
        direction: EndpointDirection,
        /// The protocols, as given.
        protocols: Vec<String>,
    },
    /// An address outside its subnet's block (IPv4 or IPv6).
    #[error("{ip} is not in {block} of {subnet}")]
    AddressOutsideSubnet {
        /// The address.
        ip: IpAddr,
        /// The subnet's block of that family.
        block: IpNet,
        /// The subnet.
        subnet: String,
    },
    /// An address AWS reserves in its subnet.
    #[error("{ip} is reserved in {subnet}")]
    AddressReserved {
        /// The address.
        ip: IpAddr,
        /// The subnet's block of that family.
        block: IpNet,
        /// The subnet.
        subnet: String,
    },
    /// No free address of the family left in the subnet.
    #[error("subnet {subnet} is full")]
    SubnetFull {
        /// The subnet.
        subnet: String,
        /// Whether an IPv6 address was wanted.
        ipv6: bool,
    },
    /// An IPv6 address asked of a subnet without an IPv6 block.
    #[error("subnet {0} has no IPv6 block")]
    SubnetWithoutIpv6(String),
    /// `Ip` given to an IPV6 endpoint.
    #[error("an IPV6 endpoint takes no Ip")]
    Ipv4OnIpv6Endpoint,
    /// `Ipv6` given to an IPV4 endpoint.
    #[error("an IPV4 endpoint takes no Ipv6")]
    Ipv6OnIpv4Endpoint,
    /// Subnets in more than one VPC.
    #[error("subnets in several VPCs")]
    SubnetsInSeveralVpcs,
    /// `Dns64Enabled` on an outbound endpoint.
    #[error("DNS64 on an outbound endpoint")]
    Dns64Outbound,
    /// A security group outside the endpoint's VPC.
    #[error("security group {group} is not in VPC {vpc}")]
    SecurityGroupOutsideVpc {
        /// The group.
        group: String,
        /// The endpoint's VPC.
        vpc: String,
    },
    /// An endpoint's subnet that is gone.
    #[error("subnet {0} is gone")]
    SubnetGone(String),
    /// An endpoint type change other than IPV4 ↔ DUALSTACK.
    #[error("endpoint type cannot change from {from} to {to}")]
    EndpointTypeChange {
        /// The current type.
        from: String,
        /// The type asked for.
        to: String,
    },
    /// An inbound endpoint going from Do53 only to DoH only at once.
    #[error("Do53 only to DoH only at once")]
    Do53ToDohAtOnce,
    /// A new address in a subnet outside the endpoint's VPC.
    #[error("subnet {subnet} is not in VPC {vpc}")]
    SubnetOutsideVpc {
        /// The subnet.
        subnet: String,
        /// The endpoint's VPC.
        vpc: String,
    },
    /// Removing an address would leave too few.
    #[error("an endpoint keeps its minimum of addresses")]
    LastAddresses,
    /// A rule forwarding through an endpoint that is not outbound.
    #[error("rules need an outbound endpoint")]
    RuleOnInboundEndpoint,
    /// A FORWARD rule without targets.
    #[error("a FORWARD rule needs targets")]
    NoTargets,
    /// A target protocol the endpoint does not have.
    #[error("protocol {protocol} is not on endpoint {endpoint}")]
    ProtocolNotOnEndpoint {
        /// The protocol.
        protocol: String,
        /// The endpoint.
        endpoint: String,
    },
    /// No target protocol while the endpoint has several.
    #[error("the target needs a protocol")]
    TargetProtocolRequired,
    /// IPv4 and IPv6 targets in one rule.
    #[error("mixed target families")]
    MixedTargetFamilies,
    /// A RECURSIVE rule asked for.
    #[error("RECURSIVE rules are Resolver's")]
    RecursiveRule,
    /// A DELEGATE rule, which Cairn does not support yet.
    #[error("DELEGATE rules are not supported")]
    DelegateRule,
    /// A FORWARD or SYSTEM rule without `DomainName`.
    #[error("DomainName is required")]
    DomainNameRequired,
    /// A FORWARD rule without `ResolverEndpointId`.
    #[error("a FORWARD rule needs an endpoint")]
    EndpointRequired,
    /// Targets on a SYSTEM rule.
    #[error("a SYSTEM rule has no targets")]
    SystemRuleTargets,
    /// A write to an autodefined rule.
    #[error("autodefined rule {0}")]
    AutodefinedRule(String),
    /// The VPC has a rule for the same domain.
    #[error("VPC {vpc} has rule {existing} for {domain}")]
    SameDomainRule {
        /// The VPC.
        vpc: String,
        /// The rule associated already.
        existing: String,
        /// Their domain.
        domain: String,
    },
    /// The rule forwards to an inbound endpoint of the VPC.
    #[error("rule {rule} would loop in VPC {vpc}")]
    RuleLoop {
        /// The rule.
        rule: String,
        /// The VPC.
        vpc: String,
    },

    // ---- ResourceNotFoundException ----
    /// No rule with this id.
    #[error("no rule {0}")]
    NoSuchRule(String),
    /// No endpoint with this id.
    #[error("no endpoint {0}")]
    NoSuchEndpoint(String),
    /// No rule association with this id.
    #[error("no rule association {0}")]
    NoSuchRuleAssociation(String),
    /// No VPC with this id.
    #[error("no VPC {0}")]
    NoSuchVpc(String),
    /// No profile with this id.
    #[error("no profile {0}")]
    NoSuchProfile(String),
    /// The address is not one of this endpoint's.
    #[error("address not on endpoint {0}")]
    AddressNotAssociated(String),
    /// The rule is not associated with the VPC.
    #[error("rule {rule} is not associated with {vpc}")]
    RuleNotAssociated {
        /// The rule.
        rule: String,
        /// The VPC.
        vpc: String,
    },
    /// The profile is not associated with the VPC.
    #[error("profile {profile} is not associated with {vpc}")]
    ProfileNotAssociated {
        /// The profile.
        profile: String,
        /// The VPC.
        vpc: String,
    },
    /// The resource an ARN names does not exist.
    #[error("no {resource_type} {resource_id}")]
    NoSuchProfileResource {
        /// `HOSTED_ZONE`, `RESOLVER_RULE` or `FIREWALL_RULE_GROUP`.
        resource_type: String,
        /// The bare id.
        resource_id: String,
        /// The ARN.
        arn: String,
    },
    /// The resource is not associated with the profile.
    #[error("{arn} is not associated with profile {profile}")]
    ResourceNotAssociated {
        /// The resource's ARN.
        arn: String,
        /// The profile.
        profile: String,
    },
    /// No profile resource association with this id.
    #[error("no profile resource association {0}")]
    NoSuchProfileResourceAssociation(String),

    // ---- ResourceExistsException ----
    /// The address is used by an endpoint.
    #[error("{ip} is in use in {subnet}")]
    AddressInUse {
        /// The address.
        ip: IpAddr,
        /// The subnet.
        subnet: String,
    },
    /// An endpoint with this creator request id exists.
    #[error("endpoint request {0} exists")]
    EndpointRequestExists(String),
    /// A rule with this creator request id exists.
    #[error("rule request {0} exists")]
    RuleRequestExists(String),
    /// The rule is associated with the VPC already.
    #[error("rule {rule} is associated with {vpc}")]
    RuleAlreadyAssociated {
        /// The rule.
        rule: String,
        /// The VPC.
        vpc: String,
    },
    /// The profile is associated with the VPC already.
    #[error("profile {profile} is associated with {vpc}")]
    ProfileAlreadyAssociated {
        /// The profile.
        profile: String,
        /// The VPC.
        vpc: String,
    },

    // ---- ResourceInUseException ----
    /// A rule forwards through the endpoint.
    #[error("endpoint {endpoint} is used by rule {rule}")]
    EndpointInUse {
        /// The endpoint.
        endpoint: String,
        /// The rule.
        rule: String,
    },
    /// The rule is associated with a VPC.
    #[error("rule {rule} is associated with {vpc}")]
    RuleInUse {
        /// The rule.
        rule: String,
        /// A VPC it is associated with.
        vpc: String,
    },

    // ---- LimitExceededException ----
    /// More addresses than an endpoint may have.
    #[error("too many addresses")]
    TooManyAddresses,
    /// More targets than a rule may have.
    #[error("too many targets")]
    TooManyTargets,
    /// The VPC has another profile.
    #[error("VPC {vpc} has profile {existing}")]
    VpcHasProfile {
        /// The VPC.
        vpc: String,
        /// Its profile.
        existing: String,
    },

    // ---- ValidationException ----
    /// A profile association priority outside 100–9900.
    #[error("priority {0} is out of range")]
    Priority(i32),
    /// `ResourceProperties` that is not a JSON object.
    #[error("resource properties are not an object")]
    ResourceProperties(String),

    // ---- ConflictException ----
    /// The profile is associated with a VPC.
    #[error("profile {profile} is associated with {vpc}")]
    ProfileInUse {
        /// The profile.
        profile: String,
        /// A VPC it is associated with.
        vpc: String,
    },
    /// The resource is associated with the profile already.
    #[error("{arn} is associated with profile {profile}")]
    ResourceAlreadyAssociated {
        /// The resource's ARN.
        arn: String,
        /// The profile.
        profile: String,
    },
}

impl ResolverError {
    /// The exception this refusal is.
    pub fn kind(&self) -> ResolverErrorKind {
        use ResolverErrorKind as K;
        match self {
            Self::InvalidName { kind, .. } => *kind,
            Self::InvalidDomainName(_)
            | Self::InvalidIpv4(_)
            | Self::InvalidIpv6(_)
            | Self::NotInEnumeration { .. }
            | Self::DelegationEndpoint
            | Self::LocalSettingForVpc
            | Self::NoSuchSubnet(_)
            | Self::NoSecurityGroup
            | Self::MalformedSecurityGroupId(_)
            | Self::NoSuchSecurityGroup(_)
            | Self::TooFewAddresses
            | Self::NoAddressNamed
            | Self::TargetAddress
            | Self::TargetPort(_)
            | Self::ClientTokenReused(_)
            | Self::InvalidResourceArn(_) => K::InvalidParameter,
            Self::ProtocolCombination { .. }
            | Self::AddressOutsideSubnet { .. }
            | Self::AddressReserved { .. }
            | Self::SubnetFull { .. }
            | Self::SubnetWithoutIpv6(_)
            | Self::Ipv4OnIpv6Endpoint
            | Self::Ipv6OnIpv4Endpoint
            | Self::SubnetsInSeveralVpcs
            | Self::Dns64Outbound
            | Self::SecurityGroupOutsideVpc { .. }
            | Self::SubnetGone(_)
            | Self::EndpointTypeChange { .. }
            | Self::Do53ToDohAtOnce
            | Self::SubnetOutsideVpc { .. }
            | Self::LastAddresses
            | Self::RuleOnInboundEndpoint
            | Self::NoTargets
            | Self::ProtocolNotOnEndpoint { .. }
            | Self::TargetProtocolRequired
            | Self::MixedTargetFamilies
            | Self::RecursiveRule
            | Self::DelegateRule
            | Self::DomainNameRequired
            | Self::EndpointRequired
            | Self::SystemRuleTargets
            | Self::AutodefinedRule(_)
            | Self::SameDomainRule { .. }
            | Self::RuleLoop { .. } => K::InvalidRequest,
            Self::NoSuchRule(_)
            | Self::NoSuchEndpoint(_)
            | Self::NoSuchRuleAssociation(_)
            | Self::NoSuchVpc(_)
            | Self::NoSuchProfile(_)
            | Self::AddressNotAssociated(_)
            | Self::RuleNotAssociated { .. }
            | Self::ProfileNotAssociated { .. }
            | Self::NoSuchProfileResource { .. }
            | Self::ResourceNotAssociated { .. }
            | Self::NoSuchProfileResourceAssociation(_) => K::ResourceNotFound,
            Self::AddressInUse { .. }
            | Self::EndpointRequestExists(_)
            | Self::RuleRequestExists(_)
            | Self::RuleAlreadyAssociated { .. }
            | Self::ProfileAlreadyAssociated { .. } => K::ResourceExists,
            Self::EndpointInUse { .. } | Self::RuleInUse { .. } => K::ResourceInUse,
            Self::TooManyAddresses | Self::TooManyTargets | Self::VpcHasProfile { .. } => {
                K::LimitExceeded
            }
            Self::Priority(_) | Self::ResourceProperties(_) => K::Validation,
            Self::ProfileInUse { .. } | Self::ResourceAlreadyAssociated { .. } => K::Conflict,
        }
    }
}
