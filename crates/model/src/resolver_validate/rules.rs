//! Resolver rules (FORWARD and SYSTEM) and their associations with VPCs.

use std::collections::HashSet;
use std::net::IpAddr;

use crate::network::NetworkContents;
use crate::resolver::{
    EndpointAddress, EndpointDirection, ResolverEndpoint, ResolverEndpointId, ResolverRule,
    ResolverRuleAssociationId, ResolverRuleId, RuleAssociation, RuleAssociationStatus, RuleStatus,
    RuleType, ShareStatus, TargetAddress,
};

use super::config::internet_resolver_rule;
use super::endpoints::find_endpoint;
use super::{
    check_name, normalize_domain, parse_ipv4, parse_ipv6, Enumeration, ResolverError,
    ResolverErrorKind, ResolverResult, INTERNET_RESOLVER_ID, MAX_RULE_TARGETS,
};

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
    /// `RuleType` as sent (parsed after the name and request-id checks, in Route 53's order).
    pub rule_type: String,
    /// `DomainName`.
    pub domain_name: Option<String>,
    /// `TargetIps`.
    pub targets: Option<Vec<TargetRequest>>,
    /// `ResolverEndpointId`.
    pub resolver_endpoint_id: Option<ResolverEndpointId>,
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
    pub resolver_endpoint_id: Option<ResolverEndpointId>,
}

/// The outbound endpoint a FORWARD rule names.
fn outbound_endpoint<'a>(
    net: &'a NetworkContents,
    id: &ResolverEndpointId,
) -> ResolverResult<&'a ResolverEndpoint> {
    let endpoint = find_endpoint(net, id)?;
    if endpoint.direction != EndpointDirection::Outbound {
        return Err(ResolverError::RuleOnInboundEndpoint);
    }
    Ok(endpoint)
}

/// Checks and completes the targets of a FORWARD rule against its endpoint's protocols.
fn build_targets(
    targets: &[TargetRequest],
    endpoint: &ResolverEndpoint,
) -> ResolverResult<Vec<TargetAddress>> {
    if targets.is_empty() {
        return Err(ResolverError::NoTargets);
    }
    if targets.len() > MAX_RULE_TARGETS {
        return Err(ResolverError::TooManyTargets);
    }
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let (ip, ipv6) = match (&t.ip, &t.ipv6) {
            (Some(ip), None) => (Some(parse_ipv4(ip)?), None),
            (None, Some(ipv6)) => (None, Some(parse_ipv6(ipv6)?)),
            _ => {
                return Err(ResolverError::TargetAddress);
            }
        };
        let port = t.port.unwrap_or(53);
        let port = u16::try_from(port).map_err(|_| ResolverError::TargetPort(port))?;
        let protocol = match &t.protocol {
            Some(p) => {
                if !endpoint.protocols.contains(p) {
                    return Err(ResolverError::ProtocolNotOnEndpoint {
                        protocol: p.clone(),
                        endpoint: endpoint.id.to_string(),
                    });
                }
                p.clone()
            }
            None if endpoint.protocols.len() > 1 => {
                return Err(ResolverError::TargetProtocolRequired);
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
        return Err(ResolverError::MixedTargetFamilies);
    }
    Ok(out)
}

/// CreateResolverRule's `RuleType`: only FORWARD and SYSTEM can be made. Parsed here, not at
/// the API edge, because Route 53 reports a bad name or a repeated request id first.
fn parse_rule_type(text: &str) -> ResolverResult<RuleType> {
    match RuleType::parse(text) {
        Some(RuleType::Recursive) => Err(ResolverError::RecursiveRule),
        Some(rule_type) => Ok(rule_type),
        None if text == "DELEGATE" => Err(ResolverError::DelegateRule),
        None => Err(ResolverError::NotInEnumeration {
            field: Enumeration::RuleType,
            value: text.to_string(),
        }),
    }
}

/// CreateResolverRule: FORWARD (targets through an outbound endpoint) or SYSTEM.
pub fn create_rule(
    net: &NetworkContents,
    req: NewRule,
    id: ResolverRuleId,
    now_ms: i64,
) -> ResolverResult<ResolverRule> {
    if let Some(name) = &req.name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    if net.rules.iter().any(|r| {
        r.creator_request_id == req.creator_request_id && r.owner_account == req.owner_account
    }) {
        return Err(ResolverError::RuleRequestExists(req.creator_request_id));
    }
    let rule_type = parse_rule_type(&req.rule_type)?;
    let domain = req
        .domain_name
        .as_deref()
        .ok_or(ResolverError::DomainNameRequired)?;
    let domain_name = normalize_domain(domain)?;
    let (targets, resolver_endpoint_id) = match rule_type {
        RuleType::Forward => {
            let endpoint_id = req
                .resolver_endpoint_id
                .ok_or(ResolverError::EndpointRequired)?;
            let endpoint = outbound_endpoint(net, &endpoint_id)?;
            let targets = build_targets(req.targets.as_deref().unwrap_or_default(), endpoint)?;
            (targets, Some(endpoint_id))
        }
        _ => {
            if req.targets.as_ref().is_some_and(|t| !t.is_empty()) {
                return Err(ResolverError::SystemRuleTargets);
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
        status: RuleStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// Finds a rule, autodefined ones included.
pub fn find_rule(net: &NetworkContents, id: &ResolverRuleId) -> ResolverResult<ResolverRule> {
    if *id == INTERNET_RESOLVER_ID {
        return Ok(internet_resolver_rule());
    }
    net.rules
        .iter()
        .find(|r| r.id == *id)
        .cloned()
        .ok_or_else(|| ResolverError::NoSuchRule(id.to_string()))
}

/// A custom (not autodefined) rule, for writes.
fn custom_rule<'a>(
    net: &'a NetworkContents,
    id: &ResolverRuleId,
) -> ResolverResult<&'a ResolverRule> {
    if id.as_str().starts_with("rslvr-autodefined-") {
        return Err(ResolverError::AutodefinedRule(id.to_string()));
    }
    net.rules
        .iter()
        .find(|r| r.id == *id)
        .ok_or_else(|| ResolverError::NoSuchRule(id.to_string()))
}

/// UpdateResolverRule: fields not supplied are kept.
pub fn update_rule(
    net: &NetworkContents,
    id: &ResolverRuleId,
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
            // A FORWARD rule always has one; an empty id is reported as not found.
            let endpoint_id = rule
                .resolver_endpoint_id
                .clone()
                .unwrap_or_else(|| ResolverEndpointId::new(""));
            let endpoint = outbound_endpoint(net, &endpoint_id)?;
            if let Some(targets) = update.targets {
                rule.targets = build_targets(&targets, endpoint)?;
            }
        }
        _ => {
            if update.targets.is_some_and(|t| !t.is_empty()) {
                return Err(ResolverError::SystemRuleTargets);
            }
        }
    }
    rule.modified_at_ms = now_ms;
    Ok(rule)
}

/// DeleteResolverRule: refused while the rule is associated with a VPC.
pub fn delete_rule(net: &NetworkContents, id: &ResolverRuleId) -> ResolverResult<ResolverRule> {
    let rule = custom_rule(net, id)?.clone();
    if let Some(assoc) = net.rule_associations.iter().find(|a| a.rule_id == *id) {
        return Err(ResolverError::RuleInUse {
            rule: id.to_string(),
            vpc: assoc.vpc_id.clone(),
        });
    }
    Ok(rule)
}

/// AssociateResolverRule: one association per rule and VPC, one rule per domain and VPC,
/// and no rule that forwards to the VPC's own inbound endpoint (loop prevention).
pub fn associate_rule(
    net: &NetworkContents,
    rule_id: &ResolverRuleId,
    vpc_id: &str,
    name: Option<String>,
    id: ResolverRuleAssociationId,
) -> ResolverResult<RuleAssociation> {
    if let Some(name) = &name {
        check_name(name, ResolverErrorKind::InvalidParameter)?;
    }
    let rule = custom_rule(net, rule_id)?;
    if !net.vpcs.iter().any(|v| v.id == vpc_id) {
        return Err(ResolverError::NoSuchVpc(vpc_id.to_string()));
    }
    for existing in net.rule_associations.iter().filter(|a| a.vpc_id == vpc_id) {
        if existing.rule_id == *rule_id {
            return Err(ResolverError::RuleAlreadyAssociated {
                rule: rule_id.to_string(),
                vpc: vpc_id.to_string(),
            });
        }
        let same_domain = net
            .rules
            .iter()
            .any(|r| r.id == existing.rule_id && r.domain_name == rule.domain_name);
        if same_domain {
            return Err(ResolverError::SameDomainRule {
                vpc: vpc_id.to_string(),
                existing: existing.rule_id.to_string(),
                domain: rule.domain_name.clone(),
            });
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
        return Err(ResolverError::RuleLoop {
            rule: rule_id.to_string(),
            vpc: vpc_id.to_string(),
        });
    }
    Ok(RuleAssociation {
        id,
        rule_id: rule_id.clone(),
        vpc_id: vpc_id.into(),
        name,
        status: RuleAssociationStatus::Complete,
    })
}

/// DisassociateResolverRule: the association removed.
pub fn disassociate_rule(
    net: &NetworkContents,
    rule_id: &ResolverRuleId,
    vpc_id: &str,
) -> ResolverResult<RuleAssociation> {
    custom_rule(net, rule_id)?;
    net.rule_associations
        .iter()
        .find(|a| a.rule_id == *rule_id && a.vpc_id == vpc_id)
        .cloned()
        .ok_or_else(|| ResolverError::RuleNotAssociated {
            rule: rule_id.to_string(),
            vpc: vpc_id.to_string(),
        })
}
