//! Matching and evaluation order, on contents built as the store would hand them over.

use super::*;
use cairn_model::firewall::{
    FirewallConfig, FirewallDomainList, FirewallRule, FirewallRuleGroup,
    FirewallRuleGroupAssociation, FirewallStatus, MutationProtection,
};
use cairn_model::resolver_status::ShareStatus;
use cairn_wire::rtype;

const VPC: &str = "vpc-1";

/// FirewallContents, built a piece at a time.
#[derive(Default)]
pub(crate) struct Fw(pub(crate) FirewallContents);

impl Fw {
    pub(crate) fn list(mut self, id: &str, domains: &[&str]) -> Self {
        self.0.domain_lists.push(FirewallDomainList {
            id: id.into(),
            name: id.into(),
            creator_request_id: String::new(),
            status: DomainListStatus::Complete,
            status_message: None,
            managed_owner_name: None,
            domain_count: domains.len() as u32,
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        self.0
            .domains
            .push((id.into(), domains.iter().map(|d| d.to_string()).collect()));
        self
    }

    /// Group `group` associated with `vpc` at `priority`.
    pub(crate) fn group(mut self, vpc: &str, group: &str, priority: i32) -> Self {
        if !self.0.rule_groups.iter().any(|g| g.id == group) {
            self.0.rule_groups.push(FirewallRuleGroup {
                id: group.into(),
                name: group.into(),
                creator_request_id: String::new(),
                status: FirewallStatus::Complete,
                share_status: ShareStatus::NotShared,
                owner_account: "111111111111".into(),
                created_at_ms: 0,
                modified_at_ms: 0,
            });
        }
        self.0.associations.push(FirewallRuleGroupAssociation {
            id: format!("rslvr-frgassoc-{vpc}-{group}"),
            rule_group_id: group.into(),
            vpc_id: vpc.into(),
            name: group.into(),
            priority,
            mutation_protection: MutationProtection::Disabled,
            status: FirewallStatus::Complete,
            creator_request_id: String::new(),
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        self
    }

    pub(crate) fn rule(
        mut self,
        group: &str,
        list: &str,
        priority: i32,
        action: FirewallAction,
        block: Option<BlockResponse>,
    ) -> Self {
        self.0.rules.push(FirewallRule {
            rule_group_id: group.into(),
            domain_list_id: list.into(),
            name: format!("{group}-{priority}"),
            priority,
            action,
            block_response: block,
            block_override_domain: None,
            block_override_ttl: None,
            redirection_action: RedirectionAction::Inspect,
            qtype: None,
            creator_request_id: String::new(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        self
    }

    /// Changes the last rule added.
    pub(crate) fn with(mut self, change: impl FnOnce(&mut FirewallRule)) -> Self {
        change(self.0.rules.last_mut().expect("a rule"));
        self
    }

    pub(crate) fn fail_open(mut self, vpc: &str) -> Self {
        self.0.configs.push(FirewallConfig {
            id: format!("rslvr-fc-{vpc}"),
            vpc_id: vpc.into(),
            fail_open: FailOpen::Enabled,
            owner_account: "111111111111".into(),
        });
        self
    }

    pub(crate) fn compile(&self) -> CompiledFirewall {
        CompiledFirewall::compile(&self.0, &CompiledFirewall::default())
    }
}

fn wire(text: &str) -> Vec<u8> {
    NameKey::from_text(text).unwrap().to_vec()
}

/// The matching rule's (group, list, action) for `name`/`qtype` in VPC, or "undecided".
fn verdict(
    fw: &CompiledFirewall,
    name: &str,
    qtype: u16,
) -> Option<(String, String, FirewallAction)> {
    let vpc = fw.for_vpc(VPC).expect("the VPC has a firewall");
    vpc.check(&wire(name), qtype)
        .expect("decided")
        .map(|r| (r.group.id.clone(), r.domain_list_id.clone(), r.action))
}

fn action(fw: &CompiledFirewall, name: &str, qtype: u16) -> Option<FirewallAction> {
    verdict(fw, name, qtype).map(|(_, _, a)| a)
}

use FirewallAction::{Alert, Allow, Block as Blk};

#[test]
fn exact_wildcard_star_case_and_trailing_dot() {
    let fw = Fw::default()
        .list("exact", &["bad.example"])
        .list("below", &["*.evil.example"])
        .group(VPC, "g", 100)
        .rule("g", "exact", 1, Blk, Some(BlockResponse::NxDomain))
        .rule("g", "below", 2, Alert, None)
        .compile();
    assert_eq!(action(&fw, "bad.example", rtype::A), Some(Blk));
    assert_eq!(action(&fw, "BAD.Example.", rtype::A), Some(Blk));
    assert_eq!(action(&fw, "www.bad.example", rtype::A), None, "exact only");
    assert_eq!(
        action(&fw, "evil.example", rtype::A),
        None,
        "strictly below"
    );
    assert_eq!(action(&fw, "a.evil.example", rtype::A), Some(Alert));
    assert_eq!(action(&fw, "x.y.z.EVIL.example", rtype::TXT), Some(Alert));
    assert_eq!(action(&fw, "good.example", rtype::A), None);

    let star = Fw::default()
        .list("all", &["*"])
        .group(VPC, "g", 100)
        .rule("g", "all", 1, Blk, Some(BlockResponse::NoData))
        .compile();
    assert_eq!(action(&star, "anything.at.all", rtype::A), Some(Blk));
    assert_eq!(action(&star, "com", rtype::MX), Some(Blk));
}

#[test]
fn a_qtype_rule_applies_to_that_type_only() {
    let fw = Fw::default()
        .list("l", &["v6.example"])
        .group(VPC, "g", 100)
        .rule("g", "l", 1, Blk, Some(BlockResponse::NxDomain))
        .with(|r| r.qtype = Some(rtype::AAAA))
        .rule("g", "l", 2, Alert, None)
        .compile();
    assert_eq!(action(&fw, "v6.example", rtype::AAAA), Some(Blk));
    assert_eq!(action(&fw, "v6.example", rtype::A), Some(Alert));
}

#[test]
fn priorities_order_rules_within_a_group_and_groups_by_association() {
    // Rules listed out of order; the lower priority wins whatever the order given.
    let fw = Fw::default()
        .list("allow", &["ok.example"])
        .list("block", &["*"])
        .group(VPC, "g", 100)
        .rule("g", "block", 200, Blk, Some(BlockResponse::NxDomain))
        .rule("g", "allow", 100, Allow, None)
        .compile();
    assert_eq!(
        action(&fw, "ok.example", rtype::A),
        Some(Allow),
        "ALLOW beats BLOCK by priority"
    );
    assert_eq!(action(&fw, "other.example", rtype::A), Some(Blk));

    // Across groups, association priority decides, whatever the rules' own priorities.
    let fw = Fw::default()
        .list("l", &["x.example"])
        .group(VPC, "late", 300)
        .group(VPC, "early", 101)
        .rule("late", "l", 1, Blk, Some(BlockResponse::NxDomain))
        .rule("early", "l", 900, Alert, None)
        .compile();
    assert_eq!(
        verdict(&fw, "x.example", rtype::A),
        Some(("early".into(), "l".into(), Alert))
    );
    assert_eq!(fw.for_vpc(VPC).unwrap().rules().len(), 2);
}

#[test]
fn a_vpc_with_no_association_has_no_firewall() {
    let fw = Fw::default()
        .list("l", &["*"])
        .group("vpc-other", "g", 100)
        .rule("g", "l", 1, Blk, Some(BlockResponse::NxDomain))
        .compile();
    assert!(fw.for_vpc(VPC).is_none());
    assert!(fw.for_vpc("vpc-other").is_some());
}

#[test]
fn a_missing_or_importing_list_fails_closed_unless_the_vpc_fails_open() {
    let contents = Fw::default()
        .list("ok", &["a.example"])
        .group(VPC, "g", 100)
        .rule("g", "ok", 1, Allow, None)
        .rule("g", "missing", 2, Blk, Some(BlockResponse::NxDomain))
        .rule("g", "ok", 3, Blk, Some(BlockResponse::NxDomain));
    let fw = contents.compile();
    let vpc = fw.for_vpc(VPC).unwrap();
    // Decided before the rule that cannot be evaluated.
    assert_eq!(action(&fw, "a.example", rtype::A), Some(Allow));
    assert!(matches!(
        vpc.check(&wire("b.example"), rtype::A),
        Err(Undecided)
    ));

    let open = contents.fail_open(VPC).compile();
    assert_eq!(action(&open, "b.example", rtype::A), None);

    let mut importing = Fw::default()
        .list("l", &["a.example"])
        .group(VPC, "g", 100)
        .rule("g", "l", 1, Blk, Some(BlockResponse::NxDomain));
    importing.0.domain_lists[0].status = DomainListStatus::Importing;
    let fw = importing.compile();
    assert!(matches!(
        fw.for_vpc(VPC).unwrap().check(&wire("z.example"), rtype::A),
        Err(Undecided)
    ));
}

#[test]
fn chains_are_inspected_unless_trusted() {
    let fw = Fw::default()
        .list("garden", &["example.com"])
        .list("trusted", &["trusted.example"])
        .list("all", &["*"])
        .group(VPC, "g", 100)
        .rule("g", "garden", 1, Allow, None)
        .rule("g", "trusted", 2, Allow, None)
        .with(|r| r.redirection_action = RedirectionAction::Trust)
        .rule("g", "all", 3, Blk, Some(BlockResponse::NxDomain))
        .compile();
    let vpc = fw.for_vpc(VPC).unwrap();
    let target = wire("cdn.other.net");
    match vpc.inspect([target.as_slice()], rtype::A) {
        ChainVerdict::Block(rule) => assert_eq!(rule.domain_list_id, "all"),
        other => panic!("blocked expected, got {other:?}"),
    }
    // A trusted name in the chain ends the inspection: what follows it passes.
    let trusted = wire("trusted.example");
    assert!(matches!(
        vpc.inspect([trusted.as_slice(), target.as_slice()], rtype::A),
        ChainVerdict::Pass(None)
    ));
}

#[test]
fn group_counters_survive_a_recompile() {
    let contents = Fw::default()
        .list("l", &["a.example"])
        .group(VPC, "g", 100)
        .rule("g", "l", 1, Blk, Some(BlockResponse::NxDomain));
    let first = contents.compile();
    first.groups["g"].count(Blk);
    first.groups["g"].count(Alert);
    first.groups["g"].count(Blk);
    let second = CompiledFirewall::compile(&contents.0, &first);
    assert_eq!(second.groups["g"].blocked(), 2);
    assert_eq!(second.groups["g"].alerted(), 1);
}

#[test]
fn counters_are_exported_per_group_and_action() {
    let fw = Fw::default()
        .list("l", &["a.example"])
        .group(VPC, "rslvr-frg-b", 100)
        .group(VPC, "rslvr-frg-a", 200)
        .rule("rslvr-frg-b", "l", 1, Blk, Some(BlockResponse::NxDomain))
        .compile();
    fw.groups["rslvr-frg-b"].count(Blk);
    fw.groups["rslvr-frg-a"].count(Alert);
    fw.groups["rslvr-frg-a"].count(Alert);
    let mut out = String::new();
    fw.render_metrics(&mut out);
    let samples: Vec<&str> = out.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        samples,
        [
            r#"cairn_firewall_queries_total{rule_group_id="rslvr-frg-a",action="BLOCK"} 0"#,
            r#"cairn_firewall_queries_total{rule_group_id="rslvr-frg-a",action="ALERT"} 2"#,
            r#"cairn_firewall_queries_total{rule_group_id="rslvr-frg-b",action="BLOCK"} 1"#,
            r#"cairn_firewall_queries_total{rule_group_id="rslvr-frg-b",action="ALERT"} 0"#,
        ]
    );
    assert!(out.contains("# TYPE cairn_firewall_queries_total counter"));
}

/// The resident set of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// 1M generated domains over 3 groups of lists: how long compiling takes and how much it
/// holds, and that matching still costs a lookup per label. Run with `--ignored --nocapture`
/// (a release-like profile) to see the numbers; they are written in docs/architecture.md.
#[test]
#[ignore = "a measurement: about a second and a few hundred MiB"]
fn one_million_domains_compile_in_reasonable_time_and_memory() {
    let lists: Vec<Vec<String>> = (0..10)
        .map(|l| {
            (0..100_000)
                .map(|i| {
                    if i % 2 == 0 {
                        format!("host{i}.list{l}.example{}.com", i % 997)
                    } else {
                        format!("*.zone{i}.list{l}.example.net")
                    }
                })
                .collect()
        })
        .collect();
    let mut fw = Fw::default();
    for (l, domains) in lists.iter().enumerate() {
        let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
        fw = fw.list(&format!("l{l}"), &refs);
    }
    for g in 0..3 {
        fw = fw.group(VPC, &format!("g{g}"), 100 + g);
    }
    for l in 0..10 {
        fw = fw.rule(
            &format!("g{}", l % 3),
            &format!("l{l}"),
            l,
            Blk,
            Some(BlockResponse::NxDomain),
        );
    }
    let before = rss_kib();
    let started = std::time::Instant::now();
    let compiled = fw.compile();
    let took = started.elapsed();
    let after = rss_kib();
    drop(fw);
    assert_eq!(compiled.index.len(), 1_000_000);
    let vpc = compiled.for_vpc(VPC).unwrap();
    let hit = wire("a.b.zone99999.list7.example.net");
    let miss = wire("a.b.c.d.nothing.example.org");
    let rounds = 1_000_000;
    let started = std::time::Instant::now();
    let mut blocked = 0;
    for i in 0..rounds {
        let name = if i % 2 == 0 { &hit } else { &miss };
        blocked += usize::from(
            vpc.check(std::hint::black_box(name), rtype::A)
                .unwrap()
                .is_some(),
        );
    }
    let per_check = started.elapsed() / rounds;
    assert_eq!(blocked, rounds as usize / 2);
    println!(
        "1M domains: compiled in {took:?}, index RSS +{} MiB; check of a 6-label name: {per_check:?}",
        after.saturating_sub(before) / 1024
    );
}
