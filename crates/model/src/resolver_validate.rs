//! The rules Route 53 Resolver and Route 53 Profiles apply to writes ([ROUTE53.md §6]).
//!
//! Every function here is pure: it takes the current [`NetworkContents`] and a request, and
//! returns the resource as it must be stored, or a [`ResolverError`] carrying the Resolver
//! (or Profiles) error code and message. The store runs them inside its write transaction,
//! so a check and the write it guards see the same state; the control plane only parses and
//! renders.
//!
//! Messages that carry an `[RSLVR-…]` code are the ones AWS was recorded or cited answering
//! (`aws-recorded/route53resolver.json`, ROUTE53.md §1.1); the others are Cairn's own words.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::network::{NetworkContents, Subnet};
use crate::resolver::{
    EndpointAddress, EndpointDirection, Profile, ProfileAssociation, ProfileResource,
    ResolverEndpoint, ResolverRule, RuleAssociation, RuleType, TargetAddress, VpcResolverConfig,
};
use crate::DomainName;

//------------ ResolverError ---------------------------------------------------------

/// Which Resolver/Profiles exception a refusal is.
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

impl ResolverErrorKind {
    /// The exception's name, as `__type` carries it.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidParameter => "InvalidParameterException",
            Self::InvalidRequest => "InvalidRequestException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::ResourceExists => "ResourceExistsException",
            Self::ResourceInUse => "ResourceInUseException",
            Self::LimitExceeded => "LimitExceededException",
            Self::Validation => "ValidationException",
            Self::Conflict => "ConflictException",
        }
    }
}

/// A write Resolver or Profiles refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ResolverError {
    /// The exception.
    pub kind: ResolverErrorKind,
    /// The message, whole.
    pub message: String,
}

impl ResolverError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ResolverErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ResolverErrorKind::InvalidParameter, message)
    }

    fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ResolverErrorKind::InvalidRequest, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(ResolverErrorKind::ResourceNotFound, message)
    }

    /// `[RSLVR-00703]`: the rule does not exist (recorded).
    pub fn no_such_rule(id: &str) -> Self {
        Self::not_found(format!(
            "[RSLVR-00703] Resolver rule with ID \"{id}\" does not exist."
        ))
    }

    /// The endpoint does not exist.
    pub fn no_such_endpoint(id: &str) -> Self {
        Self::not_found(format!(
            "Resolver endpoint with ID \"{id}\" does not exist."
        ))
    }

    /// The rule association does not exist.
    pub fn no_such_rule_association(id: &str) -> Self {
        Self::not_found(format!(
            "Resolver rule association with ID \"{id}\" does not exist."
        ))
    }

    /// The VPC does not exist.
    pub fn no_such_vpc(id: &str) -> Self {
        Self::not_found(format!("VPC with ID \"{id}\" does not exist."))
    }

    /// The profile does not exist.
    pub fn no_such_profile(id: &str) -> Self {
        Self::not_found(format!("The profile with ID \"{id}\" does not exist."))
    }
}

/// Shorthand.
pub type ResolverResult<T> = Result<T, ResolverError>;

/// Makes a fresh id with the given prefix (`rslvr-in-`, `rni-`, …); the store supplies it.
pub type IdSource<'a> = &'a mut dyn FnMut(&str) -> String;

//------------ constants and autodefined resources -----------------------------------------

/// At most this many addresses per endpoint (Route 53's quota).
pub const MAX_ENDPOINT_ADDRESSES: usize = 6;
/// At least this many addresses per endpoint.
pub const MIN_ENDPOINT_ADDRESSES: usize = 2;
/// At most this many targets per rule (Route 53's quota).
pub const MAX_RULE_TARGETS: usize = 6;
/// The autodefined "Internet Resolver" rule's id.
pub const INTERNET_RESOLVER_ID: &str = "rslvr-autodefined-rr-internet-resolver";
/// The owner Route 53 reports for autodefined rules.
pub const AUTODEFINED_OWNER: &str = "Route 53 Resolver";

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
        status: "COMPLETE".into(),
        share_status: "NOT_SHARED".into(),
        owner_account: AUTODEFINED_OWNER.into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

/// The autodefined association of the Internet Resolver rule with `vpc_id`.
pub fn internet_resolver_association(vpc_id: &str) -> RuleAssociation {
    RuleAssociation {
        id: format!("rslvr-autodefined-assoc-{vpc_id}-internet-resolver"),
        rule_id: INTERNET_RESOLVER_ID.into(),
        vpc_id: vpc_id.into(),
        name: Some("System Rule Association".into()),
        status: "COMPLETE".into(),
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

//------------ shared checks ----------------------------------------------------------------

/// Checks a `Name` against the model's pattern `(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)`, 64 at most.
pub fn check_name(name: &str, kind: ResolverErrorKind) -> ResolverResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        && !name.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ResolverError::new(
            kind,
            format!(
                "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"
            ),
        ))
    }
}

/// A rule's `DomainName` as Resolver stores it: lowercase, trailing dot; `.` for every name.
pub fn normalize_domain(text: &str) -> ResolverResult<String> {
    let invalid = || ResolverError::invalid_parameter(format!("Invalid domain name: \"{text}\"."));
    let name = DomainName::from_route53(text.trim()).map_err(|_| invalid())?;
    let out = name.to_route53();
    if out.contains('\\') {
        return Err(invalid());
    }
    Ok(out)
}

fn parse_ipv4(text: &str) -> ResolverResult<Ipv4Addr> {
    text.parse()
        .map_err(|_| ResolverError::invalid_parameter(format!("Invalid IPv4 address: \"{text}\".")))
}

fn parse_ipv6(text: &str) -> ResolverResult<Ipv6Addr> {
    text.parse()
        .map_err(|_| ResolverError::invalid_parameter(format!("Invalid IPv6 address: \"{text}\".")))
}

/// Whether `id` is shaped `prefix-` + hex digits (EC2's id shape).
fn is_ec2_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

//------------ endpoints -------------------------------------------------------------------

/// One `IpAddresses` entry (or AssociateResolverEndpointIpAddress's `IpAddress`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpRequest {
    /// `SubnetId`.
    pub subnet_id: String,
    /// `Ip`, if chosen.
    pub ip: Option<String>,
    /// `Ipv6`, if chosen.
    pub ipv6: Option<String>,
}

/// What CreateResolverEndpoint asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `Name`.
    pub name: Option<String>,
    /// `Direction` as sent.
    pub direction: String,
    /// `SecurityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `IpAddresses`.
    pub ip_addresses: Vec<IpRequest>,
    /// `ResolverEndpointType` (IPV4 when absent).
    pub endpoint_type: Option<String>,
    /// `Protocols` (Do53 when absent).
    pub protocols: Option<Vec<String>>,
    /// `Dns64Enabled`.
    pub dns64_enabled: Option<bool>,
    /// The account creating it.
    pub owner_account: String,
}

/// What UpdateResolverEndpoint asks for; `None` keeps the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointUpdate {
    /// `Name`.
    pub name: Option<String>,
    /// `ResolverEndpointType`.
    pub endpoint_type: Option<String>,
    /// `Protocols`.
    pub protocols: Option<Vec<String>>,
    /// `Dns64Enabled`.
    pub dns64_enabled: Option<bool>,
}

fn parse_direction(text: &str) -> ResolverResult<EndpointDirection> {
    match text {
        "INBOUND" => Ok(EndpointDirection::Inbound),
        "OUTBOUND" => Ok(EndpointDirection::Outbound),
        "INBOUND_DELEGATION" => Err(ResolverError::invalid_parameter(
            "Direction INBOUND_DELEGATION is not supported by Cairn yet.",
        )),
        other => Err(ResolverError::invalid_parameter(format!(
            "Value '{other}' at 'direction' failed to satisfy constraint: Member must satisfy enum value set: [INBOUND, OUTBOUND, INBOUND_DELEGATION]"
        ))),
    }
}

fn check_endpoint_type(text: &str) -> ResolverResult<()> {
    if matches!(text, "IPV4" | "IPV6" | "DUALSTACK") {
        Ok(())
    } else {
        Err(ResolverError::invalid_parameter(format!(
            "Value '{text}' at 'resolverEndpointType' failed to satisfy constraint: Member must satisfy enum value set: [IPV6, IPV4, DUALSTACK]"
        )))
    }
}

/// The protocol combinations Route 53 allows per direction ([ROUTE53.md §6.1]).
pub fn check_protocols(direction: EndpointDirection, protocols: &[String]) -> ResolverResult<()> {
    for p in protocols {
        if !matches!(p.as_str(), "Do53" | "DoH" | "DoH-FIPS") {
            return Err(ResolverError::invalid_parameter(format!(
                "Value '{p}' at 'protocols' failed to satisfy constraint: Member must satisfy enum value set: [DoH, Do53, DoH-FIPS]"
            )));
        }
    }
    let mut set: Vec<&str> = protocols.iter().map(String::as_str).collect();
    set.sort_unstable();
    let before = set.len();
    set.dedup();
    let allowed: &[&[&str]] = match direction {
        EndpointDirection::Inbound => &[
            &["Do53"],
            &["DoH"],
            &["DoH-FIPS"],
            &["Do53", "DoH"],
            &["Do53", "DoH-FIPS"],
        ],
        EndpointDirection::Outbound => &[&["Do53"], &["DoH"], &["Do53", "DoH"]],
    };
    if before != set.len() || !allowed.contains(&set.as_slice()) {
        let which = match direction {
            EndpointDirection::Inbound => "inbound",
            EndpointDirection::Outbound => "outbound",
        };
        return Err(ResolverError::invalid_request(format!(
            "The protocol combination [{}] is not supported for {which} endpoints.",
            protocols.join(", ")
        )));
    }
    Ok(())
}

/// Every address any endpoint uses.
fn used_addresses(net: &NetworkContents) -> HashSet<IpAddr> {
    net.endpoints
        .iter()
        .flat_map(|e| e.addresses.iter().flat_map(EndpointAddress::addresses))
        .collect()
}

/// Whether AWS reserves `ip` in `block`: the first four addresses and the last.
fn reserved_v4(block: Ipv4Net, ip: Ipv4Addr) -> bool {
    let offset = u32::from(ip) - u32::from(block.network());
    offset < 4 || ip == block.broadcast()
}

fn reserved_v6(block: Ipv6Net, ip: Ipv6Addr) -> bool {
    let offset = u128::from(ip) - u128::from(block.network());
    offset < 4 || ip == block.broadcast()
}

fn place_ipv4(
    subnet: &Subnet,
    wanted: Option<&str>,
    used: &HashSet<IpAddr>,
) -> ResolverResult<Ipv4Addr> {
    let block = subnet.cidr_block;
    match wanted {
        Some(text) => {
            let ip = parse_ipv4(text)?;
            if !block.contains(&ip) {
                return Err(ResolverError::invalid_request(format!(
                    "The IP address {ip} is not in the CIDR block {block} of subnet {}.",
                    subnet.id
                )));
            }
            if reserved_v4(block, ip) {
                return Err(ResolverError::invalid_request(format!(
                    "The IP address {ip} is reserved in subnet {} (the first four addresses and the last one of {block} are).",
                    subnet.id
                )));
            }
            if used.contains(&IpAddr::V4(ip)) {
                return Err(ResolverError::new(
                    ResolverErrorKind::ResourceExists,
                    format!(
                        "The IP address {ip} is already in use in subnet {}.",
                        subnet.id
                    ),
                ));
            }
            Ok(ip)
        }
        None => block
            .hosts()
            .find(|ip| !reserved_v4(block, *ip) && !used.contains(&IpAddr::V4(*ip)))
            .ok_or_else(|| {
                ResolverError::invalid_request(format!(
                    "Subnet {} has no free IP address left.",
                    subnet.id
                ))
            }),
    }
}

fn place_ipv6(
    subnet: &Subnet,
    wanted: Option<&str>,
    used: &HashSet<IpAddr>,
) -> ResolverResult<Ipv6Addr> {
    let Some(block) = subnet.ipv6_cidr_block else {
        return Err(ResolverError::invalid_request(format!(
            "Subnet {} has no IPv6 CIDR block, so it cannot hold an IPv6 endpoint address.",
            subnet.id
        )));
    };
    match wanted {
        Some(text) => {
            let ip = parse_ipv6(text)?;
            if !block.contains(&ip) {
                return Err(ResolverError::invalid_request(format!(
                    "The IP address {ip} is not in the IPv6 CIDR block {block} of subnet {}.",
                    subnet.id
                )));
            }
            if reserved_v6(block, ip) {
                return Err(ResolverError::invalid_request(format!(
                    "The IP address {ip} is reserved in subnet {}.",
                    subnet.id
                )));
            }
            if used.contains(&IpAddr::V6(ip)) {
                return Err(ResolverError::new(
                    ResolverErrorKind::ResourceExists,
                    format!(
                        "The IP address {ip} is already in use in subnet {}.",
                        subnet.id
                    ),
                ));
            }
            Ok(ip)
        }
        None => {
            let base = u128::from(block.network());
            (4..u128::from(u16::MAX))
                .map(|offset| Ipv6Addr::from(base + offset))
                .find(|ip| block.contains(ip) && !used.contains(&IpAddr::V6(*ip)))
                .ok_or_else(|| {
                    ResolverError::invalid_request(format!(
                        "Subnet {} has no free IPv6 address left.",
                        subnet.id
                    ))
                })
        }
    }
}

/// Places one requested address in its subnet; `used` gains it.
fn place_address(
    net: &NetworkContents,
    endpoint_type: &str,
    req: &IpRequest,
    used: &mut HashSet<IpAddr>,
    ids: IdSource<'_>,
) -> ResolverResult<EndpointAddress> {
    let subnet = net
        .subnets
        .iter()
        .find(|s| s.id == req.subnet_id)
        .ok_or_else(|| {
            ResolverError::invalid_parameter(format!(
                "The subnet ID '{}' does not exist",
                req.subnet_id
            ))
        })?;
    let ip = match endpoint_type {
        "IPV6" => {
            if req.ip.is_some() {
                return Err(ResolverError::invalid_request(
                    "An IPV6 endpoint takes IPv6 addresses only (Ipv6), not Ip.",
                ));
            }
            None
        }
        _ => Some(place_ipv4(subnet, req.ip.as_deref(), used)?),
    };
    let ipv6 = match endpoint_type {
        "IPV4" => {
            if req.ipv6.is_some() {
                return Err(ResolverError::invalid_request(
                    "An IPV4 endpoint takes IPv4 addresses only (Ip), not Ipv6; use DUALSTACK for both.",
                ));
            }
            None
        }
        _ => Some(place_ipv6(subnet, req.ipv6.as_deref(), used)?),
    };
    used.extend(ip.map(IpAddr::V4));
    used.extend(ipv6.map(IpAddr::V6));
    Ok(EndpointAddress {
        ip_id: ids("rni-"),
        subnet_id: subnet.id.clone(),
        ip,
        ipv6,
        status: "ATTACHED".into(),
    })
}

/// The VPC of the endpoint's subnets; they must all be in one.
fn host_vpc(net: &NetworkContents, addresses: &[EndpointAddress]) -> ResolverResult<String> {
    let mut vpcs = addresses
        .iter()
        .filter_map(|a| net.subnets.iter().find(|s| s.id == a.subnet_id))
        .map(|s| &s.vpc_id);
    let first = vpcs.next().cloned().unwrap_or_default();
    if vpcs.any(|v| *v != first) {
        return Err(ResolverError::invalid_request(
            "All the subnets of an endpoint must be in the same VPC.",
        ));
    }
    Ok(first)
}

/// CreateResolverEndpoint: the endpoint to store, with `Status` OPERATIONAL (the create
/// response reports CREATING).
pub fn create_endpoint(
    net: &NetworkContents,
    req: NewEndpoint,
    ids: IdSource<'_>,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let direction = parse_direction(&req.direction)?;
    if let Some(name) = &req.name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    if net.endpoints.iter().any(|e| {
        e.creator_request_id == req.creator_request_id && e.owner_account == req.owner_account
    }) {
        return Err(ResolverError::new(
            ResolverErrorKind::ResourceExists,
            format!(
                "Resolver endpoint with creator request ID \"{}\" already exists.",
                req.creator_request_id
            ),
        ));
    }
    if req.security_group_ids.is_empty() {
        return Err(ResolverError::invalid_parameter(
            "SecurityGroupIds must name at least one security group.",
        ));
    }
    for sg in &req.security_group_ids {
        if !is_ec2_id(sg, "sg") {
            return Err(ResolverError::invalid_parameter(format!(
                "[RSLVR-00408] Malformed security group ID: \"Invalid id: \"{sg}\" (expecting \"sg-...\")\"."
            )));
        }
        if !net.security_groups.iter().any(|g| g.id == *sg) {
            return Err(ResolverError::invalid_parameter(format!(
                "The security group '{sg}' does not exist"
            )));
        }
    }
    if req.ip_addresses.len() < MIN_ENDPOINT_ADDRESSES {
        return Err(ResolverError::invalid_parameter(format!(
            "An endpoint needs at least {MIN_ENDPOINT_ADDRESSES} IP addresses."
        )));
    }
    if req.ip_addresses.len() > MAX_ENDPOINT_ADDRESSES {
        return Err(ResolverError::new(
            ResolverErrorKind::LimitExceeded,
            format!("An endpoint can have at most {MAX_ENDPOINT_ADDRESSES} IP addresses."),
        ));
    }
    let endpoint_type = req.endpoint_type.unwrap_or_else(|| "IPV4".into());
    check_endpoint_type(&endpoint_type)?;
    let protocols = req.protocols.unwrap_or_else(|| vec!["Do53".into()]);
    check_protocols(direction, &protocols)?;
    let dns64_enabled = req.dns64_enabled.unwrap_or(false);
    if dns64_enabled && direction == EndpointDirection::Outbound {
        return Err(ResolverError::invalid_request(
            "Dns64Enabled applies to INBOUND endpoints only.",
        ));
    }
    let mut used = used_addresses(net);
    let mut addresses = Vec::with_capacity(req.ip_addresses.len());
    for ip in &req.ip_addresses {
        addresses.push(place_address(
            net,
            &endpoint_type,
            ip,
            &mut used,
            &mut *ids,
        )?);
    }
    let host_vpc_id = host_vpc(net, &addresses)?;
    for sg in &req.security_group_ids {
        let group = net
            .security_groups
            .iter()
            .find(|g| g.id == *sg)
            .expect("checked above");
        if group.vpc_id != host_vpc_id {
            return Err(ResolverError::invalid_request(format!(
                "The security group {sg} is not in the endpoint's VPC {host_vpc_id}."
            )));
        }
    }
    let prefix = match direction {
        EndpointDirection::Inbound => "rslvr-in-",
        EndpointDirection::Outbound => "rslvr-out-",
    };
    Ok(ResolverEndpoint {
        id: ids(prefix),
        creator_request_id: req.creator_request_id,
        name: req.name,
        direction,
        host_vpc_id,
        security_group_ids: req.security_group_ids,
        addresses,
        endpoint_type,
        protocols,
        dns64_enabled,
        status: "OPERATIONAL".into(),
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// Finds an endpoint.
pub fn find_endpoint<'a>(
    net: &'a NetworkContents,
    id: &str,
) -> ResolverResult<&'a ResolverEndpoint> {
    net.endpoints
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ResolverError::no_such_endpoint(id))
}

/// UpdateResolverEndpoint: `Name`, IPV4 ↔ DUALSTACK, `Protocols`, `Dns64Enabled`.
pub fn update_endpoint(
    net: &NetworkContents,
    id: &str,
    update: EndpointUpdate,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    if let Some(name) = update.name {
        check_name(&name, ResolverErrorKind::InvalidParameter)?;
        endpoint.name = Some(name);
    }
    if let Some(kind) = update.endpoint_type {
        check_endpoint_type(&kind)?;
        if kind != endpoint.endpoint_type {
            match (endpoint.endpoint_type.as_str(), kind.as_str()) {
                ("IPV4", "DUALSTACK") => {
                    let mut used = used_addresses(net);
                    for address in &mut endpoint.addresses {
                        let subnet = net
                            .subnets
                            .iter()
                            .find(|s| s.id == address.subnet_id)
                            .ok_or_else(|| ResolverError::invalid_request(format!("The subnet {} no longer exists.", address.subnet_id)))?;
                        let ipv6 = place_ipv6(subnet, None, &used)?;
                        used.insert(IpAddr::V6(ipv6));
                        address.ipv6 = Some(ipv6);
                    }
                }
                ("DUALSTACK", "IPV4") => {
                    for address in &mut endpoint.addresses {
                        address.ipv6 = None;
                    }
                }
                (from, to) => {
                    return Err(ResolverError::invalid_request(format!(
                        "An endpoint's type can change between IPV4 and DUALSTACK only, not from {from} to {to}."
                    )))
                }
            }
            endpoint.endpoint_type = kind;
        }
    }
    if let Some(protocols) = update.protocols {
        check_protocols(endpoint.direction, &protocols)?;
        let was_do53_only = endpoint.protocols == ["Do53"];
        let becomes_doh_only = protocols.iter().all(|p| p != "Do53");
        if endpoint.direction == EndpointDirection::Inbound && was_do53_only && becomes_doh_only {
            return Err(ResolverError::invalid_request(
                "An inbound endpoint cannot change from Do53 only to DoH only at once: enable both first.",
            ));
        }
        endpoint.protocols = protocols;
    }
    if let Some(dns64) = update.dns64_enabled {
        if dns64 && endpoint.direction == EndpointDirection::Outbound {
            return Err(ResolverError::invalid_request(
                "Dns64Enabled applies to INBOUND endpoints only.",
            ));
        }
        endpoint.dns64_enabled = dns64;
    }
    endpoint.modified_at_ms = now_ms;
    Ok(endpoint)
}

/// DeleteResolverEndpoint: refused while a rule forwards through it.
pub fn delete_endpoint(net: &NetworkContents, id: &str) -> ResolverResult<ResolverEndpoint> {
    let endpoint = find_endpoint(net, id)?.clone();
    if let Some(rule) = net
        .rules
        .iter()
        .find(|r| r.resolver_endpoint_id.as_deref() == Some(id))
    {
        return Err(ResolverError::new(
            ResolverErrorKind::ResourceInUse,
            format!("Resolver endpoint {id} is in use by resolver rule {}; delete or update the rule first.", rule.id),
        ));
    }
    Ok(endpoint)
}

/// AssociateResolverEndpointIpAddress: one more address, in the endpoint's VPC.
pub fn associate_endpoint_ip(
    net: &NetworkContents,
    id: &str,
    req: IpRequest,
    ids: IdSource<'_>,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    if endpoint.addresses.len() >= MAX_ENDPOINT_ADDRESSES {
        return Err(ResolverError::new(
            ResolverErrorKind::LimitExceeded,
            format!("An endpoint can have at most {MAX_ENDPOINT_ADDRESSES} IP addresses."),
        ));
    }
    let mut used = used_addresses(net);
    let address = place_address(net, &endpoint.endpoint_type, &req, &mut used, ids)?;
    let vpc = net
        .subnets
        .iter()
        .find(|s| s.id == address.subnet_id)
        .map(|s| s.vpc_id.clone())
        .unwrap_or_default();
    if vpc != endpoint.host_vpc_id {
        return Err(ResolverError::invalid_request(format!(
            "The subnet {} is not in the endpoint's VPC {}.",
            address.subnet_id, endpoint.host_vpc_id
        )));
    }
    endpoint.addresses.push(address);
    endpoint.modified_at_ms = now_ms;
    Ok(endpoint)
}

/// Which address DisassociateResolverEndpointIpAddress removes (`IpId`, or `Ip`/`Ipv6`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpSelector {
    /// `IpId`.
    pub ip_id: Option<String>,
    /// `SubnetId`.
    pub subnet_id: Option<String>,
    /// `Ip`.
    pub ip: Option<String>,
    /// `Ipv6`.
    pub ipv6: Option<String>,
}

/// DisassociateResolverEndpointIpAddress: never below two addresses.
pub fn disassociate_endpoint_ip(
    net: &NetworkContents,
    id: &str,
    which: IpSelector,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    let ip = which.ip.as_deref().map(parse_ipv4).transpose()?;
    let ipv6 = which.ipv6.as_deref().map(parse_ipv6).transpose()?;
    if which.ip_id.is_none() && ip.is_none() && ipv6.is_none() {
        return Err(ResolverError::invalid_parameter(
            "IpAddress must name IpId, Ip or Ipv6.",
        ));
    }
    let position = endpoint.addresses.iter().position(|a| {
        which.ip_id.as_ref().is_none_or(|w| *w == a.ip_id)
            && ip.is_none_or(|w| a.ip == Some(w))
            && ipv6.is_none_or(|w| a.ipv6 == Some(w))
            && which.subnet_id.as_ref().is_none_or(|w| *w == a.subnet_id)
    });
    let Some(position) = position else {
        return Err(ResolverError::not_found(format!(
            "The IP address is not associated with resolver endpoint {id}."
        )));
    };
    if endpoint.addresses.len() <= MIN_ENDPOINT_ADDRESSES {
        return Err(ResolverError::invalid_request(format!(
            "A resolver endpoint must keep at least {MIN_ENDPOINT_ADDRESSES} IP addresses."
        )));
    }
    endpoint.addresses.remove(position);
    endpoint.modified_at_ms = now_ms;
    Ok(endpoint)
}

//------------ rules ---------------------------------------------------------------------

/// One `TargetIps` entry as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetRequest {
    /// `Ip`.
    pub ip: Option<String>,
    /// `Ipv6`.
    pub ipv6: Option<String>,
    /// `Port` (53 when absent).
    pub port: Option<i64>,
    /// `Protocol`.
    pub protocol: Option<String>,
}

/// What CreateResolverRule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// `Name`.
    pub name: Option<String>,
    /// `RuleType` as sent.
    pub rule_type: String,
    /// `DomainName`.
    pub domain_name: Option<String>,
    /// `TargetIps`.
    pub targets: Option<Vec<TargetRequest>>,
    /// `ResolverEndpointId`.
    pub resolver_endpoint_id: Option<String>,
    /// The account creating it.
    pub owner_account: String,
}

/// UpdateResolverRule's `Config`; `None` keeps the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleUpdate {
    /// `Name`.
    pub name: Option<String>,
    /// `TargetIps`.
    pub targets: Option<Vec<TargetRequest>>,
    /// `ResolverEndpointId`.
    pub resolver_endpoint_id: Option<String>,
}

/// The outbound endpoint a FORWARD rule names.
fn outbound_endpoint<'a>(
    net: &'a NetworkContents,
    id: &str,
) -> ResolverResult<&'a ResolverEndpoint> {
    let endpoint = find_endpoint(net, id)?;
    if endpoint.direction != EndpointDirection::Outbound {
        return Err(ResolverError::invalid_request(
            "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints.",
        ));
    }
    Ok(endpoint)
}

/// Checks and completes the targets of a FORWARD rule against its endpoint's protocols.
fn build_targets(
    targets: &[TargetRequest],
    endpoint: &ResolverEndpoint,
) -> ResolverResult<Vec<TargetAddress>> {
    if targets.is_empty() {
        return Err(ResolverError::invalid_request(
            "A FORWARD rule needs at least one target IP (TargetIps).",
        ));
    }
    if targets.len() > MAX_RULE_TARGETS {
        return Err(ResolverError::new(
            ResolverErrorKind::LimitExceeded,
            format!("A rule can have at most {MAX_RULE_TARGETS} target IP addresses."),
        ));
    }
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let (ip, ipv6) = match (&t.ip, &t.ipv6) {
            (Some(ip), None) => (Some(parse_ipv4(ip)?), None),
            (None, Some(ipv6)) => (None, Some(parse_ipv6(ipv6)?)),
            _ => {
                return Err(ResolverError::invalid_parameter(
                    "Each target must have exactly one of Ip and Ipv6.",
                ));
            }
        };
        let port = t.port.unwrap_or(53);
        let port = u16::try_from(port).map_err(|_| {
            ResolverError::invalid_parameter(format!(
                "Value '{port}' at 'port' failed to satisfy constraint: Member must be between 0 and 65535"
            ))
        })?;
        let protocol = match &t.protocol {
            Some(p) => {
                if !endpoint.protocols.contains(p) {
                    return Err(ResolverError::invalid_request(format!(
                        "The protocol {p} is not enabled on resolver endpoint {}.",
                        endpoint.id
                    )));
                }
                p.clone()
            }
            None if endpoint.protocols.len() > 1 => {
                return Err(ResolverError::invalid_request(
                    "[RSLVR-00726] Endpoint has more than 1 protocol. Add one of the endpoint protocol for rule creation",
                ));
            }
            None => endpoint
                .protocols
                .first()
                .cloned()
                .unwrap_or_else(|| "Do53".into()),
        };
        out.push(TargetAddress {
            ip,
            ipv6,
            port,
            protocol,
        });
    }
    let v4 = out.iter().any(|t| t.ip.is_some());
    let v6 = out.iter().any(|t| t.ipv6.is_some());
    if v4 && v6 {
        return Err(ResolverError::invalid_request(
            "A rule cannot mix IPv4 and IPv6 target addresses.",
        ));
    }
    Ok(out)
}

/// CreateResolverRule: FORWARD (targets through an outbound endpoint) or SYSTEM.
pub fn create_rule(
    net: &NetworkContents,
    req: NewRule,
    id: String,
    now_ms: i64,
) -> ResolverResult<ResolverRule> {
    if let Some(name) = &req.name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    if net.rules.iter().any(|r| {
        r.creator_request_id == req.creator_request_id && r.owner_account == req.owner_account
    }) {
        return Err(ResolverError::new(
            ResolverErrorKind::ResourceExists,
            format!(
                "Resolver rule with creator request ID \"{}\" already exists.",
                req.creator_request_id
            ),
        ));
    }
    let rule_type = match req.rule_type.as_str() {
        "FORWARD" => RuleType::Forward,
        "SYSTEM" => RuleType::System,
        "RECURSIVE" => {
            return Err(ResolverError::invalid_request(
                "Only Resolver can create RECURSIVE rules.",
            ));
        }
        "DELEGATE" => {
            return Err(ResolverError::invalid_request(
                "DELEGATE rules are not supported by Cairn yet.",
            ));
        }
        other => {
            return Err(ResolverError::invalid_parameter(format!(
                "Value '{other}' at 'ruleType' failed to satisfy constraint: Member must satisfy enum value set: [FORWARD, SYSTEM, RECURSIVE, DELEGATE]"
            )));
        }
    };
    let domain = req.domain_name.as_deref().ok_or_else(|| {
        ResolverError::invalid_request("DomainName is required for FORWARD and SYSTEM rules.")
    })?;
    let domain_name = normalize_domain(domain)?;
    let (targets, resolver_endpoint_id) = match rule_type {
        RuleType::Forward => {
            let endpoint_id = req.resolver_endpoint_id.ok_or_else(|| {
                ResolverError::invalid_request("A FORWARD rule needs a ResolverEndpointId.")
            })?;
            let endpoint = outbound_endpoint(net, &endpoint_id)?;
            let targets = build_targets(req.targets.as_deref().unwrap_or_default(), endpoint)?;
            (targets, Some(endpoint_id))
        }
        _ => {
            if req.targets.as_ref().is_some_and(|t| !t.is_empty()) {
                return Err(ResolverError::invalid_request(
                    "A SYSTEM rule cannot have target IPs.",
                ));
            }
            let endpoint = match req.resolver_endpoint_id {
                Some(endpoint_id) => Some(outbound_endpoint(net, &endpoint_id)?.id.clone()),
                None => None,
            };
            (Vec::new(), endpoint)
        }
    };
    Ok(ResolverRule {
        id,
        creator_request_id: req.creator_request_id,
        domain_name,
        name: req.name,
        rule_type,
        targets,
        resolver_endpoint_id,
        status: "COMPLETE".into(),
        share_status: "NOT_SHARED".into(),
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// Finds a rule, autodefined ones included.
pub fn find_rule(net: &NetworkContents, id: &str) -> ResolverResult<ResolverRule> {
    if id == INTERNET_RESOLVER_ID {
        return Ok(internet_resolver_rule());
    }
    net.rules
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .ok_or_else(|| ResolverError::no_such_rule(id))
}

/// A custom (not autodefined) rule, for writes.
fn custom_rule<'a>(net: &'a NetworkContents, id: &str) -> ResolverResult<&'a ResolverRule> {
    if id.starts_with("rslvr-autodefined-") {
        return Err(ResolverError::invalid_request(format!(
            "The autodefined rule {id} cannot be changed."
        )));
    }
    net.rules
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ResolverError::no_such_rule(id))
}

/// UpdateResolverRule: fields not supplied are kept.
pub fn update_rule(
    net: &NetworkContents,
    id: &str,
    update: RuleUpdate,
    now_ms: i64,
) -> ResolverResult<ResolverRule> {
    let mut rule = custom_rule(net, id)?.clone();
    if let Some(name) = update.name {
        check_name(&name, ResolverErrorKind::InvalidParameter)?;
        rule.name = Some(name);
    }
    if let Some(endpoint_id) = update.resolver_endpoint_id {
        outbound_endpoint(net, &endpoint_id)?;
        rule.resolver_endpoint_id = Some(endpoint_id);
    }
    match rule.rule_type {
        RuleType::Forward => {
            let endpoint_id = rule.resolver_endpoint_id.clone().unwrap_or_default();
            let endpoint = outbound_endpoint(net, &endpoint_id)?;
            if let Some(targets) = update.targets {
                rule.targets = build_targets(&targets, endpoint)?;
            }
        }
        _ => {
            if update.targets.is_some_and(|t| !t.is_empty()) {
                return Err(ResolverError::invalid_request(
                    "A SYSTEM rule cannot have target IPs.",
                ));
            }
        }
    }
    rule.modified_at_ms = now_ms;
    Ok(rule)
}

/// DeleteResolverRule: refused while the rule is associated with a VPC.
pub fn delete_rule(net: &NetworkContents, id: &str) -> ResolverResult<ResolverRule> {
    let rule = custom_rule(net, id)?.clone();
    if let Some(assoc) = net.rule_associations.iter().find(|a| a.rule_id == id) {
        return Err(ResolverError::new(
            ResolverErrorKind::ResourceInUse,
            format!(
                "Cannot delete resolver rule {id}: it is associated with VPC {}. Disassociate it from every VPC first.",
                assoc.vpc_id
            ),
        ));
    }
    Ok(rule)
}

/// AssociateResolverRule: one association per rule and VPC, one rule per domain and VPC,
/// and no rule that forwards to the VPC's own inbound endpoint (loop prevention).
pub fn associate_rule(
    net: &NetworkContents,
    rule_id: &str,
    vpc_id: &str,
    name: Option<String>,
    id: String,
) -> ResolverResult<RuleAssociation> {
    if let Some(name) = &name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    let rule = custom_rule(net, rule_id)?;
    if !net.vpcs.iter().any(|v| v.id == vpc_id) {
        return Err(ResolverError::no_such_vpc(vpc_id));
    }
    for existing in net.rule_associations.iter().filter(|a| a.vpc_id == vpc_id) {
        if existing.rule_id == rule_id {
            return Err(ResolverError::new(
                ResolverErrorKind::ResourceExists,
                format!("Resolver rule {rule_id} is already associated with VPC {vpc_id}."),
            ));
        }
        let same_domain = net
            .rules
            .iter()
            .any(|r| r.id == existing.rule_id && r.domain_name == rule.domain_name);
        if same_domain {
            return Err(ResolverError::invalid_request(format!(
                "Cannot associate rules with same domain name with same VPC. VPC {vpc_id} already has rule {} for {}.",
                existing.rule_id, rule.domain_name
            )));
        }
    }
    let inbound: HashSet<IpAddr> = net
        .endpoints
        .iter()
        .filter(|e| e.direction == EndpointDirection::Inbound && e.host_vpc_id == vpc_id)
        .flat_map(|e| e.addresses.iter().flat_map(EndpointAddress::addresses))
        .collect();
    let loops = rule.targets.iter().any(|t| {
        t.ip.map(IpAddr::V4).is_some_and(|ip| inbound.contains(&ip))
            || t.ipv6
                .map(IpAddr::V6)
                .is_some_and(|ip| inbound.contains(&ip))
    });
    if loops {
        return Err(ResolverError::invalid_request(format!(
            "[RSLVR-00804] Cannot associate rule {rule_id} to VPC {vpc_id} because the VPC include an INBOUND resolver endpoints with rule's target IP"
        )));
    }
    Ok(RuleAssociation {
        id,
        rule_id: rule_id.into(),
        vpc_id: vpc_id.into(),
        name,
        status: "COMPLETE".into(),
    })
}

/// DisassociateResolverRule: the association removed.
pub fn disassociate_rule(
    net: &NetworkContents,
    rule_id: &str,
    vpc_id: &str,
) -> ResolverResult<RuleAssociation> {
    custom_rule(net, rule_id)?;
    net.rule_associations
        .iter()
        .find(|a| a.rule_id == rule_id && a.vpc_id == vpc_id)
        .cloned()
        .ok_or_else(|| {
            ResolverError::not_found(format!(
                "Resolver rule with ID \"{rule_id}\" is not associated with VPC \"{vpc_id}\"."
            ))
        })
}

//------------ resolver configs -----------------------------------------------------------

/// UpdateResolverConfig for a VPC: `ENABLE` or `DISABLE` the autodefined reverse rules.
pub fn update_config(
    net: &NetworkContents,
    vpc_id: &str,
    flag: &str,
    owner: &str,
) -> ResolverResult<VpcResolverConfig> {
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| ResolverError::no_such_vpc(vpc_id))?;
    let enabled = match flag {
        "ENABLE" => true,
        "DISABLE" => false,
        "USE_LOCAL_RESOURCE_SETTING" => {
            return Err(ResolverError::invalid_parameter(
                "USE_LOCAL_RESOURCE_SETTING applies to Route 53 Profiles only, not to a VPC.",
            ));
        }
        other => {
            return Err(ResolverError::invalid_parameter(format!(
                "Value '{other}' at 'autodefinedReverseFlag' failed to satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE, USE_LOCAL_RESOURCE_SETTING]"
            )));
        }
    };
    let _ = owner;
    Ok(VpcResolverConfig {
        resource_id: vpc_id.into(),
        autodefined_reverse: enabled,
        owner_account: vpc.owner_account.clone(),
    })
}

//------------ profiles ------------------------------------------------------------------

/// What CreateProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// `Name`.
    pub name: String,
    /// `ClientToken`.
    pub client_token: String,
    /// The account creating it.
    pub owner_account: String,
}

/// CreateProfile: a new profile, or the one made earlier with the same `ClientToken`
/// (`false` then: nothing to write).
pub fn create_profile(
    net: &NetworkContents,
    req: NewProfile,
    id: String,
    now_ms: i64,
) -> ResolverResult<(Profile, bool)> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    if let Some(existing) = net
        .profiles
        .iter()
        .find(|p| p.client_token == req.client_token && p.owner_account == req.owner_account)
    {
        if existing.name == req.name {
            return Ok((existing.clone(), false));
        }
        return Err(ResolverError::new(
            ResolverErrorKind::InvalidParameter,
            format!(
                "ClientToken \"{}\" was already used to create another profile.",
                req.client_token
            ),
        ));
    }
    Ok((
        Profile {
            id,
            name: req.name,
            client_token: req.client_token,
            share_status: "NOT_SHARED".into(),
            status: "COMPLETE".into(),
            owner_account: req.owner_account,
            created_at_ms: now_ms,
            modified_at_ms: now_ms,
        },
        true,
    ))
}

/// Finds a profile.
pub fn find_profile<'a>(net: &'a NetworkContents, id: &str) -> ResolverResult<&'a Profile> {
    net.profiles
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ResolverError::no_such_profile(id))
}

/// DeleteProfile: refused while the profile is associated with a VPC (its resources go with it).
pub fn delete_profile(net: &NetworkContents, id: &str) -> ResolverResult<Profile> {
    let profile = find_profile(net, id)?.clone();
    if let Some(assoc) = net.profile_associations.iter().find(|a| a.profile_id == id) {
        return Err(ResolverError::new(
            ResolverErrorKind::Conflict,
            format!(
                "The profile {id} is associated with VPC {}; disassociate it from every VPC first.",
                assoc.vpc_id
            ),
        ));
    }
    Ok(profile)
}

/// What AssociateProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfileAssociation {
    /// `ProfileId`.
    pub profile_id: String,
    /// `ResourceId`: the VPC.
    pub vpc_id: String,
    /// `Name`.
    pub name: String,
    /// `Priority`.
    pub priority: Option<i32>,
    /// The account associating.
    pub owner_account: String,
}

/// AssociateProfile: one profile per VPC.
pub fn associate_profile(
    net: &NetworkContents,
    req: NewProfileAssociation,
    id: String,
    now_ms: i64,
) -> ResolverResult<ProfileAssociation> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    find_profile(net, &req.profile_id)?;
    if !net.vpcs.iter().any(|v| v.id == req.vpc_id) {
        return Err(ResolverError::no_such_vpc(&req.vpc_id));
    }
    if let Some(priority) = req.priority {
        if !(100..=9900).contains(&priority) {
            return Err(ResolverError::new(
                ResolverErrorKind::Validation,
                format!("Priority {priority} is out of range: it must be between 100 and 9900."),
            ));
        }
    }
    if let Some(existing) = net
        .profile_associations
        .iter()
        .find(|a| a.vpc_id == req.vpc_id)
    {
        if existing.profile_id == req.profile_id {
            return Err(ResolverError::new(
                ResolverErrorKind::ResourceExists,
                format!(
                    "The profile {} is already associated with VPC {}.",
                    req.profile_id, req.vpc_id
                ),
            ));
        }
        return Err(ResolverError::new(
            ResolverErrorKind::LimitExceeded,
            format!(
                "VPC {} already has profile {} associated; a VPC can have one profile.",
                req.vpc_id, existing.profile_id
            ),
        ));
    }
    Ok(ProfileAssociation {
        id,
        profile_id: req.profile_id,
        vpc_id: req.vpc_id,
        name: req.name,
        status: "COMPLETE".into(),
        owner_account: req.owner_account,
        priority: Some(req.priority.unwrap_or(100)),
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// DisassociateProfile: the association removed.
pub fn disassociate_profile(
    net: &NetworkContents,
    profile_id: &str,
    vpc_id: &str,
) -> ResolverResult<ProfileAssociation> {
    find_profile(net, profile_id)?;
    net.profile_associations
        .iter()
        .find(|a| a.profile_id == profile_id && a.vpc_id == vpc_id)
        .cloned()
        .ok_or_else(|| {
            ResolverError::not_found(format!(
                "The profile {profile_id} is not associated with VPC {vpc_id}."
            ))
        })
}

/// What a profile resource ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArn {
    /// `HOSTED_ZONE`, `RESOLVER_RULE`, `FIREWALL_RULE_GROUP`.
    pub resource_type: &'static str,
    /// The bare id.
    pub resource_id: String,
}

/// Parses `arn:aws:route53:::hostedzone/Z…` or
/// `arn:aws:route53resolver:<region>:<account>:resolver-rule/rslvr-rr-…` (and firewall rule
/// groups, which Cairn does not keep yet).
pub fn parse_resource_arn(arn: &str) -> ResolverResult<ResourceArn> {
    let invalid = || {
        ResolverError::invalid_parameter(format!(
            "The resource ARN \"{arn}\" is not valid for a profile."
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid());
    };
    if *prefix != "arn" {
        return Err(invalid());
    }
    let (kind, id) = resource.split_once('/').ok_or_else(invalid)?;
    let resource_type = match (*service, kind) {
        ("route53", "hostedzone") => "HOSTED_ZONE",
        ("route53resolver", "resolver-rule") => "RESOLVER_RULE",
        ("route53resolver", "firewall-rule-group") => "FIREWALL_RULE_GROUP",
        _ => return Err(invalid()),
    };
    if id.is_empty() {
        return Err(invalid());
    }
    Ok(ResourceArn {
        resource_type,
        resource_id: id.to_string(),
    })
}

/// What AssociateResourceToProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfileResource {
    /// `ProfileId`.
    pub profile_id: String,
    /// `ResourceArn`.
    pub resource_arn: String,
    /// `Name`.
    pub name: String,
    /// `ResourceProperties`.
    pub resource_properties: Option<String>,
    /// The account associating.
    pub owner_account: String,
}

/// AssociateResourceToProfile: a private hosted zone or a Resolver rule that exists
/// (`private_zones` lists the private zones' bare ids).
pub fn associate_profile_resource(
    net: &NetworkContents,
    private_zones: &[String],
    req: NewProfileResource,
    id: String,
    now_ms: i64,
) -> ResolverResult<ProfileResource> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    find_profile(net, &req.profile_id)?;
    let parsed = parse_resource_arn(&req.resource_arn)?;
    let exists = match parsed.resource_type {
        "HOSTED_ZONE" => private_zones.contains(&parsed.resource_id),
        "RESOLVER_RULE" => net.rules.iter().any(|r| r.id == parsed.resource_id),
        _ => false,
    };
    if !exists {
        let what = match parsed.resource_type {
            "HOSTED_ZONE" => "private hosted zone",
            "RESOLVER_RULE" => "Resolver rule",
            _ => "DNS Firewall rule group (Cairn does not keep these yet)",
        };
        return Err(ResolverError::not_found(format!(
            "The {what} {} named by {} does not exist.",
            parsed.resource_id, req.resource_arn
        )));
    }
    if net
        .profile_resources
        .iter()
        .any(|r| r.profile_id == req.profile_id && r.resource_arn == req.resource_arn)
    {
        return Err(ResolverError::new(
            ResolverErrorKind::Conflict,
            format!(
                "The resource {} is already associated with profile {}.",
                req.resource_arn, req.profile_id
            ),
        ));
    }
    if let Some(props) = &req.resource_properties {
        check_resource_properties(props)?;
    }
    Ok(ProfileResource {
        id,
        profile_id: req.profile_id,
        resource_arn: req.resource_arn,
        resource_type: parsed.resource_type.into(),
        resource_id: parsed.resource_id,
        name: req.name,
        status: "COMPLETE".into(),
        resource_properties: req.resource_properties,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// `ResourceProperties` is a JSON object (`{"priority": 102}`).
fn check_resource_properties(props: &str) -> ResolverResult<()> {
    let trimmed = props.trim();
    if trimmed.starts_with('{') && trimmed.ends_with('}') {
        Ok(())
    } else {
        Err(ResolverError::new(
            ResolverErrorKind::Validation,
            format!("ResourceProperties must be a JSON object, not \"{props}\"."),
        ))
    }
}

/// DisassociateResourceFromProfile: the resource association removed.
pub fn disassociate_profile_resource(
    net: &NetworkContents,
    profile_id: &str,
    arn: &str,
) -> ResolverResult<ProfileResource> {
    find_profile(net, profile_id)?;
    net.profile_resources
        .iter()
        .find(|r| r.profile_id == profile_id && r.resource_arn == arn)
        .cloned()
        .ok_or_else(|| {
            ResolverError::not_found(format!(
                "The resource {arn} is not associated with profile {profile_id}."
            ))
        })
}

/// UpdateProfileResourceAssociation: `Name` and `ResourceProperties`.
pub fn update_profile_resource(
    net: &NetworkContents,
    id: &str,
    name: Option<String>,
    resource_properties: Option<String>,
    now_ms: i64,
) -> ResolverResult<ProfileResource> {
    let mut resource = net
        .profile_resources
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .ok_or_else(|| {
            ResolverError::not_found(format!(
                "The profile resource association with ID \"{id}\" does not exist."
            ))
        })?;
    if let Some(name) = name {
        check_name(&name, ResolverErrorKind::Validation)?;
        resource.name = name;
    }
    if let Some(props) = resource_properties {
        check_resource_properties(&props)?;
        resource.resource_properties = Some(props);
    }
    resource.modified_at_ms = now_ms;
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{SecurityGroup, Vpc};

    fn net() -> NetworkContents {
        let vpc = Vpc {
            id: "vpc-1".into(),
            region: "us-east-1".into(),
            owner_account: "111111111111".into(),
            cidr_block: "10.0.0.0/16".parse().expect("block"),
            secondary_cidr_blocks: Vec::new(),
            ipv6_cidr_block: None,
            enable_dns_support: true,
            enable_dns_hostnames: true,
            is_default: false,
            created_at_ms: 0,
        };
        let subnet = |id: &str, block: &str| Subnet {
            id: id.into(),
            vpc_id: "vpc-1".into(),
            owner_account: "111111111111".into(),
            cidr_block: block.parse().expect("block"),
            ipv6_cidr_block: None,
            availability_zone: "us-east-1a".into(),
            enable_dns64: false,
            created_at_ms: 0,
        };
        NetworkContents {
            vpcs: vec![vpc],
            subnets: vec![
                subnet("subnet-1", "10.0.1.0/24"),
                subnet("subnet-2", "10.0.2.0/28"),
            ],
            security_groups: vec![SecurityGroup {
                id: "sg-1".into(),
                name: "default".into(),
                description: String::new(),
                vpc_id: "vpc-1".into(),
                owner_account: "111111111111".into(),
                ingress: Vec::new(),
            }],
            ..Default::default()
        }
    }

    fn counter() -> impl FnMut(&str) -> String {
        let mut n = 0;
        move |prefix: &str| {
            n += 1;
            format!("{prefix}{n:017x}")
        }
    }

    fn endpoint_request(direction: &str, ips: Vec<IpRequest>) -> NewEndpoint {
        NewEndpoint {
            creator_request_id: "req".into(),
            name: None,
            direction: direction.into(),
            security_group_ids: vec!["sg-1".into()],
            ip_addresses: ips,
            endpoint_type: None,
            protocols: None,
            dns64_enabled: None,
            owner_account: "111111111111".into(),
        }
    }

    fn ip(subnet: &str, ip: Option<&str>) -> IpRequest {
        IpRequest {
            subnet_id: subnet.into(),
            ip: ip.map(str::to_string),
            ipv6: None,
        }
    }

    #[test]
    fn unassigned_addresses_skip_reserved_and_used_ones() {
        let mut ids = counter();
        let req = endpoint_request(
            "INBOUND",
            vec![ip("subnet-1", Some("10.0.1.4")), ip("subnet-1", None)],
        );
        let e = create_endpoint(&net(), req, &mut ids, 1).expect("created");
        assert_eq!(e.addresses[0].ip, Some("10.0.1.4".parse().expect("ip")));
        assert_eq!(
            e.addresses[1].ip,
            Some("10.0.1.5".parse().expect("ip")),
            "skips .0-.3 and the used .4"
        );
        assert_eq!(e.host_vpc_id, "vpc-1");
        assert!(e.id.starts_with("rslvr-in-"));
        assert_eq!(e.protocols, ["Do53"]);
    }

    #[test]
    fn reserved_and_foreign_addresses_are_refused() {
        let mut ids = counter();
        for bad in ["10.0.1.3", "10.0.1.255", "10.0.2.5"] {
            let req = endpoint_request(
                "INBOUND",
                vec![ip("subnet-1", Some(bad)), ip("subnet-1", None)],
            );
            let err = create_endpoint(&net(), req, &mut ids, 1).expect_err(bad);
            assert_eq!(err.kind, ResolverErrorKind::InvalidRequest, "{bad}: {err}");
        }
    }

    #[test]
    fn a_full_subnet_is_reported() {
        let mut ids = counter();
        // 10.0.2.0/28: .4–.14 are usable, 11 addresses.
        let mut network = net();
        let mut used = Vec::new();
        for host in 4..=14 {
            used.push(EndpointAddress {
                ip_id: format!("rni-{host}"),
                subnet_id: "subnet-2".into(),
                ip: Some(format!("10.0.2.{host}").parse().expect("ip")),
                ipv6: None,
                status: "ATTACHED".into(),
            });
        }
        let mut taken = create_endpoint(
            &network,
            endpoint_request("OUTBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]),
            &mut ids,
            1,
        )
        .expect("created");
        taken.addresses = used;
        network.endpoints.push(taken);
        let mut req =
            endpoint_request("OUTBOUND", vec![ip("subnet-2", None), ip("subnet-1", None)]);
        req.creator_request_id = "other".into();
        let err = create_endpoint(&network, req, &mut ids, 1).expect_err("full");
        assert!(err.message.contains("no free IP"), "{err}");
    }

    #[test]
    fn malformed_security_groups_get_the_recorded_message() {
        let mut ids = counter();
        let mut req = endpoint_request("INBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]);
        req.security_group_ids = vec!["test-invalid-sg-123".into()];
        let err = create_endpoint(&net(), req, &mut ids, 1).expect_err("malformed");
        assert_eq!(
            err.message,
            "[RSLVR-00408] Malformed security group ID: \"Invalid id: \"test-invalid-sg-123\" (expecting \"sg-...\")\"."
        );
    }

    #[test]
    fn rules_forward_through_outbound_endpoints_only() {
        let mut ids = counter();
        let mut network = net();
        let inbound = create_endpoint(
            &network,
            endpoint_request("INBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]),
            &mut ids,
            1,
        )
        .expect("created");
        network.endpoints.push(inbound.clone());
        let rule = NewRule {
            creator_request_id: "r".into(),
            name: None,
            rule_type: "FORWARD".into(),
            domain_name: Some("Corp.Example".into()),
            targets: Some(vec![TargetRequest {
                ip: Some("192.0.2.1".into()),
                ..Default::default()
            }]),
            resolver_endpoint_id: Some(inbound.id.clone()),
            owner_account: "111111111111".into(),
        };
        let err = create_rule(&network, rule.clone(), "rslvr-rr-1".into(), 1).expect_err("inbound");
        assert!(err.message.starts_with("[RSLVR-00700]"));
        let mut out_req =
            endpoint_request("OUTBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]);
        out_req.creator_request_id = "out".into();
        let outbound = create_endpoint(&network, out_req, &mut ids, 1).expect("created");
        network.endpoints.push(outbound.clone());
        let made = create_rule(
            &network,
            NewRule {
                resolver_endpoint_id: Some(outbound.id),
                ..rule
            },
            "rslvr-rr-1".into(),
            1,
        )
        .expect("created");
        assert_eq!(made.domain_name, "corp.example.");
        assert_eq!(made.targets[0].port, 53);
        assert_eq!(made.targets[0].protocol, "Do53");
    }

    #[test]
    fn rules_forwarding_to_the_vpcs_own_inbound_endpoint_are_refused() {
        let mut ids = counter();
        let mut network = net();
        let inbound = create_endpoint(
            &network,
            endpoint_request(
                "INBOUND",
                vec![ip("subnet-1", Some("10.0.1.10")), ip("subnet-1", None)],
            ),
            &mut ids,
            1,
        )
        .expect("created");
        network.endpoints.push(inbound);
        network.rules.push(ResolverRule {
            id: "rslvr-rr-1".into(),
            creator_request_id: "r".into(),
            domain_name: "corp.example.".into(),
            name: None,
            rule_type: RuleType::Forward,
            targets: vec![TargetAddress {
                ip: Some("10.0.1.10".parse().expect("ip")),
                ipv6: None,
                port: 53,
                protocol: "Do53".into(),
            }],
            resolver_endpoint_id: Some("rslvr-out-x".into()),
            status: "COMPLETE".into(),
            share_status: "NOT_SHARED".into(),
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        let err =
            associate_rule(&network, "rslvr-rr-1", "vpc-1", None, "a".into()).expect_err("loop");
        assert!(err.message.starts_with("[RSLVR-00804]"), "{err}");
        let err =
            associate_rule(&network, "rslvr-rr-1", "vpc-2", None, "a".into()).expect_err("no vpc");
        assert_eq!(err.kind, ResolverErrorKind::ResourceNotFound);
    }

    #[test]
    fn domains_are_normalized() {
        assert_eq!(
            normalize_domain("WWW.Example.COM").expect("ok"),
            "www.example.com."
        );
        assert_eq!(normalize_domain(".").expect("ok"), ".");
        assert!(normalize_domain("bad domain").is_err());
    }

    #[test]
    fn resource_arns_are_parsed() {
        let zone = parse_resource_arn("arn:aws:route53:::hostedzone/Z123").expect("zone");
        assert_eq!(
            (zone.resource_type, zone.resource_id.as_str()),
            ("HOSTED_ZONE", "Z123")
        );
        let rule = parse_resource_arn(
            "arn:aws:route53resolver:us-east-1:111111111111:resolver-rule/rslvr-rr-1",
        )
        .expect("rule");
        assert_eq!(rule.resource_type, "RESOLVER_RULE");
        assert!(parse_resource_arn("arn:aws:s3:::bucket").is_err());
    }
}
