//! Public resolution and FORWARD rules behind one object, for the VPC resolver.
//!
//! Names no rule, private zone or autodefined domain covers go to the shared
//! [`Resolver`] (recursion or `--forwarder`). A FORWARD rule gets a resolver of its own,
//! made on first use and kept while the rule keeps the same targets and sources: it forwards
//! to the rule's targets (failing over between them) from the outbound endpoint's addresses,
//! and caches what they answer by TTL, apart from every other rule's answers (two VPCs may
//! forward the same domain to different servers).
//!
//! VPCs with DNSSEC validation on resolve public names through a [`Validator`] over a
//! second resolver that asks with DO=1 (its cache holds RRSIGs and NSEC/NSEC3 proofs): the
//! shared resolver, and what non-validating VPCs get, are untouched by it.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use cairn_model::ResolverRuleId;
use rustc_hash::FxHashMap;

use crate::resolver::validate::{TrustAnchors, Validated, Validator};
use crate::resolver::{Resolution, Resolver, ResolverConfig, Upstream};
use crate::view::CompiledRule;
use crate::vpc::answer::{BoxFuture, PublicResolver};

/// How many rule resolvers are kept at most; beyond it the map is cleared and refilled
/// (rules change rarely; this only bounds memory when they churn).
const MAX_RULE_RESOLVERS: usize = 4096;

/// A rule's resolver, with the targets and sources it was made for.
struct RuleResolver {
    targets: Vec<SocketAddr>,
    sources: Vec<IpAddr>,
    resolver: Arc<Resolver>,
}

/// The VPC resolver's way out: the shared resolver and one forwarder per FORWARD rule.
pub struct PublicDns {
    shared: Arc<Resolver>,
    /// For VPCs with DNSSEC validation on.
    validator: Arc<Validator>,
    template: ResolverConfig,
    /// By rule id: looked up by `&str` on every forwarded query, without copying the key.
    /// Fx-hashed: the ids are Cairn's own, not a client's.
    rules: Mutex<FxHashMap<ResolverRuleId, RuleResolver>>,
}

impl PublicDns {
    /// Public names go to `shared`; rule forwarders copy `template`'s limits. Validation
    /// starts from the IANA root anchors.
    pub fn new(shared: Arc<Resolver>) -> Self {
        Self::with_trust_anchors(shared, TrustAnchors::iana())
    }

    /// [`new`](Self::new), validating from `anchors` (`--trust-anchor`).
    pub fn with_trust_anchors(shared: Arc<Resolver>, anchors: TrustAnchors) -> Self {
        let template = shared.config().clone();
        let mut signed = template.clone();
        signed.dnssec_ok = true;
        let validator = Arc::new(Validator::new(Arc::new(Resolver::new(signed)), anchors));
        Self {
            shared,
            validator,
            template,
            rules: Mutex::new(FxHashMap::default()),
        }
    }

    /// The shared resolver (its counters are the public ones).
    pub fn shared(&self) -> &Arc<Resolver> {
        &self.shared
    }

    /// The validator of VPCs with DNSSEC validation on.
    pub fn validator(&self) -> &Arc<Validator> {
        &self.validator
    }

    fn rule_resolver(&self, rule: &CompiledRule) -> Arc<Resolver> {
        let mut rules = self
            .rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(known) = rules.get(rule.id.as_str()) {
            if known.targets == rule.targets && known.sources == rule.sources {
                return known.resolver.clone();
            }
        }
        // New, or its targets or sources changed: a fresh resolver (and cache) for it.
        if rules.len() >= MAX_RULE_RESOLVERS {
            rules.clear();
        }
        let mut config = self.template.clone();
        config.upstream = Upstream::Forwarders(rule.targets.clone());
        config.sources = rule.sources.clone();
        let resolver = Arc::new(Resolver::new(config));
        rules.insert(
            rule.id.clone(),
            RuleResolver {
                targets: rule.targets.clone(),
                sources: rule.sources.clone(),
                resolver: resolver.clone(),
            },
        );
        resolver
    }
}

impl PublicResolver for PublicDns {
    fn resolve<'a>(&'a self, qname: &'a [u8], qtype: u16) -> BoxFuture<'a, Resolution> {
        Box::pin(self.shared.resolve(qname, qtype))
    }

    fn resolve_validated<'a>(&'a self, qname: &'a [u8], qtype: u16) -> BoxFuture<'a, Validated> {
        Box::pin(self.validator.resolve(qname, qtype))
    }

    fn forward<'a>(
        &'a self,
        rule: &'a CompiledRule,
        qname: &'a [u8],
        qtype: u16,
    ) -> BoxFuture<'a, Resolution> {
        let resolver = self.rule_resolver(rule);
        Box::pin(async move { resolver.resolve(qname, qtype).await })
    }

    fn validating_resolver(&self) -> Arc<Resolver> {
        self.validator.resolver().clone()
    }

    fn resolver(&self, rule: Option<&CompiledRule>) -> Arc<Resolver> {
        match rule {
            Some(rule) => self.rule_resolver(rule),
            None => self.shared.clone(),
        }
    }
}
