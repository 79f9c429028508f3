//! The DNS Firewall as a VPC's clients see it: a snapshot with a private zone and
//! FirewallContents, served on a VPC's "+2" socket over real UDP, answers decoded with
//! hickory-proto. Each action and BLOCK response, a wildcard entry, ALLOW beating BLOCK by
//! priority, CNAME chains inspected or trusted, Qtype with and without DNS64, fail closed,
//! and the match reported in the query record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_dns::pipeline::observe::{Observer, QueryRecord};
use cairn_dns::pipeline::Hooks;
use cairn_dns::vpc::answer::PublicResolver;
use cairn_dns::vpc::listen::{bind_resolver, serve, ResolverService, ViewChoice};
use cairn_dns::Snapshot;
use cairn_model::firewall::{
    BlockResponse, DomainListStatus, FirewallAction, FirewallContents, FirewallDomainList,
    FirewallRule, FirewallRuleGroup, FirewallRuleGroupAssociation, FirewallStatus,
    MutationProtection, RedirectionAction,
};
use cairn_model::network::NetworkContents;
use cairn_model::resolver_status::ShareStatus;
use cairn_model::{ChangeSeq, RrType};
use common::{query, set, zone};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use tokio_util::sync::CancellationToken;

const VPC: &str = "vpc-0123456789abcdef0";
/// In the VPC's DNS64 subnet (127.0.0.0/25).
const DNS64_CLIENT: &str = "127.0.0.1";
/// In the VPC, outside the DNS64 subnet.
const CLIENT: &str = "127.0.0.200";

fn list(id: &str, status: DomainListStatus) -> FirewallDomainList {
    FirewallDomainList {
        id: id.into(),
        name: id.into(),
        creator_request_id: String::new(),
        status,
        status_message: None,
        managed_owner_name: None,
        domain_count: 1,
        owner_account: "111111111111".into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

fn group(id: &str) -> FirewallRuleGroup {
    FirewallRuleGroup {
        id: id.into(),
        name: id.into(),
        creator_request_id: String::new(),
        status: FirewallStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: "111111111111".into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

fn association(group: &str, priority: i32) -> FirewallRuleGroupAssociation {
    FirewallRuleGroupAssociation {
        id: format!("rslvr-frgassoc-{group}"),
        rule_group_id: group.into(),
        vpc_id: VPC.into(),
        name: group.into(),
        priority,
        mutation_protection: MutationProtection::Disabled,
        status: FirewallStatus::Complete,
        creator_request_id: String::new(),
        owner_account: "111111111111".into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

fn rule(group: &str, list: &str, priority: i32, action: FirewallAction) -> FirewallRule {
    FirewallRule {
        rule_group_id: group.into(),
        domain_list_id: list.into(),
        name: list.into(),
        priority,
        action,
        block_response: None,
        block_override_domain: None,
        block_override_ttl: None,
        redirection_action: RedirectionAction::Inspect,
        qtype: None,
        creator_request_id: String::new(),
        created_at_ms: 0,
        modified_at_ms: 0,
    }
}

fn blocking(group: &str, list: &str, priority: i32, response: BlockResponse) -> FirewallRule {
    FirewallRule {
        block_response: Some(response),
        ..rule(group, list, priority, FirewallAction::Block)
    }
}

/// Two groups: `rslvr-frg-first` (priority 101) and `rslvr-frg-second` (priority 200).
fn firewall() -> FirewallContents {
    use FirewallAction::{Alert, Allow};
    let lists: [(&str, &[&str]); 9] = [
        ("fdl-nodata", &["nodata.corp.internal"]),
        ("fdl-nx", &["*.nx.corp.internal"]),
        ("fdl-allow", &["Allowed.NX.corp.internal."]),
        ("fdl-override", &["override.corp.internal"]),
        ("fdl-alert", &["alert.corp.internal"]),
        ("fdl-target", &["bad-target.corp.internal"]),
        ("fdl-trusted", &["trusted.corp.internal"]),
        ("fdl-v6", &["v6.corp.internal", "v6real.corp.internal"]),
        ("fdl-alias-alert", &["alert-target.corp.internal"]),
    ];
    let (first, second) = ("rslvr-frg-first", "rslvr-frg-second");
    FirewallContents {
        domain_lists: lists
            .iter()
            .map(|(id, _)| list(id, DomainListStatus::Complete))
            .collect(),
        domains: lists
            .iter()
            .map(|(id, names)| {
                (
                    id.to_string(),
                    names.iter().map(|n| n.to_string()).collect(),
                )
            })
            .collect(),
        rule_groups: vec![group(first), group(second)],
        rules: vec![
            // Listed out of priority order on purpose.
            blocking(first, "fdl-nx", 20, BlockResponse::NxDomain),
            rule(first, "fdl-allow", 10, Allow),
            blocking(first, "fdl-nodata", 30, BlockResponse::NoData),
            FirewallRule {
                block_override_domain: Some("sink.corp.internal.".into()),
                block_override_ttl: Some(60),
                ..blocking(first, "fdl-override", 40, BlockResponse::Override)
            },
            rule(first, "fdl-alert", 50, Alert),
            FirewallRule {
                redirection_action: RedirectionAction::Trust,
                ..rule(first, "fdl-trusted", 60, Allow)
            },
            FirewallRule {
                qtype: Some(28),
                ..blocking(first, "fdl-v6", 70, BlockResponse::NxDomain)
            },
            rule(first, "fdl-alias-alert", 80, Alert),
            blocking(second, "fdl-target", 10, BlockResponse::NxDomain),
        ],
        associations: vec![association(second, 200), association(first, 101)],
        configs: vec![],
    }
}

/// A private zone `corp.internal` associated with a VPC in 127.0.0.0/16 whose subnet
/// 127.0.0.0/25 has DNS64 on, with `firewall`.
fn snapshot(firewall: FirewallContents) -> Snapshot {
    let a = |name: &str, ip: &str| set(name, RrType::A, 300, &[ip]);
    let cname = |name: &str, target: &str| set(name, RrType::Cname, 300, &[target]);
    let mut private = zone(
        "ZCORP",
        "corp.internal.",
        vec![
            set(
                "corp.internal.",
                RrType::Soa,
                900,
                &["ns.corp.internal. admin.corp.internal. 1 7200 900 1209600 86400"],
            ),
            set("corp.internal.", RrType::Ns, 172800, &["ns.corp.internal."]),
            a("plain.corp.internal.", "10.0.0.1"),
            a("nodata.corp.internal.", "10.0.0.2"),
            a("nx.corp.internal.", "10.0.0.8"),
            a("*.nx.corp.internal.", "10.0.0.9"),
            a("override.corp.internal.", "10.0.0.4"),
            a("sink.corp.internal.", "10.9.9.9"),
            a("alert.corp.internal.", "10.0.0.5"),
            cname("alias.corp.internal.", "bad-target.corp.internal."),
            cname("trusted.corp.internal.", "bad-target.corp.internal."),
            cname(
                "leads-to-alert.corp.internal.",
                "alert-target.corp.internal.",
            ),
            a("alert-target.corp.internal.", "10.0.0.7"),
            a("bad-target.corp.internal.", "10.0.0.3"),
            a("v6.corp.internal.", "10.0.0.6"),
            set("v6real.corp.internal.", RrType::Aaaa, 300, &["2001:db8::6"]),
        ],
    );
    private.zone.private_zone = true;
    let network: NetworkContents = serde_json::from_value(serde_json::json!({
        "vpcs": [{
            "id": VPC, "region": "us-east-1", "owner_account": "111111111111",
            "cidr_block": "127.0.0.0/16", "enable_dns_support": true,
            "enable_dns_hostnames": true, "created_at_ms": 0
        }],
        "subnets": [{
            "id": "subnet-1", "vpc_id": VPC, "owner_account": "111111111111",
            "cidr_block": "127.0.0.0/25", "availability_zone": "us-east-1a",
            "enable_dns64": true, "created_at_ms": 0
        }],
        "security_groups": [],
        "associations": [{"zone_id": "ZCORP", "vpc_id": VPC, "vpc_region": "us-east-1"}],
        "endpoints": []
    }))
    .unwrap();
    Snapshot::for_region("us-east-1")
        .with_changes(
            ChangeSeq(1),
            [(
                private.zone.id.clone(),
                Some(Arc::new(cairn_dns::compile::compile_zone(&private))),
            )],
        )
        .with_network(ChangeSeq(2), Arc::new(network))
        .with_firewall(ChangeSeq(3), Arc::new(firewall))
}

/// A query record's firewall fields: (rule group, list, action).
type Logged = Option<(String, String, FirewallAction)>;

/// The firewall fields of every query record, by question name.
#[derive(Default)]
struct Records(Mutex<Vec<(String, Logged)>>);

impl Observer for Records {
    fn record(&self, record: &QueryRecord<'_>) {
        let name = cairn_wire::name::to_text(record.qname);
        let fw = record.firewall.map(|f| {
            (
                f.rule_group_id.to_string(),
                f.domain_list_id.to_string(),
                f.action,
            )
        });
        self.0.lock().unwrap().push((name, fw));
    }
}

struct Server {
    addr: SocketAddr,
    shared: cairn_dns::SharedSnapshot,
    records: Arc<Records>,
    _runtime: tokio::runtime::Runtime,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn start(snapshot: Snapshot) -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    start_with(runtime, snapshot, None)
}

fn start_with(
    runtime: tokio::runtime::Runtime,
    snapshot: Snapshot,
    public: Option<Arc<dyn PublicResolver>>,
) -> Server {
    let _entered = runtime.enter();
    let shared = Arc::new(arc_swap::ArcSwap::from_pointee(snapshot));
    let records = Arc::new(Records::default());
    let service = ResolverService::with(
        shared.clone(),
        public,
        None,
        Hooks {
            rrl: None,
            observer: Some(records.clone()),
            cookies: None,
        },
    );
    let stop = CancellationToken::new();
    let bound = bind_resolver("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = serve(bound, service.answerer(ViewChoice::Vpc(VPC.into())), &stop).unwrap();
    Server {
        addr,
        shared,
        records,
        _runtime: runtime,
        stop,
    }
}

impl Server {
    fn ask_from(&self, client: &str, name: &str, rtype: RecordType) -> Message {
        let socket = UdpSocket::bind((client, 0)).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        socket
            .send_to(&query(name, u16::from(rtype), None), self.addr)
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let (len, _) = socket.recv_from(&mut buf).expect("a UDP reply");
        Message::from_vec(&buf[..len]).expect("a well-formed reply")
    }

    fn ask(&self, name: &str, rtype: RecordType) -> Message {
        self.ask_from(CLIENT, name, rtype)
    }

    /// The firewall fields of the last record for `name`.
    fn logged(&self, name: &str) -> Logged {
        let records = self.records.0.lock().unwrap();
        let (_, fw) = records
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .expect("a record for the name");
        fw.clone()
    }
}

/// The answer section as `name type rdata` lines, TTLs left out.
fn answers(reply: &Message) -> Vec<String> {
    reply
        .answers
        .iter()
        .map(|r| format!("{} {} {}", r.name, r.record_type(), r.data))
        .collect()
}

#[test]
fn each_action_and_block_response() {
    let server = start(snapshot(firewall()));
    let first = "rslvr-frg-first".to_string();

    let plain = server.ask("plain.corp.internal.", RecordType::A);
    assert_eq!(plain.metadata.response_code, ResponseCode::NoError);
    assert_eq!(answers(&plain), ["plain.corp.internal. A 10.0.0.1"]);
    assert_eq!(server.logged("plain.corp.internal."), None);

    // NODATA: NOERROR, nothing in any section (the name has an A record).
    let nodata = server.ask("NoData.corp.internal.", RecordType::A);
    assert_eq!(nodata.metadata.response_code, ResponseCode::NoError);
    assert!(nodata.answers.is_empty() && nodata.authorities.is_empty());
    assert!(nodata.metadata.recursion_available);
    assert_eq!(
        server.logged("nodata.corp.internal."),
        Some((first.clone(), "fdl-nodata".into(), FirewallAction::Block))
    );

    // NXDOMAIN through a wildcard entry: names below, at any depth, not the name itself.
    for name in ["x.nx.corp.internal.", "a.b.nx.corp.internal."] {
        let nx = server.ask(name, RecordType::A);
        assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain, "{name}");
        assert!(nx.answers.is_empty());
    }
    let apex = server.ask("nx.corp.internal.", RecordType::A);
    assert_eq!(answers(&apex), ["nx.corp.internal. A 10.0.0.8"]);

    // ALLOW at a lower priority number beats the BLOCK that also covers the name.
    let allowed = server.ask("allowed.nx.corp.internal.", RecordType::A);
    assert_eq!(allowed.metadata.response_code, ResponseCode::NoError);
    assert_eq!(answers(&allowed), ["allowed.nx.corp.internal. A 10.0.0.9"]);
    assert_eq!(
        server.logged("allowed.nx.corp.internal."),
        None,
        "ALLOW is not logged"
    );

    // OVERRIDE: the CNAME with the rule's TTL, and its target resolved in the same view.
    let over = server.ask("override.corp.internal.", RecordType::A);
    assert_eq!(over.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        answers(&over),
        [
            "override.corp.internal. CNAME sink.corp.internal.",
            "sink.corp.internal. A 10.9.9.9"
        ]
    );
    assert_eq!(over.answers[0].ttl, 60);

    // ALERT: answered as usual, the match logged.
    let alert = server.ask("alert.corp.internal.", RecordType::A);
    assert_eq!(answers(&alert), ["alert.corp.internal. A 10.0.0.5"]);
    assert_eq!(
        server.logged("alert.corp.internal."),
        Some((first.clone(), "fdl-alert".into(), FirewallAction::Alert))
    );

    let snapshot = server.shared.load();
    assert_eq!(snapshot.firewall.groups["rslvr-frg-first"].blocked(), 4);
    assert_eq!(snapshot.firewall.groups["rslvr-frg-first"].alerted(), 1);
}

#[test]
fn chains_are_inspected_unless_the_query_name_is_trusted() {
    let server = start(snapshot(firewall()));
    // The target is blocked by the second group: the whole answer gets its NXDOMAIN.
    let alias = server.ask("alias.corp.internal.", RecordType::A);
    assert_eq!(alias.metadata.response_code, ResponseCode::NXDomain);
    assert!(alias.answers.is_empty());
    assert_eq!(
        server.logged("alias.corp.internal."),
        Some((
            "rslvr-frg-second".into(),
            "fdl-target".into(),
            FirewallAction::Block
        ))
    );
    // TRUST on the rule that matched the query name: the chain is not looked at.
    let trusted = server.ask("trusted.corp.internal.", RecordType::A);
    assert_eq!(trusted.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        answers(&trusted),
        [
            "trusted.corp.internal. CNAME bad-target.corp.internal.",
            "bad-target.corp.internal. A 10.0.0.3"
        ]
    );
    // An ALERT on a target is reported for the query.
    let alerting = server.ask("leads-to-alert.corp.internal.", RecordType::A);
    assert_eq!(alerting.answers.len(), 2);
    assert_eq!(
        server.logged("leads-to-alert.corp.internal."),
        Some((
            "rslvr-frg-first".into(),
            "fdl-alias-alert".into(),
            FirewallAction::Alert
        ))
    );
}

#[test]
fn a_qtype_rule_and_dns64() {
    let server = start(snapshot(firewall()));
    // The AAAA rule leaves A alone.
    let a = server.ask("v6.corp.internal.", RecordType::A);
    assert_eq!(answers(&a), ["v6.corp.internal. A 10.0.0.6"]);
    // Outside the DNS64 subnet it blocks AAAA.
    let aaaa = server.ask("v6real.corp.internal.", RecordType::AAAA);
    assert_eq!(aaaa.metadata.response_code, ResponseCode::NXDomain);
    // In the DNS64 subnet: synthesized AAAA are spared, real ones are not.
    let synthesized = server.ask_from(DNS64_CLIENT, "v6.corp.internal.", RecordType::AAAA);
    assert_eq!(synthesized.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        answers(&synthesized),
        ["v6.corp.internal. AAAA 64:ff9b::a00:6"]
    );
    let real = server.ask_from(DNS64_CLIENT, "v6real.corp.internal.", RecordType::AAAA);
    assert_eq!(real.metadata.response_code, ResponseCode::NXDomain);
}

#[test]
fn a_missing_list_fails_closed_and_disassociating_ends_the_blocks() {
    let mut contents = firewall();
    contents.domain_lists.retain(|l| l.id != "fdl-nodata");
    contents.domains.retain(|(id, _)| id != "fdl-nodata");
    let server = start(snapshot(contents.clone()));
    // Rules before the one that cannot be evaluated still decide; after it, SERVFAIL.
    let nx = server.ask("x.nx.corp.internal.", RecordType::A);
    assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain);
    let plain = server.ask("plain.corp.internal.", RecordType::A);
    assert_eq!(plain.metadata.response_code, ResponseCode::ServFail);

    // Failing open: the query goes on.
    contents
        .configs
        .push(cairn_model::firewall::FirewallConfig {
            id: "rslvr-fc-1".into(),
            vpc_id: VPC.into(),
            fail_open: cairn_model::firewall::FailOpen::Enabled,
            owner_account: "111111111111".into(),
        });
    let current = server.shared.load_full();
    server.shared.store(Arc::new(
        current.with_firewall(ChangeSeq(4), Arc::new(contents.clone())),
    ));
    let plain = server.ask("plain.corp.internal.", RecordType::A);
    assert_eq!(answers(&plain), ["plain.corp.internal. A 10.0.0.1"]);

    // No association left: nothing is checked.
    contents.associations.clear();
    let current = server.shared.load_full();
    server.shared.store(Arc::new(
        current.with_firewall(ChangeSeq(5), Arc::new(contents)),
    ));
    let nx = server.ask("x.nx.corp.internal.", RecordType::A);
    assert_eq!(answers(&nx), ["x.nx.corp.internal. A 10.0.0.9"]);
    assert!(server.shared.load().views.by_id[VPC].firewall.is_none());
}

/// A public answer kept in the reply cache before a rule covered its chain is blocked when
/// served from the cache: the check comes before the cache, and a kept answer remembers the
/// names its CNAMEs lead to.
#[test]
fn a_kept_public_answer_is_checked_against_rules_added_since() {
    use common::upstream::{a_rr, config, question, reply, spawn_udp, wire};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream = runtime.block_on(async {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        spawn_udp(socket, |query| {
            let (name, _, _) = question(query);
            if !name.eq_ignore_ascii_case(&wire("www.public.test")) {
                return vec![reply(query, 0x0183, [&[], &[], &[]])];
            }
            let cname = (wire("www.public.test"), 5, 300, wire("cdn.public.test"));
            let a = a_rr("cdn.public.test", [192, 0, 2, 80]);
            vec![reply(query, 0x0180, [&[cname, a], &[], &[]])]
        });
        addr
    });
    let resolver = Arc::new(cairn_dns::resolver::Resolver::new(config(
        cairn_dns::resolver::Upstream::Forwarders(vec![upstream]),
        upstream.port(),
    )));
    let public: Arc<dyn PublicResolver> =
        Arc::new(cairn_dns::vpc::public::PublicDns::new(resolver.clone()));
    let server = start_with(runtime, snapshot(firewall()), Some(public));

    let expected = [
        "www.public.test. CNAME cdn.public.test.",
        "cdn.public.test. A 192.0.2.80",
    ];
    let first = server.ask("www.public.test.", RecordType::A);
    assert_eq!(answers(&first), expected);
    let second = server.ask("www.public.test.", RecordType::A);
    assert_eq!(answers(&second), expected);
    assert_eq!(
        resolver.stats().reply_hits,
        1,
        "the second came from the reply cache"
    );

    // A BLOCK on the CNAME's target, added after the answer was kept.
    let mut contents = firewall();
    contents
        .domain_lists
        .push(list("fdl-cdn", DomainListStatus::Complete));
    contents
        .domains
        .push(("fdl-cdn".into(), vec!["cdn.public.test".into()]));
    contents.rules.push(blocking(
        "rslvr-frg-second",
        "fdl-cdn",
        20,
        BlockResponse::NxDomain,
    ));
    let current = server.shared.load_full();
    server.shared.store(Arc::new(
        current.with_firewall(ChangeSeq(4), Arc::new(contents)),
    ));
    let before = resolver.stats();
    let blocked = server.ask("www.public.test.", RecordType::A);
    assert_eq!(blocked.metadata.response_code, ResponseCode::NXDomain);
    assert!(blocked.answers.is_empty());
    let after = resolver.stats();
    assert_eq!(
        (after.cache_hits, after.cache_misses, after.upstream_queries),
        (
            before.cache_hits,
            before.cache_misses,
            before.upstream_queries
        ),
        "decided from the kept answer, nothing resolved again"
    );
}

/// Views rebuilt for another reason (networks, private zones) keep their VPC's firewall.
#[test]
fn views_rebuilt_later_keep_the_firewall() {
    let first = snapshot(firewall());
    let network = first.network.clone();
    let later = first.with_network(ChangeSeq(9), network);
    let view = &later.views.by_id[VPC];
    let fw = view.firewall.as_ref().expect("still guarded");
    let name = cairn_wire::NameKey::from_text("x.nx.corp.internal").unwrap();
    let rule = fw.check(&name, 1).unwrap().expect("a match");
    assert_eq!(rule.domain_list_id, "fdl-nx");
}
