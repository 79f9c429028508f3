//! The firewall on one query's way through a VPC's view: the query name checked first
//! (before the reply cache and any rule or zone), then the names the answer's CNAME/DNAME
//! chain leads to, unless a TRUST rule matched the query name ([ROUTE53-NEXT.md §E]).
//!
//! How a BLOCK is answered is the view's (`crate::vpc::answer`); this decides.

use std::sync::Arc;

use cairn_model::firewall::FirewallAction;
use cairn_wire::rtype;

use super::{ChainVerdict, FirewallHit, Rule, Undecided, VpcFirewall};
use crate::resolver::Record;

/// DNAME (RFC 6672).
const DNAME: u16 = 39;

/// What the firewall decided before resolution.
#[derive(Debug)]
pub enum Screened<'f> {
    /// Resolve: with the screen to check the answer's chain with (`None`: no firewall).
    Go(Option<Screen<'f>>),
    /// Answer with this rule's BLOCK response.
    Block(&'f Arc<Rule>),
    /// The firewall could not decide and the VPC fails closed: SERVFAIL.
    Undecided,
}

/// The firewall's state for one query being resolved.
#[derive(Debug)]
pub struct Screen<'f> {
    firewall: &'f VpcFirewall,
    /// Whether the chain's names are checked (no TRUST rule matched the query name).
    inspect: bool,
    /// The ALERT rule that matched, to report with the answer.
    alert: Option<&'f Arc<Rule>>,
    /// A BLOCK rule on AAAA held back for a DNS64 client: it applies only if the name has
    /// AAAA records of its own, never to synthesized ones.
    aaaa_block: Option<&'f Arc<Rule>>,
}

/// Checks `qname` (lowercase wire) asked with `qtype` against `firewall`, if the VPC has one.
/// `dns64`: the client's AAAA answers may be synthesized.
#[inline]
pub fn screen<'f>(
    firewall: Option<&'f VpcFirewall>,
    qname: &[u8],
    qtype: u16,
    dns64: bool,
) -> Screened<'f> {
    let Some(firewall) = firewall else {
        return Screened::Go(None);
    };
    let mut screen = Screen {
        firewall,
        inspect: true,
        alert: None,
        aaaa_block: None,
    };
    match firewall.check(qname, qtype) {
        Err(Undecided) => return Screened::Undecided,
        Ok(None) => {}
        Ok(Some(rule)) => match rule.action {
            FirewallAction::Block if dns64 && rule.qtype == Some(rtype::AAAA) => {
                screen.aaaa_block = Some(rule);
            }
            FirewallAction::Block => return Screened::Block(rule),
            FirewallAction::Alert => {
                screen.alert = Some(rule);
                screen.inspect = !rule.trust;
            }
            FirewallAction::Allow => screen.inspect = !rule.trust,
        },
    }
    Screened::Go(Some(screen))
}

impl<'f> Screen<'f> {
    /// The AAAA-only BLOCK rule held back for DNS64, to apply when `answer` (before any
    /// synthesis) has AAAA records of its own.
    pub fn aaaa_block(&self, answer: &[Record]) -> Option<&'f Arc<Rule>> {
        self.aaaa_block
            .filter(|_| answer.iter().any(|r| r.rtype == rtype::AAAA))
    }

    /// Checks the names the answer's chain leads to (see [`redirect_targets`]); an ALERT
    /// on one is remembered, a BLOCK or a failure to decide returned.
    pub fn chain<'n>(
        &mut self,
        targets: impl IntoIterator<Item = &'n [u8]>,
        qtype: u16,
    ) -> Result<(), Screened<'f>> {
        if !self.inspect {
            return Ok(());
        }
        match self.firewall.inspect(targets, qtype) {
            ChainVerdict::Pass(alert) => {
                if self.alert.is_none() {
                    self.alert = alert;
                }
                Ok(())
            }
            ChainVerdict::Block(rule) => Err(Screened::Block(rule)),
            ChainVerdict::Undecided => Err(Screened::Undecided),
        }
    }
}

/// What an answer that passed reports: the ALERT match, counted (an ALLOW is not reported).
pub fn passed(screen: Option<Screen<'_>>) -> Option<FirewallHit> {
    let rule = screen?.alert?;
    rule.group.count(FirewallAction::Alert);
    Some(FirewallHit(rule.clone()))
}

/// What a BLOCK reports, counted.
pub fn blocked(rule: &Arc<Rule>) -> FirewallHit {
    rule.group.count(FirewallAction::Block);
    FirewallHit(rule.clone())
}

/// The names `answer`'s CNAME and DNAME records lead to, lowercase, in order (no allocation
/// for an answer without any).
pub fn redirect_targets(answer: &[Record]) -> Vec<Box<[u8]>> {
    answer
        .iter()
        .filter(|r| matches!(r.rtype, rtype::CNAME | DNAME))
        .map(|r| cairn_wire::name::to_lowercase(r.rdata.bytes()).into())
        .collect()
}
