//! IAM's wildcards: `*` matches any run of characters (also none), `?` exactly one.
//!
//! Actions compare without regard to case, resources and `StringLike` values with it
//! ([IAM-UG] "IAM JSON policy elements"). There is no escape: a literal `*` in a pattern is
//! always a wildcard, which is why Route 53 writes `*` in record names as `\052`.

/// Whether `text` matches `pattern`, `*`/`?` wildcards, case-sensitive.
pub fn matches(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, false)
}

/// Whether `text` matches `pattern`, `*`/`?` wildcards, ASCII case ignored (action names).
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    wildcard(pattern, text, true)
}

/// The classic greedy match with one backtrack point: linear in practice, no recursion, so
/// a hostile pattern like `*a*a*a*b` cannot blow the stack.
fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where the last `*` was, and how much text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && same(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("*", ""));
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*a*a*b", "aaaaab"));
        assert!(!matches("*a*a*b", "aaaaa"));
        assert!(!matches("ABC", "abc"));
        assert!(matches_ignore_case(
            "route53:Change*",
            "ROUTE53:changeresourcerecordsets"
        ));
    }
}
