//! TXT and SPF values: Route 53's quoted character strings.
//!
//! Route 53 wants every character-string of a TXT or SPF value between
//! double quotes, at most 255 bytes each, with `\ooo` octal escapes for
//! bytes it cannot show ([ROUTE53.md §2.6]). SPF (type 99) has the same
//! wire form as TXT (RFC 7208 §3.1, RFC 1035 §3.3.14).

use super::escape::{push_quoted, split_fields, unescape_route53, Radix};
use super::{RdataError, RdataProblem};

/// Longest character-string, RFC 1035 §3.3.
const MAX_CHARACTER_STRING: usize = 255;

/// Encodes a TXT or SPF value: one or more quoted strings.
pub(crate) fn encode_character_strings(value: &str) -> Result<Vec<u8>, RdataError> {
    let fields = split_fields(value).map_err(|e| RdataError::from_escape(e, value))?;
    if fields.is_empty() || fields.iter().any(|f| !f.quoted) {
        return Err(RdataError::new(RdataProblem::Unquoted, value));
    }
    let mut wire = Vec::with_capacity(value.len());
    let mut bytes = Vec::with_capacity(MAX_CHARACTER_STRING);
    for field in fields {
        bytes.clear();
        unescape_route53(field.text, &mut bytes).map_err(|e| RdataError::from_escape(e, value))?;
        if bytes.len() > MAX_CHARACTER_STRING {
            return Err(RdataError::new(RdataProblem::CharacterStringTooLong, value));
        }
        wire.push(bytes.len() as u8);
        wire.extend_from_slice(&bytes);
    }
    if wire.len() > usize::from(u16::MAX) {
        return Err(RdataError::new(RdataProblem::RdataTooLong, value));
    }
    Ok(wire)
}

/// Formats TXT or SPF wire data as quoted strings separated by spaces,
/// escaping in `radix`; `None` if the data is not a sequence of
/// character-strings (or is empty).
pub(crate) fn format_character_strings(rdata: &[u8], radix: Radix) -> Option<String> {
    if rdata.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(rdata.len() + 8);
    let mut pos = 0;
    while pos < rdata.len() {
        let len = usize::from(rdata[pos]);
        let string = rdata.get(pos + 1..pos + 1 + len)?;
        if pos > 0 {
            out.push(' ');
        }
        push_quoted(&mut out, string, radix);
        pos += 1 + len;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md B3)
mod tests {
    use super::*;
    use crate::rdata::codes;

    #[test]
    fn strings_must_be_quoted() {
        let err = encode_character_strings("v=spf1 -all").unwrap_err();
        assert_eq!(err.code(), codes::INVALID_CHARACTER_STRING);
        let err = encode_character_strings(r#""ok" bare"#).unwrap_err();
        assert_eq!(err.code(), codes::INVALID_CHARACTER_STRING);
        assert_eq!(
            encode_character_strings("").unwrap_err().code(),
            codes::INVALID_CHARACTER_STRING
        );
    }

    #[test]
    fn each_string_is_at_most_255_bytes() {
        let ok = format!("\"{}\"", "a".repeat(255));
        assert_eq!(encode_character_strings(&ok).unwrap().len(), 256);
        let long = format!("\"{}\"", "a".repeat(256));
        assert_eq!(
            encode_character_strings(&long).unwrap_err().code(),
            codes::CHARACTER_STRING_TOO_LONG
        );
        // An escape counts as the one byte it stands for.
        let escaped = format!("\"{}\"", "\\101".repeat(255));
        assert_eq!(encode_character_strings(&escaped).unwrap()[1], b'A');
    }

    #[test]
    fn empty_string_is_a_zero_length_string() {
        assert_eq!(encode_character_strings(r#""""#).unwrap(), [0]);
        assert_eq!(
            format_character_strings(&[0], Radix::Octal).unwrap(),
            r#""""#
        );
    }

    #[test]
    fn formatting_refuses_truncated_strings() {
        assert_eq!(format_character_strings(&[3, b'a'], Radix::Octal), None);
        assert_eq!(format_character_strings(&[], Radix::Octal), None);
    }
}
