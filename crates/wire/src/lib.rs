//! Cairn's hot-path DNS wire code. No I/O, no allocation per query.
//!
//! ```text
//!  bytes ──► Query::parse ──► (the dns crate decides what to answer)
//!                                   │ plan of pre-encoded RRsets
//!                                   ▼
//!  bytes ◄── ResponseWriter::finish ◄── ResponseWriter::push_rr (compression, truncation)
//! ```
//!
//! - [`query`]: [`Query::parse`] reads the header, the one question and the OPT record
//!   (RFC 1035 §4.1, RFC 6891) straight from the received buffer.
//! - [`writer`]: [`ResponseWriter`] builds the response in a reused buffer: the question is
//!   copied as received (so 0x20 case survives), names are compressed against what is
//!   already written, and an RR that does not fit is rolled back so the caller can set TC.
//! - [`name`]: [`NameKey`], the lowercased wire name zones and views are keyed by, and
//!   label-aware operations on borrowed wire names ([`name::is_at_or_below`]).
//! - [`header`]: [`ReplyHeader`], the one writer of a reply's header (also the header-only
//!   FORMERR and SERVFAIL replies); [`rcode`]: the [`Rcode`] enum.
//! - [`rdata`]: [`Rdata`], RDATA in wire form with the positions of compressible names.
//! - [`sections`]: where each TTL sits in records already written, to count them down.
#![warn(missing_docs)]

pub mod header;
pub mod name;
pub mod query;
pub mod rcode;
pub mod rdata;
pub mod sections;
pub mod writer;

pub use header::{write_header_only, ReplyHeader};
pub use name::NameKey;
pub use query::{ClientSubnet, Edns, ParseError, Query, OPTION_COOKIE};
pub use rcode::Rcode;
pub use rdata::Rdata;
pub use sections::append_option;
pub use writer::{NoRoom, Relocatable, ResponseWriter, Section};

/// Type codes the hot path treats specially.
pub mod rtype {
    /// A.
    pub const A: u16 = 1;
    /// NS.
    pub const NS: u16 = 2;
    /// CNAME.
    pub const CNAME: u16 = 5;
    /// SOA.
    pub const SOA: u16 = 6;
    /// PTR.
    pub const PTR: u16 = 12;
    /// MX.
    pub const MX: u16 = 15;
    /// TXT.
    pub const TXT: u16 = 16;
    /// AAAA.
    pub const AAAA: u16 = 28;
    /// SRV.
    pub const SRV: u16 = 33;
    /// DNAME (RFC 6672).
    pub const DNAME: u16 = 39;
    /// OPT pseudo-RR.
    pub const OPT: u16 = 41;
    /// DS.
    pub const DS: u16 = 43;
    /// TSIG (RFC 8945).
    pub const TSIG: u16 = 250;
    /// IXFR.
    pub const IXFR: u16 = 251;
    /// AXFR.
    pub const AXFR: u16 = 252;
    /// ANY.
    pub const ANY: u16 = 255;
}

/// Class IN.
pub const CLASS_IN: u16 = 1;
/// Class ANY (only meaningful in some queries).
pub const CLASS_ANY: u16 = 255;
