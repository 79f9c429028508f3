//! Cairn's data plane: compiled zone snapshots and the DNS listeners that answer from them.
//!
//! ```text
//!  store ──ChangeFeed──► follow::run ──compile::compile_zone──► Snapshot ──ArcSwap──┐
//!                                                                                  │ load()
//!  UDP worker / TCP conn ──► respond::respond(msg) ─► wire::Query::parse           │
//!        ▲                      ├─ checks: opcode (NOTIMP) · class (REFUSED) · EDNS version (BADVERS)
//!        │                      ├─ Snapshot::find_zone (closest enclosing hosted zone, else REFUSED)
//!        │                      ├─ auth::lookup (sync; RFC 1034 §4.3.2) ─► Plan
//!        └──── bytes ◄──────────└─ respond::write_plan (wire::ResponseWriter: compression, TC)
//! ```
//!
//! The query path never touches the store and never awaits: the follower compiles each
//! changed zone into pre-encoded RRsets and answers (`pre_encode`) and swaps a new
//! immutable [`Snapshot`] in.
//! Start reading at [`respond::respond`].
#![warn(missing_docs)]

pub mod auth;
pub mod compile;
pub mod follow;
pub mod geoip;
pub mod listen;
mod pre_encode;
pub mod resolver;
pub mod respond;
pub mod routing;
/// Response-rate limiting on the public listener (issue 7).
pub mod rrl;
pub mod snapshot;
pub mod view;
/// The VPC resolver (issue 4).
pub mod vpc;
pub mod zone;

pub use snapshot::{SharedSnapshot, Snapshot};
