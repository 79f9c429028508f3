//! Views: what one VPC's resolver sees (DESIGN.md §2, ROUTE53.md §5–6).
//!
//! A [`VpcView`] is compiled from the store's networks and the snapshot's zones whenever
//! either changes: the VPC's blocks and DNS attributes, and its associated private zones by
//! apex. [`Views`] finds the view for a client by its source address (longest CIDR match),
//! which is how the shared `--resolver-listen` addresses choose.

use std::net::IpAddr;
use std::sync::Arc;

use std::net::SocketAddr;

use cairn_model::network::{IngressRule, NetworkContents, Subnet, Vpc};
use cairn_model::resolver::{EndpointDirection, ResolverEndpointId, ResolverRuleId, RuleType};
use cairn_model::HostedZoneId;
use cairn_wire::name::is_at_or_below;
use cairn_wire::NameKey;
use ipnet::IpNet;
use rustc_hash::FxHashMap;

use crate::firewall::{CompiledFirewall, VpcFirewall};
use crate::zone::CompiledZone;

/// One VPC as its resolver sees it.
#[derive(Debug)]
pub struct VpcView {
    /// The VPC.
    pub vpc: Vpc,
    /// Its subnets (DNS64 is set per subnet).
    pub subnets: Vec<Subnet>,
    /// Associated private zones by apex. Route 53 refuses a second
    /// association of the same name (ConflictingDomainExists); were there two, the oldest wins.
    pub private_zones: FxHashMap<NameKey, Arc<CompiledZone>>,
    /// The domain EC2 hostnames live under in this VPC's region (`ec2.internal` in
    /// us-east-1, `<region>.compute.internal` elsewhere).
    pub hostname_domain: NameKey,
    /// Resolver rules associated with the VPC, directly or through a profile, longest domain
    /// first; one per domain (a VPC-local rule beats a profile's).
    pub rules: Vec<Arc<CompiledRule>>,
    /// `AutodefinedReverse`: whether the autodefined reverse zones are answered.
    pub autodefined_reverse: bool,
    /// DNSSEC validation of public answers (UpdateResolverDnssecConfig, issue 18).
    pub dnssec_validation: bool,
    /// Its DNS Firewall, when a rule group is associated with it (none: nothing checked).
    pub firewall: Option<Arc<VpcFirewall>>,
}

/// A Resolver rule as a view applies it.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule id (also the cache namespace of what it forwards).
    pub id: ResolverRuleId,
    /// Its domain (the root for ".").
    pub domain: NameKey,
    /// FORWARD, SYSTEM or RECURSIVE.
    pub rule_type: RuleType,
    /// FORWARD: where queries go.
    pub targets: Vec<SocketAddr>,
    /// FORWARD: the outbound endpoint's addresses queries leave from (empty: any).
    pub sources: Vec<std::net::IpAddr>,
}

/// An inbound endpoint: addresses that answer in their VPC's view for clients outside it.
#[derive(Debug)]
pub struct InboundEndpoint {
    /// `rslvr-in-…`.
    pub id: ResolverEndpointId,
    /// The VPC whose view answers.
    pub vpc_id: String,
    /// The addresses it listens on.
    pub addresses: Vec<std::net::IpAddr>,
    /// Ingress rules of its security groups: a source they do not admit gets no answer.
    pub ingress: Vec<IngressRule>,
    /// Synthesize AAAA (RFC 6147) for queries arriving here.
    pub dns64: bool,
    /// `Protocols` has Do53: plain DNS on UDP and TCP.
    pub do53: bool,
    /// `Protocols` has DoH or DoH-FIPS: DNS over HTTPS (crate::vpc::doh).
    pub doh: bool,
}

impl InboundEndpoint {
    /// Whether the security groups let `source` reach `port` over `protocol`
    /// (`"udp"`/`"tcp"`). The rules are checked against the service's well-known port (53
    /// for Do53, 443 for DoH), whatever port Cairn binds, as they would be on Route 53.
    pub fn admits(&self, protocol: &str, port: u16, source: IpAddr) -> bool {
        let source = unmap(source);
        self.ingress
            .iter()
            .any(|rule| rule.admits(protocol, port, source))
    }
}

impl VpcView {
    /// Whether the resolver answers at all (`enableDnsSupport`).
    pub fn answers(&self) -> bool {
        self.vpc.enable_dns_support
    }

    /// Whether private zones and EC2 hostnames are resolved: Route 53 needs both
    /// `enableDnsSupport` and `enableDnsHostnames` ([ROUTE53.md §5.2]).
    pub fn private_dns(&self) -> bool {
        self.vpc.enable_dns_support && self.vpc.enable_dns_hostnames
    }

    /// The private zone closest enclosing `qname` (lowercase wire), if any.
    pub fn find_private_zone(&self, qname: &[u8]) -> Option<&Arc<CompiledZone>> {
        let mut name = qname;
        loop {
            if let Some(zone) = self.private_zones.get(name) {
                return Some(zone);
            }
            if name.first().copied().unwrap_or(0) == 0 {
                return None;
            }
            name = &name[1 + name[0] as usize..];
        }
    }

    /// The rule with the longest domain covering `qname` (lowercase wire), if any.
    pub fn find_rule(&self, qname: &[u8]) -> Option<&Arc<CompiledRule>> {
        self.rules.iter().find(|r| is_at_or_below(qname, &r.domain))
    }

    /// Whether a client at `source` sits in a subnet with DNS64 on.
    pub fn dns64_for(&self, source: IpAddr) -> bool {
        self.subnets.iter().any(|s| {
            s.enable_dns64
                && (IpNet::from(s.cidr_block).contains(&source)
                    || s.ipv6_cidr_block
                        .is_some_and(|b| IpNet::from(b).contains(&source)))
        })
    }
}

/// Every VPC's view, and the index that picks one by source address.
#[derive(Debug, Default)]
pub struct Views {
    /// Views by VPC id.
    pub by_id: FxHashMap<String, Arc<VpcView>>,
    /// Every block of every VPC with its view, longest prefix first (then oldest VPC).
    by_block: Vec<(IpNet, Arc<VpcView>)>,
    /// Inbound endpoints by id.
    pub inbound: FxHashMap<ResolverEndpointId, Arc<InboundEndpoint>>,
}

impl Views {
    /// Compiles the views of `network`, with private zones taken from `zones` (and no
    /// firewall).
    pub fn compile(
        network: &NetworkContents,
        zones: &FxHashMap<HostedZoneId, Arc<CompiledZone>>,
    ) -> Self {
        Self::compile_with(network, zones, &CompiledFirewall::default())
    }

    /// [`compile`](Self::compile), each view carrying its VPC's firewall from `firewall`.
    pub fn compile_with(
        network: &NetworkContents,
        zones: &FxHashMap<HostedZoneId, Arc<CompiledZone>>,
        firewall: &CompiledFirewall,
    ) -> Self {
        let mut by_id = FxHashMap::default();
        for vpc in &network.vpcs {
            // Profiles associated with the VPC (lowest priority value first in Route 53; the
            // store keeps one or two): their zones and rules join the VPC's own.
            let profiles: Vec<&str> = network
                .profile_associations
                .iter()
                .filter(|a| a.vpc_id == vpc.id)
                .map(|a| a.profile_id.as_str())
                .collect();
            let from_profiles = |kind: &str| -> Vec<&str> {
                network
                    .profile_resources
                    .iter()
                    .filter(|r| {
                        r.resource_type == kind && profiles.contains(&r.profile_id.as_str())
                    })
                    .map(|r| r.resource_id.as_str())
                    .collect()
            };
            let mut private_zones: FxHashMap<NameKey, Arc<CompiledZone>> = FxHashMap::default();
            let local_zones = network
                .associations
                .iter()
                .filter(|a| a.vpc_id == vpc.id)
                .map(|a| &a.zone_id);
            for zone_id in local_zones {
                let Some(zone) = zones.get(zone_id).filter(|z| z.private) else {
                    continue;
                };
                let entry = private_zones
                    .entry(zone.apex.clone())
                    .or_insert_with(|| zone.clone());
                if (zone.created_at_ms, &zone.id) < (entry.created_at_ms, &entry.id) {
                    *entry = zone.clone();
                }
            }
            // A profile's zone never displaces the VPC's own zone of the same name.
            for zone_id in from_profiles("HOSTED_ZONE") {
                let Some(zone) = zones.get(&HostedZoneId::new(zone_id)).filter(|z| z.private)
                else {
                    continue;
                };
                private_zones
                    .entry(zone.apex.clone())
                    .or_insert_with(|| zone.clone());
            }
            let local_rules = network
                .rule_associations
                .iter()
                .filter(|a| a.vpc_id == vpc.id)
                .map(|a| a.rule_id.as_str());
            let profile_rules = from_profiles("RESOLVER_RULE");
            let mut rules: Vec<Arc<CompiledRule>> = Vec::new();
            for rule_id in local_rules.chain(profile_rules) {
                let Some(rule) = network.rules.iter().find(|r| r.id == rule_id) else {
                    continue;
                };
                // Stored rule domains are validated names without escapes.
                let Ok(domain) = NameKey::from_text(&rule.domain_name) else {
                    tracing::warn!(rule = %rule.id, domain = %rule.domain_name, "rule domain is not a name; rule not applied");
                    continue;
                };
                // The first rule for a domain (the VPC's own, before any profile's) wins.
                if rules.iter().any(|r| r.domain == domain) {
                    continue;
                }
                let sources = rule
                    .resolver_endpoint_id
                    .as_ref()
                    .and_then(|id| network.endpoints.iter().find(|e| &e.id == id))
                    .map(|e| e.addresses.iter().flat_map(|a| a.addresses()).collect())
                    .unwrap_or_default();
                rules.push(Arc::new(CompiledRule {
                    id: rule.id.clone(),
                    domain,
                    rule_type: rule.rule_type,
                    targets: rule
                        .targets
                        .iter()
                        .filter_map(|t| t.socket_addr())
                        .collect(),
                    sources,
                }));
            }
            rules.sort_by_key(|r| std::cmp::Reverse(r.domain.len()));
            let autodefined_reverse = network
                .resolver_configs
                .iter()
                .find(|c| c.resource_id == vpc.id)
                .is_none_or(|c| c.autodefined_reverse);
            let dnssec_validation = network
                .resolver_dnssec_configs
                .iter()
                .any(|c| c.resource_id == vpc.id && c.validation);
            let view = VpcView {
                vpc: vpc.clone(),
                subnets: network
                    .subnets
                    .iter()
                    .filter(|s| s.vpc_id == vpc.id)
                    .cloned()
                    .collect(),
                private_zones,
                hostname_domain: hostname_domain(&vpc.region),
                rules,
                autodefined_reverse,
                dnssec_validation,
                firewall: firewall.for_vpc(&vpc.id).cloned(),
            };
            by_id.insert(vpc.id.clone(), Arc::new(view));
        }
        let mut inbound = FxHashMap::default();
        for endpoint in network
            .endpoints
            .iter()
            .filter(|e| e.direction == EndpointDirection::Inbound)
        {
            let ingress = network
                .security_groups
                .iter()
                .filter(|g| endpoint.security_group_ids.contains(&g.id))
                .flat_map(|g| g.ingress.iter().cloned())
                .collect();
            inbound.insert(
                endpoint.id.clone(),
                Arc::new(InboundEndpoint {
                    id: endpoint.id.clone(),
                    vpc_id: endpoint.host_vpc_id.clone(),
                    addresses: endpoint
                        .addresses
                        .iter()
                        .flat_map(|a| a.addresses())
                        .collect(),
                    ingress,
                    dns64: endpoint.dns64_enabled,
                    // No protocols stored means the default, Do53.
                    do53: endpoint.protocols.is_empty()
                        || endpoint.protocols.iter().any(|p| p == "Do53"),
                    doh: endpoint
                        .protocols
                        .iter()
                        .any(|p| p == "DoH" || p == "DoH-FIPS"),
                }),
            );
        }
        let mut by_block: Vec<(IpNet, Arc<VpcView>)> = by_id
            .values()
            .flat_map(|view| {
                view.vpc
                    .cidr_blocks()
                    .into_iter()
                    .map(move |b| (b, view.clone()))
            })
            .collect();
        by_block.sort_by(|(a, va), (b, vb)| {
            b.prefix_len()
                .cmp(&a.prefix_len())
                .then(va.vpc.created_at_ms.cmp(&vb.vpc.created_at_ms))
                .then(va.vpc.id.cmp(&vb.vpc.id))
        });
        Self {
            by_id,
            by_block,
            inbound,
        }
    }

    /// The view of the VPC whose block holds `source` most specifically; `None` for a source
    /// in no VPC.
    pub fn for_source(&self, source: IpAddr) -> Option<&Arc<VpcView>> {
        let source = unmap(source);
        self.by_block
            .iter()
            .find(|(block, _)| block.contains(&source))
            .map(|(_, view)| view)
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it carries (dual-stack sockets).
pub fn unmap(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

/// `ec2.internal` in us-east-1, `<region>.compute.internal` elsewhere.
pub fn hostname_domain(region: &str) -> NameKey {
    if region == "us-east-1" {
        return NameKey::from_text("ec2.internal").expect("a name");
    }
    // Any region name is accepted in a SigV4 scope; empty labels in it are skipped.
    let labels: Vec<&str> = region.split('.').filter(|l| !l.is_empty()).collect();
    NameKey::from_text(&format!("{}.compute.internal", labels.join("."))).unwrap_or_else(|e| {
        tracing::warn!(region, error = %e, "region does not make a hostname domain");
        NameKey::from_text("compute.internal").expect("a name")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc(id: &str, cidr: &str, created: i64) -> Vpc {
        Vpc {
            id: id.into(),
            region: "us-east-1".into(),
            owner_account: "123456789012".into(),
            cidr_block: cidr.parse().unwrap(),
            secondary_cidr_blocks: vec![],
            ipv6_cidr_block: None,
            enable_dns_support: true,
            enable_dns_hostnames: true,
            is_default: false,
            created_at_ms: created,
        }
    }

    #[test]
    fn the_longest_block_holding_the_source_chooses_the_view() {
        let network = NetworkContents {
            vpcs: vec![
                vpc("vpc-wide", "127.10.0.0/16", 1),
                vpc("vpc-narrow", "127.10.5.0/24", 2),
            ],
            ..Default::default()
        };
        let views = Views::compile(&network, &FxHashMap::default());
        let pick = |a: &str| {
            views
                .for_source(a.parse().unwrap())
                .map(|v| v.vpc.id.clone())
        };
        assert_eq!(pick("127.10.5.9").as_deref(), Some("vpc-narrow"));
        assert_eq!(pick("127.10.6.9").as_deref(), Some("vpc-wide"));
        assert_eq!(pick("::ffff:127.10.6.9").as_deref(), Some("vpc-wide"));
        assert_eq!(pick("127.11.0.1"), None);
    }

    #[test]
    fn hostname_domains_follow_the_region() {
        assert_eq!(&*hostname_domain("us-east-1"), b"\x03ec2\x08internal\x00");
        assert_eq!(
            &*hostname_domain("eu-west-1"),
            b"\x09eu-west-1\x07compute\x08internal\x00"
        );
    }
}
