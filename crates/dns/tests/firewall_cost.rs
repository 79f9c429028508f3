//! What the DNS Firewall adds to a VPC resolver's cache hit (issue 13's Speed target: at most
//! 10% less throughput with 3 rule groups and 100k domains associated).
//!
//! The same public names are answered from the reply cache by two VPCs' views of one
//! snapshot: one with no firewall, one with 3 associated rule groups over 100,000 domains
//! that do not cover the names. Run by hand (it measures):
//!
//! ```text
//! cargo test --profile ci-test -p cairn-dns --test firewall_cost -- --ignored --nocapture
//! ```
//!
//! It prints nanoseconds per answer for each view, alternating rounds. For instructions,
//! run the test binary under `valgrind --tool=callgrind --toggle-collect='*hits_in*'`:
//! `hits_in` runs each view's loop, and `CAIRN_FW_COST_VIEW=plain|firewall` picks one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use cairn_dns::pipeline::Transport;
use cairn_dns::view::VpcView;
use cairn_dns::vpc::answer::{answer, PublicResolver};
use cairn_dns::Snapshot;
use cairn_model::firewall::{
    BlockResponse, DomainListStatus, FirewallAction, FirewallContents, FirewallDomainList,
    FirewallRule, FirewallRuleGroup, FirewallRuleGroupAssociation, FirewallStatus,
    MutationProtection, RedirectionAction,
};
use cairn_model::network::NetworkContents;
use cairn_model::resolver_status::ShareStatus;
use cairn_model::ChangeSeq;
use cairn_wire::Query;
use common::upstream::{a_rr, config, question, reply, spawn_udp};

const PLAIN: &str = "vpc-00000000000000001";
const GUARDED: &str = "vpc-00000000000000002";
const NAMES: usize = 1_000;

/// 3 groups, one list each, 100,000 domains in all (exact and `*.` entries of 2 to 5
/// labels), associated with [`GUARDED`] only.
fn firewall() -> FirewallContents {
    let mut contents = FirewallContents::default();
    for g in 0..3 {
        let (list, group) = (format!("rslvr-fdl-{g}"), format!("rslvr-frg-{g}"));
        let domains: Vec<String> = (0..33_334)
            .map(|i| match i % 4 {
                0 => format!("host{i}.bad{g}.test"),
                1 => format!("*.zone{i}.bad{g}.test"),
                2 => format!("a{i}.b.c.bad{g}.net"),
                _ => format!("x{i}.org"),
            })
            .collect();
        contents.domain_lists.push(FirewallDomainList {
            id: list.clone(),
            name: list.clone(),
            creator_request_id: String::new(),
            status: DomainListStatus::Complete,
            status_message: None,
            managed_owner_name: None,
            domain_count: domains.len() as u32,
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        contents.domains.push((list.clone(), domains));
        contents.rule_groups.push(FirewallRuleGroup {
            id: group.clone(),
            name: group.clone(),
            creator_request_id: String::new(),
            status: FirewallStatus::Complete,
            share_status: ShareStatus::NotShared,
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        contents.rules.push(FirewallRule {
            rule_group_id: group.clone(),
            domain_list_id: list,
            name: group.clone(),
            priority: 100,
            action: FirewallAction::Block,
            block_response: Some(BlockResponse::NxDomain),
            block_override_domain: None,
            block_override_ttl: None,
            redirection_action: RedirectionAction::Inspect,
            qtype: None,
            creator_request_id: String::new(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
        contents.associations.push(FirewallRuleGroupAssociation {
            id: format!("rslvr-frgassoc-{g}"),
            rule_group_id: group.clone(),
            vpc_id: GUARDED.into(),
            name: group,
            priority: 101 + g,
            mutation_protection: MutationProtection::Disabled,
            status: FirewallStatus::Complete,
            creator_request_id: String::new(),
            owner_account: "111111111111".into(),
            created_at_ms: 0,
            modified_at_ms: 0,
        });
    }
    contents
}

fn snapshot() -> Snapshot {
    let vpc = |id: &str, cidr: &str| {
        serde_json::json!({
            "id": id, "region": "us-east-1", "owner_account": "111111111111",
            "cidr_block": cidr, "enable_dns_support": true,
            "enable_dns_hostnames": true, "created_at_ms": 0
        })
    };
    let network: NetworkContents = serde_json::from_value(serde_json::json!({
        "vpcs": [vpc(PLAIN, "10.1.0.0/16"), vpc(GUARDED, "10.2.0.0/16")],
        "subnets": [], "security_groups": [], "associations": [], "endpoints": []
    }))
    .unwrap();
    Snapshot::for_region("us-east-1")
        .with_network(ChangeSeq(1), Arc::new(network))
        .with_firewall(ChangeSeq(2), Arc::new(firewall()))
}

/// Answers every query of `queries` once in `view`, from the reply cache.
#[inline(never)]
fn hits_in(
    runtime: &tokio::runtime::Runtime,
    snapshot: &Snapshot,
    view: &VpcView,
    public: &dyn PublicResolver,
    queries: &[Vec<u8>],
    rounds: usize,
) -> usize {
    let mut out = Vec::with_capacity(512);
    let mut answered = 0;
    runtime.block_on(async {
        for _ in 0..rounds {
            for msg in queries {
                let query = Query::parse(msg).unwrap();
                out.clear();
                let outcome = answer(
                    snapshot,
                    view,
                    &query,
                    Transport::Udp,
                    false,
                    Some(public),
                    &mut out,
                )
                .await;
                answered += usize::from(outcome.rcode == cairn_wire::Rcode::NoError);
            }
        }
    });
    answered
}

#[test]
#[ignore = "a measurement, run by hand"]
fn the_firewall_costs_a_cache_hit_little() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(async {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        spawn_udp(socket, |query| {
            let (name, _, _) = question(query);
            let text = cairn_wire::name::to_text(name);
            vec![reply(
                query,
                0x0180,
                [&[a_rr(&text, [192, 0, 2, 1])], &[], &[]],
            )]
        });
        addr
    });
    let resolver = Arc::new(cairn_dns::resolver::Resolver::new(config(
        cairn_dns::resolver::Upstream::Forwarders(vec![upstream]),
        upstream.port(),
    )));
    let public = cairn_dns::vpc::public::PublicDns::new(resolver.clone());
    let snapshot = snapshot();
    let plain = snapshot.views.by_id[PLAIN].clone();
    let guarded = snapshot.views.by_id[GUARDED].clone();
    assert!(plain.firewall.is_none() && guarded.firewall.is_some());
    let queries: Vec<Vec<u8>> = (0..NAMES)
        .map(|i| common::query(&format!("www{i}.site{}.example.com.", i % 50), 1, None))
        .collect();
    // Warm the reply cache (kept per resolver, shared by both views).
    assert_eq!(
        hits_in(&runtime, &snapshot, &plain, &public, &queries, 1),
        NAMES
    );
    let kept = resolver.stats().reply_hits;

    let only = std::env::var("CAIRN_FW_COST_VIEW").ok();
    let views: Vec<(&str, &VpcView)> = match only.as_deref() {
        Some("plain") => vec![("plain", &plain)],
        Some("firewall") => vec![("firewall", &guarded)],
        _ => vec![("plain", &plain), ("firewall", &guarded)],
    };
    let rounds = 200;
    let mut times: Vec<(&str, Vec<f64>)> = views.iter().map(|(n, _)| (*n, Vec::new())).collect();
    for _ in 0..5 {
        for (i, (_, view)) in views.iter().enumerate() {
            let started = Instant::now();
            let answered = hits_in(&runtime, &snapshot, view, &public, &queries, rounds);
            let ns = started.elapsed().as_nanos() as f64 / (NAMES * rounds) as f64;
            assert_eq!(answered, NAMES * rounds);
            times[i].1.push(ns);
        }
    }
    assert_eq!(
        resolver.stats().reply_hits - kept,
        (5 * rounds * NAMES * views.len()) as u64,
        "every answer was a reply-cache hit"
    );
    for (name, mut ns) in times {
        ns.sort_by(f64::total_cmp);
        println!(
            "{name}: median {:.0} ns per cache hit (rounds: {ns:.0?})",
            ns[2]
        );
    }
}
