//! Public resolution for the VPC resolver: iterative recursion from root hints or
//! forwarding, over one shared cache.
//!
//! ```text
//!  Resolver::resolve(qname, qtype)                       one budget: resolution_timeout
//!    ├─ cache: (name, type) RRset · NODATA · NXDOMAIN · CNAME ─► answer, from_cache = true
//!    └─ miss ─► Upstream::Forwarders: RD=1 to each forwarder in turn (fail over on timeout)
//!              Upstream::RootHints:   RD=0 from the closest cached zone cut (else the root):
//!                   referral ─► NS + in-bailiwick glue cached, go down one zone
//!                   glueless  ─► resolve the NS name first (depth ≤ 4)
//!                   answer / CNAME / NXDOMAIN / NODATA ─► cached, chain followed (≤ 8)
//!         every query: transport::exchange (random ID and port, 0x20, source check, TC→TCP)
//! ```
//!
//! # Contract
//!
//! * [`Resolver::new`] takes a [`ResolverConfig`]; the resolver is `Send + Sync` and meant to
//!   be shared in an `Arc` by every listener task, so all of them share one cache.
//! * [`Resolver::resolve`] takes an uncompressed wire qname (any case) and a type, and always
//!   returns a [`Resolution`] within [`ResolverConfig::resolution_timeout`]: NOERROR with the
//!   answer (CNAME chain first, then the data), NXDOMAIN or NODATA with the zone's SOA in
//!   `authority`, or SERVFAIL when no server gave a usable answer in time. Owners in the
//!   returned records are lowercase; the caller writes the client's own qname case.
//! * [`Resolver::cached_reply`] and [`Resolver::keep_reply`] keep whole encoded answers for
//!   callers that write them (the VPC resolver), so a repeated question is answered by
//!   copying bytes ([`CachedReply`]); they follow the RRset cache's TTLs.
//! * [`Resolver::stats`] reads counters (cache hits and misses, negative hits, upstream
//!   queries, ignored replies, entries) for tests and metrics.
//!
//! Anti-poisoning: only records inside the zone the answering server is authoritative for (the
//! zone whose servers were asked) are cached or used; glue for a referral is used only for
//! names the referral's NS records name. Answers to clients come only from answer sections,
//! never from referral data. See `docs/resolver.md`.

mod cache;
mod dname;
mod hints;
mod iterate;
mod message;
mod name;
mod replies;
mod transport;
pub mod validate;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_wire::{Rcode, Rdata};
use tokio::sync::OnceCell;
use tokio::time::Instant;

use cache::{Cache, Dnssec, Hit, Negative, Rank};
pub use hints::{iana_root_hints, parse_root_hints, RootHint, RootHintsError, IANA_ROOT_HINTS};
use message::{rtype, Ask, Message, Rr};
use replies::ReplyCache;
pub use replies::{CachedReply, ReplyVariant};
use transport::{exchange, query_deadline, TransportCounters};

/// Most CNAME records followed for one resolution.
const MAX_CNAME_HOPS: usize = 8;
/// How deep glueless name-server lookups may nest.
const MAX_GLUELESS_DEPTH: u32 = 4;
/// Most referrals followed for one name.
const MAX_REFERRALS: usize = 32;
/// Most upstream queries one resolution may send (glueless lookups included).
const MAX_QUERIES: u32 = 96;

//----------- ResolverConfig -------------------------------------------------

/// How the resolver reaches the public DNS, and its limits.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// How public names are resolved.
    pub upstream: Upstream,
    /// Bound on cached RRsets plus negative entries; the least recently used goes first.
    pub cache_max_entries: usize,
    /// Cap on positive TTLs, in seconds.
    pub max_ttl: u32,
    /// Cap on negative TTLs (RFC 2308), in seconds.
    pub max_negative_ttl: u32,
    /// How long to wait for one upstream reply.
    pub query_timeout: Duration,
    /// The whole budget of one [`Resolver::resolve`] call.
    pub resolution_timeout: Duration,
    /// The port name servers are queried on during recursion (NS records carry no port).
    pub port: u16,
    /// Addresses forwarded queries leave from (an outbound endpoint's), used in turn; empty:
    /// the system chooses. Recursion always lets the system choose.
    pub sources: Vec<IpAddr>,
    /// Ask with DO=1 and keep RRSIGs and NSEC/NSEC3 proofs with what is cached: the
    /// resolutions then carry them (RRSIGs after each RRset, proofs in `authority`) for the
    /// [`validate::Validator`]. Off for the resolver of non-validating VPCs.
    pub dnssec_ok: bool,
}

/// Where public answers come from.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// Iterate from these root servers (name in uncompressed wire form, address), e.g. from
    /// [`parse_root_hints`].
    RootHints(Vec<RootHint>),
    /// Send queries with RD=1 to these resolvers, in order, failing over on timeout.
    Forwarders(Vec<SocketAddr>),
}

impl ResolverConfig {
    /// The defaults (100,000 entries, TTL caps of one day and one hour, 1.5 s per query,
    /// 5 s per resolution, port 53) with this upstream.
    pub fn new(upstream: Upstream) -> Self {
        Self {
            upstream,
            cache_max_entries: 100_000,
            max_ttl: 86_400,
            max_negative_ttl: 3_600,
            query_timeout: Duration::from_millis(1_500),
            resolution_timeout: Duration::from_secs(5),
            port: 53,
            sources: Vec::new(),
            dnssec_ok: false,
        }
    }
}

//----------- Resolution and Record ------------------------------------------

/// The outcome of one resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// NOERROR, SERVFAIL, NXDOMAIN, or FORMERR for a malformed qname.
    pub rcode: Rcode,
    /// The chain from the qname (if any: CNAMEs, each DNAME before the CNAME synthesised
    /// from it), then the RRset of the asked type.
    pub answer: Vec<Record>,
    /// For NXDOMAIN and NODATA, the zone's SOA (TTL = the negative TTL), when known.
    pub authority: Vec<Record>,
    /// Whether everything came from the cache, without an upstream query.
    pub from_cache: bool,
}

/// One record of a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Uncompressed wire owner name, lowercase.
    pub owner: Vec<u8>,
    /// The record type.
    pub rtype: u16,
    /// The remaining TTL in seconds.
    pub ttl: u32,
    /// The RDATA, uncompressed (names expanded), ready for `ResponseWriter::push_rr`.
    pub rdata: Rdata,
}

/// Counters since the resolver was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolverStats {
    /// Resolutions answered wholly from the cache.
    pub cache_hits: u64,
    /// Resolutions not answered wholly from the cache (coalesced ones included).
    pub cache_misses: u64,
    /// Misses that joined an identical resolution already in flight.
    pub coalesced: u64,
    /// Cache hits that were NXDOMAIN or NODATA.
    pub negative_hits: u64,
    /// Queries sent upstream (UDP and TCP).
    pub upstream_queries: u64,
    /// Replies ignored: wrong source, ID or question (0x20 case), or unparsable.
    pub ignored_replies: u64,
    /// Truncated replies retried over TCP.
    pub tcp_retries: u64,
    /// Resolutions that ended in SERVFAIL.
    pub servfails: u64,
    /// Entries in the cache now (RRsets and negative entries).
    pub cache_entries: usize,
    /// Entries evicted to respect `cache_max_entries`.
    pub cache_evictions: u64,
    /// Cache hits answered from a kept encoded reply (counted in `cache_hits` too).
    pub reply_hits: u64,
    /// Encoded replies kept now.
    pub reply_entries: usize,
}

//----------- Resolver -------------------------------------------------------

/// The public-resolution engine; share it in an `Arc`.
#[derive(Debug)]
pub struct Resolver {
    config: ResolverConfig,
    cache: Cache,
    transport: TransportCounters,
    hits: AtomicU64,
    misses: AtomicU64,
    negative_hits: AtomicU64,
    servfails: AtomicU64,
    /// The forwarder that answered last: the next query starts there.
    preferred_forwarder: AtomicUsize,
    /// Upstream resolutions in progress, by (lowercased qname, qtype).
    in_flight: Mutex<HashMap<(Vec<u8>, u16), InFlight>>,
    coalesced: AtomicU64,
    /// Whole encoded answers, for callers that write them ([`Resolver::cached_reply`]).
    replies: ReplyCache,
    reply_hits: AtomicU64,
}

/// One upstream resolution that identical callers wait on together.
type InFlight = Arc<OnceCell<Resolution>>;

/// How far one resolution may still go.
struct Budget {
    deadline: Instant,
    queries_left: AtomicU32,
}

/// No usable answer: becomes SERVFAIL.
#[derive(Debug)]
struct Failed;

/// What one upstream answer said about a name, after the chain in it was followed.
#[derive(Debug)]
struct Step {
    /// CNAME and DNAME records followed (in order), each followed by its RRSIGs when DO is set.
    chain: Vec<Record>,
    end: End,
    /// With DO: the NSEC/NSEC3 records (and RRSIGs) proving a wildcard expansion.
    proof: Vec<Record>,
}

#[derive(Debug)]
enum End {
    /// The RRset of the asked type at the chain's end.
    Data(Vec<Record>),
    /// The chain leads to this name, which must be resolved anew.
    Cname(Vec<u8>),
    /// The chain's end has no such type; SOA.
    NoData(Vec<Record>),
    /// The chain's end does not exist; SOA.
    NxDomain(Vec<Record>),
}

/// What one server said.
enum Outcome {
    Step(Step),
    Referral {
        child: Vec<u8>,
        servers: Vec<Vec<u8>>,
    },
}

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: ResolverConfig) -> Self {
        let cache = Cache::new(
            config.cache_max_entries,
            config.max_ttl,
            config.max_negative_ttl,
        );
        Self {
            cache,
            transport: TransportCounters::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            negative_hits: AtomicU64::new(0),
            servfails: AtomicU64::new(0),
            preferred_forwarder: AtomicUsize::new(0),
            in_flight: Mutex::new(HashMap::new()),
            coalesced: AtomicU64::new(0),
            replies: ReplyCache::new(config.cache_max_entries),
            reply_hits: AtomicU64::new(0),
            config,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> ResolverStats {
        ResolverStats {
            cache_hits: self.hits.load(Relaxed),
            cache_misses: self.misses.load(Relaxed),
            coalesced: self.coalesced.load(Relaxed),
            negative_hits: self.negative_hits.load(Relaxed),
            upstream_queries: self.transport.queries.load(Relaxed),
            ignored_replies: self.transport.ignored.load(Relaxed),
            tcp_retries: self.transport.tcp_retries.load(Relaxed),
            servfails: self.servfails.load(Relaxed),
            cache_entries: self.cache.len(),
            cache_evictions: self.cache.evictions(),
            reply_hits: self.reply_hits.load(Relaxed),
            reply_entries: self.replies.len(),
        }
    }

    /// How long upstream servers took to answer, so far (a histogram: queries that got no
    /// acceptable reply are not in it).
    pub fn upstream_latency(&self) -> crate::latency::Totals {
        self.transport.latency.totals()
    }

    /// The encoded answer kept for `qname` (lowercase wire), `qtype` and `variant`, if one
    /// is live now. The caller reports it with [`reply_served`](Self::reply_served) once it
    /// was sent.
    pub fn cached_reply(
        &self,
        qname: &[u8],
        qtype: u16,
        variant: ReplyVariant,
    ) -> Option<Arc<CachedReply>> {
        self.replies.get(qname, qtype, variant, clock())
    }

    /// Counts a kept answer that was sent as a cache hit (and a negative hit for NXDOMAIN or
    /// NODATA), as the resolution it stands for would have been counted. Not counted when it
    /// did not fit and was written afresh instead, which counts itself.
    pub fn reply_served(&self, reply: &CachedReply) {
        self.hits.fetch_add(1, Relaxed);
        self.reply_hits.fetch_add(1, Relaxed);
        if reply.is_negative() {
            self.negative_hits.fetch_add(1, Relaxed);
        }
    }

    /// Keeps `reply`, the encoded answer to `qname` (lowercase wire) and `qtype` written from
    /// this resolver's [`Resolution`] for clients of `variant`, for
    /// [`cached_reply`](Self::cached_reply).
    pub fn keep_reply(&self, qname: &[u8], qtype: u16, variant: ReplyVariant, reply: CachedReply) {
        self.replies.insert(qname, qtype, variant, reply);
    }

    /// Resolves `qname` (uncompressed wire form, any case) for `qtype`, from the cache or
    /// upstream; finishes within `resolution_timeout`.
    pub async fn resolve(&self, qname: &[u8], qtype: u16) -> Resolution {
        if !name::is_valid(qname) {
            return Resolution {
                rcode: Rcode::FormErr,
                answer: Vec::new(),
                authority: Vec::new(),
                from_cache: false,
            };
        }
        let qname = name::to_lowercase(qname);
        if let Some(resolution) = self.resolve_from_cache(&qname, qtype) {
            self.hits.fetch_add(1, Relaxed);
            if resolution.rcode == Rcode::NxDomain || resolution.answer.is_empty() {
                self.negative_hits.fetch_add(1, Relaxed);
            }
            return resolution;
        }
        // Identical misses in flight at the same time share one upstream resolution.
        let key = (qname.clone(), qtype);
        let cell = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            in_flight.entry(key.clone()).or_default().clone()
        };
        let mut led = false;
        let resolution = cell
            .get_or_init(|| {
                led = true;
                self.resolve_upstream(&qname, qtype)
            })
            .await
            .clone();
        if led {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            if in_flight
                .get(&key)
                .is_some_and(|current| Arc::ptr_eq(current, &cell))
            {
                in_flight.remove(&key);
            }
        } else {
            self.coalesced.fetch_add(1, Relaxed);
        }
        self.misses.fetch_add(1, Relaxed);
        if resolution.rcode == Rcode::ServFail {
            self.servfails.fetch_add(1, Relaxed);
        }
        resolution
    }

    /// The whole answer from the cache, CNAME chain included, or `None`.
    fn resolve_from_cache(&self, qname: &[u8], qtype: u16) -> Option<Resolution> {
        let mut answer = Vec::new();
        let mut proofs = Vec::new();
        let mut current = qname.to_vec();
        for _hop in 0..=MAX_CNAME_HOPS {
            let step = self.step_from_cache(&current, qtype)?;
            answer.extend(step.chain);
            proofs.extend(step.proof);
            let (rcode, authority) = match step.end {
                End::Data(records) => {
                    answer.extend(records);
                    (Rcode::NoError, proofs)
                }
                End::Cname(target) => {
                    current = target;
                    continue;
                }
                End::NoData(soa) => (Rcode::NoError, with_proofs(soa, proofs)),
                End::NxDomain(soa) => (Rcode::NxDomain, with_proofs(soa, proofs)),
            };
            return Some(Resolution {
                rcode,
                answer,
                authority,
                from_cache: true,
            });
        }
        None
    }

    /// Resolves upstream (using the cache for what it holds) within the resolution budget.
    async fn resolve_upstream(&self, qname: &[u8], qtype: u16) -> Resolution {
        let budget = Budget {
            deadline: Instant::now() + self.config.resolution_timeout,
            queries_left: AtomicU32::new(MAX_QUERIES),
        };
        let outcome = tokio::time::timeout_at(
            budget.deadline,
            self.resolve_chain(qname, qtype, &budget, 0),
        )
        .await;
        match outcome {
            Ok(Ok(resolution)) => resolution,
            Ok(Err(Failed)) | Err(_) => {
                tracing::debug!(qname = %name::to_text(qname), qtype, "public resolution failed");
                Resolution {
                    rcode: Rcode::ServFail,
                    answer: Vec::new(),
                    authority: Vec::new(),
                    from_cache: false,
                }
            }
        }
    }

    /// Resolves a name, following CNAMEs across zones through the cache and upstream.
    async fn resolve_chain(
        &self,
        qname: &[u8],
        qtype: u16,
        budget: &Budget,
        depth: u32,
    ) -> Result<Resolution, Failed> {
        let mut answer = Vec::new();
        let mut proofs = Vec::new();
        let mut current = qname.to_vec();
        let mut from_cache = true;
        let done = |rcode, answer, authority, from_cache| {
            Ok(Resolution {
                rcode,
                answer,
                authority,
                from_cache,
            })
        };
        for _hop in 0..=MAX_CNAME_HOPS {
            let step = match self.step_from_cache(&current, qtype) {
                Some(step) => step,
                None => {
                    from_cache = false;
                    match &self.config.upstream {
                        Upstream::Forwarders(servers) => {
                            self.forward(servers, &current, qtype, budget).await?
                        }
                        Upstream::RootHints(_) => {
                            self.iterate(&current, qtype, budget, depth).await?
                        }
                    }
                }
            };
            answer.extend(step.chain);
            proofs.extend(step.proof);
            if answer
                .iter()
                .filter(|r: &&Record| r.rtype == rtype::CNAME)
                .count()
                > MAX_CNAME_HOPS
            {
                return Err(Failed);
            }
            match step.end {
                End::Data(records) => {
                    answer.extend(records);
                    return done(Rcode::NoError, answer, proofs, from_cache);
                }
                End::Cname(target) => current = target,
                End::NoData(soa) => {
                    return done(Rcode::NoError, answer, with_proofs(soa, proofs), from_cache)
                }
                End::NxDomain(soa) => {
                    return done(
                        Rcode::NxDomain,
                        answer,
                        with_proofs(soa, proofs),
                        from_cache,
                    )
                }
            }
        }
        Err(Failed)
    }

    /// One step from the cache: data, a CNAME or DNAME to follow, or a negative entry.
    fn step_from_cache(&self, owner: &[u8], qtype: u16) -> Option<Step> {
        let now = Instant::now().into_std();
        let chain = Vec::new();
        match self.cache.lookup(owner, qtype, now) {
            Some(Hit::Rrset {
                mut records,
                rank: Rank::Answer,
                sigs,
                proof,
            }) => {
                records.extend(sigs);
                return Some(Step {
                    chain,
                    end: End::Data(records),
                    proof,
                });
            }
            Some(Hit::NoData { soa }) => {
                return Some(Step {
                    chain,
                    end: End::NoData(soa),
                    proof: Vec::new(),
                })
            }
            Some(Hit::NxDomain { soa }) => {
                return Some(Step {
                    chain,
                    end: End::NxDomain(soa),
                    proof: Vec::new(),
                })
            }
            Some(Hit::Rrset {
                rank: Rank::Referral,
                ..
            })
            | None => {}
        }
        if qtype == rtype::CNAME {
            return self.dname_from_cache(owner, qtype, now);
        }
        match self.cache.lookup(owner, rtype::CNAME, now) {
            Some(Hit::Rrset {
                mut records,
                rank: Rank::Answer,
                sigs,
                proof,
            }) if records.len() == 1 => {
                let record = records.remove(0);
                let target = name::to_lowercase(record.rdata.bytes());
                let mut chain = vec![record];
                chain.extend(sigs);
                Some(Step {
                    chain,
                    end: End::Cname(target),
                    proof,
                })
            }
            // Last, as it costs a lookup per label: a cached DNAME above the name.
            _ => self.dname_from_cache(owner, qtype, now),
        }
    }

    //--- Forwarding

    /// Asks the forwarders (RD=1), starting with the one that answered last.
    async fn forward(
        &self,
        servers: &[SocketAddr],
        qname: &[u8],
        qtype: u16,
        budget: &Budget,
    ) -> Result<Step, Failed> {
        let start = self.preferred_forwarder.load(Relaxed);
        for i in 0..servers.len() {
            let index = (start + i) % servers.len();
            let Some(deadline) = budget.take_query() else {
                return Err(Failed);
            };
            let deadline = query_deadline(self.config.query_timeout, deadline);
            let server = servers[index];
            // Spread over the outbound addresses of the server's family, one per attempt.
            let family: Vec<IpAddr> = self
                .config
                .sources
                .iter()
                .copied()
                .filter(|s| s.is_ipv4() == server.is_ipv4())
                .collect();
            let source = (!family.is_empty()).then(|| family[(start + i) % family.len()]);
            let ask = Ask {
                recursion_desired: true,
                dnssec_ok: self.config.dnssec_ok,
            };
            match exchange(server, qname, qtype, ask, source, deadline, &self.transport).await {
                Ok(reply) if matches!(reply.rcode(), Rcode::NoError | Rcode::NxDomain) => {
                    // A forwarder is a full resolver: everything is in its bailiwick.
                    if let Some(step) = self.digest(&reply, qname, qtype, name::ROOT) {
                        self.preferred_forwarder.store(index, Relaxed);
                        return Ok(step);
                    }
                    tracing::debug!(%server, "forwarder reply unusable");
                }
                Ok(reply) => tracing::debug!(%server, rcode = %reply.rcode(), "forwarder failed"),
                Err(error) => tracing::debug!(%server, ?error, "forwarder did not answer"),
            }
        }
        Err(Failed)
    }
}

/// The resolver's clock (tokio's, so tests that pause time move it), as a std `Instant`.
pub fn clock() -> std::time::Instant {
    Instant::now().into_std()
}

impl Budget {
    /// Spends one query; the resolution's deadline, or `None` when the budget is gone.
    fn take_query(&self) -> Option<Instant> {
        let left = self.queries_left.load(Relaxed);
        if left == 0 || Instant::now() >= self.deadline {
            return None;
        }
        self.queries_left.store(left - 1, Relaxed);
        Some(self.deadline)
    }
}

/// A negative answer's authority: the SOA (and its proof), then proofs met on the way.
fn with_proofs(mut soa: Vec<Record>, proofs: Vec<Record>) -> Vec<Record> {
    soa.extend(proofs);
    soa
}

/// The negative TTL of an SOA: min(its TTL, MINIMUM) (RFC 2308 §5).
fn negative_ttl(soa_ttl: u32, rdata: &Rdata) -> u32 {
    let bytes = rdata.bytes();
    let minimum = bytes
        .len()
        .checked_sub(4)
        .and_then(|start| bytes.get(start..))
        .map_or(0, |tail| {
            u32::from_be_bytes([tail[0], tail[1], tail[2], tail[3]])
        });
    soa_ttl.min(minimum)
}

/// The address in A or AAAA RDATA.
fn address(rtype: u16, rdata: &[u8]) -> Option<IpAddr> {
    match rtype {
        rtype::A => <[u8; 4]>::try_from(rdata).ok().map(IpAddr::from),
        rtype::AAAA => <[u8; 16]>::try_from(rdata).ok().map(IpAddr::from),
        _ => None,
    }
}
