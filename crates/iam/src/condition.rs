//! The `Condition` block: operators, the `ForAllValues:`/`ForAnyValue:` set qualifiers, the
//! `IfExists` suffix, and how each behaves when the request lacks the key.
//!
//! Logic ([IAM-UG] "Condition operators", ROUTE53-NEXT.md §A.4): all operators of a block
//! must hold (AND), all keys within one operator (AND), and a key holds when any of the
//! policy's values matches (OR). A key the request does not carry makes a positive operator
//! false, a negated one (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, …) true, any
//! `…IfExists` operator true; `ForAllValues` on an absent or empty key is true, `ForAnyValue`
//! false. A plain operator on a multivalued key holds when any request value matches (a
//! negated one when none does): AWS's own `route53:VPCs` example uses plain `StringLike`.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::context::RequestContext;
use crate::pattern;
use crate::variables;

/// One `Operator: { key: values }` entry, for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub qualifier: Option<SetQualifier>,
    pub operator: Operator,
    pub if_exists: bool,
    /// Lowercased: key names are case-insensitive.
    pub key: String,
    /// Policy values; JSON booleans and numbers are kept as their text.
    pub values: Vec<String>,
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A condition operator without its qualifier and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: &[(&str, Operator)] = &[
    ("StringEquals", Operator::StringEquals),
    ("StringNotEquals", Operator::StringNotEquals),
    ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
    (
        "StringNotEqualsIgnoreCase",
        Operator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", Operator::StringLike),
    ("StringNotLike", Operator::StringNotLike),
    ("NumericEquals", Operator::NumericEquals),
    ("NumericNotEquals", Operator::NumericNotEquals),
    ("NumericLessThan", Operator::NumericLessThan),
    ("NumericLessThanEquals", Operator::NumericLessThanEquals),
    ("NumericGreaterThan", Operator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        Operator::NumericGreaterThanEquals,
    ),
    ("DateEquals", Operator::DateEquals),
    ("DateNotEquals", Operator::DateNotEquals),
    ("DateLessThan", Operator::DateLessThan),
    ("DateLessThanEquals", Operator::DateLessThanEquals),
    ("DateGreaterThan", Operator::DateGreaterThan),
    ("DateGreaterThanEquals", Operator::DateGreaterThanEquals),
    ("Bool", Operator::Bool),
    ("BinaryEquals", Operator::BinaryEquals),
    ("IpAddress", Operator::IpAddress),
    ("NotIpAddress", Operator::NotIpAddress),
    ("ArnEquals", Operator::ArnEquals),
    ("ArnLike", Operator::ArnLike),
    ("ArnNotEquals", Operator::ArnNotEquals),
    ("ArnNotLike", Operator::ArnNotLike),
    ("Null", Operator::Null),
];

/// An operator name as written in a policy, split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorName {
    pub qualifier: Option<SetQualifier>,
    pub operator: Operator,
    pub if_exists: bool,
}

impl OperatorName {
    /// Parses `ForAllValues:StringLikeIfExists` and the like; `None` for unknown names.
    /// Names are case-sensitive, as IAM's validator treats them.
    pub fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let operator = OPERATORS
            .iter()
            .find(|(text, _)| *text == base)
            .map(|(_, op)| *op)?;
        Some(Self {
            qualifier,
            operator,
            if_exists,
        })
    }
}

impl Operator {
    /// Negated operators hold when nothing matches, so also when the key is absent.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::NumericNotEquals
                | Operator::DateNotEquals
                | Operator::NotIpAddress
                | Operator::ArnNotEquals
                | Operator::ArnNotLike
        )
    }

    /// Whether this is one of the `Date…` operators (their values are checked at parse time).
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Operator::DateEquals
                | Operator::DateNotEquals
                | Operator::DateLessThan
                | Operator::DateLessThanEquals
                | Operator::DateGreaterThan
                | Operator::DateGreaterThanEquals
        )
    }

    /// Whether policy variables are expanded in this operator's values ([IAM-UG]: string and
    /// ARN operators).
    fn takes_variables(self) -> bool {
        matches!(
            self,
            Operator::StringEquals
                | Operator::StringNotEquals
                | Operator::StringEqualsIgnoreCase
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringLike
                | Operator::StringNotLike
                | Operator::ArnEquals
                | Operator::ArnLike
                | Operator::ArnNotEquals
                | Operator::ArnNotLike
        )
    }

    /// The positive test of one policy value against one request value; negated operators
    /// use their positive twin's test and invert the outcome over all values.
    fn test(self, policy: &str, request: &str) -> bool {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals => policy == request,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                policy.to_lowercase() == request.to_lowercase()
            }
            StringLike | StringNotLike => pattern::matches(policy, request),
            NumericEquals | NumericNotEquals => numeric(policy, request, |p, r| r == p),
            NumericLessThan => numeric(policy, request, |p, r| r < p),
            NumericLessThanEquals => numeric(policy, request, |p, r| r <= p),
            NumericGreaterThan => numeric(policy, request, |p, r| r > p),
            NumericGreaterThanEquals => numeric(policy, request, |p, r| r >= p),
            DateEquals | DateNotEquals => date(policy, request, |p, r| r == p),
            DateLessThan => date(policy, request, |p, r| r < p),
            DateLessThanEquals => date(policy, request, |p, r| r <= p),
            DateGreaterThan => date(policy, request, |p, r| r > p),
            DateGreaterThanEquals => date(policy, request, |p, r| r >= p),
            Bool => policy.eq_ignore_ascii_case(request),
            BinaryEquals => policy == request,
            IpAddress | NotIpAddress => ip_in(policy, request),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_like(policy, request),
            // Null never compares values; `Condition::holds` handles it.
            Null => false,
        }
    }
}

impl Condition {
    /// Whether this condition holds for the request.
    pub fn holds(&self, ctx: &RequestContext, variables_allowed: bool) -> bool {
        let request = ctx.get(&self.key).filter(|values| !values.is_empty());
        if self.operator == Operator::Null {
            // `"Null": {"k": "true"}` asks "is k absent?"; "false" asks "is k present?".
            return self.values.iter().any(|value| {
                let wants_absent = value.eq_ignore_ascii_case("true");
                wants_absent == request.is_none()
            });
        }
        let Some(request) = request else {
            return match self.qualifier {
                _ if self.if_exists => true,
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.operator.is_negated(),
            };
        };
        let policy: Vec<String> = if variables_allowed && self.operator.takes_variables() {
            self.values
                .iter()
                .filter_map(|value| variables::substitute(value, ctx))
                .collect()
        } else {
            self.values.clone()
        };
        // Does one request value satisfy the operator against the policy's values?
        let one = |value: &String| {
            let hit = policy.iter().any(|p| self.operator.test(p, value));
            hit != self.operator.is_negated()
        };
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => request.iter().all(one),
            Some(SetQualifier::ForAnyValue) => request.iter().any(one),
            None => {
                let hit = request
                    .iter()
                    .any(|value| policy.iter().any(|p| self.operator.test(p, value)));
                hit != self.operator.is_negated()
            }
        }
    }
}

fn numeric(policy: &str, request: &str, cmp: impl Fn(f64, f64) -> bool) -> bool {
    match (policy.trim().parse::<f64>(), request.trim().parse::<f64>()) {
        (Ok(p), Ok(r)) => cmp(p, r),
        _ => false,
    }
}

fn date(policy: &str, request: &str, cmp: impl Fn(i128, i128) -> bool) -> bool {
    match (parse_date(policy), parse_date(request)) {
        (Some(p), Some(r)) => cmp(p, r),
        _ => false,
    }
}

/// A date as IAM takes it: RFC 3339 (`2026-01-01T00:00:00Z`), a bare date, or epoch seconds;
/// compared in nanoseconds.
pub fn parse_date(text: &str) -> Option<i128> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(i128::from(seconds) * 1_000_000_000);
    }
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.unix_timestamp_nanos());
    }
    let day = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    );
    day.ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp_nanos())
}

fn ip_in(policy: &str, request: &str) -> bool {
    let Ok(addr) = request.trim().parse::<IpAddr>() else {
        return false;
    };
    if let Ok(net) = policy.trim().parse::<IpNet>() {
        return net.contains(&addr);
    }
    policy.trim().parse::<IpAddr>() == Ok(addr)
}

/// IAM compares ARNs field by field: `arn:partition:service:region:account:resource`, each
/// with wildcards, the resource keeping any further colons. `ArnEquals` and `ArnLike` behave
/// the same in IAM.
fn arn_like(policy: &str, request: &str) -> bool {
    let (Some(p), Some(r)) = (arn_fields(policy), arn_fields(request)) else {
        return false;
    };
    p.iter().zip(r.iter()).all(|(p, r)| pattern::matches(p, r))
}

fn arn_fields(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let fields = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    Some(fields)
}
