//! Cairn's key material, in one place so that the control plane (KMS, Route 53's DNSSEC API)
//! and the data plane (online signing, validation) agree on every byte.
//!
//! # Layout
//! - [`master_key`]: the node master key ([`MasterKey`]) that seals private keys before they
//!   reach the store (AES-256-GCM), read from `CAIRN_MASTER_KEY` or `<data-dir>/master.key`.
//! - [`p256`]: ECDSA P-256 keys ([`P256Key`]): generation, PKCS#8, signing in DNSSEC's fixed
//!   `r‖s` form and in KMS's DER form, SubjectPublicKeyInfo.
//! - [`dnssec`]: DNSSEC's wire formats (RFC 4034): DNSKEY RDATA and its key tag, DS digests,
//!   RRSIG RDATA, and the data an RRSIG signs.
//!
//! Built on `ring`, which the TLS stack already links.
#![warn(missing_docs)]

pub mod dnssec;
pub mod master_key;
pub mod p256;

pub use master_key::{MasterKey, SealError};
pub use p256::P256Key;
