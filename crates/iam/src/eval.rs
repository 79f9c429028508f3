//! The decision: explicit deny beats allow, allow beats the implicit deny.

use crate::context::RequestContext;
use crate::document::{Effect, Policy, Principals, Statement, Targets};
use crate::pattern;
use crate::variables;

/// The outcome of evaluating a request against a set of policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some statement allows it and none denies it.
    Allow,
    /// A Deny statement matches; nothing can override that.
    ExplicitDeny,
    /// No statement matches (the default).
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Evaluates `ctx` against every policy that applies to the caller: identity policies (the
/// user's inline and attached ones) and, for a resource that has one, its resource policy.
pub fn evaluate<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    ctx: &RequestContext,
) -> Decision {
    let mut allowed = false;
    for policy in policies {
        let variables_allowed = policy.version.as_deref() == Some("2012-10-17");
        for statement in &policy.statements {
            if !statement_matches(statement, ctx, variables_allowed) {
                continue;
            }
            match statement.effect {
                Effect::Deny => return Decision::ExplicitDeny,
                Effect::Allow => allowed = true,
            }
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A statement applies when its action, resource, principal and all conditions match.
pub fn statement_matches(
    statement: &Statement,
    ctx: &RequestContext,
    variables_allowed: bool,
) -> bool {
    let action_hit = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| pattern::matches_ignore_case(p, &ctx.action))
    };
    let action_ok = match &statement.action {
        Targets::Listed(patterns) => action_hit(patterns),
        Targets::AllBut(patterns) => !action_hit(patterns),
    };
    if !action_ok {
        return false;
    }
    let resource_hit = |patterns: &[String]| {
        patterns.iter().any(|p| {
            let pattern = if variables_allowed {
                variables::substitute(p, ctx)
            } else {
                Some(p.clone())
            };
            pattern.is_some_and(|p| pattern::matches(&p, &ctx.resource))
        })
    };
    let resource_ok = match &statement.resource {
        None => true,
        Some(Targets::Listed(patterns)) => resource_hit(patterns),
        Some(Targets::AllBut(patterns)) => !resource_hit(patterns),
    };
    if !resource_ok {
        return false;
    }
    let principal_ok = match &statement.principal {
        None => true,
        Some(Principals::Listed(ids)) => ids.iter().any(|id| principal_is(id, ctx)),
        Some(Principals::AllBut(ids)) => !ids.iter().any(|id| principal_is(id, ctx)),
    };
    principal_ok
        && statement
            .conditions
            .iter()
            .all(|condition| condition.holds(ctx, variables_allowed))
}

/// Whether a resource policy's principal entry names the caller: `*`, the caller's ARN, or
/// the caller's account (`123456789012` or `arn:aws:iam::123456789012:root`), which stands
/// for every principal of that account.
fn principal_is(id: &str, ctx: &RequestContext) -> bool {
    if id == "*" {
        return true;
    }
    if ctx.single("aws:PrincipalArn") == Some(id) {
        return true;
    }
    let account = id
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.strip_suffix(":root"))
        .unwrap_or(id);
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && ctx.single("aws:PrincipalAccount") == Some(account)
}
