//! The filter-pattern subset FilterLogEvents takes (`filterPattern`).
//!
//! | form | matches an event whose message |
//! |---|---|
//! | (empty) | always |
//! | `ERROR timeout` | contains every term (case-sensitive substrings) |
//! | `"www.example.com" A` | contains the quoted phrase, and the term |
//! | `?NXDOMAIN ?SERVFAIL` | contains at least one of the `?` terms or phrases |
//! | `NOERROR -AAAA` | contains `NOERROR` and not `AAAA` |
//! | `{ $.rcode = "NXDOMAIN" }` | is JSON whose member equals the string (`*` is a wildcard) |
//! | `{ $.query_name != "a.example." }` | is JSON with the member, not equal to it |
//! | `{ $.answers[0].Type = A }` | an unquoted value is a string unless it is a number |
//! | `{ $.n > 5 }`, `<`, `>=`, `<=`, `= 5`, `!= 5` | is JSON whose member is a number so compared |
//! | `{ $.a = "x" && ($.b = 1 \|\| $.c != "y") }` | `&&` binds tighter than `\|\|`; parentheses group |
//!
//! Unquoted terms are any characters but white space, `"`, brackets and braces. `?` terms
//! do not mix with plain or `-` terms. Everything else CloudWatch Logs has (space-delimited
//! `[…]` patterns, `IS NULL`, `NOT EXISTS`, `IS TRUE`, `%regex%`) is refused with
//! `InvalidParameterException`.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Every event.
    All,
    /// Text terms.
    Terms {
        /// Substrings that must all appear.
        all: Vec<String>,
        /// Substrings of which one must appear (when not empty).
        any: Vec<String>,
        /// Substrings that must not appear.
        none: Vec<String>,
    },
    /// A JSON selector expression.
    Json(Expr),
}

/// A JSON pattern expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// `$.path OP value`.
    Compare(Vec<Step>, Op, Operand),
}

/// One step of a selector: `.member` or `[index]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Member(String),
    /// An array element.
    Index(usize),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A string, with `*` as a wildcard.
    Text(String),
    /// A number.
    Number(f64),
}

/// Why a pattern is refused (the text of the `InvalidParameterException`).
pub type ParseError = String;

impl Pattern {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Self::All);
        }
        if trimmed.starts_with('{') {
            return parse_json(trimmed).map(Self::Json);
        }
        if trimmed.starts_with('[') {
            return Err(unsupported("space-delimited [...] patterns"));
        }
        parse_terms(trimmed)
    }

    /// Whether the event `message` matches.
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Self::All => true,
            Self::Terms { all, any, none } => {
                all.iter().all(|t| message.contains(t.as_str()))
                    && (any.is_empty() || any.iter().any(|t| message.contains(t.as_str())))
                    && !none.iter().any(|t| message.contains(t.as_str()))
            }
            Self::Json(expr) => serde_json::from_str::<Value>(message)
                .ok()
                .is_some_and(|v| v.is_object() && expr.matches(&v)),
        }
    }
}

fn unsupported(what: &str) -> ParseError {
    format!("Invalid filter pattern: Cairn does not support {what}.")
}

//------------ text terms ----------------------------------------------------------------

fn parse_terms(text: &str) -> Result<Pattern, ParseError> {
    let (mut all, mut any, mut none) = (Vec::new(), Vec::new(), Vec::new());
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let (kind, after) = match rest.as_bytes()[0] {
            b'?' => ('?', &rest[1..]),
            b'-' => ('-', &rest[1..]),
            _ => (' ', rest),
        };
        let (term, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("Invalid filter pattern: unterminated phrase in {text}"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after
                .find(|c: char| c.is_whitespace())
                .unwrap_or(after.len());
            let term = &after[..end];
            if term.contains(['"', '{', '}', '[', ']', '(', ')']) {
                return Err(format!("Invalid character(s) in term '{term}'"));
            }
            (term, &after[end..])
        };
        if term.is_empty() {
            return Err(format!("Invalid filter pattern: empty term in {text}"));
        }
        match kind {
            '?' => any.push(term.to_string()),
            '-' => none.push(term.to_string()),
            _ => all.push(term.to_string()),
        }
        rest = after.trim_start();
    }
    if !any.is_empty() && (!all.is_empty() || !none.is_empty()) {
        return Err(unsupported("?terms mixed with other terms"));
    }
    Ok(Pattern::Terms { all, any, none })
}

//------------ JSON patterns -------------------------------------------------------------

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

fn parse_json(text: &str) -> Result<Expr, ParseError> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("Invalid filter pattern: unbalanced braces in {text}"))?;
    let mut parser = Parser { text: inner, at: 0 };
    let expr = parser.or()?;
    parser.skip_space();
    if parser.at < parser.text.len() {
        return Err(parser.unexpected());
    }
    Ok(expr)
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> ParseError {
        let rest = self.rest();
        if rest.trim_start().to_ascii_uppercase().starts_with("IS ")
            || rest.to_ascii_uppercase().contains("NOT EXISTS")
        {
            return unsupported("IS and NOT EXISTS tests");
        }
        format!("Invalid filter pattern: unexpected '{rest}'")
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.atom()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(self.unexpected());
            }
            return Ok(inner);
        }
        let path = self.selector()?;
        let op = self.op()?;
        let operand = self.operand()?;
        if matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) && !matches!(operand, Operand::Number(_))
        {
            return Err("Invalid filter pattern: <, <=, > and >= compare numbers only.".into());
        }
        Ok(Expr::Compare(path, op, operand))
    }

    fn selector(&mut self) -> Result<Vec<Step>, ParseError> {
        if !self.eat("$") {
            return Err(self.unexpected());
        }
        let mut steps = Vec::new();
        loop {
            if self.rest().starts_with('.') {
                self.at += 1;
                let name: String = self
                    .rest()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if name.is_empty() {
                    return Err(self.unexpected());
                }
                self.at += name.len();
                steps.push(Step::Member(name));
            } else if self.rest().starts_with('[') {
                self.at += 1;
                let digits: String = self
                    .rest()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                self.at += digits.len();
                let index = digits.parse().map_err(|_| self.unexpected())?;
                if !self.rest().starts_with(']') {
                    return Err(self.unexpected());
                }
                self.at += 1;
                steps.push(Step::Index(index));
            } else {
                break;
            }
        }
        if steps.is_empty() {
            return Err(self.unexpected());
        }
        Ok(steps)
    }

    fn op(&mut self) -> Result<Op, ParseError> {
        for (token, op) in [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.eat(token) {
                return Ok(op);
            }
        }
        Err(self.unexpected())
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        self.skip_space();
        if let Some(quoted) = self.rest().strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| self.unexpected())?;
            let text = quoted[..end].to_string();
            self.at += end + 2;
            return Ok(Operand::Text(text));
        }
        let word: String = self
            .rest()
            .chars()
            .take_while(|c| !c.is_whitespace() && !"()&|".contains(*c))
            .collect();
        if word.is_empty() {
            return Err(self.unexpected());
        }
        if word.starts_with('%') {
            return Err(unsupported("%regular expressions%"));
        }
        self.at += word.len();
        Ok(match word.parse::<f64>() {
            Ok(n) if n.is_finite() => Operand::Number(n),
            _ => Operand::Text(word),
        })
    }
}

impl Expr {
    fn matches(&self, record: &Value) -> bool {
        match self {
            Self::And(a, b) => a.matches(record) && b.matches(record),
            Self::Or(a, b) => a.matches(record) || b.matches(record),
            Self::Compare(path, op, operand) => {
                let Some(value) = select(record, path) else {
                    return false;
                };
                let equal = || match (operand, value) {
                    (Operand::Text(want), Value::String(have)) => wildcard(want, have),
                    (Operand::Number(want), Value::Number(have)) => have.as_f64() == Some(*want),
                    _ => false,
                };
                let number = value.as_f64();
                match (op, operand) {
                    (Op::Eq, _) => equal(),
                    (Op::Ne, _) => !equal(),
                    (op, Operand::Number(want)) => number.is_some_and(|n| match op {
                        Op::Lt => n < *want,
                        Op::Le => n <= *want,
                        Op::Gt => n > *want,
                        _ => n >= *want,
                    }),
                    _ => false,
                }
            }
        }
    }
}

fn select<'v>(record: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(record, |at, step| match step {
        Step::Member(name) => at.get(name.as_str()),
        Step::Index(i) => at.get(*i),
    })
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = &parts[..] else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"vpc_id":"vpc-1","query_name":"www.Example.com.","query_type":"A","rcode":"NOERROR","answers":[{"Rdata":"10.1.2.3","Type":"A","Class":"IN"}],"srcport":"40321","n":7}"#;

    fn matches(pattern: &str, message: &str) -> bool {
        Pattern::parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(message)
    }

    #[test]
    fn terms_phrases_alternatives_and_exclusions() {
        let line = "1.0 2026-12-03T10:24:01.532Z Z1 www.example.com A NOERROR UDP edge 192.0.2.1 -";
        assert!(matches("", line));
        assert!(matches("NOERROR UDP", line));
        assert!(!matches("NOERROR TCP", line));
        assert!(matches("\"www.example.com A\"", line));
        assert!(!matches("\"www.example.com AAAA\"", line));
        assert!(matches("?NXDOMAIN ?NOERROR", line));
        assert!(!matches("?NXDOMAIN ?SERVFAIL", line));
        assert!(matches("?\"example.com A\" ?x", line));
        assert!(matches("NOERROR -AAAA", line));
        assert!(!matches("NOERROR -UDP", line));
        assert!(!matches("noerror", line), "terms are case-sensitive");
    }

    #[test]
    fn json_comparisons() {
        assert!(matches(r#"{ $.rcode = "NOERROR" }"#, RECORD));
        assert!(matches(r#"{$.rcode=NOERROR}"#, RECORD));
        assert!(!matches(r#"{ $.rcode = "NXDOMAIN" }"#, RECORD));
        assert!(matches(r#"{ $.rcode != "NXDOMAIN" }"#, RECORD));
        assert!(!matches(r#"{ $.missing != "x" }"#, RECORD));
        assert!(matches(r#"{ $.query_name = "*.Example.com." }"#, RECORD));
        assert!(!matches(r#"{ $.query_name = "*.example.com." }"#, RECORD));
        assert!(matches(r#"{ $.answers[0].Rdata = "10.1.*" }"#, RECORD));
        assert!(!matches(r#"{ $.answers[1].Rdata = "*" }"#, RECORD));
        assert!(matches(r#"{ $.n > 5 }"#, RECORD));
        assert!(matches(r#"{ $.n >= 7 && $.n <= 7 }"#, RECORD));
        assert!(!matches(r#"{ $.n < 7 }"#, RECORD));
        assert!(matches(r#"{ $.n = 7 }"#, RECORD));
        assert!(matches(r#"{ $.n != 8 }"#, RECORD));
        assert!(
            !matches(r#"{ $.srcport > 1 }"#, RECORD),
            "a string is no number"
        );
        assert!(matches(r#"{ $.srcport = "40321" }"#, RECORD));
        assert!(matches(
            r#"{ $.rcode = "SERVFAIL" || ($.query_type = "A" && $.n = 7) }"#,
            RECORD
        ));
        assert!(!matches(
            r#"{ $.rcode = "SERVFAIL" || $.query_type = "AAAA" }"#,
            RECORD
        ));
        assert!(!matches(r#"{ $.rcode = "NOERROR" }"#, "1.0 not json"));
    }

    #[test]
    fn unsupported_forms_are_refused() {
        for bad in [
            "[version, time]",
            "{ $.rcode IS NULL }",
            "{ $.rcode NOT EXISTS }",
            "{ $.rcode = %NO.*% }",
            "{ $.rcode > \"a\" }",
            "{ $.rcode = \"a\"",
            "{ rcode = \"a\" }",
            "{ $.rcode = }",
            "\"unterminated",
            "?a b",
            "a{b",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c", "abc") && wildcard("a*c", "ac") && !wildcard("a*c", "ab"));
        assert!(wildcard("*b*", "abc") && !wildcard("a*a", "a"));
    }
}
