//! Domain names as Route 53 and zone files write them.
//!
//! A [`DomainName`] keeps the uncompressed wire form, lowercased: Route 53 stores names in
//! lowercase ([ROUTE53.md §2.5]) and DNS matching is case-insensitive (RFC 4343). Two text
//! forms exist and must not be confused:
//! - Route 53's: octal escapes `\ooo` for every byte outside `a-z 0-9 - _`, so `*` is listed
//!   as `\052` ([`DomainName::from_route53`], [`DomainName::to_route53`]);
//! - RFC 1035 zone files': decimal escapes `\DDD` and `\X`
//!   ([`DomainName::from_presentation`], [`DomainName::to_presentation`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest name on the wire, RFC 1035 §2.3.4.
pub const MAX_NAME_LEN: usize = 255;
/// Longest label, RFC 1035 §2.3.4.
pub const MAX_LABEL_LEN: usize = 63;

//------------ DomainName -----------------------------------------------------

/// An absolute domain name, lowercased, in uncompressed wire form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DomainName {
    wire: Vec<u8>,
}

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The text was empty.
    #[error("Domain name is empty")]
    Empty,
    /// Two dots in a row, or a leading dot.
    #[error("Domain label is empty")]
    EmptyLabel,
    /// A label over 63 bytes.
    #[error("Domain label is too long")]
    LabelTooLong,
    /// The whole name over 255 bytes.
    #[error("Domain name is too long")]
    NameTooLong,
    /// A backslash not followed by a valid escape.
    #[error("Invalid escape sequence")]
    BadEscape,
}

impl DomainName {
    /// The root name `.`.
    pub fn root() -> Self {
        Self { wire: vec![0] }
    }

    /// Parses a name as the Route 53 API takes it: trailing dot optional, `\ooo` octal
    /// escapes, case folded to lowercase.
    pub fn from_route53(text: &str) -> Result<Self, NameError> {
        Self::parse(text, Escape::Octal)
    }

    /// Parses an absolute name in RFC 1035 presentation format (`\DDD` decimal and `\X`
    /// escapes); a missing trailing dot is accepted.
    pub fn from_presentation(text: &str) -> Result<Self, NameError> {
        Self::parse(text, Escape::Decimal)
    }

    /// Builds a name from uncompressed wire bytes, lowercasing them.
    pub fn from_wire(wire: &[u8]) -> Result<Self, NameError> {
        let mut labels = Vec::new();
        let mut pos = 0;
        loop {
            let len = *wire.get(pos).ok_or(NameError::Empty)? as usize;
            if len == 0 {
                break;
            }
            if len > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            let label = wire.get(pos + 1..pos + 1 + len).ok_or(NameError::Empty)?;
            labels.push(label.to_vec());
            pos += 1 + len;
        }
        Self::from_labels(labels)
    }

    /// Builds a name from its labels, leftmost first (the root label is implied).
    pub fn from_labels<L: AsRef<[u8]>>(
        labels: impl IntoIterator<Item = L>,
    ) -> Result<Self, NameError> {
        let mut wire = Vec::new();
        for label in labels {
            let label = label.as_ref();
            if label.is_empty() {
                return Err(NameError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire.push(label.len() as u8);
            wire.extend(label.iter().map(u8::to_ascii_lowercase));
        }
        wire.push(0);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Self { wire })
    }

    fn parse(text: &str, escape: Escape) -> Result<Self, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text == "." {
            return Ok(Self::root());
        }
        let bytes = text.as_bytes();
        let mut labels: Vec<Vec<u8>> = Vec::new();
        let mut label = Vec::new();
        let mut i = 0;
        let mut ended_with_dot = false;
        while i < bytes.len() {
            ended_with_dot = false;
            match bytes[i] {
                b'.' => {
                    if label.is_empty() {
                        return Err(NameError::EmptyLabel);
                    }
                    labels.push(std::mem::take(&mut label));
                    ended_with_dot = true;
                    i += 1;
                }
                b'\\' => {
                    let (byte, used) = unescape(&bytes[i + 1..], escape)?;
                    label.push(byte);
                    i += 1 + used;
                }
                byte => {
                    label.push(byte);
                    i += 1;
                }
            }
        }
        if !ended_with_dot {
            if label.is_empty() {
                return Err(NameError::EmptyLabel);
            }
            labels.push(label);
        }
        Self::from_labels(labels)
    }

    /// The uncompressed wire form (lowercase), ending with the root label.
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The labels, leftmost first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels {
            wire: &self.wire,
            pos: 0,
        }
    }

    /// How many labels, not counting the root.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// Whether this is the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// Whether the leftmost label is `*` (RFC 4592 wildcard owner).
    pub fn is_wildcard(&self) -> bool {
        self.wire.len() >= 2 && self.wire[0] == 1 && self.wire[1] == b'*'
    }

    /// Whether `self` equals `ancestor` or lies below it.
    pub fn is_subdomain_of(&self, ancestor: &DomainName) -> bool {
        let a = ancestor.wire.len();
        if a > self.wire.len() {
            return false;
        }
        let offset = self.wire.len() - a;
        // The suffix must start on a label boundary.
        self.label_offsets().any(|o| o == offset) && self.wire[offset..] == ancestor.wire[..]
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<DomainName> {
        if self.is_root() {
            return None;
        }
        let skip = 1 + self.wire[0] as usize;
        Some(Self {
            wire: self.wire[skip..].to_vec(),
        })
    }

    /// This name with one more label on the left.
    pub fn prepend(&self, label: &[u8]) -> Result<DomainName, NameError> {
        let mut labels: Vec<&[u8]> = vec![label];
        labels.extend(self.labels());
        Self::from_labels(labels)
    }

    /// The name made of this name's labels below `apex`, replaced onto `apex`'s position...
    /// i.e. the relative part: `www.example.com.` relative to `example.com.` is `["www"]`.
    pub fn relative_labels(&self, apex: &DomainName) -> Option<Vec<&[u8]>> {
        if !self.is_subdomain_of(apex) {
            return None;
        }
        let keep = self.label_count() - apex.label_count();
        Some(self.labels().take(keep).collect())
    }

    /// Route 53's text form: lowercase, `\ooo` octal escapes for everything outside
    /// `a-z 0-9 - _`, trailing dot ([ROUTE53.md §2.5]).
    pub fn to_route53(&self) -> String {
        if self.is_root() {
            return ".".into();
        }
        let mut out = String::with_capacity(self.wire.len() + 8);
        for label in self.labels() {
            for &b in label {
                if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            out.push('.');
        }
        out
    }

    /// RFC 1035 presentation form with decimal escapes and a trailing dot.
    pub fn to_presentation(&self) -> String {
        if self.is_root() {
            return ".".into();
        }
        let mut out = String::with_capacity(self.wire.len() + 8);
        for label in self.labels() {
            push_presentation_label(&mut out, label);
            out.push('.');
        }
        out
    }

    /// The key Route 53 lists record sets and zones by: labels reversed, Route 53 escaping,
    /// trailing dot kept (`com.example.www.`), compared as ASCII ([ROUTE53.md §2.5]).
    pub fn route53_sort_key(&self) -> String {
        let mut labels: Vec<String> = self
            .labels()
            .map(|l| {
                let one = Self::from_labels([l]).expect("a label of a valid name is valid");
                let mut s = one.to_route53();
                s.pop();
                s
            })
            .collect();
        labels.reverse();
        let mut out = labels.join(".");
        out.push('.');
        out
    }

    fn label_offsets(&self) -> impl Iterator<Item = usize> + '_ {
        let mut pos = 0;
        std::iter::from_fn(move || {
            if pos >= self.wire.len() {
                return None;
            }
            let here = pos;
            pos += 1 + self.wire[pos] as usize;
            Some(here)
        })
    }
}

//------------ Labels ----------------------------------------------------------

/// Iterator over the labels of a [`DomainName`], leftmost first.
pub struct Labels<'a> {
    wire: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.wire.get(self.pos)? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.wire[self.pos + 1..self.pos + 1 + len];
        self.pos += 1 + len;
        Some(label)
    }
}

//------------ escapes ---------------------------------------------------------

#[derive(Clone, Copy)]
enum Escape {
    Octal,
    Decimal,
}

/// Reads one escape after a backslash; returns the byte and how many bytes it used.
fn unescape(rest: &[u8], escape: Escape) -> Result<(u8, usize), NameError> {
    let (radix, max_digit) = match escape {
        Escape::Octal => (8u32, b'7'),
        Escape::Decimal => (10u32, b'9'),
    };
    if rest.len() >= 3 && rest[..3].iter().all(|d| (b'0'..=max_digit).contains(d)) {
        let value = rest[..3]
            .iter()
            .fold(0u32, |acc, d| acc * radix + u32::from(d - b'0'));
        let byte = u8::try_from(value).map_err(|_| NameError::BadEscape)?;
        return Ok((byte, 3));
    }
    match rest.first() {
        Some(&b) if !b.is_ascii_digit() => Ok((b, 1)),
        _ => Err(NameError::BadEscape),
    }
}

/// Appends one label in RFC 1035 presentation form.
pub fn push_presentation_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                out.push('\\');
                out.push(b as char);
            }
            0x21..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
}

//------------ traits ------------------------------------------------------------

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_route53())
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DomainName({})", self.to_route53())
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_route53())
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_route53(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route53_form_lowercases_and_escapes_wildcard() {
        let n = DomainName::from_route53("*.Example.COM").unwrap();
        assert_eq!(n.to_route53(), "\\052.example.com.");
        assert!(n.is_wildcard());
        assert_eq!(DomainName::from_route53("\\052.example.com.").unwrap(), n);
    }

    #[test]
    fn presentation_form_uses_decimal_escapes() {
        let n = DomainName::from_presentation("a\\046b.example.").unwrap();
        assert_eq!(n.label_count(), 2);
        assert_eq!(n.to_presentation(), "a\\.b.example.");
        assert_eq!(n.to_route53(), "a\\056b.example.");
    }

    #[test]
    fn subdomain_respects_label_boundaries() {
        let apex = DomainName::from_route53("example.com").unwrap();
        assert!(DomainName::from_route53("www.example.com")
            .unwrap()
            .is_subdomain_of(&apex));
        assert!(apex.is_subdomain_of(&apex));
        assert!(!DomainName::from_route53("badexample.com")
            .unwrap()
            .is_subdomain_of(&apex));
        assert!(apex.is_subdomain_of(&DomainName::root()));
    }

    #[test]
    fn sort_key_reverses_labels() {
        let n = DomainName::from_route53("www.example.com").unwrap();
        assert_eq!(n.route53_sort_key(), "com.example.www.");
    }

    #[test]
    fn limits_are_enforced() {
        assert_eq!(
            DomainName::from_route53(&"a".repeat(64)),
            Err(NameError::LabelTooLong)
        );
        let long = vec!["abcdefghi"; 26].join(".");
        assert_eq!(DomainName::from_route53(&long), Err(NameError::NameTooLong));
        assert_eq!(DomainName::from_route53("a..b"), Err(NameError::EmptyLabel));
        assert_eq!(DomainName::from_route53(""), Err(NameError::Empty));
    }
}
