//! IAM policy documents: what a policy says, and whether it allows a request.
//!
//! ```text
//!  JSON text ──► document::parse ──► Policy { statements }      (MalformedPolicyDocument)
//!                                        │
//!  RequestContext { action, resource,    ▼
//!    condition keys } ─────────────► eval::evaluate ──► Decision
//!                                   (statement::matches → pattern, condition)
//! ```
//!
//! Evaluation is IAM's for one account without SCPs or permission boundaries: any matching
//! Deny wins, else any matching Allow, else the implicit deny. Route 53's condition keys and
//! their value formats are in [`route53`]. No I/O and no async: the API crate calls this
//! before each handler.

pub mod condition;
pub mod context;
pub mod document;
pub mod eval;
pub mod pattern;
pub mod route53;
pub mod variables;

pub use context::RequestContext;
pub use document::{parse, Kind, MalformedPolicy, Policy, Statement};
pub use eval::{evaluate, Decision};
