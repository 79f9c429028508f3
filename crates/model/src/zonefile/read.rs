//! Reading a zone file into record sets.

use std::collections::HashMap;

use bytes::Bytes;
use domain::base::iana::Class;
use domain::base::name::{Name, ToName};
use domain::base::rdata::ComposeRecordData;
use domain::zonefile::inplace::{Entry as ScannedEntry, ScannedRecord, Zonefile};

use super::lex::{self, Entry, EntryKind};
use super::{sort_for_zone_file, ParsedZone, ZoneFileError, ZoneFileProblem};
use crate::name::DomainName;
use crate::rdata::{decode_to_route53_value, encode_route53_value};
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;

/// Largest TTL Route 53 accepts (its `TTL` is 0 … 2147483647).
const MAX_TTL: u32 = i32::MAX as u32;

/// Reads a BIND zone file.
///
/// `file_label` names the file in errors; `origin` is the zone's name when
/// the caller knows it (otherwise the file's `$ORIGIN` decides).
///
/// Supports `$ORIGIN`, `$TTL`, `@`, relative names, omitted owner, TTL and
/// class (RFC 1035 §5.1; a record with no TTL and no `$TTL` takes the
/// previous record's TTL, or 3600), `( … )` groups, quoted strings and
/// escapes, comments, every type of [`RrType`] and unknown types in RFC 3597
/// form.
///
/// Refuses, with the line of the first offending entry: syntax errors,
/// `$INCLUDE`, a file without an origin, records outside the origin,
/// classes other than IN, TTLs over 2147483647, a set whose records have
/// different TTLs (RFC 2181 §5.2), a CNAME beside other data or a second
/// CNAME, an SOA away from the apex or a second SOA, values Route 53 would
/// refuse, and (on line 1) a zone without an SOA. Repeated identical
/// records are kept once. Nothing is returned unless the whole file is
/// good.
pub fn parse_zone_file(
    text: &str,
    file_label: &str,
    origin: Option<&DomainName>,
) -> Result<ParsedZone, ZoneFileError> {
    let fail = |line: usize, problem: ZoneFileProblem| ZoneFileError {
        file_label: file_label.to_string(),
        line,
        problem,
    };
    let lexed = lex::lex(text);
    // `$INCLUDE` and quoted owner names are refused; the scanner reads only what
    // comes before the first one, so that an earlier problem is still reported first.
    let include = lexed.entries.iter().find_map(|e| match e.kind {
        EntryKind::Include { offset } => {
            Some((offset, e.first_line, ZoneFileProblem::IncludeNotSupported))
        }
        EntryKind::QuotedOwner { offset } => Some((
            offset,
            e.first_line,
            ZoneFileProblem::Syntax("an owner name cannot be a quoted string".into()),
        )),
        _ => None,
    });
    let scanned_text = include
        .as_ref()
        .map_or(lexed.text.as_str(), |(offset, _, _)| &lexed.text[..*offset]);
    let mut scanner = Zonefile::from(scanned_text).allow_invalid();
    scanner.set_default_class(Class::IN);
    if let Some(origin) = origin {
        scanner.set_origin(to_domain_name(origin));
    }
    let mut zone = ZoneBuilder::new(origin.cloned());
    let records: Vec<(usize, &Entry)> = lexed
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, EntryKind::Record { .. }))
        .collect();
    // Index into `lexed.entries` of the first entry not yet returned.
    let mut next_entry = 0;
    let mut returned_records = 0;
    loop {
        let pending = &lexed.entries[next_entry.min(lexed.entries.len())..];
        let scanned = match next_scanned_entry(&mut scanner) {
            Ok(Some(scanned)) => scanned,
            Ok(None) => break,
            Err(ScanFailure::Error { line, reason }) => {
                return Err(fail(
                    line_of_failed_entry(pending, line),
                    syntax_problem(reason),
                ));
            }
            Err(ScanFailure::Panic) => {
                let line = pending.first().map_or(1, |e| e.first_line);
                return Err(fail(
                    line,
                    ZoneFileProblem::Syntax("unreadable entry".into()),
                ));
            }
        };
        let record = match scanned {
            // Cut off above; kept for completeness.
            ScannedEntry::Include { .. } => {
                let line = pending.first().map_or(1, |e| e.first_line);
                return Err(fail(line, ZoneFileProblem::IncludeNotSupported));
            }
            ScannedEntry::Record(record) => record,
        };
        let Some(&(index, entry)) = records.get(returned_records) else {
            // The first pass and the scanner disagree on the entries; this
            // cannot happen for text the scanner accepts.
            return Err(fail(
                1,
                ZoneFileProblem::Syntax("unreadable record layout".into()),
            ));
        };
        returned_records += 1;
        next_entry = index + 1;
        let line = entry.first_line;
        if zone.origin.is_none() {
            let current = scanner.origin().ok().map(|o| from_domain_name(&o));
            zone.origin = Some(current.ok_or_else(|| fail(line, ZoneFileProblem::NoOrigin))?);
        }
        let spf = matches!(entry.kind, EntryKind::Record { spf: true });
        zone.add(&record, spf, line)
            .map_err(|problem| fail(line, problem))?;
    }
    if let Some((_, line, problem)) = include {
        return Err(fail(line, problem));
    }
    if zone.origin.is_none() {
        let current = scanner.origin().ok().map(|o| from_domain_name(&o));
        zone.origin = Some(current.ok_or_else(|| fail(1, ZoneFileProblem::NoOrigin))?);
    }
    zone.finish().map_err(|problem| fail(1, problem))
}

//------------ ZoneBuilder --------------------------------------------------------

/// Record sets as they are gathered, with the rules checked record by record
/// so that the first offending line is the one reported.
struct ZoneBuilder {
    origin: Option<DomainName>,
    sets: Vec<ResourceRecordSet>,
    /// For each set in `sets`: the line of its first record.
    first_lines: Vec<usize>,
    by_key: HashMap<(DomainName, RrType), usize>,
    /// Per owner: whether it has a CNAME, and how many other types.
    by_name: HashMap<DomainName, NameTypes>,
    soa_line: Option<usize>,
}

#[derive(Default)]
struct NameTypes {
    cname: bool,
    others: usize,
}

impl ZoneBuilder {
    fn new(origin: Option<DomainName>) -> Self {
        Self {
            origin,
            sets: Vec::new(),
            first_lines: Vec::new(),
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            soa_line: None,
        }
    }

    /// Adds one record read on `line`.
    fn add(
        &mut self,
        record: &ScannedRecord,
        spf: bool,
        line: usize,
    ) -> Result<(), ZoneFileProblem> {
        let origin = self.origin.clone().ok_or(ZoneFileProblem::NoOrigin)?;
        let name = DomainName::from_wire(record.owner().to_vec().as_slice())
            .map_err(|e| ZoneFileProblem::Syntax(format!("invalid owner name: {e}")))?;
        if !name.is_subdomain_of(&origin) {
            return Err(ZoneFileProblem::OutsideZone {
                name: name.to_presentation(),
                origin: origin.to_presentation(),
            });
        }
        if record.class() != Class::IN {
            return Err(ZoneFileProblem::UnsupportedClass(
                record.class().to_string(),
            ));
        }
        let ttl = record.ttl().as_secs();
        if ttl > MAX_TTL {
            return Err(ZoneFileProblem::TtlTooLarge(ttl));
        }
        let rtype = if spf {
            RrType::Spf
        } else {
            RrType::from_code(record.rtype().to_int())
        };
        let value = route53_value(rtype, record)?;

        let key = (name.clone(), rtype);
        if let Some(&index) = self.by_key.get(&key) {
            let set = &mut self.sets[index];
            let set_ttl = set.ttl.unwrap_or(ttl);
            if set_ttl != ttl {
                return Err(ZoneFileProblem::ConflictingTtl {
                    name: name.to_presentation(),
                    rtype,
                    ttl,
                    set_ttl,
                    set_line: self.first_lines[index],
                });
            }
            if set.records.contains(&value) {
                return Ok(());
            }
            match rtype {
                RrType::Cname => {
                    return Err(ZoneFileProblem::MultipleCnames {
                        name: name.to_presentation(),
                    })
                }
                RrType::Soa => {
                    return Err(ZoneFileProblem::MultipleSoa {
                        first_line: self.first_lines[index],
                    })
                }
                _ => set.records.push(value),
            }
            return Ok(());
        }

        self.check_new_set(&name, rtype, &origin, line)?;
        self.by_key.insert(key, self.sets.len());
        self.sets
            .push(ResourceRecordSet::simple(name, rtype, ttl, vec![value]));
        self.first_lines.push(line);
        Ok(())
    }

    /// The rules for a new (owner, type) pair: CNAME alone, one SOA at the apex.
    fn check_new_set(
        &mut self,
        name: &DomainName,
        rtype: RrType,
        origin: &DomainName,
        line: usize,
    ) -> Result<(), ZoneFileProblem> {
        if rtype == RrType::Soa {
            if name != origin {
                return Err(ZoneFileProblem::SoaNotAtApex {
                    name: name.to_presentation(),
                    origin: origin.to_presentation(),
                });
            }
            if let Some(first_line) = self.soa_line {
                return Err(ZoneFileProblem::MultipleSoa { first_line });
            }
            self.soa_line = Some(line);
        }
        let types = self.by_name.entry(name.clone()).or_default();
        if rtype == RrType::Cname {
            if types.others > 0 {
                return Err(ZoneFileProblem::CnameAndOtherData {
                    name: name.to_presentation(),
                });
            }
            types.cname = true;
        } else if !may_sit_beside_cname(rtype) {
            if types.cname {
                return Err(ZoneFileProblem::CnameAndOtherData {
                    name: name.to_presentation(),
                });
            }
            types.others += 1;
        }
        Ok(())
    }

    /// The finished zone, sorted; refuses a zone without an SOA.
    fn finish(self) -> Result<ParsedZone, ZoneFileProblem> {
        let origin = self.origin.ok_or(ZoneFileProblem::NoOrigin)?;
        if self.soa_line.is_none() {
            return Err(ZoneFileProblem::MissingSoa {
                origin: origin.to_presentation(),
            });
        }
        let mut record_sets = self.sets;
        sort_for_zone_file(&origin, &mut record_sets);
        Ok(ParsedZone {
            origin,
            record_sets,
        })
    }
}

/// DNSSEC's RRSIG and NSEC may share a name with a CNAME (RFC 4035 §2.5).
fn may_sit_beside_cname(rtype: RrType) -> bool {
    matches!(rtype, RrType::Other(46) | RrType::Other(47))
}

/// The record's value in Route 53's canonical text, checked to be one the
/// API would accept too.
fn route53_value(rtype: RrType, record: &ScannedRecord) -> Result<String, ZoneFileProblem> {
    let mut wire = Vec::new();
    record
        .data()
        .compose_rdata(&mut wire)
        .map_err(|_| ZoneFileProblem::Syntax("record data too long".into()))?;
    let value = decode_to_route53_value(rtype, &wire).map_err(ZoneFileProblem::InvalidValue)?;
    encode_route53_value(rtype, &value).map_err(ZoneFileProblem::InvalidValue)?;
    Ok(value)
}

//------------ helpers ---------------------------------------------------------------

fn to_domain_name(name: &DomainName) -> Name<Bytes> {
    Name::from_octets(Bytes::copy_from_slice(name.wire()))
        .expect("a DomainName is a valid uncompressed name")
}

fn from_domain_name(name: &Name<Bytes>) -> DomainName {
    DomainName::from_wire(name.as_slice()).expect("a domain Name is a valid uncompressed name")
}

/// `domain` reports `line:col: reason`.
fn split_scanner_error(message: &str) -> (usize, String) {
    let mut parts = message.splitn(3, ':');
    let line = parts
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(1);
    let _col = parts.next();
    let reason = parts.next().map_or(message, str::trim).to_string();
    (line, reason)
}

/// The line to blame when the scanner fails at `scanner_line`, given the
/// entries it had not yet returned: the failing entry is among them, up to
/// and including the next record. The scanner's line is kept when it lies
/// inside that entry (a bad token in a multi-line record); when the scanner
/// only noticed the problem on a later line (a record missing its last
/// field is found out at the line feed), the entry's first line is used.
fn line_of_failed_entry(pending: &[Entry], scanner_line: usize) -> usize {
    let until_record = pending
        .iter()
        .position(|e| matches!(e.kind, EntryKind::Record { .. }))
        .map_or(pending.len(), |i| i + 1);
    match pending[..until_record]
        .iter()
        .rev()
        .find(|e| e.first_line <= scanner_line)
    {
        Some(entry) if scanner_line <= entry.last_line => scanner_line,
        Some(entry) => entry.first_line,
        None => scanner_line,
    }
}

/// A clearer reason for the scanner's terse messages.
fn syntax_problem(reason: String) -> ZoneFileProblem {
    match reason.as_str() {
        "missing origin" => ZoneFileProblem::NoOrigin,
        "short buffer" => ZoneFileProblem::Syntax(
            "unexpected end of file (is a parenthesis or a quote left open?)".into(),
        ),
        "unexpected end of entry" => {
            ZoneFileProblem::Syntax("the record ends too early: a field is missing".into())
        }
        "trailing tokens" => {
            ZoneFileProblem::Syntax("the record has more fields than its type takes".into())
        }
        "bad symbol" => ZoneFileProblem::Syntax(
            "invalid character or escape (a line break inside a quoted string?)".into(),
        ),
        "bad charstr" => ZoneFileProblem::Syntax(
            "a character string is longer than 255 bytes or malformed".into(),
        ),
        "unknown record type with concrete data" => ZoneFileProblem::Syntax(
            "data of a type without a known format must be in RFC 3597 form: \\# <length> <hex>"
                .into(),
        ),
        "expected rtype" => {
            ZoneFileProblem::Syntax("expected a TTL, a class or a record type".into())
        }
        _ => ZoneFileProblem::Syntax(reason),
    }
}

/// How reading the next entry failed.
enum ScanFailure {
    /// The scanner refused the text.
    Error {
        /// The line it reported.
        line: usize,
        /// Its reason.
        reason: String,
    },
    /// The scanner panicked. `domain` 0.12 asserts on some malformed input
    /// (found by `parsing_arbitrary_text_never_panics`); a bad file must
    /// be refused, never crash an import.
    Panic,
}

/// The scanner's next entry, with its failures made plain.
fn next_scanned_entry(scanner: &mut Zonefile) -> Result<Option<ScannedEntry>, ScanFailure> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scanner.next_entry()));
    match result {
        Ok(Ok(entry)) => Ok(entry),
        Ok(Err(err)) => {
            let (line, reason) = split_scanner_error(&err.to_string());
            Err(ScanFailure::Error { line, reason })
        }
        Err(_) => Err(ScanFailure::Panic),
    }
}
