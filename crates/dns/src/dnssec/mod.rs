//! Online DNSSEC signing of authoritative answers (issue 18, data plane).
//!
//! ```text
//!  ZoneContents::dnssec ──signer::ZoneSigner::open (master key)──► CompiledZone::signer
//!  query with DO=1, zone signed ──► respond ──auth::lookup──► Plan ──answer::write_signed
//!        every RRset sent + its RRSIG (cache::SignatureCache, per answer variant)
//!        denial: one NSEC at the name asked, next `\000.<name>` (denial.rs)
//!        the whole signed sections kept per (name, type) when only zone data made them
//!        (answers.rs), and copied from there next time
//! ```
//!
//! The control plane (Route 53's DNSSEC API) owns the keys: it seals each zone-signing key
//! with the node master key and signs the DNSKEY RRset with the key-signing keys. The data
//! plane opens the active ZSK when it compiles the zone and signs what it sends, as Route 53
//! does ("RRSIGs specific to the response"). Queries without DO, and unsigned zones, never
//! reach this module: their answers stay byte for byte what they were.

pub mod answer;
pub mod answers;
pub mod cache;
pub mod canonical;
pub mod denial;
pub mod export;
pub mod signer;

pub use answer::{push_cached, write_dnskey_unsigned, write_signed};
pub use answers::AnswerCache;
pub use cache::SignatureCache;
pub use signer::{keys_not_opened, ZoneSigner};
