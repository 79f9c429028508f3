//! DNS names as lookups use them: uncompressed wire labels, ASCII-lowercased.
//!
//! [`NameKey`] is the owned key that zones, nodes, views and rules are found by (Knot's
//! "lookup format", hickory's `LowerName`; the labels are kept in wire order, not reversed,
//! because every lookup here walks a name's suffixes by dropping its first label). The free
//! functions work on borrowed wire names (`&[u8]`), as the hot path slices them out of the
//! query without allocating. Presentation names with Route 53's escapes live in
//! `cairn_model::DomainName`; this module knows only the wire.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The longest wire name (RFC 1035 §3.1).
pub const MAX_LEN: usize = 255;

/// The longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// The root name in wire form.
pub const ROOT: &[u8] = &[0];

/// Why bytes or text are not a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// An empty label inside the name (`a..b`).
    EmptyLabel,
    /// A label longer than 63 bytes.
    LabelTooLong,
    /// More than 255 bytes in wire form.
    TooLong,
    /// Wire bytes that are not exactly one uncompressed name.
    Malformed,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EmptyLabel => "empty label",
            Self::LabelTooLong => "label longer than 63 bytes",
            Self::TooLong => "name longer than 255 bytes",
            Self::Malformed => "not one uncompressed wire name",
        })
    }
}

impl std::error::Error for NameError {}

//----------- NameKey -----------------------------------------------------------

/// A well-formed uncompressed wire name, lowercased: the lookup key for zones, nodes, views
/// and rules. Cheap to clone (shared), and a `HashMap<NameKey, _>` is searched with a
/// borrowed `&[u8]` wire name (it hashes and compares as its bytes).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(Arc<[u8]>);

impl NameKey {
    /// The root name.
    pub fn root() -> Self {
        Self(ROOT.into())
    }

    /// `wire`, one uncompressed name and nothing after it, lowercased.
    pub fn from_wire(wire: &[u8]) -> Result<Self, NameError> {
        if !is_valid(wire) {
            return Err(NameError::Malformed);
        }
        Ok(Self(to_lowercase(wire).into()))
    }

    /// A dotted name (`www.example.com`, the final dot optional; `.` or `` for the root)
    /// without escapes, lowercased.
    pub fn from_text(text: &str) -> Result<Self, NameError> {
        let trimmed = text.strip_suffix('.').unwrap_or(text);
        let mut out = Vec::with_capacity(trimmed.len() + 2);
        if !trimmed.is_empty() {
            for label in trimmed.split('.') {
                if label.is_empty() {
                    return Err(NameError::EmptyLabel);
                }
                if label.len() > MAX_LABEL_LEN {
                    return Err(NameError::LabelTooLong);
                }
                out.push(label.len() as u8);
                out.extend(label.bytes().map(|b| b.to_ascii_lowercase()));
            }
        }
        out.push(0);
        if out.len() > MAX_LEN {
            return Err(NameError::TooLong);
        }
        Ok(Self(out.into()))
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether this name equals `ancestor` or lies below it (see [`is_at_or_below`]).
    pub fn is_at_or_below(&self, ancestor: &[u8]) -> bool {
        is_at_or_below(&self.0, ancestor)
    }

    /// The name with its first label removed; `None` for the root.
    pub fn parent(&self) -> Option<Self> {
        parent(&self.0).map(|p| Self(p.into()))
    }
}

impl Deref for NameKey {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for NameKey {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for NameKey {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_text(&self.0))
    }
}

impl fmt::Debug for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameKey({})", to_text(&self.0))
    }
}

//----------- Borrowed wire names ----------------------------------------------

/// Whether `name` equals `ancestor` or lies below it, label by label: `www.example.com`
/// is below `example.com`, `xexample.com` is not (its suffix `example.com` does not start
/// on a label boundary). ASCII case is ignored, so it answers the same for lowercased keys
/// and for names as received.
pub fn is_at_or_below(name: &[u8], ancestor: &[u8]) -> bool {
    if ancestor.len() > name.len() {
        return false;
    }
    let offset = name.len() - ancestor.len();
    // Walk the labels of `name` up to where the suffix would start.
    let mut pos = 0;
    while pos < offset {
        pos += 1 + usize::from(name[pos]);
    }
    pos == offset && name[offset..].eq_ignore_ascii_case(ancestor)
}

/// The parent of `name` (its first label removed), or `None` for the root.
pub fn parent(name: &[u8]) -> Option<&[u8]> {
    match name.first() {
        Some(&len) if len > 0 => name.get(1 + usize::from(len)..).filter(|p| !p.is_empty()),
        _ => None,
    }
}

/// The name and each of its ancestors, longest first, ending with the root.
pub fn ancestors(name: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::successors(Some(name), |n| parent(n))
}

/// `name` with its suffix `owner` replaced by `target` (uncompressed wire names; `name` at
/// or below `owner`): DNAME substitution (RFC 6672 §2.2). `None` when the result would be
/// longer than [`MAX_LEN`] octets, which a server answers with YXDOMAIN.
pub fn replace_suffix(name: &[u8], owner: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    let prefix = &name[..name.len().saturating_sub(owner.len())];
    let len = prefix.len() + target.len();
    if len > MAX_LEN {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(prefix);
    out.extend_from_slice(target);
    Some(out)
}

/// The name lowercased (ASCII only; label length octets are below `A`, so unaffected).
pub fn to_lowercase(name: &[u8]) -> Vec<u8> {
    name.iter().map(u8::to_ascii_lowercase).collect()
}

/// Whether `name` is one well-formed uncompressed wire name and nothing more.
pub fn is_valid(name: &[u8]) -> bool {
    let mut pos = 0;
    while let Some(&len) = name.get(pos) {
        if len == 0 {
            return pos + 1 == name.len() && name.len() <= MAX_LEN;
        }
        if usize::from(len) > MAX_LABEL_LEN {
            return false;
        }
        pos += 1 + usize::from(len);
    }
    false
}

/// The name in dotted form with a final dot, for logs (no escapes).
pub fn to_text(name: &[u8]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while let Some(&len) = name.get(pos) {
        if len == 0 {
            break;
        }
        let label = name
            .get(pos + 1..pos + 1 + usize::from(len))
            .unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(label));
        out.push('.');
        pos += 1 + usize::from(len);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> NameKey {
        NameKey::from_text(text).expect("a name")
    }

    #[test]
    fn at_or_below_respects_label_boundaries() {
        let apex = key("example.com");
        assert!(is_at_or_below(&key("www.example.com"), &apex));
        assert!(is_at_or_below(&apex, &apex));
        assert!(is_at_or_below(&apex, ROOT));
        assert!(!is_at_or_below(&key("xexample.com"), &apex));
        assert!(!is_at_or_below(&key("com"), &apex));
        // The suffix bytes match, but start inside the label `a\007example`.
        let inside = b"\x09a\x07example\x03com\x00";
        assert!(inside.ends_with(&apex));
        assert!(!is_at_or_below(inside, &apex));
    }

    #[test]
    fn at_or_below_ignores_case() {
        let received = b"\x03WwW\x07ExAmple\x03COM\x00";
        assert!(is_at_or_below(received, &key("example.com")));
        assert!(key("www.example.com").is_at_or_below(b"\x07EXAMPLE\x03com\x00"));
    }

    #[test]
    fn keys_are_lowercased_and_validated() {
        assert_eq!(
            key("WWW.Example.COM.").as_bytes(),
            b"\x03www\x07example\x03com\x00"
        );
        assert_eq!(key("."), NameKey::root());
        assert_eq!(key(""), NameKey::root());
        assert_eq!(NameKey::from_text("a..b"), Err(NameError::EmptyLabel));
        assert_eq!(
            NameKey::from_text(&"a".repeat(64)),
            Err(NameError::LabelTooLong)
        );
        let long = vec!["abcdefghi"; 26].join(".");
        assert_eq!(NameKey::from_text(&long), Err(NameError::TooLong));
        assert_eq!(
            NameKey::from_wire(b"\x01A\x00").map(|k| k.to_vec()),
            Ok(b"\x01a\x00".to_vec())
        );
        assert_eq!(NameKey::from_wire(b"\x01a"), Err(NameError::Malformed));
        assert_eq!(
            NameKey::from_wire(b"\x01a\x00\x00"),
            Err(NameError::Malformed)
        );
    }

    #[test]
    fn keys_are_found_by_borrowed_wire_names() {
        let mut map = std::collections::HashMap::new();
        map.insert(key("example.com"), 1);
        assert_eq!(map.get(&b"\x07example\x03com\x00"[..]), Some(&1));
    }

    #[test]
    fn ancestors_end_at_the_root() {
        let name = key("a.b.");
        let all: Vec<_> = ancestors(&name).map(to_text).collect();
        assert_eq!(all, ["a.b.", "b.", "."]);
        assert_eq!(name.parent().map(|p| p.to_string()).as_deref(), Some("b."));
        assert_eq!(parent(ROOT), None);
        assert_eq!(NameKey::root().to_string(), ".");
    }

    fn labels_of(name: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while name[pos] != 0 {
            let len = usize::from(name[pos]);
            out.push(name[pos + 1..pos + 1 + len].to_ascii_lowercase());
            pos += 1 + len;
        }
        out
    }

    proptest::proptest! {
        /// The byte walk agrees with comparing label lists, for labels drawn so that
        /// suffixes often match across label boundaries (bytes that equal a length octet).
        #[test]
        fn at_or_below_is_a_label_suffix(
            name in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![1u8, 2, 3, b'a', b'B']), 1..4),
                0..5,
            ),
            ancestor in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(vec![1u8, 2, 3, b'a', b'b']), 1..4),
                0..3,
            ),
        ) {
            let wire = |labels: &[Vec<u8>]| {
                let mut out = Vec::new();
                for label in labels {
                    out.push(label.len() as u8);
                    out.extend_from_slice(label);
                }
                out.push(0);
                out
            };
            let (n, a) = (wire(&name), wire(&ancestor));
            let (nl, al) = (labels_of(&n), labels_of(&a));
            let expected = nl.len() >= al.len() && nl[nl.len() - al.len()..] == al[..];
            proptest::prop_assert_eq!(is_at_or_below(&n, &a), expected);
        }
    }

    #[test]
    fn substitution_replaces_the_owner_suffix_and_stops_at_255_octets() {
        let name = b"\x01a\x01b\x03old\x07example\x00";
        let owner = b"\x03old\x07example\x00";
        assert_eq!(
            replace_suffix(name, owner, b"\x03new\x03net\x00").as_deref(),
            Some(&b"\x01a\x01b\x03new\x03net\x00"[..])
        );
        // 4 octets of prefix: a target of 251 fits, 252 does not.
        let target = |len: usize| {
            let mut t = Vec::new();
            while t.len() + 1 < len {
                let label = (len - 1 - t.len() - 1).min(63);
                t.push(label as u8);
                t.extend(std::iter::repeat_n(b'x', label));
            }
            t.push(0);
            assert_eq!(t.len(), len);
            t
        };
        assert_eq!(
            replace_suffix(name, owner, &target(251)).map(|n| n.len()),
            Some(255)
        );
        assert_eq!(replace_suffix(name, owner, &target(252)), None);
    }
}
