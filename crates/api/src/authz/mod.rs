//! Authorization: before any handler runs, a request signed by an IAM user is evaluated
//! against the user's policies ([`cairn_iam`]); the root key is allowed everything.
//!
//! ```text
//!   sigv4 (Principal { identity }) ──► router ──► route layer: authorize ──► handler
//!                                                   │ (method, matched path) / target / Action
//!                                                   ▼
//!                                       IAM action + resource ARN + condition keys
//! ```
//!
//! Every routed operation has an entry: Route 53 and Profiles by route ([`route53::ROUTES`],
//! [`actions::PROFILES_ROUTES`]), the json-1.1 and query services by their operation name
//! (`route53resolver:`, `kms:`, `ec2:`, `iam:`; STS GetCallerIdentity needs no permission,
//! as on AWS). A route without an entry is refused for users (fail closed), and the
//! coverage test in `tests/authorization.rs` fails when one exists. Denials take each
//! protocol's shape: Route 53's and IAM's `AccessDenied` 403, the json protocols'
//! `AccessDeniedException` 400, EC2's `UnauthorizedOperation` 403.

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cairn_iam::{Decision, RequestContext};

use crate::dispatch::{Dispatch, Service};
use crate::error::AwsError;
use crate::protocol::ec2_query::FormParams;
use crate::sigv4::{Principal, MAX_BODY_BYTES};

pub mod actions;
pub mod route53;

use crate::identity::{Identity, UserIdentity};

/// The route layer: lets the request through when its signer may do what it asks.
pub async fn authorize(request: Request, next: Next) -> Response {
    let identity = request
        .extensions()
        .get::<Principal>()
        .map(|p| p.identity.clone());
    let Some(Identity::User(user)) = identity else {
        // The root key (or a route outside sigv4, which has no principal to check).
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return AwsError::body_unreadable().into_response();
    };
    let dispatch = parts.extensions.get::<Dispatch>().cloned();
    let service = dispatch.as_ref().map_or(Service::Route53, |d| d.service);
    let matched = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let asked = match operation_of(
        service,
        parts.method.as_str(),
        &matched,
        parts.uri.path(),
        &parts.headers,
        &body,
    ) {
        Operation::Free => None,
        Operation::Unknown => {
            // Fail closed: a route without an entry is the root's only.
            tracing::warn!(route = %matched, "no authorization entry for this route");
            return deny(service, &user, "unknown", "*", Decision::ImplicitDeny).into_response();
        }
        Operation::Known(action, resource) => Some((action, resource)),
    };
    if let Some((action, resource)) = asked {
        let mut ctx = RequestContext::new(action.clone(), resource.clone());
        set_global_keys(&mut ctx, &user);
        if action == "route53:ChangeResourceRecordSets" {
            route53::set_change_keys_from_body(&mut ctx, &body);
        }
        let decision = cairn_iam::evaluate(&user.policies, &ctx);
        if !decision.is_allowed() {
            return deny(service, &user, &action, &resource, decision).into_response();
        }
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// How a request is authorized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Needs no permission (STS GetCallerIdentity), or names no operation the service has
    /// (its handler answers that error).
    Free,
    /// A route without an authorization entry.
    Unknown,
    /// `service:Operation` on a resource.
    Known(String, String),
}

/// The IAM action and resource of a request.
pub fn operation_of(
    service: Service,
    method: &str,
    matched: &str,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Operation {
    let by_target = |prefix: &str, known: &[&str]| {
        let op = headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.split_once('.'))
            .map(|(_, op)| op.to_string());
        match op {
            Some(op) if known.contains(&op.as_str()) => {
                Operation::Known(format!("{prefix}:{op}"), "*".into())
            }
            _ => Operation::Free,
        }
    };
    let by_action = |prefix: &str, known: &[&str]| {
        let params = FormParams::parse(body);
        match params.get("Action") {
            Some(op) if known.contains(&op) => {
                Operation::Known(format!("{prefix}:{op}"), "*".into())
            }
            _ => Operation::Free,
        }
    };
    match service {
        Service::Route53 => match route53::ROUTES
            .iter()
            .find(|(m, p, _, _)| *m == method && *p == matched)
        {
            Some((_, pattern, action, resource)) => Operation::Known(
                format!("route53:{action}"),
                route53::resource_arn(*resource, pattern, path),
            ),
            None => Operation::Unknown,
        },
        Service::Profiles => match actions::PROFILES_ROUTES
            .iter()
            .find(|(m, p, _)| *m == method && *p == matched)
        {
            Some((_, _, action)) => {
                Operation::Known(format!("route53profiles:{action}"), "*".into())
            }
            None => Operation::Unknown,
        },
        Service::Resolver => by_target("route53resolver", &crate::resolver::OPERATIONS),
        Service::Kms => by_target("kms", &crate::kms::OPERATIONS),
        Service::Domains => by_target("route53domains", &crate::domains::OPERATIONS),
        Service::Logs => by_target("logs", &crate::logs::OPERATIONS),
        Service::Ec2 => by_action("ec2", &crate::ec2::OPERATIONS),
        Service::Iam => by_action("iam", &crate::iam::OPERATIONS),
        Service::Sts => Operation::Free,
    }
}

/// The global condition keys every request carries.
fn set_global_keys(ctx: &mut RequestContext, user: &UserIdentity) {
    ctx.set("aws:PrincipalAccount", user.account.clone())
        .set("aws:PrincipalArn", user.arn.clone())
        .set("aws:PrincipalType", "User")
        .set("aws:username", user.name.clone())
        .set("aws:userid", user.id.clone())
        .set("aws:SecureTransport", "false")
        .set(
            "aws:CurrentTime",
            crate::protocol::rest_xml::timestamp(crate::iam::now_ms()),
        );
}

/// The denial, in the words AWS uses and the shape of the request's protocol.
pub fn deny(
    service: Service,
    user: &UserIdentity,
    action: &str,
    resource: &str,
    decision: Decision,
) -> AwsError {
    let on = if resource == "*" {
        String::new()
    } else {
        format!(" on resource: {resource}")
    };
    let why = match decision {
        Decision::ExplicitDeny => " with an explicit deny in an identity-based policy".to_string(),
        _ => format!(" because no identity-based policy allows the {action} action"),
    };
    let message = format!(
        "User: {} is not authorized to perform: {action}{on}{why}",
        user.arn
    );
    match service {
        Service::Route53 | Service::Iam | Service::Sts => {
            AwsError::new(StatusCode::FORBIDDEN, "AccessDenied", message)
        }
        Service::Resolver | Service::Profiles | Service::Kms | Service::Domains | Service::Logs => {
            AwsError::new(StatusCode::BAD_REQUEST, "AccessDeniedException", message)
        }
        Service::Ec2 => AwsError::new(
            StatusCode::FORBIDDEN,
            "UnauthorizedOperation",
            format!("You are not authorized to perform this operation. {message}"),
        ),
    }
}
