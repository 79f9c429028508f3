//! Policy variables: `${aws:username}` in a resource or a condition value stands for that
//! key's value in the request (Version 2012-10-17 only; in 2008-10-17 policies the text is
//! literal).

use crate::context::RequestContext;

/// `text` with every `${key}` replaced by the request's value of `key`. `None` when a key is
/// absent or multivalued: IAM then treats the element as not matching.
pub fn substitute(text: &str, ctx: &RequestContext) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // An unclosed `${` is plain text.
            out.push_str(&rest[start..]);
            return Some(out);
        };
        out.push_str(ctx.single(after[..end].trim())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_known_keys_and_fails_on_absent_ones() {
        let mut ctx = RequestContext::new("iam:GetUser", "*");
        ctx.set("aws:username", "alice");
        assert_eq!(
            substitute("arn:aws:iam::1:user/${aws:username}", &ctx).as_deref(),
            Some("arn:aws:iam::1:user/alice")
        );
        assert_eq!(substitute("${aws:userid}", &ctx), None);
        assert_eq!(substitute("no vars", &ctx).as_deref(), Some("no vars"));
    }
}
