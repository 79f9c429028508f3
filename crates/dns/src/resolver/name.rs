//! What the resolver adds to `cairn_wire::name` for wire names as they travel: case
//! randomization, and presentation parsing that keeps case (the cache's tests ask in mixed
//! case). Comparison and ancestry are `cairn_wire::name`'s, shared with the authoritative
//! side.

pub(crate) use cairn_wire::name::{
    ancestors, is_at_or_below, is_valid, parent, replace_suffix, to_lowercase, to_text, MAX_LEN,
    ROOT,
};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_or_below_respects_label_boundaries_and_case() {
        let www = from_text("www.Example.test.").expect("name");
        assert!(is_at_or_below(
            &www,
            &from_text("example.TEST").expect("name")
        ));
        assert!(is_at_or_below(&www, ROOT));
        assert!(is_at_or_below(&www, &www));
        assert!(!is_at_or_below(
            &www,
            &from_text("ample.test").expect("name")
        ));
        assert!(!is_at_or_below(&from_text("test").expect("name"), &www));
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
