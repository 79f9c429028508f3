//! Presentation format ⇄ wire RDATA, by NLnet Labs' `domain`.
//!
//! Scanning goes through `domain`'s zone-file scanner
//! ([`domain::zonefile::inplace::Zonefile`]) fed a one-record zone
//! `. 0 IN <TYPE> <data>`: the same code that reads imported zone files, and
//! the only `domain` scanner that reads SVCB/HTTPS parameters. The origin is
//! the root, so a name without a trailing dot is absolute. Formatting uses
//! `domain`'s [`ZonefileFmt`] on the parsed [`ZoneRecordData`].

use std::fmt;

use domain::base::iana::Rtype;
use domain::base::name::{Name, ParsedName};
use domain::base::rdata::{ComposeRecordData, ParseRecordData};
use domain::base::zonefile_fmt::{self, FormatWriter, ZonefileFmt};
use domain::dep::octseq::Parser;
use domain::rdata::ZoneRecordData;
use domain::zonefile::inplace::{Entry, Zonefile};

use crate::rrtype::RrType;

/// The record line every scan starts with: owner `.`, TTL 0, class IN.
const LINE_PREFIX: &[u8] = b". 0 IN ";

/// Scans presentation-format data of `rtype` into uncompressed wire RDATA.
///
/// `data` must be one line without a line break: callers produce it with
/// [`super::escape::route53_to_presentation`], which escapes line breaks.
/// The error is `domain`'s reason, without its position.
pub(crate) fn scan_presentation(rtype: RrType, data: &[u8]) -> Result<Vec<u8>, String> {
    let mnemonic = rtype.as_str();
    let mut zonefile = Zonefile::with_capacity(LINE_PREFIX.len() + mnemonic.len() + data.len() + 2);
    zonefile.extend_from_slice(LINE_PREFIX);
    zonefile.extend_from_slice(mnemonic.as_bytes());
    zonefile.extend_from_slice(b" ");
    zonefile.extend_from_slice(data);
    zonefile.extend_from_slice(b"\n");
    zonefile.set_origin(Name::root_bytes());
    // `domain` 0.12 asserts on some malformed input; values come from API
    // clients, so a panic there is turned into a refusal.
    let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| zonefile.next_entry()));
    let record = match scanned {
        Ok(Ok(Some(Entry::Record(record)))) => record,
        Ok(Ok(_)) => return Err("no record data".into()),
        Ok(Err(err)) => return Err(strip_position(&err.to_string())),
        Err(_) => return Err("unreadable value".into()),
    };
    let mut wire = Vec::with_capacity(data.len());
    record
        .data()
        .compose_rdata(&mut wire)
        .map_err(|_| "record data too long".to_string())?;
    Ok(wire)
}

/// Formats wire RDATA of `rtype` in presentation format (decimal escapes,
/// absolute names with their trailing dot); `None` if the data is not valid
/// for the type.
///
/// `domain` writes names escaping only space, `.` and `\\`; a name holding
/// `"`, `(`, `)`, `;` or `@` would read back differently, so those are
/// escaped here as `\X` in the name fields ([`name_field_positions`]).
pub(crate) fn format_presentation(rtype: RrType, rdata: &[u8]) -> Option<String> {
    let mut parser = Parser::from_ref(rdata);
    let data = ZoneRecordData::<&[u8], ParsedName<&[u8]>>::parse_rdata(
        Rtype::from_int(rtype.code()),
        &mut parser,
    )
    .ok()??;
    if parser.remaining() != 0 {
        return None;
    }
    let mut tokens = TokenWriter::default();
    ZonefileFmt::fmt(&data, &mut tokens).ok()?;
    let names = name_field_positions(rtype);
    let mut out = String::with_capacity(rdata.len() * 2);
    for (index, token) in tokens.tokens.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if names.contains(&index) {
            push_name_token(&mut out, token);
        } else {
            out.push_str(token);
        }
    }
    Some(out)
}

/// Which fields of a value are domain names, for the types that have any.
pub(crate) fn name_field_positions(rtype: RrType) -> &'static [usize] {
    match rtype {
        RrType::Cname | RrType::Ns | RrType::Ptr | RrType::Dname => &[0],
        RrType::Soa => &[0, 1],
        RrType::Mx | RrType::Svcb | RrType::Https => &[1],
        RrType::Srv => &[3],
        RrType::Naptr => &[5],
        _ => &[],
    }
}

/// Appends a name as `domain` wrote it, with zone-file syntax characters
/// escaped; existing escapes are copied as they are.
fn push_name_token(out: &mut String, token: &str) {
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '"' | '(' | ')' | ';' | '@' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
}

/// Collects the tokens `domain` formats, one string each, without comments
/// or line structure.
#[derive(Default)]
struct TokenWriter {
    tokens: Vec<String>,
}

impl FormatWriter for TokenWriter {
    fn fmt_token(&mut self, args: fmt::Arguments<'_>) -> zonefile_fmt::Result {
        self.tokens.push(args.to_string());
        Ok(())
    }

    fn begin_block(&mut self) -> zonefile_fmt::Result {
        Ok(())
    }

    fn end_block(&mut self) -> zonefile_fmt::Result {
        Ok(())
    }

    fn fmt_comment(&mut self, _args: fmt::Arguments<'_>) -> zonefile_fmt::Result {
        Ok(())
    }

    fn newline(&mut self) -> zonefile_fmt::Result {
        Ok(())
    }
}

/// `domain` reports `line:col: reason`; the position means nothing for a
/// one-line value.
fn strip_position(message: &str) -> String {
    message
        .splitn(3, ':')
        .nth(2)
        .map_or(message, str::trim)
        .to_string()
}
