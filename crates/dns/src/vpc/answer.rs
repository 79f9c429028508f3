//! What one VPC's view answers ([ROUTE53.md §5.2, §6.3]), once the pipeline
//! ([`crate::pipeline`]) has checked the message: unreadable or QR=1 dropped, FORMERR, a
//! VPC with `enableDnsSupport` off dropped, then opcode, EDNS version, class, AXFR and meta
//! types answered as the public listener does (NOTIMP, BADVERS, REFUSED, …).
//!
//! | order | step | outcome |
//! |---|---|---|
//! | 3 | the VPC's DNS Firewall on the query name ([`crate::firewall`]), before the reply cache | BLOCK: NODATA, NXDOMAIN or the OVERRIDE CNAME; SERVFAIL when it cannot decide and fails closed |
//! | 4 | the most specific of the VPC's private zones and autodefined domains | answered here; a name missing from a private zone is NXDOMAIN, never looked up publicly |
//! | 5 | anything else | resolved publicly (recursion or forwarding, one shared cache) |
//! | 6 | a CNAME leaving the answering domain | followed from step 4 for its target (at most 8 hops) |
//! | 7 | AAAA with no AAAA data, client in a DNS64 subnet | AAAA synthesized in 64:ff9b::/96 from the A records (RFC 6147) |
//! | 8 | the firewall on each name the CNAME/DNAME chain leads to (fresh or kept answers), unless a TRUST rule matched the query name | the whole answer blocked by the first BLOCK |
//!
//! Answers carry RA=1; AA=1 only when every record came from the VPC's own private zones or
//! autodefined names.

use std::future::Future;
use std::net::Ipv6Addr;
use std::pin::Pin;
use std::sync::Arc;

use cairn_wire::{rtype, Query, Rcode, Rdata, ResponseWriter, Section};

use crate::auth;
use crate::firewall::screen::{blocked, passed, redirect_targets, screen, Screened};
use crate::firewall::Block;
use crate::pipeline::{ede, Outcome, Transport, EDNS_UDP_PAYLOAD};
use crate::resolver::validate::{Ede, Security, Validated};
use crate::resolver::{clock, CachedReply, ReplyVariant, Resolution, Resolver};
use crate::routing::RoutingContext;
use crate::snapshot::Snapshot;
use crate::view::{CompiledRule, VpcView};
use crate::vpc::{dnssec, internal};
use crate::zone::CompiledZone;
use cairn_model::resolver::RuleType;

/// How many CNAME hops the resolver follows across domains.
const MAX_CHAIN: usize = 8;

/// A boxed future, for the object-safe [`PublicResolver`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One record of an answer, owned (the resolver's record type).
pub type OwnedRecord = crate::resolver::Record;

/// Resolves names that no private zone or autodefined domain covers: recursion from root
/// hints or forwarding, behind the shared cache.
pub trait PublicResolver: Send + Sync {
    /// Resolves `qname` (lowercase uncompressed wire) for `qtype`.
    fn resolve<'a>(&'a self, qname: &'a [u8], qtype: u16) -> BoxFuture<'a, Resolution>;

    /// Resolves and DNSSEC-validates `qname` for `qtype`, for a VPC with validation on: the
    /// answer carries its RRSIGs and NSEC/NSEC3 records ([`dnssec`] decides what the client
    /// sees).
    fn resolve_validated<'a>(&'a self, qname: &'a [u8], qtype: u16) -> BoxFuture<'a, Validated>;

    /// Sends `qname`/`qtype` to a FORWARD rule's targets, from its outbound endpoint's
    /// addresses, and returns their answer (cached per rule by TTL).
    fn forward<'a>(
        &'a self,
        rule: &'a CompiledRule,
        qname: &'a [u8],
        qtype: u16,
    ) -> BoxFuture<'a, Resolution>;

    /// The resolver that answers for `rule` (a FORWARD rule), or for public names when
    /// `None`: where the encoded answers to its questions are kept.
    fn resolver(&self, rule: Option<&CompiledRule>) -> Arc<Resolver>;

    /// The resolver behind [`resolve_validated`](Self::resolve_validated): where validated
    /// answers are kept, per DO and AD ([`ReplyVariant::validated`]).
    fn validating_resolver(&self) -> Arc<Resolver>;
}

/// What the view found, before it is written.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) rcode: Rcode,
    pub(crate) authoritative: bool,
    pub(crate) answer: Vec<OwnedRecord>,
    pub(crate) authority: Vec<OwnedRecord>,
    /// For a public name in a VPC that validates: what validation said.
    pub(crate) security: Option<Security>,
    /// Set AD, and the Extended DNS Error to add ([`dnssec::finish`]).
    pub(crate) ad: bool,
    pub(crate) ede: Option<crate::resolver::validate::Ede>,
}

/// Answers `query` (checked by the pipeline) in `view` into `out`.
///
/// # Arguments
/// * `snapshot` - the snapshot the view was taken from (zones, health, region).
/// * `view` - the asking VPC's view.
/// * `dns64` - synthesize AAAA (the client's subnet or the inbound endpoint has DNS64 on).
/// * `public` - public resolution and forwarding; `None` answers SERVFAIL for those names.
pub async fn answer(
    snapshot: &Snapshot,
    view: &VpcView,
    query: &Query<'_>,
    transport: Transport,
    dns64: bool,
    public: Option<&dyn PublicResolver>,
    out: &mut Vec<u8>,
) -> Outcome {
    let mut lower = [0u8; 255];
    let len = query.qname_lowercase(&mut lower);
    let qname = &lower[..len];
    // The DNS Firewall first, before the reply cache: a kept answer never escapes a rule
    // added since it was kept.
    let mut screen = match screen(view.firewall.as_deref(), qname, query.qtype, dns64) {
        Screened::Go(screen) => screen,
        stop => return refuse(snapshot, view, query, qname, transport, stop, public, out).await,
    };
    // A name resolved publicly (or by a FORWARD rule) is answered the same in every view
    // that routes it there: its encoded answer is kept by the resolver that answered it and
    // copied on the next ask. DNS64 rewrites AAAA and PTR answers, so those are never kept.
    // A validating VPC's answers depend on the client's DO and AD bits: they are kept per
    // variant by the validating resolver. CD changes only bogus answers, never kept (below).
    let dnssec_ok = query.edns.is_some_and(|e| e.dnssec_ok);
    let not_kept = dns64 && matches!(query.qtype, rtype::AAAA | rtype::PTR);
    let keeper = match public {
        Some(public) if !not_kept => match route(view, qname, query.qtype) {
            Route::Forward(rule) => Some((public.resolver(Some(rule)), ReplyVariant::PLAIN)),
            Route::Public if view.dnssec_validation => Some((
                public.validating_resolver(),
                ReplyVariant::validated(dnssec_ok, query.ad),
            )),
            Route::Public => Some((public.resolver(None), ReplyVariant::PLAIN)),
            Route::Private(_) | Route::Internal(_) => None,
        },
        _ => None,
    };
    if let Some((resolver, variant)) = &keeper {
        if let Some(reply) = resolver.cached_reply(qname, query.qtype, *variant) {
            if let Some(screen) = &mut screen {
                if let Err(stop) = screen.chain(reply.redirects(), query.qtype) {
                    return refuse(snapshot, view, query, qname, transport, stop, public, out)
                        .await;
                }
            }
            if write_cached(query, transport, &reply, out) {
                resolver.reply_served(&reply);
                return Outcome::answered(query, reply.rcode()).with_firewall(passed(screen));
            }
        }
    }
    let started = clock();
    // Only a DNS64 client's PTR query can need the IPv4 name: skip the parse for the rest.
    let v4_target = if dns64 && query.qtype == rtype::PTR {
        dns64_reverse_target(qname)
    } else {
        None
    };
    let mut found = match v4_target {
        // RFC 6147 §5.3.1: a reverse name in 64:ff9b::/96 is answered with a CNAME to the
        // IPv4 reverse name, and what that name has.
        Some(v4_name) => {
            let mut found = resolve(snapshot, view, &v4_name, rtype::PTR, public).await;
            let cname = OwnedRecord {
                owner: qname.to_vec(),
                rtype: rtype::CNAME,
                ttl: internal::SYNTH_TTL,
                rdata: Rdata::new(rtype::CNAME, v4_name).expect("a wire name"),
            };
            found.answer.insert(0, cname);
            found.authoritative = false;
            found
        }
        None => resolve(snapshot, view, qname, query.qtype, public).await,
    };
    // A BLOCK on AAAA spares AAAA records synthesized by DNS64 (ROUTE53-NEXT.md §E).
    if let Some(rule) = screen.as_ref().and_then(|s| s.aaaa_block(&found.answer)) {
        let stop = Screened::Block(rule);
        return refuse(snapshot, view, query, qname, transport, stop, public, out).await;
    }
    if query.qtype == rtype::AAAA && found.rcode == Rcode::NoError && dns64 {
        synthesize_dns64(snapshot, view, qname, public, &mut found).await;
    }
    // A bogus answer a CD client gets is never kept: the next client may not set CD.
    let bogus = matches!(found.security, Some(Security::Bogus(_)));
    dnssec::finish(query, &mut found);
    let redirects = redirect_targets(&found.answer);
    if let Some(screen) = &mut screen {
        if let Err(stop) = screen.chain(redirects.iter().map(|n| &n[..]), query.qtype) {
            return refuse(snapshot, view, query, qname, transport, stop, public, out).await;
        }
    }
    let written = write(
        query,
        transport,
        &found,
        out,
        (keeper.is_some() && !bogus).then_some(started),
    );
    if let (Some((resolver, variant)), Some(reply)) = (keeper, written) {
        let reply = reply.with_redirects(redirects).with_ad(found.ad);
        resolver.keep_reply(qname, query.qtype, variant, reply);
    }
    Outcome::answered(query, found.rcode).with_firewall(passed(screen))
}

/// Answers a query the firewall stopped: a BLOCK rule's response, or SERVFAIL when it could
/// not decide. An OVERRIDE answers `qname CNAME <BlockOverrideDomain>` and resolves that
/// name in the same view, as a client following the CNAME would (ROUTE53-NEXT.md §E expects
/// the target chased); the target is not checked again, so an override never loops.
#[allow(clippy::too_many_arguments)]
async fn refuse(
    snapshot: &Snapshot,
    view: &VpcView,
    query: &Query<'_>,
    qname: &[u8],
    transport: Transport,
    stop: Screened<'_>,
    public: Option<&dyn PublicResolver>,
    out: &mut Vec<u8>,
) -> Outcome {
    let rule = match stop {
        Screened::Block(rule) => rule,
        Screened::Undecided | Screened::Go(_) => {
            let found = Found {
                rcode: Rcode::ServFail,
                ede: Some(Ede {
                    code: ede::BLOCKED,
                    text: "DNS Firewall could not decide and fails closed".into(),
                }),
                ..Found::default()
            };
            write(query, transport, &found, out, None);
            return Outcome::answered(query, Rcode::ServFail);
        }
    };
    let mut found = match &rule.block {
        // Whether Route 53 adds an SOA to a NODATA or NXDOMAIN block is not recorded: none.
        Block::NoData => Found::default(),
        Block::NxDomain => Found {
            rcode: Rcode::NxDomain,
            ..Found::default()
        },
        Block::Override { target, ttl } => {
            let mut found = if matches!(query.qtype, rtype::CNAME | rtype::ANY) {
                Found::default()
            } else {
                Box::pin(resolve(snapshot, view, target, query.qtype, public)).await
            };
            let cname = OwnedRecord {
                owner: qname.to_vec(),
                rtype: rtype::CNAME,
                ttl: *ttl,
                rdata: Rdata::new(rtype::CNAME, target.to_vec()).expect("a wire name"),
            };
            found.answer.insert(0, cname);
            found.authoritative = false;
            found
        }
    };
    // Route 53 documents no EDE; 15 (Blocked: the operator's security policy) says what
    // happened to a client that reads it, without naming the rule group.
    found.ede = Some(Ede {
        code: ede::BLOCKED,
        text: "blocked by DNS Firewall".into(),
    });
    write(query, transport, &found, out, None);
    Outcome::answered(query, found.rcode).with_firewall(Some(blocked(rule)))
}

/// EDE 22 for a SERVFAIL from upstream: no server gave an answer in time (the resolver does
/// not tell a timeout from a network error or a lame server, so 23 is never sent).
fn unreachable(text: &str) -> Ede {
    Ede {
        code: ede::NO_REACHABLE_AUTHORITY,
        text: text.into(),
    }
}

/// Where the view sends a name.
enum Route<'v> {
    /// A FORWARD rule at least as specific as any local domain.
    Forward(&'v CompiledRule),
    /// The most specific of the VPC's private zones.
    Private(&'v CompiledZone),
    /// An autodefined domain (reverse zones, EC2 hostnames).
    Internal(internal::InternalAnswer),
    /// Public resolution.
    Public,
}

/// Decides where `name` is answered in `view`: a Resolver rule wins when its domain is at
/// least as specific as the private zone's or the autodefined domain's (a rule beats a
/// private zone of the same name); a SYSTEM rule hands the name back to local resolution;
/// then the most specific local domain, a private zone beating an autodefined one of the
/// same name; else public resolution.
fn route<'v>(view: &'v VpcView, name: &[u8], qtype: u16) -> Route<'v> {
    let private = if view.private_dns() {
        view.find_private_zone(name)
    } else {
        None
    };
    let internal = internal::lookup(view, name, qtype);
    let local_len = private
        .map_or(0, |z| z.apex.len())
        .max(internal.as_ref().map_or(0, |a| a.domain_len));
    if let Some(rule) = view
        .find_rule(name)
        .filter(|r| r.domain.len() >= local_len && r.rule_type == RuleType::Forward)
    {
        return Route::Forward(rule);
    }
    match (private, internal) {
        (Some(zone), Some(auto)) if zone.apex.len() < auto.domain_len => Route::Internal(auto),
        (Some(zone), _) => Route::Private(zone),
        (None, Some(auto)) => Route::Internal(auto),
        (None, None) => Route::Public,
    }
}

/// Answers from a kept reply: the query's header and question, the kept sections with their
/// TTLs counted down. `false` (nothing to send yet) when it does not fit this query's size
/// limit: the caller then writes it afresh, which truncates as a fresh answer does.
fn write_cached(
    query: &Query<'_>,
    transport: Transport,
    reply: &CachedReply,
    out: &mut Vec<u8>,
) -> bool {
    let limit = transport.size_limit(query);
    let edns = query.edns.map(|e| (EDNS_UDP_PAYLOAD, e.dnssec_ok));
    let (sections, counts) = reply.sections();
    let mut w = ResponseWriter::new(out, query, limit);
    w.set_ra(true);
    w.set_rcode(reply.rcode());
    if reply.ad() {
        w.set_ad(true);
    }
    if w.push_encoded(sections, counts).is_err() {
        return false;
    }
    let message = w.finish(edns).len();
    let start = 12 + query.question().len();
    let end = start + sections.len();
    debug_assert!(end <= message);
    reply.count_down(&mut out[start..end], clock());
    true
}

/// Resolves `qname`/`qtype` in the view, following CNAMEs from one domain to the next.
async fn resolve(
    snapshot: &Snapshot,
    view: &VpcView,
    qname: &[u8],
    qtype: u16,
    public: Option<&dyn PublicResolver>,
) -> Found {
    let mut found = Found {
        authoritative: true,
        ..Found::default()
    };
    let mut name = qname.to_vec();
    // Routed records in private zones are answered for the VPC's region (ROUTE53.md §3):
    // latency picks the region nearest it, geolocation and geoproximity locate the query
    // there (no EDNS Client Subnet in a VPC). Located on first use: only a private zone's
    // lookup needs it, and locating a region costs about 2,000 instructions.
    let mut client = None;
    for _ in 0..MAX_CHAIN {
        let zone = match route(view, &name, qtype) {
            Route::Forward(rule) => {
                found.authoritative = false;
                let Some(public) = public else {
                    found.rcode = Rcode::ServFail;
                    return found;
                };
                let forwarded = public.forward(rule, &name, qtype).await;
                found.rcode = forwarded.rcode;
                if found.rcode == Rcode::ServFail {
                    found.ede = Some(unreachable("no target of the forwarding rule answered"));
                }
                found.answer.extend(forwarded.answer);
                found.authority.extend(forwarded.authority);
                return found;
            }
            Route::Private(zone) => zone,
            Route::Internal(auto) => {
                found.rcode = auto.rcode;
                let empty = auto.answer.is_empty();
                let soa = empty.then(|| auto.soa());
                found
                    .answer
                    .extend(auto.answer.into_iter().map(|(rtype, rdata)| OwnedRecord {
                        owner: name.clone(),
                        rtype,
                        ttl: internal::SYNTH_TTL,
                        rdata,
                    }));
                if let Some(soa) = soa {
                    found.authority.push(OwnedRecord {
                        owner: auto.apex.to_vec(),
                        rtype: rtype::SOA,
                        ttl: internal::SYNTH_TTL,
                        rdata: soa,
                    });
                }
                return found;
            }
            Route::Public => {
                found.authoritative = false;
                let Some(public) = public else {
                    found.rcode = Rcode::ServFail;
                    return found;
                };
                if view.dnssec_validation {
                    let Validated {
                        resolution,
                        security,
                    } = public.resolve_validated(&name, qtype).await;
                    found.rcode = resolution.rcode;
                    if found.rcode == Rcode::ServFail {
                        found.ede = Some(unreachable("public resolution failed"));
                    }
                    found.answer.extend(resolution.answer);
                    found.authority.extend(resolution.authority);
                    found.security = Some(security);
                    return found;
                }
                let resolved = public.resolve(&name, qtype).await;
                found.rcode = resolved.rcode;
                if found.rcode == Rcode::ServFail {
                    found.ede = Some(unreachable("public resolution failed"));
                }
                found.answer.extend(resolved.answer);
                found.authority.extend(resolved.authority);
                return found;
            }
        };
        {
            // A private zone answers; a CNAME leaving it is followed in the next round.
            let client = client.get_or_insert_with(|| {
                crate::routing::Client::at_location(crate::geoip::Location::of_region(
                    &view.vpc.region,
                ))
            });
            let ctx = RoutingContext {
                region: &view.vpc.region,
                health: &snapshot.health,
                zones: &snapshot.zones,
                client,
            };
            let mut cnames = auth::SynthesizedCnames::default();
            let plan = auth::lookup(zone, &name, qtype, &ctx, &mut cnames);
            let before = found.answer.len();
            for (owner, rrset) in &plan.answer {
                found
                    .answer
                    .extend(rrset.rdatas.iter().map(|rdata| OwnedRecord {
                        owner: owner.to_vec(),
                        rtype: rrset.rtype,
                        ttl: rrset.ttl,
                        rdata: rdata.clone(),
                    }));
            }
            found.rcode = plan.rcode;
            found.authoritative &= plan.authoritative;
            if plan.rcode != Rcode::NoError || found.answer.len() == before {
                if !plan.authority_optional {
                    for (owner, rrset) in &plan.authority {
                        found
                            .authority
                            .extend(rrset.rdatas.iter().map(|rdata| OwnedRecord {
                                owner: owner.to_vec(),
                                rtype: rrset.rtype,
                                ttl: rrset.ttl,
                                rdata: rdata.clone(),
                            }));
                    }
                }
                return found;
            }
            let next = dangling_cname(&plan, qtype);
            drop(plan);
            match next {
                Some(target) => name = target,
                None => return found,
            }
        }
    }
    // Too long a chain: what was found so far, as resolvers do.
    found
}

/// The target of a CNAME that ends the plan's answer without data of `qtype` behind it:
/// where the lookup continues, outside the zone that answered.
fn dangling_cname(plan: &auth::Plan<'_>, qtype: u16) -> Option<Vec<u8>> {
    if qtype == rtype::CNAME || qtype == rtype::ANY {
        return None;
    }
    let (_, last) = plan.answer.last()?;
    if last.rtype != rtype::CNAME {
        return None;
    }
    last.cname_target.as_ref().map(|t| t.to_vec())
}

/// The IPv4 reverse name (`d.c.b.a.in-addr.arpa`) of an `ip6.arpa` name inside the DNS64
/// prefix 64:ff9b::/96 (all 32 nibbles), if `qname` is one.
fn dns64_reverse_target(qname: &[u8]) -> Option<Vec<u8>> {
    // 24 nibbles of the prefix, most significant last in the name: 0064:ff9b:0000:…:0000.
    const PREFIX: &str = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa";
    let mut labels = Vec::new();
    let mut pos = 0;
    while pos < qname.len() && qname[pos] != 0 {
        let len = usize::from(qname[pos]);
        labels.push(
            std::str::from_utf8(qname.get(pos + 1..pos + 1 + len)?)
                .ok()?
                .to_ascii_lowercase(),
        );
        pos += 1 + len;
    }
    if labels.len() != 34 || labels[8..].join(".") != PREFIX {
        return None;
    }
    let nibbles: Option<Vec<u8>> = labels[..8]
        .iter()
        .map(|l| u8::from_str_radix(l, 16).ok().filter(|_| l.len() == 1))
        .collect();
    let n = nibbles?;
    // labels[0] is the least significant nibble.
    let octets = [
        n[7] << 4 | n[6],
        n[5] << 4 | n[4],
        n[3] << 4 | n[2],
        n[1] << 4 | n[0],
    ];
    Some(
        cairn_wire::NameKey::from_text(&format!(
            "{}.{}.{}.{}.in-addr.arpa",
            octets[3], octets[2], octets[1], octets[0]
        ))
        .expect("four octets make a name")
        .to_vec(),
    )
}

/// RFC 6147 §5.1: an AAAA query that found no AAAA records gets AAAA records made from the
/// name's A records in 64:ff9b::/96 (NXDOMAIN and errors are left alone).
async fn synthesize_dns64(
    snapshot: &Snapshot,
    view: &VpcView,
    qname: &[u8],
    public: Option<&dyn PublicResolver>,
    found: &mut Found,
) {
    if found.answer.iter().any(|r| r.rtype == rtype::AAAA) {
        return;
    }
    let a = Box::pin(resolve(snapshot, view, qname, rtype::A, public)).await;
    if a.rcode != Rcode::NoError {
        return;
    }
    let synthesized: Vec<OwnedRecord> = a
        .answer
        .iter()
        .filter(|r| r.rtype == rtype::A && r.rdata.bytes().len() == 4)
        .map(|r| {
            let v4 = r.rdata.bytes();
            let v6 = Ipv6Addr::new(
                0x64,
                0xff9b,
                0,
                0,
                0,
                0,
                u16::from_be_bytes([v4[0], v4[1]]),
                u16::from_be_bytes([v4[2], v4[3]]),
            );
            OwnedRecord {
                owner: r.owner.clone(),
                rtype: rtype::AAAA,
                ttl: r.ttl,
                rdata: Rdata::new(rtype::AAAA, v6.octets().to_vec()).expect("16 bytes"),
            }
        })
        .collect();
    if synthesized.is_empty() {
        return;
    }
    // The CNAME/DNAME chain of the A lookup, then the synthesized records.
    found.answer = a
        .answer
        .into_iter()
        .filter(|r| matches!(r.rtype, rtype::CNAME | rtype::DNAME))
        .chain(synthesized)
        .collect();
    found.authority.clear();
    found.authoritative = false;
    // Synthesized records are not signed (RFC 6147 §5.5): never AD; a bogus A stays bogus.
    found.security = match a.security {
        Some(Security::Bogus(ede)) => Some(Security::Bogus(ede)),
        Some(_) => Some(Security::Insecure),
        None => None,
    };
}

/// Writes what was found: a required record that does not fit sets TC (RFC 2181 §9).
/// With `keep` (when resolution started), returns the answer as a [`CachedReply`] to keep,
/// unless it was truncated or is not worth keeping.
fn write(
    query: &Query<'_>,
    transport: Transport,
    found: &Found,
    out: &mut Vec<u8>,
    keep: Option<std::time::Instant>,
) -> Option<CachedReply> {
    let limit = transport.size_limit(query);
    let edns = query.edns.map(|e| (EDNS_UDP_PAYLOAD, e.dnssec_ok));
    let mut w = ResponseWriter::new(out, query, limit);
    w.set_ra(true);
    w.set_aa(found.authoritative && found.rcode != Rcode::ServFail);
    w.set_rcode(found.rcode);
    if found.ad {
        w.set_ad(true);
    }
    if let Some(ede) = &found.ede {
        w.set_ede(ede.code, &ede.text);
    }
    let sections = [
        (Section::Answer, &found.answer),
        (Section::Authority, &found.authority),
    ];
    for (section, records) in sections {
        for record in records {
            if w.push_rr(
                section,
                &record.owner,
                record.rtype,
                record.ttl,
                &record.rdata,
            )
            .is_err()
            {
                w.clear_records();
                w.set_tc(true);
                w.finish(edns);
                return None;
            }
        }
    }
    // Counted down from when resolution started, when the RRsets' TTLs were read (whole
    // seconds, so a kept answer may outlast its RRsets by under a second, as a TTL read a
    // moment later would).
    let kept = keep.and_then(|started| {
        let (sections, counts) = w.encoded_sections()?;
        CachedReply::new(found.rcode, sections, counts, started)
    });
    w.finish(edns);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_wire(text: &str) -> cairn_wire::NameKey {
        cairn_wire::NameKey::from_text(text).expect("a name")
    }

    #[test]
    fn dns64_reverse_names_map_to_ipv4_reverse_names() {
        // 64:ff9b::c000:221 = 192.0.2.33
        let name =
            to_wire("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa");
        assert_eq!(
            dns64_reverse_target(&name),
            Some(to_wire("33.2.0.192.in-addr.arpa").to_vec())
        );
        let other =
            to_wire("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        assert_eq!(dns64_reverse_target(&other), None);
        assert_eq!(
            dns64_reverse_target(&to_wire("b.9.f.f.4.6.0.0.ip6.arpa")),
            None
        );
    }
}
