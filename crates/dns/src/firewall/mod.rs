//! Route 53 Resolver DNS Firewall, the data plane ([ROUTE53.md §6.6], [ROUTE53-NEXT.md §E]).
//!
//! The store's [`FirewallContents`] is compiled when a snapshot is built, never on the query
//! path, into a [`CompiledFirewall`]:
//! - [`domains`]: one [`DomainIndex`] of every domain of every list a rule uses (one hash
//!   lookup per label of the query name, however many domains);
//! - [`rules`]: per VPC with at least one rule-group association, a [`VpcFirewall`] holding
//!   its rules in evaluation order; each `VpcView` carries its own, so a VPC with no
//!   association pays nothing at all.
//!
//! How a verdict becomes an answer (BLOCK responses, CNAME/DNAME chains, DNS64, the reply
//! cache) is the VPC view's: `crate::vpc::answer`.

pub mod domains;
mod names;
pub mod rules;
pub mod screen;

use std::sync::Arc;

use cairn_model::firewall::{
    BlockResponse, DomainListStatus, FailOpen, FirewallAction, FirewallContents, RedirectionAction,
};
use cairn_wire::NameKey;
use rustc_hash::FxHashMap;

pub use domains::DomainIndex;
pub use rules::{Block, Group, Rule, Undecided, VpcFirewall};

use domains::{DomainIndexBuilder, ListIx};

/// Every VPC's compiled firewall at one position of the change log.
#[derive(Debug, Default)]
pub struct CompiledFirewall {
    /// By VPC id: only VPCs with at least one rule-group association.
    pub by_vpc: FxHashMap<String, Arc<VpcFirewall>>,
    /// Every rule group any VPC uses, by id (their counters, for the metrics exporter).
    pub groups: FxHashMap<String, Arc<Group>>,
    /// The domain index every VPC's firewall shares.
    pub index: Arc<DomainIndex>,
}

impl CompiledFirewall {
    /// Compiles `contents`. Rule groups that `previous` counted keep their counters.
    pub fn compile(contents: &FirewallContents, previous: &CompiledFirewall) -> Self {
        let lists: FxHashMap<&str, _> = contents
            .domain_lists
            .iter()
            .map(|l| (l.id.as_str(), l))
            .collect();
        let domains: FxHashMap<&str, &Vec<String>> = contents
            .domains
            .iter()
            .map(|(id, names)| (id.as_str(), names))
            .collect();
        let known_groups: FxHashMap<&str, _> = contents
            .rule_groups
            .iter()
            .map(|g| (g.id.as_str(), g))
            .collect();
        // Each group's rules, lowest priority first.
        let mut group_rules: FxHashMap<&str, Vec<&cairn_model::firewall::FirewallRule>> =
            FxHashMap::default();
        for rule in &contents.rules {
            group_rules
                .entry(rule.rule_group_id.as_str())
                .or_default()
                .push(rule);
        }
        for rules in group_rules.values_mut() {
            rules.sort_by_key(|r| (r.priority, r.domain_list_id.as_str(), r.qtype));
        }
        // Each VPC's associations, lowest priority first.
        let mut vpc_groups: FxHashMap<
            &str,
            Vec<&cairn_model::firewall::FirewallRuleGroupAssociation>,
        > = FxHashMap::default();
        for association in &contents.associations {
            if known_groups.contains_key(association.rule_group_id.as_str()) {
                vpc_groups
                    .entry(association.vpc_id.as_str())
                    .or_default()
                    .push(association);
            }
        }
        for associations in vpc_groups.values_mut() {
            associations.sort_by_key(|a| (a.priority, a.id.as_str()));
        }

        // Only lists some associated group's rule uses are indexed.
        let mut builder = DomainIndexBuilder::default();
        let mut list_ix: FxHashMap<&str, Option<ListIx>> = FxHashMap::default();
        let mut groups: FxHashMap<String, Arc<Group>> = FxHashMap::default();
        for associations in vpc_groups.values() {
            for association in associations {
                let group_id = association.rule_group_id.as_str();
                groups.entry(group_id.to_string()).or_insert_with(|| {
                    previous
                        .groups
                        .get(group_id)
                        .cloned()
                        .unwrap_or_else(|| Arc::new(Group::new(group_id)))
                });
                for rule in group_rules.get(group_id).into_iter().flatten() {
                    let id = rule.domain_list_id.as_str();
                    if list_ix.contains_key(id) {
                        continue;
                    }
                    let ix = match lists.get(id) {
                        // Cairn cannot know what a list being imported will hold, nor what a
                        // list it does not have holds: rules on them cannot be evaluated.
                        None => None,
                        Some(list) if list.status == DomainListStatus::Importing => None,
                        Some(_) => {
                            let names = domains.get(id).map_or(&[][..], |d| d.as_slice());
                            let (ix, added) = builder.add_list(names.iter().map(String::as_str));
                            if added.skipped > 0 {
                                tracing::warn!(
                                    list = id,
                                    skipped = added.skipped,
                                    "domain list entries that are not names were skipped"
                                );
                            }
                            Some(ix)
                        }
                    };
                    list_ix.insert(id, ix);
                }
            }
        }
        let lists_indexed = list_ix.values().flatten().count();
        let index = Arc::new(builder.finish());

        // Rules are compiled once per group and shared by every VPC that uses it.
        let mut compiled_groups: FxHashMap<&str, Vec<Arc<Rule>>> = FxHashMap::default();
        let mut by_vpc = FxHashMap::default();
        for (vpc, associations) in &vpc_groups {
            let mut rules = Vec::new();
            for association in associations {
                let group_id = association.rule_group_id.as_str();
                let compiled = compiled_groups.entry(group_id).or_insert_with(|| {
                    group_rules
                        .get(group_id)
                        .into_iter()
                        .flatten()
                        .map(|rule| {
                            let list = list_ix.get(rule.domain_list_id.as_str()).copied().flatten();
                            let (block, overridable) = block_of(rule);
                            Arc::new(Rule {
                                group: groups[group_id].clone(),
                                domain_list_id: rule.domain_list_id.clone(),
                                action: rule.action,
                                block,
                                trust: rule.redirection_action == RedirectionAction::Trust,
                                qtype: rule.qtype,
                                // An OVERRIDE without a usable domain cannot answer.
                                list: list.filter(|_| overridable),
                            })
                        })
                        .collect()
                });
                rules.extend(compiled.iter().cloned());
            }
            let fail_open = contents
                .configs
                .iter()
                .find(|c| c.vpc_id == *vpc)
                .is_some_and(|c| c.fail_open == FailOpen::Enabled);
            by_vpc.insert(
                vpc.to_string(),
                Arc::new(VpcFirewall::new(
                    index.clone(),
                    rules,
                    lists_indexed,
                    fail_open,
                )),
            );
        }
        Self {
            by_vpc,
            groups,
            index,
        }
    }

    /// The firewall of VPC `id`, if it has any rule-group association.
    pub fn for_vpc(&self, id: &str) -> Option<&Arc<VpcFirewall>> {
        self.by_vpc.get(id)
    }

    /// Appends `cairn_firewall_queries_total`, by rule group and action (BLOCK, ALERT), in
    /// Prometheus text format: read from the groups' counters at scrape time.
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write;
        crate::metrics::header(
            out,
            "cairn_firewall_queries_total",
            "Queries a DNS Firewall rule blocked or alerted on, by rule group.",
            "counter",
        );
        let mut groups: Vec<&Arc<Group>> = self.groups.values().collect();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        for group in groups {
            for (action, count) in [("BLOCK", group.blocked()), ("ALERT", group.alerted())] {
                // Rule-group ids are Cairn's own (`rslvr-frg-` and hex): nothing to escape.
                let _ = writeln!(
                    out,
                    "cairn_firewall_queries_total{{rule_group_id=\"{}\",action=\"{action}\"}} {count}",
                    group.id
                );
            }
        }
    }
}

/// Hands the memory a firewall recompile freed back to the system. The lists are loaded
/// and indexed on blocking-pool threads, each with its own glibc arena, and glibc keeps what
/// is freed in an arena: after a hundred recompiles of 100,000 domains the process held
/// about twice the index in freed memory (BENCHMARKS.md, issue 13). Called once the old
/// firewall is dropped; costs a walk of the allocator's free lists, once per firewall write.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only returns free pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The rule's BLOCK response, and whether it can be given (an OVERRIDE needs a domain).
fn block_of(rule: &cairn_model::firewall::FirewallRule) -> (Block, bool) {
    if rule.action != FirewallAction::Block {
        return (Block::NoData, true);
    }
    match rule.block_response {
        // BlockResponse is required with BLOCK; the API enforces it.
        None | Some(BlockResponse::NoData) => (Block::NoData, true),
        Some(BlockResponse::NxDomain) => (Block::NxDomain, true),
        Some(BlockResponse::Override) => {
            match rule
                .block_override_domain
                .as_deref()
                .map(NameKey::from_text)
            {
                Some(Ok(target)) => (
                    Block::Override {
                        target,
                        ttl: rule.block_override_ttl.unwrap_or(0),
                    },
                    true,
                ),
                _ => (Block::NoData, false),
            }
        }
    }
}

/// An ALERT or BLOCK match, carried with the answer to the query record.
#[derive(Debug, Clone)]
pub struct FirewallHit(pub Arc<Rule>);

impl PartialEq for FirewallHit {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for FirewallHit {}

impl FirewallHit {
    /// What a query log writes of it.
    pub fn log(&self) -> FirewallLog<'_> {
        FirewallLog {
            rule_group_id: &self.0.group.id,
            domain_list_id: &self.0.domain_list_id,
            action: self.0.action,
        }
    }
}

/// The firewall fields of a Resolver query-log record (ALERT and BLOCK matches only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirewallLog<'a> {
    /// `firewall_rule_group_id`.
    pub rule_group_id: &'a str,
    /// `firewall_domain_list_id`.
    pub domain_list_id: &'a str,
    /// `firewall_rule_action`: ALERT or BLOCK.
    pub action: FirewallAction,
}

/// What checking the names of a CNAME/DNAME chain found.
#[derive(Debug)]
pub enum ChainVerdict<'f> {
    /// Nothing blocks; the first ALERT match, if any.
    Pass(Option<&'f Arc<Rule>>),
    /// This rule blocks a name of the chain: the whole answer gets its response.
    Block(&'f Arc<Rule>),
    /// A name could not be evaluated, and the VPC fails closed.
    Undecided,
}

impl VpcFirewall {
    /// Checks each of `targets` (lowercase wire names a chain leads to, in chain order) as
    /// if it had been asked with `qtype`. A TRUST rule matching a target ends the
    /// inspection there: what it leads to is trusted too.
    pub fn inspect<'n>(
        &self,
        targets: impl IntoIterator<Item = &'n [u8]>,
        qtype: u16,
    ) -> ChainVerdict<'_> {
        let mut alert = None;
        for target in targets {
            match self.check(target, qtype) {
                Err(Undecided) => return ChainVerdict::Undecided,
                Ok(None) => {}
                Ok(Some(rule)) => {
                    match rule.action {
                        FirewallAction::Block => return ChainVerdict::Block(rule),
                        FirewallAction::Alert => {
                            alert.get_or_insert(rule);
                        }
                        FirewallAction::Allow => {}
                    }
                    if rule.trust {
                        break;
                    }
                }
            }
        }
        ChainVerdict::Pass(alert)
    }
}

#[cfg(test)]
mod tests;
