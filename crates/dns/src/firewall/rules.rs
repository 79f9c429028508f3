//! One VPC's firewall: the rules of its associated rule groups in evaluation order
//! (association priority, then rule priority), and the first one that matches a name
//! ([ROUTE53.md §6.6], [ROUTE53-NEXT.md §E]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cairn_model::firewall::FirewallAction;
use cairn_wire::NameKey;

use super::domains::{DomainIndex, ListIx};

/// A rule group as the data plane counts it: its id and how many queries its rules blocked
/// or alerted on. Kept across recompiles while the group exists, so the counters only grow.
#[derive(Debug)]
pub struct Group {
    /// `rslvr-frg-…`.
    pub id: String,
    blocked: AtomicU64,
    alerted: AtomicU64,
}

impl Group {
    /// A group with zeroed counters.
    pub fn new(id: &str) -> Self {
        Self {
            id: id.to_string(),
            blocked: AtomicU64::new(0),
            alerted: AtomicU64::new(0),
        }
    }

    /// Queries answered with one of this group's BLOCK responses.
    pub fn blocked(&self) -> u64 {
        self.blocked.load(Ordering::Relaxed)
    }

    /// Queries resolved with one of this group's ALERT rules matched.
    pub fn alerted(&self) -> u64 {
        self.alerted.load(Ordering::Relaxed)
    }

    pub(crate) fn count(&self, action: FirewallAction) {
        match action {
            FirewallAction::Block => self.blocked.fetch_add(1, Ordering::Relaxed),
            FirewallAction::Alert => self.alerted.fetch_add(1, Ordering::Relaxed),
            FirewallAction::Allow => return,
        };
    }
}

/// How a BLOCK rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// NOERROR, no answer records.
    NoData,
    /// NXDOMAIN.
    NxDomain,
    /// `qname CNAME target` with `ttl`, the target then resolved in the same view.
    Override {
        /// `BlockOverrideDomain`, lowercase wire.
        target: NameKey,
        /// `BlockOverrideTtl`.
        ttl: u32,
    },
}

/// One rule, compiled.
#[derive(Debug)]
pub struct Rule {
    /// Its group.
    pub group: Arc<Group>,
    /// `FirewallDomainListId`.
    pub domain_list_id: String,
    /// `Action`.
    pub action: FirewallAction,
    /// The BLOCK response (`NoData` for other actions).
    pub block: Block,
    /// `TRUST_REDIRECTION_DOMAIN`: the names a CNAME or DNAME chain leads to are not checked
    /// once this rule matched the query name.
    pub trust: bool,
    /// `Qtype`: the one type the rule applies to; `None` for all.
    pub qtype: Option<u16>,
    /// Its list in the [`DomainIndex`]; `None` when the list cannot be evaluated (missing
    /// from the store's contents, or still importing).
    pub(crate) list: Option<ListIx>,
}

impl Rule {
    fn applies_to(&self, qtype: u16) -> bool {
        self.qtype.is_none_or(|t| t == qtype)
    }
}

/// The firewall could not decide for a name: a rule it would have to evaluate first cannot
/// be, and the VPC fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecided;

/// One VPC's firewall, compiled when the snapshot is built.
#[derive(Debug)]
pub struct VpcFirewall {
    index: Arc<DomainIndex>,
    /// Every rule of every associated group, in evaluation order.
    rules: Box<[Arc<Rule>]>,
    /// By [`ListIx`]: the positions in `rules` of the rules using that list, ascending.
    by_list: Box<[Box<[u32]>]>,
    /// The first rule that cannot be evaluated, if any.
    first_undecidable: Option<u32>,
    /// `FirewallFailOpen` ENABLED: rules that cannot be evaluated are passed over.
    fail_open: bool,
}

impl VpcFirewall {
    /// A VPC's firewall over `index`, with `rules` already in evaluation order.
    pub fn new(
        index: Arc<DomainIndex>,
        rules: Vec<Arc<Rule>>,
        lists: usize,
        fail_open: bool,
    ) -> Self {
        let mut by_list: Vec<Vec<u32>> = vec![Vec::new(); lists];
        let mut first_undecidable = None;
        for (position, rule) in rules.iter().enumerate() {
            let position = position as u32;
            match rule.list {
                Some(list) => by_list[list as usize].push(position),
                None => {
                    first_undecidable.get_or_insert(position);
                }
            }
        }
        Self {
            index,
            rules: rules.into(),
            by_list: by_list.into_iter().map(Into::into).collect(),
            first_undecidable,
            fail_open,
        }
    }

    /// The first rule that matches `name` (lowercase wire) asked with `qtype`, or `None` for
    /// normal resolution. Costs one hash lookup per label of `name`, then a look at the
    /// rules of the lists that hold it.
    pub fn check(&self, name: &[u8], qtype: u16) -> Result<Option<&Arc<Rule>>, Undecided> {
        let mut best = u32::MAX;
        self.index.for_each_hit(name, |lists| {
            for &list in lists {
                let Some(positions) = self.by_list.get(list as usize) else {
                    continue;
                };
                for &position in positions.iter() {
                    if position >= best {
                        break;
                    }
                    if self.rules[position as usize].applies_to(qtype) {
                        best = position;
                        break;
                    }
                }
            }
        });
        if !self.fail_open && self.first_undecidable.is_some_and(|u| u < best) {
            return Err(Undecided);
        }
        Ok(self.rules.get(best as usize))
    }

    /// The rules in evaluation order.
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// Whether rules that cannot be evaluated are passed over (`FirewallFailOpen` ENABLED).
    pub fn fail_open(&self) -> bool {
        self.fail_open
    }
}
