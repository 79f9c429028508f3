//! Record values: Route 53's text form ⇄ wire RDATA.
//!
//! Three text forms meet here:
//! - **Route 53's** ([ROUTE53.md §2.6]): what `ResourceRecord.Value` holds.
//!   Escapes are `\ooo` octal; TXT and SPF strings must be double-quoted; a
//!   name without a trailing dot is still absolute.
//! - **wire RDATA**, uncompressed: what the DNS data plane serves.
//! - **RFC 1035 presentation**, with `\DDD` decimal escapes: what BIND zone
//!   files hold.
//!
//! ```text
//!   Route 53 value ──encode_route53_value──▶ wire RDATA
//!        ▲                                      │
//!        └────────decode_to_route53_value───────┘
//!   Route 53 value ──route53_value_to_presentation──▶ zone-file text
//! ```
//!
//! The standard types are scanned and formatted by NLnet Labs' `domain`
//! (`presentation`); only the Route 53 specifics are written here: TXT and
//! SPF strings (`strings`), octal escapes (`escape`), Route 53's error
//! codes and its rules for A, AAAA and CAA.
//!
//! Names inside RDATA keep the case they were given (only owner names are
//! lowercased, by [`crate::name`]).
//!
//! Decoding produces the **canonical** value: names absolute with a trailing
//! dot, addresses in their shortest form, TXT strings quoted with octal
//! escapes for bytes outside printable ASCII, and RFC 3597 `\# len hex` for
//! types Route 53 does not name ([`RrType::Other`]).

mod error;
mod escape;
mod presentation;
mod strings;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::name::DomainName;
use crate::rrtype::RrType;

pub use error::{codes, RdataError, RdataProblem};
use escape::{presentation_to_route53, route53_to_presentation, split_fields, Radix};

//------------ encode ---------------------------------------------------------------

/// Encodes one value, in Route 53's text form, as uncompressed wire RDATA.
///
/// Accepts every type of [`RrType`]: Route 53's (A, AAAA, CAA, CNAME, DS, MX,
/// NAPTR, NS, PTR, SOA, SPF, SRV, TXT, TLSA, SSHFP, SVCB, HTTPS), DNAME, and
/// any other type in RFC 3597 form (`\# 4 0a000001`). Leading and trailing
/// blanks are ignored.
pub fn encode_route53_value(rtype: RrType, value: &str) -> Result<Vec<u8>, RdataError> {
    let trimmed = value.trim_matches(|c| c == ' ' || c == '\t');
    match rtype {
        RrType::A => {
            encode_a(trimmed).ok_or_else(|| RdataError::new(RdataProblem::IllegalIpv4, value))
        }
        RrType::Aaaa => {
            encode_aaaa(trimmed).ok_or_else(|| RdataError::new(RdataProblem::IllegalIpv6, value))
        }
        RrType::Txt | RrType::Spf => {
            strings::encode_character_strings(trimmed).map_err(|e| RdataError {
                value: value.to_string(),
                ..e
            })
        }
        _ => encode_by_presentation(rtype, trimmed).map_err(|e| RdataError {
            value: value.to_string(),
            ..e
        }),
    }
}

fn encode_a(value: &str) -> Option<Vec<u8>> {
    value.parse::<Ipv4Addr>().ok().map(|a| a.octets().to_vec())
}

fn encode_aaaa(value: &str) -> Option<Vec<u8>> {
    value.parse::<Ipv6Addr>().ok().map(|a| a.octets().to_vec())
}

/// Checks Route 53's rules for the type, then lets `domain` scan the value.
fn encode_by_presentation(rtype: RrType, value: &str) -> Result<Vec<u8>, RdataError> {
    check_route53_rules(rtype, value)?;
    let mut data = Vec::with_capacity(value.len() + 8);
    route53_to_presentation(value, &mut data).map_err(|e| RdataError::from_escape(e, value))?;
    presentation::scan_presentation(rtype, &data).map_err(|reason| {
        RdataError::new(
            RdataProblem::Invalid {
                rtype,
                reason: reason.to_string(),
            },
            value,
        )
    })
}

/// Route 53's rules `domain` does not know: name fields checked for precise
/// codes, and CAA's flags and quoted value.
fn check_route53_rules(rtype: RrType, value: &str) -> Result<(), RdataError> {
    let name_fields = presentation::name_field_positions(rtype);
    if name_fields.is_empty() && rtype != RrType::Caa {
        return Ok(());
    }
    let fields = split_fields(value).map_err(|e| RdataError::from_escape(e, value))?;
    if name_fields == [0] && fields.is_empty() {
        return Err(RdataError::new(RdataProblem::DomainNameEmpty, value));
    }
    for &position in name_fields {
        if let Some(field) = fields.get(position).filter(|f| !f.quoted) {
            DomainName::from_route53(field.text).map_err(|e| RdataError::from_name(&e, value))?;
        }
    }
    if rtype == RrType::Caa {
        check_caa(&fields, value)?;
    }
    Ok(())
}

/// CAA: `flags tag "value"`, flags 0 or 128, value always quoted
/// ([ROUTE53.md §2.6]).
fn check_caa(fields: &[escape::Field<'_>], value: &str) -> Result<(), RdataError> {
    if fields.len() != 3 {
        return Err(RdataError::new(
            RdataProblem::Invalid {
                rtype: RrType::Caa,
                reason: "expected flags tag \"value\"".into(),
            },
            value,
        ));
    }
    if !matches!(fields[0].text, "0" | "128") || fields[0].quoted {
        return Err(RdataError::new(RdataProblem::CaaIllegalFlags, value));
    }
    if !fields[2].quoted {
        return Err(RdataError::new(RdataProblem::Unquoted, value));
    }
    Ok(())
}

//------------ decode -----------------------------------------------------------------

/// Decodes uncompressed wire RDATA into Route 53's canonical text form (see
/// the module docs); the inverse of [`encode_route53_value`].
pub fn decode_to_route53_value(rtype: RrType, rdata: &[u8]) -> Result<String, RdataError> {
    let text = match rtype {
        RrType::A | RrType::Aaaa => format_address(rtype, rdata),
        RrType::Txt | RrType::Spf => strings::format_character_strings(rdata, Radix::Octal),
        RrType::Other(_) => Some(format_unknown(rdata)),
        _ => presentation::format_presentation(rtype, rdata).map(|t| presentation_to_route53(&t)),
    };
    text.ok_or_else(|| invalid_wire(rtype, rdata))
}

/// Turns a Route 53 value into RFC 1035 presentation text for a BIND zone
/// file: decimal escapes, absolute names with their trailing dot.
pub fn route53_value_to_presentation(rtype: RrType, value: &str) -> Result<String, RdataError> {
    let wire = encode_route53_value(rtype, value)?;
    let text = match rtype {
        RrType::A | RrType::Aaaa => format_address(rtype, &wire),
        RrType::Txt | RrType::Spf => strings::format_character_strings(&wire, Radix::Decimal),
        RrType::Other(_) => Some(format_unknown(&wire)),
        _ => presentation::format_presentation(rtype, &wire),
    };
    text.ok_or_else(|| invalid_wire(rtype, &wire))
}

fn format_address(rtype: RrType, rdata: &[u8]) -> Option<String> {
    match rtype {
        RrType::A => <[u8; 4]>::try_from(rdata)
            .ok()
            .map(|a| Ipv4Addr::from(a).to_string()),
        _ => <[u8; 16]>::try_from(rdata)
            .ok()
            .map(|a| Ipv6Addr::from(a).to_string()),
    }
}

/// RFC 3597 §5: `\# <length> <hex>`; `\# 0` when there is no data.
fn format_unknown(rdata: &[u8]) -> String {
    let mut out = String::with_capacity(8 + rdata.len() * 2);
    write!(out, "\\# {}", rdata.len()).expect("writing to a String cannot fail");
    if !rdata.is_empty() {
        out.push(' ');
        for b in rdata {
            write!(out, "{b:02x}").expect("writing to a String cannot fail");
        }
    }
    out
}

fn invalid_wire(rtype: RrType, rdata: &[u8]) -> RdataError {
    RdataError::new(RdataProblem::InvalidWire { rtype }, &format_unknown(rdata))
}
