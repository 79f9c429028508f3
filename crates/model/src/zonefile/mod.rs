//! BIND zone files in and out (RFC 1035 §5), for `cairn zone import` and
//! `cairn zone export`.
//!
//! ```text
//!   zone-file text ──parse_zone_file──▶ ParsedZone { origin, record_sets }
//!                  ◀──write_zone_file──  apex + record sets
//! ```
//!
//! Reading uses NLnet Labs' `domain` scanner
//! ([`domain::zonefile::inplace::Zonefile`]) for the syntax and
//! [`crate::rdata`] for the values, which are stored in Route 53's canonical
//! text. `lex` adds what the scanner does not give: the line each record
//! starts on, and SPF records. `read` then applies the rules a hosted zone
//! needs (one origin, class IN, one TTL per set, one SOA at the apex, CNAME
//! alone at its name). `write` prints record sets back.
//!
//! Both sides agree on one order ([`sort_for_zone_file`]): the apex SOA, the
//! apex NS, then Route 53's listing order ([`crate::RrsetKey::sort_key`]).
//! So for plain record sets in that order, `parse(write(sets)) == sets`.

mod lex;
mod read;
mod write;

use std::cmp::Ordering;

use crate::name::DomainName;
use crate::rdata::RdataError;
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;

pub use read::parse_zone_file;
pub use write::write_zone_file;

//------------ ParsedZone ----------------------------------------------------

/// A zone read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedZone {
    /// The zone's apex: the origin given to [`parse_zone_file`], or else the
    /// `$ORIGIN` in effect at the file's first record.
    pub origin: DomainName,
    /// The records grouped into sets by (owner, type), owner names
    /// lowercased, values in Route 53's canonical text, in
    /// [`sort_for_zone_file`] order; the values of a set keep file order.
    pub record_sets: Vec<ResourceRecordSet>,
}

//------------ ZoneFileError -------------------------------------------------

/// Why a zone file was refused: the first problem found, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file_label}:{line}: {problem}")]
pub struct ZoneFileError {
    /// How the file is named in messages (a path, or `<stdin>`).
    pub file_label: String,
    /// The 1-based line of the entry at fault (1 for problems of the whole
    /// file, such as a missing SOA).
    pub line: usize,
    /// What is wrong.
    pub problem: ZoneFileProblem,
}

/// What is wrong with a zone file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneFileProblem {
    /// The text does not follow zone-file syntax; the reason is the
    /// scanner's.
    #[error("{0}")]
    Syntax(String),
    /// A `$INCLUDE` directive.
    #[error("$INCLUDE is not supported: put the included records in this file")]
    IncludeNotSupported,
    /// Neither an origin given nor a `$ORIGIN` before the first record.
    #[error("the zone has no origin: name the zone, or start the file with $ORIGIN")]
    NoOrigin,
    /// A record whose owner is not the origin or below it.
    #[error("{name} is outside the zone {origin}")]
    OutsideZone {
        /// The record's owner.
        name: String,
        /// The zone's origin.
        origin: String,
    },
    /// A class other than IN.
    #[error("class {0} is not supported: hosted zones hold class IN only")]
    UnsupportedClass(String),
    /// A TTL over 2147483647 (Route 53's `TTL` range, RFC 2181 §8).
    #[error("TTL {0} is too large: the largest is 2147483647")]
    TtlTooLarge(u32),
    /// A record whose TTL differs from the earlier records of its set.
    #[error(
        "TTL {ttl} of this {rtype} record at {name} differs from TTL {set_ttl} of the same set \
         on line {set_line}: all records of a set must have one TTL (RFC 2181 §5.2)"
    )]
    ConflictingTtl {
        /// The owner.
        name: String,
        /// The type.
        rtype: RrType,
        /// This record's TTL.
        ttl: u32,
        /// The TTL of the set so far.
        set_ttl: u32,
        /// The line of the set's first record.
        set_line: usize,
    },
    /// A CNAME and other data at one name (RFC 1034 §3.6.2).
    #[error("{name} has a CNAME record and other data: a CNAME must be alone at its name")]
    CnameAndOtherData {
        /// The owner.
        name: String,
    },
    /// More than one CNAME record at one name.
    #[error("{name} has more than one CNAME record")]
    MultipleCnames {
        /// The owner.
        name: String,
    },
    /// More than one SOA record.
    #[error("the zone has more than one SOA record (the first is on line {first_line})")]
    MultipleSoa {
        /// The line of the first SOA.
        first_line: usize,
    },
    /// An SOA record away from the origin.
    #[error("SOA record at {name} is not at the zone apex {origin}")]
    SoaNotAtApex {
        /// The SOA's owner.
        name: String,
        /// The zone's origin.
        origin: String,
    },
    /// No SOA record at all.
    #[error("the zone has no SOA record at its apex {origin}")]
    MissingSoa {
        /// The zone's origin.
        origin: String,
    },
    /// Record data Route 53 would refuse.
    #[error("{0}")]
    InvalidValue(RdataError),
}

//------------ order -------------------------------------------------------------

/// Sorts record sets the way zone files list them: the apex SOA, the apex
/// NS, then Route 53's listing order ([`crate::RrsetKey::sort_key`]).
pub fn sort_for_zone_file(apex: &DomainName, record_sets: &mut [ResourceRecordSet]) {
    record_sets.sort_by_cached_key(|set| (apex_rank(apex, set), set.key().sort_key()));
}

/// Compares two sets in [`sort_for_zone_file`] order.
pub fn compare_for_zone_file(
    apex: &DomainName,
    a: &ResourceRecordSet,
    b: &ResourceRecordSet,
) -> Ordering {
    (apex_rank(apex, a), a.key().sort_key()).cmp(&(apex_rank(apex, b), b.key().sort_key()))
}

fn apex_rank(apex: &DomainName, set: &ResourceRecordSet) -> u8 {
    match (set.rtype, &set.name == apex) {
        (RrType::Soa, true) => 0,
        (RrType::Ns, true) => 1,
        _ => 2,
    }
}
