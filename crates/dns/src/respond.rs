//! The authoritative public view: what the public listener answers once the pipeline's
//! checks ([`crate::pipeline`]: parse, FORMERR, opcode, EDNS version, class, AXFR/IXFR,
//! meta types) have passed.
//!
//! | order | step | outcome |
//! |---|---|---|
//! | 1 | name in no public hosted zone | REFUSED |
//! | 2 | a pre-encoded answer at exactly the name | written as encoded when the zone was compiled |
//! | 3 | authoritative lookup | the plan, written with truncation (TC=1 on UDP) |
//!
//! A malformed EDNS Client Subnet option is FORMERR (the pipeline's parse, RFC 7871 §7.2.1).
//! A query with a valid one gets it back in the response's OPT record (RFC 7871 §7.2.1), with
//! SCOPE PREFIX-LENGTH = the query's SOURCE PREFIX-LENGTH when geolocation chose the answer
//! by the client's address, and 0 otherwise (every other answer, negative answers and
//! referrals, RFC 7871 §7.4).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cairn_wire::{rtype, NoRoom, Query, Rcode, ResponseWriter, Section};

use crate::auth::{self, Plan};
use crate::geoip::GeoIp;
use crate::pipeline::observe::ViewLabel;
use crate::pipeline::{self, AnswerNow, Answerer, Flavor, Hooks, Outcome, Peer, Selected};
pub use crate::pipeline::{Transport, EDNS_UDP_PAYLOAD};
use crate::routing::{Client, RoutingContext};
use crate::snapshot::{SharedSnapshot, Snapshot};
use crate::xfr::Transfers;
use crate::zone::{name_key, CompiledZone, MovableAnswer};

/// Where a query came from, and what locates it (geolocation routing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// The query's source address; the client's address when the query has no ECS option.
    pub source: Option<IpAddr>,
    /// The MaxMind DB of `--geoip-db`; without one, geolocation answers with `*`.
    pub geoip: Option<&'a GeoIp>,
}

//------------ the public listener's answerer -------------------------------------------

/// How the pipeline writes the public listener's replies: RA=0, ECS echoed.
const FLAVOR: Flavor = Flavor {
    recursion_available: false,
    echo_ecs: true,
};

/// Where a public answerer reads its snapshot and GeoIP database: the two answerers differ
/// in nothing else.
pub trait Source: Send + Sync {
    /// The snapshot as held for one batch of queries.
    type Loaded<'s>: std::ops::Deref<Target = Snapshot>
    where
        Self: 's;
    /// The snapshot to answer from now.
    fn load(&self) -> Self::Loaded<'_>;
    /// The GeoIP database.
    fn geoip(&self) -> Option<&GeoIp>;
}

/// The running node's: the current snapshot, loaded once per batch of queries (a UDP
/// worker's `recvmmsg` batch, or one query), so a swap shows at the next batch.
pub struct Live {
    shared: SharedSnapshot,
    geoip: Option<Arc<GeoIp>>,
}

/// The snapshot a [`Live`] source loaded.
pub struct Loaded(arc_swap::Guard<Arc<Snapshot>>);

impl std::ops::Deref for Loaded {
    type Target = Snapshot;

    fn deref(&self) -> &Snapshot {
        &self.0
    }
}

impl Source for Live {
    type Loaded<'s> = Loaded;

    fn load(&self) -> Self::Loaded<'_> {
        Loaded(self.shared.load())
    }

    fn geoip(&self) -> Option<&GeoIp> {
        self.geoip.as_deref()
    }
}

/// A borrowed snapshot: what [`respond`] and its siblings answer from (tests, benchmarks).
pub struct Borrowed<'s> {
    snapshot: &'s Snapshot,
    geoip: Option<&'s GeoIp>,
}

impl<'b> Source for Borrowed<'b> {
    type Loaded<'s>
        = &'b Snapshot
    where
        Self: 's;

    fn load(&self) -> Self::Loaded<'_> {
        self.snapshot
    }

    fn geoip(&self) -> Option<&GeoIp> {
        self.geoip
    }
}

/// The public listener's answerer: the public zones of the snapshot its [`Source`] gives.
pub struct Authoritative<S = Live> {
    source: S,
    /// Whether a pre-encoded answer may be sent (off only to test them against the plan).
    pre_encoded: bool,
    hooks: Hooks,
    /// Zone transfers to secondaries, when configured (over TCP).
    transfers: Option<Arc<Transfers>>,
}

impl Authoritative {
    /// Answers from `shared`, locating clients with `geoip`, with `hooks` (RRL, observer).
    pub fn new(shared: SharedSnapshot, geoip: Option<Arc<GeoIp>>, hooks: Hooks) -> Arc<Self> {
        Self::with_transfers(shared, geoip, hooks, None)
    }

    /// [`Self::new`], serving AXFR and IXFR over TCP with `transfers` when set.
    pub fn with_transfers(
        shared: SharedSnapshot,
        geoip: Option<Arc<GeoIp>>,
        hooks: Hooks,
        transfers: Option<Arc<Transfers>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            source: Live { shared, geoip },
            pre_encoded: true,
            hooks,
            transfers,
        })
    }
}

impl<S: Source> Answerer for Authoritative<S> {
    type View = ();
    const FLAVOR: Flavor = FLAVOR;

    fn hooks(&self) -> &Hooks {
        &self.hooks
    }

    fn select(&self, _peer: &Peer) -> Selected<()> {
        Selected::View(())
    }

    fn label<'v>(&self, _view: &'v ()) -> ViewLabel<'v> {
        ViewLabel::Public
    }

    fn transfer(&self, msg: &[u8], peer: &Peer) -> Option<Vec<Vec<u8>>> {
        let transfers = self.transfers.as_ref()?;
        if !crate::xfr::is_transfer_request(msg) {
            return None;
        }
        Some(transfers.respond(&self.source.load(), msg, peer.source))
    }

    fn answer<'a>(
        &'a self,
        view: &'a (),
        query: &'a Query<'a>,
        peer: &'a Peer,
        out: &'a mut Vec<u8>,
    ) -> impl std::future::Future<Output = Outcome> + Send + 'a {
        std::future::ready(self.answer_now(&self.batch(), view, query, peer, out))
    }
}

impl<S: Source> AnswerNow for Authoritative<S> {
    type Batch<'a>
        = S::Loaded<'a>
    where
        Self: 'a;

    fn batch(&self) -> Self::Batch<'_> {
        self.source.load()
    }

    fn answer_now(
        &self,
        snapshot: &S::Loaded<'_>,
        _view: &(),
        query: &Query<'_>,
        peer: &Peer,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let origin = Origin {
            source: peer.source,
            geoip: self.source.geoip(),
        };
        let answer = |out: &mut Vec<u8>| {
            answer_query(
                snapshot,
                query,
                peer.transport,
                origin,
                out,
                self.pre_encoded,
            )
        };
        if query.tsig {
            // Signed (a secondary's SOA query): checked against the --tsig-keys.
            let keys = self
                .transfers
                .as_ref()
                .map_or(&[][..], |t| &t.config.keys[..]);
            return crate::xfr::signed::answer(keys, query, FLAVOR, out, answer);
        }
        answer(out)
    }
}

/// Answers one message from `snapshot` into `out`, for a client of unknown address (its ECS
/// option, if any, still counts); `None` means send nothing.
pub fn respond<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    respond_from(snapshot, msg, transport, Origin::default(), out)
}

/// Answers one message from `origin` from `snapshot` into `out` through the whole pipeline
/// (without RRL); `None` means send nothing.
pub fn respond_from<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    run(snapshot, msg, transport, origin, out, true)
}

/// [`respond_from`] with every response written from its plan, never from a pre-encoded
/// answer ([`crate::zone::PreEncoded`]): what the tests compare the pre-encoded answers with.
#[doc(hidden)]
pub fn respond_from_plan<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    run(snapshot, msg, transport, origin, out, false)
}

fn run<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
    pre_encoded: bool,
) -> Option<&'b [u8]> {
    let answerer = Authoritative {
        source: Borrowed {
            snapshot,
            geoip: origin.geoip,
        },
        pre_encoded,
        hooks: Hooks::default(),
        transfers: None,
    };
    let peer = Peer {
        source: origin.source,
        port: 0,
        local: SocketAddr::from(([0, 0, 0, 0], 0)),
        transport,
    };
    let (outcome, _) = pipeline::respond_now(&answerer, &answerer.batch(), msg, &peer, out);
    outcome.map(|_| &out[..])
}

/// The authoritative answer to `query` (the pipeline's checks passed) from `snapshot`.
fn answer_query(
    snapshot: &Snapshot,
    query: &Query<'_>,
    transport: Transport,
    origin: Origin<'_>,
    out: &mut Vec<u8>,
    pre_encoded: bool,
) -> Outcome {
    let limit = transport.size_limit(query);
    let edns = query.edns.map(|e| (EDNS_UDP_PAYLOAD, e.dnssec_ok));
    let mut w = ResponseWriter::new(out, query, limit);
    if let Some(ecs) = query.ecs {
        w.echo_ecs(ecs);
    }

    let mut lower = [0u8; 255];
    let len = query.qname_lowercase(&mut lower);
    let qname = &lower[..len];
    // The closest enclosing zone, or the parent for a DS at a child's apex.
    let Some(zone) = snapshot.answering_zone(qname, query.qtype) else {
        w.set_rcode(Rcode::Refused);
        w.set_ede(crate::pipeline::ede::NOT_AUTHORITATIVE, "");
        w.finish(edns);
        return Outcome::answered(query, Rcode::Refused);
    };
    // DO=1 to a signed zone takes the signed path (crate::dnssec); every other query the
    // unsigned one below, unchanged.
    let signer = zone
        .signer
        .as_deref()
        .filter(|_| query.edns.is_some_and(|e| e.dnssec_ok));
    if let Some(signing) = zone.signer.as_deref().filter(|_| signer.is_none()) {
        let dnskey = cairn_crypto::dnssec::rtype::DNSKEY;
        if query.qtype == dnskey && qname == &zone.apex[..] && !signing.dnskeys.is_empty() {
            crate::dnssec::write_dnskey_unsigned(&mut w, zone, signing);
            w.finish(edns);
            return Outcome::answered(query, Rcode::NoError);
        }
    }
    if signer.is_some() && pre_encoded {
        let now = crate::dnssec::signer::now();
        if let Some(rcode) = crate::dnssec::push_cached(&mut w, zone, qname, query.qtype, now) {
            w.finish(edns);
            return Outcome::answered(query, rcode);
        }
    }
    if signer.is_none() && pre_encoded && push_pre_encoded(zone, qname, query.qtype, &mut w) {
        w.set_aa(true);
        w.finish(edns);
        return Outcome::answered(query, Rcode::NoError);
    }
    // The ECS address locates the client; a /0 option reveals nothing, so the source does
    // (ROUTE53.md §2.7: "when it is absent the resolver's source IP stands in").
    let client_addr = match query.ecs {
        Some(ecs) if ecs.source_prefix > 0 => Some(ecs.addr()),
        _ => origin.source,
    };
    let ecs_prefix = query
        .ecs
        .filter(|e| e.source_prefix > 0)
        .map(|e| e.source_prefix);
    let client =
        Client::new(client_addr, origin.geoip).with_cidr(&snapshot.cidr_collections, ecs_prefix);
    let ctx = RoutingContext {
        region: &snapshot.region,
        health: &snapshot.health,
        zones: &snapshot.zones,
        client: &client,
    };
    let mut cnames = auth::SynthesizedCnames::default();
    let plan = auth::lookup(zone, qname, query.qtype, &ctx, &mut cnames);
    if let Some(ecs) = query.ecs {
        if client.routed_by_location() && plan.rcode == Rcode::NoError && !plan.answer.is_empty() {
            w.set_ecs_scope(client.ecs_scope(ecs.source_prefix));
        }
    }
    if let Some(signer) = signer {
        let now = crate::dnssec::signer::now();
        let rcode =
            crate::dnssec::write_signed(&mut w, zone, signer, qname, query.qtype, &plan, now);
        w.finish(edns);
        return Outcome::answered(query, rcode);
    }
    // An answer that a movable one stands for is written compressing as that was (see
    // `ResponseWriter::compress_question_from`), copied or not.
    let movable = movable_answer(zone, &plan, query.qtype);
    if movable.is_some() {
        w.compress_question_from(zone.apex.len());
    }
    let moved = pre_encoded
        && movable
            .and_then(|m| m.under(qname, zone.apex.len()))
            .is_some_and(|answer| w.push_relocated(answer).is_ok());
    if moved {
        w.set_rcode(plan.rcode);
        w.set_aa(plan.authoritative);
    } else {
        write_plan(&mut w, &plan);
    }
    w.finish(edns);
    Outcome::answered(query, plan.rcode)
}

/// The answer written when the zone was compiled that `plan` amounts to, when there is one:
/// the zone's negative answer (NXDOMAIN, NODATA), or the wildcard's answer for a name it
/// synthesises. Pushing it writes what [`write_plan`] would, byte for byte
/// (`tests/properties.rs`).
fn movable_answer<'z>(
    zone: &'z CompiledZone,
    plan: &Plan<'z>,
    qtype: u16,
) -> Option<&'z MovableAnswer> {
    if !plan.authoritative {
        return None;
    }
    let answer = match plan.answer.as_slice() {
        [] if plan.additional.is_empty() => {
            let soa = zone.negative_soa.as_deref()?;
            match plan.authority.as_slice() {
                [(_, rrset)] if std::ptr::eq(*rrset, soa) => zone.negative_answer.as_ref()?,
                _ => return None,
            }
        }
        [(_, rrset)] if plan.rcode == Rcode::NoError => {
            let node = plan.wildcard?;
            if !node
                .rrset(qtype)
                .is_some_and(|r| std::ptr::eq(*rrset, &**r))
            {
                return None;
            }
            let (_, answer) = node
                .synthesized
                .as_deref()?
                .iter()
                .find(|(t, _)| *t == qtype)?;
            answer
        }
        _ => return None,
    };
    Some(answer)
}

/// Writes the pre-encoded answer of the node at exactly `qname` for `qtype` (see
/// [`crate::zone::PreEncoded`], written when the zone was compiled). `false` (nothing
/// written) when there is none, or it does not fit: the ordinary path answers then, and
/// decides what to leave out.
fn push_pre_encoded(
    zone: &CompiledZone,
    qname: &[u8],
    qtype: u16,
    w: &mut ResponseWriter<'_>,
) -> bool {
    if qtype == rtype::ANY {
        return false;
    }
    let Some(node) = auth::exact_node(zone, qname) else {
        return false;
    };
    let Some((sections, counts)) = node.pre_encoded.as_ref().and_then(|p| p.answer(qtype)) else {
        return false;
    };
    w.push_encoded(sections, counts).is_ok()
}

/// Writes a plan. Required data (the answer; the authority of negative answers and
/// referrals) that does not fit empties the message and sets TC, so the client retries over
/// TCP (RFC 2181 §9); optional data (the zone's NS on a positive answer, additional records)
/// that does not fit is left out.
pub fn write_plan(w: &mut ResponseWriter<'_>, plan: &Plan<'_>) {
    w.set_rcode(plan.rcode);
    w.set_aa(plan.authoritative);
    for (owner, rrset) in &plan.answer {
        if push_rrset(w, Section::Answer, owner, rrset).is_err() {
            w.clear_records();
            w.set_tc(true);
            return;
        }
    }
    let before_authority = w.mark();
    for (owner, rrset) in &plan.authority {
        if push_rrset(w, Section::Authority, owner, rrset).is_err() {
            if plan.authority_optional {
                w.rollback(before_authority);
                return;
            }
            w.clear_records();
            w.set_tc(true);
            return;
        }
    }
    for (owner, rrset) in &plan.additional {
        let mark = w.mark();
        if push_rrset(w, Section::Additional, owner, rrset).is_err() {
            w.rollback(mark);
            return;
        }
    }
}

fn push_rrset(
    w: &mut ResponseWriter<'_>,
    section: Section,
    owner: &[u8],
    rrset: &crate::zone::CompiledRrset,
) -> Result<(), NoRoom> {
    for rdata in &rrset.rdatas {
        w.push_rr(section, owner, rrset.rtype, rrset.ttl, rdata)?;
    }
    Ok(())
}

/// What hosted zone `zone` answers for `qname` and `qtype` on this node to a client at
/// `client_addr` (TestDNSAnswer's ECS address, else its resolver address; `None`: unknown),
/// located with `geoip`, as TestDNSAnswer reports it: the response code's name and the
/// answer's records of that type in Route 53's value form. `None` when the snapshot does not
/// hold the zone.
pub fn test_answer(
    snapshot: &Snapshot,
    zone: &cairn_model::HostedZoneId,
    qname: &cairn_model::DomainName,
    qtype: cairn_model::RrType,
    client_addr: Option<IpAddr>,
    geoip: Option<&GeoIp>,
) -> Option<(&'static str, Vec<String>)> {
    let compiled = snapshot.zones.get(zone)?;
    let key = name_key(qname);
    let name: &[u8] = &key;
    if !key.is_at_or_below(&compiled.apex) {
        return Some(("REFUSED", Vec::new()));
    }
    let client = Client::new(client_addr, geoip).with_cidr(&snapshot.cidr_collections, None);
    let ctx = RoutingContext {
        region: &snapshot.region,
        health: &snapshot.health,
        zones: &snapshot.zones,
        client: &client,
    };
    let mut cnames = auth::SynthesizedCnames::default();
    let plan = auth::lookup(compiled, name, qtype.code(), &ctx, &mut cnames);
    let records = plan
        .answer
        .iter()
        .filter(|(_, rrset)| rrset.rtype == qtype.code())
        .flat_map(|(_, rrset)| rrset.rdatas.iter())
        .map(|rdata| {
            cairn_model::rdata::decode_to_route53_value(qtype, rdata.bytes())
                .unwrap_or_else(|_| format!("\\# {} {}", rdata.bytes().len(), hex(rdata.bytes())))
        })
        .collect();
    // TestDNSAnswer reports these four; anything else the lookup could say is a failure.
    let code = match plan.rcode {
        code @ (Rcode::NoError | Rcode::NxDomain | Rcode::Refused) => code.name(),
        _ => Rcode::ServFail.name(),
    };
    Some((code, records))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
