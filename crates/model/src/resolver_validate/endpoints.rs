//! Resolver endpoints: create, update, delete, and their addresses.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::id::ec2_shaped;
use crate::network::{NetworkContents, Subnet};
use crate::resolver::{
    EndpointAddress, EndpointDirection, EndpointStatus, IpAddressStatus, ResolverEndpoint,
    ResolverEndpointId, ResolverEndpointType,
};

use super::{
    check_name, parse_ipv4, parse_ipv6, Enumeration, IdSource, ResolverError, ResolverErrorKind,
    ResolverResult, MAX_ENDPOINT_ADDRESSES, MIN_ENDPOINT_ADDRESSES,
};

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
    /// `Direction`, parsed at the API edge with [`parse_direction`].
    pub direction: EndpointDirection,
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

/// CreateResolverEndpoint's `Direction`. It is the first check [`create_endpoint`] made
/// when it took the text, so parsing it before the call refuses the same requests.
pub fn parse_direction(text: &str) -> ResolverResult<EndpointDirection> {
    match text {
        "INBOUND_DELEGATION" => Err(ResolverError::DelegationEndpoint),
        other => EndpointDirection::parse(other).ok_or_else(|| ResolverError::NotInEnumeration {
            field: Enumeration::Direction,
            value: other.to_string(),
        }),
    }
}

fn parse_endpoint_type(text: &str) -> ResolverResult<ResolverEndpointType> {
    ResolverEndpointType::parse(text).ok_or_else(|| ResolverError::NotInEnumeration {
        field: Enumeration::EndpointType,
        value: text.to_string(),
    })
}

/// The protocol combinations Route 53 allows per direction ([ROUTE53.md §6.1]).
pub fn check_protocols(direction: EndpointDirection, protocols: &[String]) -> ResolverResult<()> {
    for p in protocols {
        if !matches!(p.as_str(), "Do53" | "DoH" | "DoH-FIPS") {
            return Err(ResolverError::NotInEnumeration {
                field: Enumeration::Protocol,
                value: p.clone(),
            });
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
        return Err(ResolverError::ProtocolCombination {
            direction,
            protocols: protocols.to_vec(),
        });
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
                return Err(outside(ip.into(), block.into(), subnet));
            }
            if reserved_v4(block, ip) {
                return Err(reserved(ip.into(), block.into(), subnet));
            }
            if used.contains(&IpAddr::V4(ip)) {
                return Err(in_use(ip.into(), subnet));
            }
            Ok(ip)
        }
        None => block
            .hosts()
            .find(|ip| !reserved_v4(block, *ip) && !used.contains(&IpAddr::V4(*ip)))
            .ok_or_else(|| ResolverError::SubnetFull {
                subnet: subnet.id.clone(),
                ipv6: false,
            }),
    }
}

fn place_ipv6(
    subnet: &Subnet,
    wanted: Option<&str>,
    used: &HashSet<IpAddr>,
) -> ResolverResult<Ipv6Addr> {
    let Some(block) = subnet.ipv6_cidr_block else {
        return Err(ResolverError::SubnetWithoutIpv6(subnet.id.clone()));
    };
    match wanted {
        Some(text) => {
            let ip = parse_ipv6(text)?;
            if !block.contains(&ip) {
                return Err(outside(ip.into(), block.into(), subnet));
            }
            if reserved_v6(block, ip) {
                return Err(reserved(ip.into(), block.into(), subnet));
            }
            if used.contains(&IpAddr::V6(ip)) {
                return Err(in_use(ip.into(), subnet));
            }
            Ok(ip)
        }
        None => {
            let base = u128::from(block.network());
            (4..u128::from(u16::MAX))
                .map(|offset| Ipv6Addr::from(base + offset))
                .find(|ip| block.contains(ip) && !used.contains(&IpAddr::V6(*ip)))
                .ok_or_else(|| ResolverError::SubnetFull {
                    subnet: subnet.id.clone(),
                    ipv6: true,
                })
        }
    }
}

fn outside(ip: IpAddr, block: IpNet, subnet: &Subnet) -> ResolverError {
    ResolverError::AddressOutsideSubnet {
        ip,
        block,
        subnet: subnet.id.clone(),
    }
}

fn reserved(ip: IpAddr, block: IpNet, subnet: &Subnet) -> ResolverError {
    ResolverError::AddressReserved {
        ip,
        block,
        subnet: subnet.id.clone(),
    }
}

fn in_use(ip: IpAddr, subnet: &Subnet) -> ResolverError {
    ResolverError::AddressInUse {
        ip,
        subnet: subnet.id.clone(),
    }
}

/// Places one requested address in its subnet; `used` gains it.
fn place_address(
    net: &NetworkContents,
    endpoint_type: ResolverEndpointType,
    req: &IpRequest,
    used: &mut HashSet<IpAddr>,
    ids: IdSource<'_>,
) -> ResolverResult<EndpointAddress> {
    let subnet = net
        .subnets
        .iter()
        .find(|s| s.id == req.subnet_id)
        .ok_or_else(|| ResolverError::NoSuchSubnet(req.subnet_id.clone()))?;
    let ip = match endpoint_type {
        ResolverEndpointType::Ipv6 => {
            if req.ip.is_some() {
                return Err(ResolverError::Ipv4OnIpv6Endpoint);
            }
            None
        }
        _ => Some(place_ipv4(subnet, req.ip.as_deref(), used)?),
    };
    let ipv6 = match endpoint_type {
        ResolverEndpointType::Ipv4 => {
            if req.ipv6.is_some() {
                return Err(ResolverError::Ipv6OnIpv4Endpoint);
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
        status: IpAddressStatus::Attached,
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
        return Err(ResolverError::SubnetsInSeveralVpcs);
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
    let direction = req.direction;
    if let Some(name) = &req.name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    if net.endpoints.iter().any(|e| {
        e.creator_request_id == req.creator_request_id && e.owner_account == req.owner_account
    }) {
        return Err(ResolverError::EndpointRequestExists(req.creator_request_id));
    }
    if req.security_group_ids.is_empty() {
        return Err(ResolverError::NoSecurityGroup);
    }
    for sg in &req.security_group_ids {
        if !ec2_shaped(sg, "sg") {
            return Err(ResolverError::MalformedSecurityGroupId(sg.clone()));
        }
        if !net.security_groups.iter().any(|g| g.id == *sg) {
            return Err(ResolverError::NoSuchSecurityGroup(sg.clone()));
        }
    }
    if req.ip_addresses.len() < MIN_ENDPOINT_ADDRESSES {
        return Err(ResolverError::TooFewAddresses);
    }
    if req.ip_addresses.len() > MAX_ENDPOINT_ADDRESSES {
        return Err(ResolverError::TooManyAddresses);
    }
    // Parsed here, not at the API edge, so a bad type is refused after the checks above,
    // in Route 53's order.
    let endpoint_type = match &req.endpoint_type {
        Some(text) => parse_endpoint_type(text)?,
        None => ResolverEndpointType::Ipv4,
    };
    let protocols = req.protocols.unwrap_or_else(|| vec!["Do53".into()]);
    check_protocols(direction, &protocols)?;
    let dns64_enabled = req.dns64_enabled.unwrap_or(false);
    if dns64_enabled && direction == EndpointDirection::Outbound {
        return Err(ResolverError::Dns64Outbound);
    }
    let mut used = used_addresses(net);
    let mut addresses = Vec::with_capacity(req.ip_addresses.len());
    for ip in &req.ip_addresses {
        addresses.push(place_address(net, endpoint_type, ip, &mut used, &mut *ids)?);
    }
    let host_vpc_id = host_vpc(net, &addresses)?;
    for sg in &req.security_group_ids {
        let group = net
            .security_groups
            .iter()
            .find(|g| g.id == *sg)
            .expect("checked above");
        if group.vpc_id != host_vpc_id {
            return Err(ResolverError::SecurityGroupOutsideVpc {
                group: sg.clone(),
                vpc: host_vpc_id,
            });
        }
    }
    let prefix = match direction {
        EndpointDirection::Inbound => "rslvr-in-",
        EndpointDirection::Outbound => "rslvr-out-",
    };
    Ok(ResolverEndpoint {
        id: ResolverEndpointId::new(ids(prefix)),
        creator_request_id: req.creator_request_id,
        name: req.name,
        direction,
        host_vpc_id,
        security_group_ids: req.security_group_ids,
        addresses,
        endpoint_type,
        protocols,
        dns64_enabled,
        status: EndpointStatus::Operational,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// Finds an endpoint.
pub fn find_endpoint<'a>(
    net: &'a NetworkContents,
    id: &ResolverEndpointId,
) -> ResolverResult<&'a ResolverEndpoint> {
    net.endpoints
        .iter()
        .find(|e| e.id == *id)
        .ok_or_else(|| ResolverError::NoSuchEndpoint(id.to_string()))
}

/// UpdateResolverEndpoint: `Name`, IPV4 ↔ DUALSTACK, `Protocols`, `Dns64Enabled`.
pub fn update_endpoint(
    net: &NetworkContents,
    id: &ResolverEndpointId,
    update: EndpointUpdate,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    if let Some(name) = update.name {
        check_name(&name, ResolverErrorKind::InvalidParameter)?;
        endpoint.name = Some(name);
    }
    if let Some(text) = update.endpoint_type {
        let kind = parse_endpoint_type(&text)?;
        if kind != endpoint.endpoint_type {
            match (endpoint.endpoint_type, kind) {
                (ResolverEndpointType::Ipv4, ResolverEndpointType::DualStack) => {
                    let mut used = used_addresses(net);
                    for address in &mut endpoint.addresses {
                        let subnet = net
                            .subnets
                            .iter()
                            .find(|s| s.id == address.subnet_id)
                            .ok_or_else(|| ResolverError::SubnetGone(address.subnet_id.clone()))?;
                        let ipv6 = place_ipv6(subnet, None, &used)?;
                        used.insert(IpAddr::V6(ipv6));
                        address.ipv6 = Some(ipv6);
                    }
                }
                (ResolverEndpointType::DualStack, ResolverEndpointType::Ipv4) => {
                    for address in &mut endpoint.addresses {
                        address.ipv6 = None;
                    }
                }
                (from, to) => {
                    return Err(ResolverError::EndpointTypeChange {
                        from: from.as_str().to_string(),
                        to: to.as_str().to_string(),
                    })
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
            return Err(ResolverError::Do53ToDohAtOnce);
        }
        endpoint.protocols = protocols;
    }
    if let Some(dns64) = update.dns64_enabled {
        if dns64 && endpoint.direction == EndpointDirection::Outbound {
            return Err(ResolverError::Dns64Outbound);
        }
        endpoint.dns64_enabled = dns64;
    }
    endpoint.modified_at_ms = now_ms;
    Ok(endpoint)
}

/// DeleteResolverEndpoint: refused while a rule forwards through it.
pub fn delete_endpoint(
    net: &NetworkContents,
    id: &ResolverEndpointId,
) -> ResolverResult<ResolverEndpoint> {
    let endpoint = find_endpoint(net, id)?.clone();
    if let Some(rule) = net
        .rules
        .iter()
        .find(|r| r.resolver_endpoint_id.as_ref() == Some(id))
    {
        return Err(ResolverError::EndpointInUse {
            endpoint: id.to_string(),
            rule: rule.id.to_string(),
        });
    }
    Ok(endpoint)
}

/// AssociateResolverEndpointIpAddress: one more address, in the endpoint's VPC.
pub fn associate_endpoint_ip(
    net: &NetworkContents,
    id: &ResolverEndpointId,
    req: IpRequest,
    ids: IdSource<'_>,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    if endpoint.addresses.len() >= MAX_ENDPOINT_ADDRESSES {
        return Err(ResolverError::TooManyAddresses);
    }
    let mut used = used_addresses(net);
    let address = place_address(net, endpoint.endpoint_type, &req, &mut used, ids)?;
    let vpc = net
        .subnets
        .iter()
        .find(|s| s.id == address.subnet_id)
        .map(|s| s.vpc_id.clone())
        .unwrap_or_default();
    if vpc != endpoint.host_vpc_id {
        return Err(ResolverError::SubnetOutsideVpc {
            subnet: address.subnet_id,
            vpc: endpoint.host_vpc_id,
        });
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
    id: &ResolverEndpointId,
    which: IpSelector,
    now_ms: i64,
) -> ResolverResult<ResolverEndpoint> {
    let mut endpoint = find_endpoint(net, id)?.clone();
    let ip = which.ip.as_deref().map(parse_ipv4).transpose()?;
    let ipv6 = which.ipv6.as_deref().map(parse_ipv6).transpose()?;
    if which.ip_id.is_none() && ip.is_none() && ipv6.is_none() {
        return Err(ResolverError::NoAddressNamed);
    }
    let position = endpoint.addresses.iter().position(|a| {
        which.ip_id.as_ref().is_none_or(|w| *w == a.ip_id)
            && ip.is_none_or(|w| a.ip == Some(w))
            && ipv6.is_none_or(|w| a.ipv6 == Some(w))
            && which.subnet_id.as_ref().is_none_or(|w| *w == a.subnet_id)
    });
    let Some(position) = position else {
        return Err(ResolverError::AddressNotAssociated(id.to_string()));
    };
    if endpoint.addresses.len() <= MIN_ENDPOINT_ADDRESSES {
        return Err(ResolverError::LastAddresses);
    }
    endpoint.addresses.remove(position);
    endpoint.modified_at_ms = now_ms;
    Ok(endpoint)
}
