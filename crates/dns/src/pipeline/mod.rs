//! The one query pipeline every listener runs: the public `--dns-listen` addresses, the shared
//! `--resolver-listen` addresses, each VPC's "+2" address and the inbound endpoints, over
//! UDP, TCP and DNS over HTTPS.
//!
//! Listeners ([`udp`], [`tcp`], the VPC's DoH) own the sockets, batching, TCP pipelining and
//! the idle policy, and hand every message to [`answer_now`] (the public UDP workers, which
//! never await) or [`answer`] (everything else). Those run the same fixed steps around an
//! [`Answerer`], one per kind of listener (the authoritative public view,
//! `respond::Authoritative`; a VPC's view, `vpc::listen::ResolverService`):
//!
//! | step | what | outcome |
//! |---|---|---|
//! | 0 | [`Answerer::transfer`] (TCP): AXFR/IXFR when transfers are on ([`crate::xfr`]) | the transfer's messages |
//! | 1 | [`Answerer::select`]: which view answers this source (security groups, VPC by source) | drop, or REFUSED for a source in no view |
//! | 2 | `Query::parse` | dropped when shorter than a header or QR=1; FORMERR (NOTIMP for an opcode other than QUERY), header only |
//! | 3 | [`Answerer::serves`] (a VPC with DNS support off) | dropped |
//! | 4 | [`early_rcode`]: opcode, EDNS version, class, AXFR/IXFR, meta types | NOTIMP, BADVERS, REFUSED, FORMERR |
//! | 5 | [`Answerer::answer`] (a VPC's view first asks its [`policy::QueryPolicy`]) | an [`Outcome`]: rcode, RRL key, bytes in `out` |
//! | – | a panic anywhere in 1–5 | SERVFAIL, header only; the listener goes on |
//! | 6 | DNS COOKIE ([`cookie`], [`Hooks::cookies`]): the option appended to the reply's OPT | — |
//! | 7 | response-rate limiting (public UDP, [`Hooks::rrl`]); a verified server cookie passes | sent, slipped (TC=1, or BADCOOKIE to a cookie client) or dropped |
//! | 8 | [`observe::QueryRecord`] to the [`Hooks::observer`], if one is attached | — |

pub mod bind;
pub mod cookie;
pub mod ede;
pub mod observe;
pub mod policy;
pub mod tcp;
pub mod udp;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cairn_wire::{rtype, write_header_only, ParseError, Query, Rcode, ResponseWriter};

use crate::firewall::FirewallHit;
use crate::rrl::{Rrl, Verdict};
use observe::{ListenerKind, Observer, QueryRecord, ViewLabel};

/// The EDNS UDP payload Cairn advertises and honours at most (ROUTE53.md §2.7: up to 4096).
pub const EDNS_UDP_PAYLOAD: u16 = 4096;

/// How the query arrived; decides the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP: 512 bytes, or the EDNS payload (at most [`EDNS_UDP_PAYLOAD`]).
    Udp,
    /// TCP: up to 65535 bytes.
    Tcp,
    /// DNS over HTTPS (RFC 8484): TCP's size rules, never truncated for size.
    Https,
}

impl Transport {
    /// The largest response allowed for `query` over this transport, less room for the
    /// COOKIE option step 6 appends when the query had one.
    pub fn size_limit(self, query: &Query<'_>) -> usize {
        let limit = match self {
            Self::Udp => query
                .edns
                .map_or(512, |e| e.udp_payload.clamp(512, EDNS_UDP_PAYLOAD) as usize),
            Self::Tcp | Self::Https => usize::from(u16::MAX),
        };
        match query.cookie_at() {
            Some(_) => limit - cookie::REPLY_OPTION_LEN,
            None => limit,
        }
    }

    /// The name a record carries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Https => "https",
        }
    }
}

/// Who sent a message, where, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client's address (`None` when the socket reported an unknown family).
    pub source: Option<IpAddr>,
    /// The client's port (0 when unknown); query logs report it.
    pub port: u16,
    /// The listener's own address.
    pub local: SocketAddr,
    /// The transport.
    pub transport: Transport,
}

/// How response-rate limiting counts a response (see `rrl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RrlKey {
    /// With every response to the same question name (lowercased) and type.
    Question,
    /// With every response of the same rcode (NXDOMAIN floods of random names, errors).
    Rcode,
}

/// What an answer was: written into the caller's buffer, described here so the later steps
/// (RRL, the query record) never read the bytes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The response code written.
    pub rcode: Rcode,
    /// The RRL bucket the response counts against.
    pub rrl: RrlKey,
    /// The question's name length and type, when the query had a readable one.
    question: Option<(u8, u16)>,
    /// The DNS Firewall rule that blocked or alerted on the query (never an ALLOW).
    pub firewall: Option<FirewallHit>,
    /// Where the query's COOKIE option data is (offset and length in the message).
    cookie: Option<(u16, u8)>,
}

impl Outcome {
    /// The outcome of answering `query` with `rcode`: counted by question for NOERROR, by
    /// rcode otherwise (BIND's and Knot's RRL classes).
    pub fn answered(query: &Query<'_>, rcode: Rcode) -> Self {
        Self {
            rcode,
            rrl: if rcode == Rcode::NoError {
                RrlKey::Question
            } else {
                RrlKey::Rcode
            },
            question: Some((query.qname().len() as u8, query.qtype)),
            firewall: None,
            cookie: if query.tsig { None } else { query.cookie_at() },
        }
    }

    /// This outcome, with the firewall match to report.
    pub fn with_firewall(mut self, hit: Option<FirewallHit>) -> Self {
        self.firewall = hit;
        self
    }

    /// A header-only reply: no question to speak of.
    fn header_only(rcode: Rcode) -> Self {
        Self {
            rcode,
            rrl: RrlKey::Rcode,
            question: None,
            firewall: None,
            cookie: None,
        }
    }

    /// The question name as received (case kept) in `msg`, and the type.
    pub fn question<'m>(&self, msg: &'m [u8]) -> Option<(&'m [u8], u16)> {
        let (len, qtype) = self.question?;
        Some((msg.get(12..12 + usize::from(len))?, qtype))
    }
}

/// How a kind of listener writes the replies the pipeline writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    /// RA=1 (the VPC resolver recurses; the authoritative listener does not).
    pub recursion_available: bool,
    /// Echo an EDNS Client Subnet option in early replies (the public listener reads ECS).
    pub echo_ecs: bool,
}

/// What a listener adds around its answerer: both optional, both free when absent.
#[derive(Default, Clone)]
pub struct Hooks {
    /// Response-rate limiting, applied to UDP replies.
    pub rrl: Option<Arc<Rrl>>,
    /// Where a [`QueryRecord`] goes after each answer (query logs, metrics).
    pub observer: Option<Arc<dyn Observer>>,
    /// DNS COOKIE: without it, COOKIE options are ignored (no server cookie is sent).
    pub cookies: Option<Arc<cookie::Cookies>>,
}

/// Which view a listener's answerer picked for a source (step 1).
#[derive(Debug)]
pub enum Selected<V> {
    /// Answer in this view.
    View(V),
    /// A source no view is for: REFUSED once the message parses.
    Refuse,
    /// Say nothing (e.g. a security group does not admit the source).
    Drop,
}

/// One kind of listener's answers: the authoritative public view, or a VPC's view.
pub trait Answerer: Send + Sync {
    /// What a query is answered in.
    type View: Send + Sync;
    /// How the pipeline writes replies for this kind.
    const FLAVOR: Flavor;

    /// The hooks of this kind's listeners.
    fn hooks(&self) -> &Hooks;
    /// The kind of listener this answerer answers for, as query records name it.
    fn kind(&self) -> ListenerKind {
        ListenerKind::Public
    }
    /// Step 1: the view for `peer`.
    fn select(&self, peer: &Peer) -> Selected<Self::View>;
    /// Step 3: whether `view` answers at all.
    fn serves(&self, _view: &Self::View) -> bool {
        true
    }
    /// How `view` appears in a query record.
    fn label<'v>(&self, view: &'v Self::View) -> ViewLabel<'v>;
    /// Zone transfers, before step 1 (TCP only): the answer messages when `msg` is a
    /// transfer request this listener serves (the public one with `--allow-transfer` or
    /// `--notify` set, [`crate::xfr`]); `None` sends `msg` down the pipeline.
    fn transfer(&self, _msg: &[u8], _peer: &Peer) -> Option<Vec<Vec<u8>>> {
        None
    }
    /// Step 5: answers `query` (already checked) into `out`.
    fn answer<'a>(
        &'a self,
        view: &'a Self::View,
        query: &'a Query<'a>,
        peer: &'a Peer,
        out: &'a mut Vec<u8>,
    ) -> impl Future<Output = Outcome> + Send + 'a;
}

/// An [`Answerer`] that never waits: answered on the UDP worker threads.
pub trait AnswerNow: Answerer {
    /// What the queries of one batch share, taken once per batch: the public answerer's
    /// snapshot, loaded once per `recvmmsg` batch rather than per query.
    type Batch<'a>
    where
        Self: 'a;

    /// Takes what the next batch of queries shares.
    fn batch(&self) -> Self::Batch<'_>;

    /// Step 5, synchronously.
    fn answer_now(
        &self,
        batch: &Self::Batch<'_>,
        view: &Self::View,
        query: &Query<'_>,
        peer: &Peer,
        out: &mut Vec<u8>,
    ) -> Outcome;
}

/// Steps 1–4 decided: a reply is written (or nothing is sent), or the answerer answers.
pub enum Checked<'m, V> {
    /// Done: `Some` when `out` holds a reply.
    Done(Option<Outcome>, Option<V>),
    /// Step 5 is next.
    Ask(V, Query<'m>),
}

/// Steps 1–4 for `msg` from `peer`.
// Inlined: the query and the view then stay in registers instead of moving through
// `Checked` (-0.5% instructions per query, bench/instructions_per_query.py).
#[inline(always)]
pub fn check<'m, A: Answerer>(
    answerer: &A,
    msg: &'m [u8],
    peer: &Peer,
    out: &mut Vec<u8>,
) -> Checked<'m, A::View> {
    let view = match answerer.select(peer) {
        Selected::View(view) => Some(view),
        Selected::Refuse => None,
        Selected::Drop => return Checked::Done(None, None),
    };
    let query = match Query::parse(msg) {
        Ok(query) => query,
        Err(ParseError::Drop) => return Checked::Done(None, None),
        Err(ParseError::FormErr(_)) => {
            // An opcode Cairn does not serve is NOTIMP whatever its sections hold (a NOTIFY
            // or UPDATE need not have one question).
            let rcode = if msg[2] & 0x78 != 0 {
                Rcode::NotImp
            } else {
                Rcode::FormErr
            };
            let written = write_header_only(msg, rcode, out);
            return Checked::Done(written.then(|| Outcome::header_only(rcode)), None);
        }
    };
    let Some(view) = view else {
        // A source no view is for: an unauthorized client (RFC 8914 §4.19).
        let refused = Early::with_ede(Rcode::Refused, ede::PROHIBITED, "");
        return Checked::Done(Some(early_reply(&query, A::FLAVOR, refused, out)), None);
    };
    if !answerer.serves(&view) {
        return Checked::Done(None, Some(view));
    }
    match early_rcode(&query) {
        Some(rcode) => Checked::Done(Some(early_reply(&query, A::FLAVOR, rcode, out)), Some(view)),
        None => Checked::Ask(view, query),
    }
}

/// The response code for a query Cairn does not look up at all (step 4); `None` when the
/// lookup should go ahead.
pub fn early_rcode(query: &Query<'_>) -> Option<Rcode> {
    if query.opcode != 0 {
        return Some(Rcode::NotImp);
    }
    if query.edns.is_some_and(|e| e.version != 0) {
        return Some(Rcode::BadVers);
    }
    if query.qclass != cairn_wire::CLASS_IN {
        return Some(Rcode::Refused);
    }
    match query.qtype {
        rtype::AXFR | rtype::IXFR => Some(Rcode::Refused),
        rtype::OPT => Some(Rcode::FormErr),
        128..=254 => Some(Rcode::NotImp),
        _ => None,
    }
}

/// What an early reply says: an rcode, and an Extended DNS Error when the query had EDNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Early {
    /// The response code.
    pub rcode: Rcode,
    /// The EDE's INFO-CODE and EXTRA-TEXT.
    pub ede: Option<(u16, &'static str)>,
}

impl Early {
    /// `rcode` with an Extended DNS Error.
    pub fn with_ede(rcode: Rcode, code: u16, text: &'static str) -> Self {
        Self {
            rcode,
            ede: Some((code, text)),
        }
    }
}

impl From<Rcode> for Early {
    fn from(rcode: Rcode) -> Self {
        Self { rcode, ede: None }
    }
}

/// A reply with the question and `early`'s rcode and no records (with OPT, and the EDE if
/// any, when the query had one).
pub fn early_reply(
    query: &Query<'_>,
    flavor: Flavor,
    early: impl Into<Early>,
    out: &mut Vec<u8>,
) -> Outcome {
    let Early { rcode, ede } = early.into();
    // Header, question and OPT (with an echoed ECS option, an EDE) always fit in 512 bytes.
    let mut w = ResponseWriter::new(out, query, 512);
    if let (true, Some(ecs)) = (flavor.echo_ecs, query.ecs) {
        w.echo_ecs(ecs);
    }
    if let Some((code, text)) = ede {
        w.set_ede(code, text);
    }
    w.set_ra(flavor.recursion_available);
    w.set_rcode(rcode);
    w.finish(query.edns.map(|e| (EDNS_UDP_PAYLOAD, e.dnssec_ok)));
    Outcome::answered(query, rcode)
}

/// Steps 1–5 of a message, synchronously, with panics caught (no RRL, no record): what
/// [`answer_now`] runs, and what tests call.
#[inline(always)]
pub fn respond_now<A: AnswerNow>(
    answerer: &A,
    batch: &A::Batch<'_>,
    msg: &[u8],
    peer: &Peer,
    out: &mut Vec<u8>,
) -> (Option<Outcome>, Option<ViewLabelOwned>) {
    let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        match check(answerer, msg, peer, out) {
            Checked::Done(outcome, view) => (outcome, label(answerer, view.as_ref())),
            Checked::Ask(view, query) => {
                let outcome = answerer.answer_now(batch, &view, &query, peer, out);
                (Some(outcome), label(answerer, Some(&view)))
            }
        }
    }));
    answered.unwrap_or_else(|_| (servfail(msg, out), None))
}

/// Answers `msg` from `peer` into `out` on the calling thread (the public UDP workers):
/// every step, RRL and the record included. Returns whether `out` holds a reply to send.
pub fn answer_now<A: AnswerNow>(
    answerer: &A,
    batch: &A::Batch<'_>,
    msg: &[u8],
    peer: &Peer,
    out: &mut Vec<u8>,
) -> bool {
    let started = started(answerer.hooks());
    let (outcome, view) = respond_now(answerer, batch, msg, peer, out);
    finish(
        answerer.hooks(),
        answerer.kind(),
        msg,
        peer,
        (outcome, started),
        view,
        out,
    )
}

/// Steps 1–5 of a message, awaiting the answerer, with panics caught (no RRL, no record).
pub async fn respond<A: Answerer>(
    answerer: &A,
    msg: &[u8],
    peer: &Peer,
    out: &mut Vec<u8>,
) -> (Option<Outcome>, Option<ViewLabelOwned>) {
    use futures_util::FutureExt;
    // AssertUnwindSafe: what a query shares with others is the immutable snapshot and state
    // behind the resolver's own locks; a panic costs this query only.
    let answered = std::panic::AssertUnwindSafe(async {
        match check(answerer, msg, peer, out) {
            Checked::Done(outcome, view) => (outcome, label(answerer, view.as_ref())),
            Checked::Ask(view, query) => {
                let outcome = answerer.answer(&view, &query, peer, out).await;
                (Some(outcome), label(answerer, Some(&view)))
            }
        }
    })
    .catch_unwind()
    .await;
    answered.unwrap_or_else(|_| (servfail(msg, out), None))
}

/// Answers `msg` from `peer` into `out`, awaiting the answerer (TCP, DoH, the VPC
/// resolver's UDP): every step, RRL and the record included. Returns whether `out` holds a
/// reply to send.
pub async fn answer<A: Answerer>(answerer: &A, msg: &[u8], peer: &Peer, out: &mut Vec<u8>) -> bool {
    let started = started(answerer.hooks());
    let (outcome, view) = respond(answerer, msg, peer, out).await;
    finish(
        answerer.hooks(),
        answerer.kind(),
        msg,
        peer,
        (outcome, started),
        view,
        out,
    )
}

/// When a query's answer starts, for the latency histogram: read only when an observer will
/// see the record (one clock read; the observer reads the clock again when it records).
#[inline]
fn started(hooks: &Hooks) -> Option<std::time::Instant> {
    hooks.observer.as_ref().map(|_| std::time::Instant::now())
}

/// The view's label for the record, only when an observer will read it (no cost otherwise).
fn label<A: Answerer>(answerer: &A, view: Option<&A::View>) -> Option<ViewLabelOwned> {
    answerer.hooks().observer.as_ref()?;
    view.map(|v| answerer.label(v).to_owned())
}

/// The header-only SERVFAIL of a query whose answer panicked.
fn servfail(msg: &[u8], out: &mut Vec<u8>) -> Option<Outcome> {
    tracing::error!(
        len = msg.len(),
        "bug: the query path panicked; answered SERVFAIL"
    );
    write_header_only(msg, Rcode::ServFail, out).then(|| Outcome::header_only(Rcode::ServFail))
}

/// Steps 6 to 8: the COOKIE option, RRL on UDP, then the record. Returns whether `out` is
/// to be sent.
#[inline]
fn finish(
    hooks: &Hooks,
    kind: ListenerKind,
    msg: &[u8],
    peer: &Peer,
    (outcome, started): (Option<Outcome>, Option<std::time::Instant>),
    view: Option<ViewLabelOwned>,
    out: &mut Vec<u8>,
) -> bool {
    let Some(mut outcome) = outcome else {
        return false;
    };
    let mut send = true;
    let cookie = match (&hooks.cookies, outcome.cookie) {
        (Some(cookies), Some((at, len))) => {
            let data = &msg[usize::from(at)..usize::from(at) + usize::from(len)];
            let reply = cookies.reply(data, peer.source);
            cairn_wire::append_option(out, cairn_wire::OPTION_COOKIE, &reply.option);
            Some(reply)
        }
        _ => None,
    };
    let proven = cookie.is_some_and(|c| c.verified);
    if let (Some(rrl), Some(source), Transport::Udp, false) =
        (&hooks.rrl, peer.source, peer.transport, proven)
    {
        match (rrl.check(source, msg, &outcome), cookie) {
            (Verdict::Send, _) => {}
            (Verdict::Slip, Some(reply)) => {
                crate::rrl::write_badcookie(out, &outcome, &reply);
                outcome.rcode = cookie::BADCOOKIE;
            }
            (Verdict::Slip, None) => crate::rrl::write_slip(out, &outcome),
            (Verdict::Drop, _) => send = false,
        }
    }
    if let Some(observer) = &hooks.observer {
        let (qname, qtype) = outcome.question(msg).unwrap_or((&[], 0));
        observer.record(&QueryRecord {
            kind,
            listener: peer.local,
            source: peer.source,
            port: peer.port,
            transport: peer.transport,
            qname,
            qtype,
            rcode: outcome.rcode,
            view: view
                .as_ref()
                .map_or(ViewLabel::None, ViewLabelOwned::as_label),
            sent: send,
            query: msg,
            response: if send { out } else { &[] },
            firewall: outcome.firewall.as_ref().map(FirewallHit::log),
            started,
        });
    }
    send
}

pub use observe::ViewLabelOwned;
