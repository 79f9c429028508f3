//! Route 53's text escapes ⇄ RFC 1035's.
//!
//! Route 53 writes a byte it cannot show as `\ooo`, three **octal** digits
//! ([ROUTE53.md §2.5, §2.6]); zone files write it as `\DDD`, three
//! **decimal** digits (RFC 1035 §5.1). Both keep `\X` for a printable
//! character taken literally (`\"`, `\\`, `\.`). Everything here works on
//! those escapes only; what a field means is the caller's business.

use std::fmt::Write as _;

//------------ EscapeError -----------------------------------------------------

/// What is wrong with the escapes or quotes of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EscapeError {
    /// A backslash not followed by three octal digits (at most `\377`) or
    /// by one printable character.
    InvalidEscape,
    /// A `"` that is never closed.
    UnterminatedQuote,
}

//------------ Field -----------------------------------------------------------

/// One field of a Route 53 value: a run of non-blank characters, or a
/// double-quoted string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    /// The field's text, without the quotes, escapes still in place.
    pub text: &'a str,
    /// Whether the field was written between double quotes.
    pub quoted: bool,
}

/// Splits a Route 53 value into its fields.
///
/// Fields are separated by spaces or tabs; a double-quoted string is one
/// field even when it holds blanks, and ends at the next unescaped `"`.
/// A backslash always takes the next character with it, so `\"` and `\ `
/// never end a field.
pub(crate) fn split_fields(value: &str) -> Result<Vec<Field<'_>>, EscapeError> {
    let bytes = value.as_bytes();
    let mut fields = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' => pos += 1,
            b'"' => {
                let start = pos + 1;
                let end = find_closing_quote(bytes, start).ok_or(EscapeError::UnterminatedQuote)?;
                fields.push(Field {
                    text: &value[start..end],
                    quoted: true,
                });
                pos = end + 1;
            }
            _ => {
                let start = pos;
                while pos < bytes.len() && !matches!(bytes[pos], b' ' | b'\t' | b'"') {
                    if bytes[pos] == b'\\' {
                        pos += 1;
                        // Skip the whole escaped character, however long.
                        pos += value[pos..].chars().next().map_or(0, char::len_utf8);
                    } else {
                        pos += 1;
                    }
                }
                fields.push(Field {
                    text: &value[start..pos],
                    quoted: false,
                });
            }
        }
    }
    Ok(fields)
}

/// The index of the `"` that closes a string starting at `start`.
fn find_closing_quote(bytes: &[u8], start: usize) -> Option<usize> {
    let mut pos = start;
    while pos < bytes.len() {
        match bytes[pos] {
            b'\\' => pos += 2,
            b'"' => return Some(pos),
            _ => pos += 1,
        }
    }
    None
}

//------------ Route 53 text → bytes -------------------------------------------

/// Appends the bytes a Route 53 character string stands for: `\ooo` octal
/// escapes and `\X` resolved, other characters as their UTF-8 bytes.
pub(crate) fn unescape_route53(text: &str, out: &mut Vec<u8>) -> Result<(), EscapeError> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos] != b'\\' {
            out.push(bytes[pos]);
            pos += 1;
            continue;
        }
        let (byte, used) = read_octal_escape(&bytes[pos + 1..])?;
        out.push(byte);
        pos += 1 + used;
    }
    Ok(())
}

/// Reads what follows a backslash in Route 53 text: the byte it stands for
/// and how many bytes of `rest` it used.
fn read_octal_escape(rest: &[u8]) -> Result<(u8, usize), EscapeError> {
    match rest.first() {
        Some(d) if d.is_ascii_digit() => {
            let digits = rest.get(..3).ok_or(EscapeError::InvalidEscape)?;
            if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                return Err(EscapeError::InvalidEscape);
            }
            let value = digits
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            let byte = u8::try_from(value).map_err(|_| EscapeError::InvalidEscape)?;
            Ok((byte, 3))
        }
        Some(&c) if (0x20..0x7f).contains(&c) => Ok((c, 1)),
        _ => Err(EscapeError::InvalidEscape),
    }
}

//------------ Route 53 text → presentation -------------------------------------

/// Rewrites a Route 53 value as RFC 1035 presentation text, appended to
/// `out`, so that a zone-file scanner reads the same data.
///
/// Octal escapes become decimal ones. Bytes a zone-file scanner would take
/// as syntax are escaped: control characters and non-ASCII bytes (as
/// `\DDD`), and outside quotes `;`, `(` and `)`, so a value can never
/// smuggle in a comment, a line break or a parenthesis group.
pub(crate) fn route53_to_presentation(value: &str, out: &mut Vec<u8>) -> Result<(), EscapeError> {
    let bytes = value.as_bytes();
    let mut in_quotes = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let byte = bytes[pos];
        match byte {
            b'\\' => {
                let (escaped, used) = read_octal_escape(&bytes[pos + 1..])?;
                let is_digit_escape = bytes[pos + 1].is_ascii_digit();
                if is_digit_escape {
                    push_decimal_escape(out, escaped);
                } else {
                    out.push(b'\\');
                    out.push(escaped);
                }
                pos += 1 + used;
                continue;
            }
            b'"' => {
                in_quotes = !in_quotes;
                out.push(byte);
            }
            b'\t' if !in_quotes => out.push(byte),
            b';' | b'(' | b')' if !in_quotes => {
                out.push(b'\\');
                out.push(byte);
            }
            0x20..=0x7e => out.push(byte),
            _ => push_decimal_escape(out, byte),
        }
        pos += 1;
    }
    if in_quotes {
        return Err(EscapeError::UnterminatedQuote);
    }
    Ok(())
}

fn push_decimal_escape(out: &mut Vec<u8>, byte: u8) {
    out.push(b'\\');
    out.push(b'0' + byte / 100);
    out.push(b'0' + byte / 10 % 10);
    out.push(b'0' + byte % 10);
}

//------------ presentation → Route 53 text -------------------------------------

/// Rewrites presentation text with Route 53's escapes: each `\DDD` decimal
/// escape becomes `\ooo` octal; `\X` and everything else is kept.
pub(crate) fn presentation_to_route53(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut copied_to = 0;
    while pos < bytes.len() {
        if bytes[pos] != b'\\' {
            pos += 1;
            continue;
        }
        let digits = bytes.get(pos + 1..pos + 4);
        match digits {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                out.push_str(&text[copied_to..pos]);
                let value = d.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
                write!(out, "\\{value:03o}").expect("writing to a String cannot fail");
                pos += 4;
                copied_to = pos;
            }
            // `\X`: keep both characters (X may itself be a backslash).
            _ => pos += 2,
        }
    }
    out.push_str(&text[copied_to.min(text.len())..]);
    out
}

//------------ character strings -------------------------------------------------

/// How a byte outside printable ASCII is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Radix {
    /// Route 53: `\ooo`.
    Octal,
    /// RFC 1035: `\DDD`.
    Decimal,
}

/// Appends one character string, double-quoted: `"` and `\` as `\"` and
/// `\\`, printable ASCII (space included) as itself, any other byte as a
/// three-digit escape in `radix`.
pub(crate) fn push_quoted(out: &mut String, bytes: &[u8], radix: Radix) {
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => match radix {
                Radix::Octal => write!(out, "\\{b:03o}"),
                Radix::Decimal => write!(out, "\\{b:03}"),
            }
            .expect("writing to a String cannot fail"),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md B3)
mod tests {
    use super::*;

    fn fields(value: &str) -> Vec<(&str, bool)> {
        split_fields(value)
            .unwrap()
            .into_iter()
            .map(|f| (f.text, f.quoted))
            .collect()
    }

    #[test]
    fn fields_split_on_blanks_and_keep_quoted_strings_whole() {
        assert_eq!(
            fields("10  mail.example.com"),
            [("10", false), ("mail.example.com", false)]
        );
        assert_eq!(
            fields(r#""a b" "c\"d""#),
            [("a b", true), (r#"c\"d"#, true)]
        );
        assert_eq!(
            fields(r#"0 issue "ca; x""#),
            [("0", false), ("issue", false), ("ca; x", true)]
        );
        assert_eq!(fields(r#"a\ b"#), [(r#"a\ b"#, false)]);
        assert_eq!(
            split_fields(r#""open"#),
            Err(EscapeError::UnterminatedQuote)
        );
    }

    #[test]
    fn octal_escapes_become_decimal_and_back() {
        let mut out = Vec::new();
        route53_to_presentation(r#""a\052\"\\" x;y"#, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\042\"\\" x\;y"#);
        assert_eq!(
            presentation_to_route53(r#""a\042\"\\\\065""#),
            r#""a\052\"\\\\065""#
        );
    }

    #[test]
    fn bad_escapes_are_refused() {
        let mut out = Vec::new();
        assert_eq!(
            unescape_route53(r"\8", &mut out),
            Err(EscapeError::InvalidEscape)
        );
        assert_eq!(
            unescape_route53(r"\400", &mut out),
            Err(EscapeError::InvalidEscape)
        );
        assert_eq!(
            unescape_route53("x\\", &mut out),
            Err(EscapeError::InvalidEscape)
        );
        out.clear();
        unescape_route53(r"\101\\\377", &mut out).unwrap();
        assert_eq!(out, [b'A', b'\\', 0xff]);
    }

    #[test]
    fn quoted_strings_escape_per_radix() {
        let mut octal = String::new();
        push_quoted(&mut octal, b"a \"\n\xff", Radix::Octal);
        assert_eq!(octal, r#""a \"\012\377""#);
        let mut decimal = String::new();
        push_quoted(&mut decimal, b"a \"\n\xff", Radix::Decimal);
        assert_eq!(decimal, r#""a \"\010\255""#);
    }
}
