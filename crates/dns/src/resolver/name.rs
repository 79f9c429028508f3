//! Uncompressed wire names: comparison, ancestry, case randomization, presentation parsing.

/// The longest wire name (RFC 1035 §3.1).
pub(crate) const MAX_LEN: usize = 255;

/// The root name in wire form.
pub(crate) const ROOT: &[u8] = &[0];

/// The name lowercased (ASCII only; label length octets are below `A`, so unaffected).
pub(crate) fn to_lowercase(name: &[u8]) -> Vec<u8> {
    name.iter().map(u8::to_ascii_lowercase).collect()
}

/// The offsets at which each label (then the root) starts.
fn label_starts(name: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pos = 0;
    while let Some(&len) = name.get(pos) {
        starts.push(pos);
        if len == 0 {
            break;
        }
        pos += 1 + len as usize;
    }
    starts
}

/// Whether `name` equals `zone` or lies below it (case-insensitive).
pub(crate) fn is_subdomain(name: &[u8], zone: &[u8]) -> bool {
    if zone.len() > name.len() {
        return false;
    }
    let offset = name.len() - zone.len();
    // The suffix must start on a label boundary of `name`.
    label_starts(name).contains(&offset) && name[offset..].eq_ignore_ascii_case(zone)
}

/// The name and each of its ancestors, longest first, ending with the root.
pub(crate) fn ancestors(name: &[u8]) -> impl Iterator<Item = &[u8]> {
    label_starts(name)
        .into_iter()
        .map(move |start| &name[start..])
}

/// The parent of `name`, or `None` for the root.
pub(crate) fn parent(name: &[u8]) -> Option<&[u8]> {
    match name.first() {
        Some(&len) if len > 0 => name.get(1 + len as usize..),
        _ => None,
    }
}

/// Flips the case of each letter at random (the "dns-0x20" draft): more bits a spoofer
/// has to guess, echoed exactly by the server in its reply's question.
pub(crate) fn randomize_case(name: &[u8]) -> Vec<u8> {
    let mut out = name.to_vec();
    let mut bits: u64 = rand::random();
    let mut used = 0;
    let mut pos = 0;
    while let Some(&len) = out.get(pos) {
        if len == 0 {
            break;
        }
        for byte in out.iter_mut().skip(pos + 1).take(len as usize) {
            if byte.is_ascii_alphabetic() {
                if used == 64 {
                    bits = rand::random();
                    used = 0;
                }
                if bits & 1 == 1 {
                    *byte ^= 0x20;
                }
                bits >>= 1;
                used += 1;
            }
        }
        pos += 1 + len as usize;
    }
    out
}

/// A presentation name (`www.example.com.` or without the final dot) in wire form; no
/// escapes. `None` when a label is empty or too long, or the name is.
pub(crate) fn from_text(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.strip_suffix('.').unwrap_or(text);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if !trimmed.is_empty() {
        for label in trimmed.split('.') {
            if label.is_empty() || label.len() > 63 {
                return None;
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    (out.len() <= MAX_LEN).then_some(out)
}

/// The name in presentation form, for logs.
pub(crate) fn to_text(name: &[u8]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while let Some(&len) = name.get(pos) {
        if len == 0 {
            break;
        }
        let label = name
            .get(pos + 1..pos + 1 + len as usize)
            .unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(label));
        out.push('.');
        pos += 1 + len as usize;
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether `name` is one well-formed uncompressed wire name and nothing more.
pub(crate) fn is_valid(name: &[u8]) -> bool {
    let mut pos = 0;
    while let Some(&len) = name.get(pos) {
        if len == 0 {
            return pos + 1 == name.len() && name.len() <= MAX_LEN;
        }
        if len > 63 {
            return false;
        }
        pos += 1 + len as usize;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_respects_label_boundaries_and_case() {
        let www = from_text("www.Example.test.").expect("name");
        assert!(is_subdomain(
            &www,
            &from_text("example.TEST").expect("name")
        ));
        assert!(is_subdomain(&www, ROOT));
        assert!(is_subdomain(&www, &www));
        assert!(!is_subdomain(&www, &from_text("ample.test").expect("name")));
        assert!(!is_subdomain(&from_text("test").expect("name"), &www));
    }

    #[test]
    fn ancestors_end_at_root() {
        let name = from_text("a.b.").expect("name");
        let all: Vec<_> = ancestors(&name).map(to_text).collect();
        assert_eq!(all, ["a.b.", "b.", "."]);
        assert_eq!(parent(&name).map(to_text).as_deref(), Some("b."));
        assert_eq!(parent(ROOT), None);
    }

    #[test]
    fn randomized_case_is_the_same_name() {
        let name = from_text("www.example-123.test").expect("name");
        let random = randomize_case(&name);
        assert!(random.eq_ignore_ascii_case(&name));
        assert_eq!(random[0], 3);
    }
}
