//! A Resolver query log record's `answers`: the reply's answer section as `{"Rdata", "Type",
//! "Class"}` objects, with the texts hickory-proto's `Display` gives (what the records held
//! before this reader existed, and what tests and readers expect).
//!
//! The reply is read once, in place, without building a message: A, AAAA, CNAME, NS, PTR,
//! MX and TXT records of class IN whose names hickory would print unescaped are written
//! directly. Anything else (another type or class, a label hickory escapes or decodes from
//! punycode, a reply that does not read cleanly) is rendered through hickory as before, for
//! the whole reply, so the text is the same either way (`tests::fast_and_hickory_agree`).

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use cairn_wire::{rtype, CLASS_IN};
use hickory_proto::op::Message;
use hickory_proto::rr::DNSClass;

use super::record::{push_json_escaped, push_json_str};

/// Appends the members of `"answers":[…]` (without the brackets) for `response`.
pub(crate) fn write_answers(out: &mut String, response: &[u8]) {
    let start = out.len();
    if fast(out, response).is_none() {
        out.truncate(start);
        through_hickory(out, response);
    }
}

/// The answers as hickory prints them; none when the reply does not parse.
fn through_hickory(out: &mut String, response: &[u8]) {
    let Ok(message) = Message::from_vec(response) else {
        return;
    };
    for (i, rr) in message.answers.iter().enumerate() {
        let class = match rr.dns_class {
            DNSClass::IN => "IN".to_string(),
            other => other.to_string(),
        };
        object(
            out,
            i,
            &rr.data.to_string(),
            &rr.record_type().to_string(),
            &class,
        );
    }
}

fn object(out: &mut String, i: usize, rdata: &str, rtype: &str, class: &str) {
    if i > 0 {
        out.push(',');
    }
    out.push_str("{\"Rdata\":");
    push_json_str(out, rdata);
    out.push_str(",\"Type\":");
    push_json_str(out, rtype);
    out.push_str(",\"Class\":");
    push_json_str(out, class);
    out.push('}');
}

/// The answers read in place; `None` (with `out` partly written) when hickory must do it.
fn fast(out: &mut String, msg: &[u8]) -> Option<()> {
    let count = |at: usize| {
        Some(usize::from(u16::from_be_bytes([
            *msg.get(at)?,
            *msg.get(at + 1)?,
        ])))
    };
    let (questions, answers) = (count(4)?, count(6)?);
    let (authority, additional) = (count(8)?, count(10)?);
    let mut pos = 12;
    for _ in 0..questions {
        pos = name(None, msg, pos)? + 4;
    }
    for i in 0..answers {
        let record = Record::read(msg, pos)?;
        pos = record.end;
        if record.class != CLASS_IN {
            return None;
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"Rdata\":\"");
        let rdata = &msg[record.rdata..record.end];
        let type_name = match record.rtype {
            rtype::A => {
                let octets: [u8; 4] = rdata.try_into().ok()?;
                push_ipv4(out, Ipv4Addr::from(octets));
                "A"
            }
            rtype::AAAA => {
                let octets: [u8; 16] = rdata.try_into().ok()?;
                let _ = write!(out, "{}", Ipv6Addr::from(octets));
                "AAAA"
            }
            rtype::CNAME | rtype::NS | rtype::PTR => {
                if name(Some(out), msg, record.rdata)? != record.end {
                    return None;
                }
                match record.rtype {
                    rtype::CNAME => "CNAME",
                    rtype::NS => "NS",
                    _ => "PTR",
                }
            }
            rtype::MX => {
                let preference = u16::from_be_bytes([*rdata.first()?, *rdata.get(1)?]);
                push_u64(out, u64::from(preference));
                out.push(' ');
                if name(Some(out), msg, record.rdata + 2)? != record.end {
                    return None;
                }
                "MX"
            }
            rtype::TXT => {
                txt(out, rdata)?;
                "TXT"
            }
            _ => return None,
        };
        out.push_str("\",\"Type\":\"");
        out.push_str(type_name);
        out.push_str("\",\"Class\":\"IN\"}");
    }
    // hickory reads the whole message or nothing: the other sections must read as it reads
    // them (no empty rdata but OPT's, one OPT and only in the additional section, no
    // SIG(0) or TSIG, an SOA's names and numbers filling its rdata).
    let mut opt = false;
    for i in 0..authority + additional {
        let record = Record::read(msg, pos)?;
        pos = record.end;
        match record.rtype {
            rtype::OPT if i >= authority && !opt => opt = true,
            rtype::OPT | SIG | TSIG => return None,
            _ if record.rdata == record.end => return None,
            rtype::SOA => {
                let rname = name(None, msg, record.rdata)?;
                if name(None, msg, rname)? + 20 != record.end {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(())
}

/// SIG (RFC 2535) and TSIG (RFC 8945): hickory handles these apart.
const SIG: u16 = 24;
const TSIG: u16 = 250;

/// One resource record's fixed fields, located in the message.
struct Record {
    rtype: u16,
    class: u16,
    /// Where its rdata starts, and where it (and the record) ends.
    rdata: usize,
    end: usize,
}

impl Record {
    fn read(msg: &[u8], at: usize) -> Option<Self> {
        let pos = name(None, msg, at)?;
        let field = |i: usize| {
            Some(u16::from_be_bytes([
                *msg.get(pos + i)?,
                *msg.get(pos + i + 1)?,
            ]))
        };
        let rdata = pos + 10;
        let end = rdata + usize::from(field(8)?);
        (end <= msg.len()).then_some(Self {
            rtype: field(0)?,
            class: field(2)?,
            rdata,
            end,
        })
    }
}

/// Reads the name at `at` as hickory does, following compression pointers under its rules
/// (each points before the part of the name that holds it; at most 254 bytes of text), and
/// returns where the name ends in the message. With `out`, also writes it as hickory's
/// `Name` displays it, and gives `None` for a label hickory would escape or decode.
fn name(mut out: Option<&mut String>, msg: &[u8], at: usize) -> Option<usize> {
    let mut pos = at;
    let mut end = None;
    // The name's length as hickory counts it: its labels and their dots.
    let mut length = 0usize;
    let mut segment_start = at;
    let mut limit = usize::MAX;
    loop {
        if pos >= limit {
            return None;
        }
        let len = *msg.get(pos)?;
        match len {
            0 => {
                if length == 0 {
                    if let Some(out) = out {
                        out.push('.');
                    }
                }
                return (length < 255).then_some(end.unwrap_or(pos + 1));
            }
            1..=63 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(len))?;
                if let Some(out) = out.as_deref_mut() {
                    if !plain_label(label) {
                        return None;
                    }
                    // Printable ASCII only: each byte is its own char.
                    out.extend(label.iter().map(|&b| char::from(b)));
                    out.push('.');
                }
                length += 1 + label.len();
                pos += 1 + label.len();
            }
            _ if len & 0xC0 == 0xC0 => {
                let pointer = usize::from(u16::from_be_bytes([len, *msg.get(pos + 1)?]) & 0x3FFF);
                if pointer >= segment_start {
                    return None;
                }
                end.get_or_insert(pos + 2);
                limit = segment_start;
                segment_start = pointer;
                pos = pointer;
            }
            _ => return None,
        }
    }
}

/// A label hickory's `Label` displays byte for byte: letters, digits, `_`, `-` after the
/// first byte, `*` as the first, and not the `xn--` of punycode (decoded when displayed).
fn plain_label(label: &[u8]) -> bool {
    if label.len() >= 4 && label[..4].eq_ignore_ascii_case(b"xn--") {
        return false;
    }
    label.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric() || b == b'_' || (b == b'-' && i > 0) || (b == b'*' && i == 0)
    })
}

/// TXT as hickory displays it: its strings, each read as lossy UTF-8, run together.
fn txt(out: &mut String, rdata: &[u8]) -> Option<()> {
    // hickory gives an empty rdata its own meaning: left to it.
    if rdata.is_empty() {
        return None;
    }
    let mut rest = rdata;
    while let Some((&len, tail)) = rest.split_first() {
        let text = tail.get(..usize::from(len))?;
        push_json_escaped(out, &String::from_utf8_lossy(text));
        rest = &tail[usize::from(len)..];
    }
    Some(())
}

/// `a.b.c.d`, as `Ipv4Addr`'s `Display` writes it.
pub(crate) fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u64(out, u64::from(octet));
    }
}

/// A number in decimal.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

#[cfg(test)]
mod tests;
