//! Cairn's data plane: compiled zone snapshots and the DNS listeners that answer from them.
//!
//! ```text
//!  store ──ChangeFeed──► follow::run ──compile::compile_zone──► Snapshot ──ArcSwap──┐
//!                                                                                  │ load()
//!  pipeline::udp (public: worker threads, recvmmsg) ─┐                             │
//!  pipeline::udp::serve · pipeline::tcp · vpc::doh ──┴─► pipeline::answer[_now]    │
//!    1 Answerer::select: the view (VPC by source, security groups) · drop / REFUSED │
//!    2 wire::Query::parse · drop (QR=1, short) / FORMERR (wire::write_header_only) │
//!    3 Answerer::serves (VPC DNS support) · 4 early_rcode: NOTIMP BADVERS REFUSED   │
//!    5 Answerer::answer ── respond::Authoritative (sync, never awaits) ◄───────────┤
//!         │                  find_public_zone (else REFUSED) · pre-encoded ·       │
//!         │                  auth::lookup ─► Plan ─► respond::write_plan           │
//!         └──────────────── vpc::listen::VpcAnswerer (may await) ◄─────────────────┘
//!                            ▶ policy seam: pipeline::policy::QueryPolicy
//!                            ▶ DNS Firewall: the view's firewall::VpcFirewall, before the cache
//!                            vpc::answer: rules · private zones · EC2 names · public · DNS64
//!    ✗ a panic in 1–5 → SERVFAIL (header only), the listener goes on
//!    6 rrl (public UDP): send / slip (TC=1) / drop, keyed by the Outcome
//!    7 ▶ record seam: pipeline::observe::QueryRecord → Observer (query logs, metrics)
//!  ◄── bytes (the Outcome says rcode and RRL key; the bytes are in the caller's buffer)
//! ```
//!
//! The query path never touches the store, and the authoritative answer never awaits: the
//! follower compiles each changed zone into pre-encoded RRsets and answers (`pre_encode`)
//! and swaps a new immutable
//! [`Snapshot`] in. Start reading at [`pipeline`].
#![warn(missing_docs)]

pub mod auth;
pub mod compile;
/// Online DNSSEC signing of authoritative answers (issue 18).
pub mod dnssec;
/// The DNS Firewall's data plane (issue 13).
pub mod firewall;
pub mod follow;
pub mod geoip;
pub mod latency;
pub mod metrics;
pub mod pipeline;
mod pre_encode;
pub mod query_log;
pub mod resolver;
pub mod respond;
pub mod routing;
/// Response-rate limiting on the public listener (issue 7).
pub mod rrl;
pub mod snapshot;
pub mod view;
/// The VPC resolver (issue 4).
pub mod vpc;
/// Zone transfers to secondaries: AXFR, IXFR, NOTIFY and TSIG (issue 15).
pub mod xfr;
pub mod zone;

pub use snapshot::{SharedSnapshot, Snapshot};
