//! Route 53 Domains (API version 2014-05-15) for the installation's own TLDs, over json-1.1:
//! `POST /` with `X-Amz-Target: Route53Domains_v20140515.<Operation>` (issue 14).
//!
//! ```text
//!   POST / ──► handle ──► registration (CheckDomainAvailability, RegisterDomain,
//!                    │                  DeleteDomain, ListPrices)
//!                    ├─► detail (GetDomainDetail, ListDomains, UpdateDomainNameservers,
//!                    │           UpdateDomainContact, auto renew, transfer lock)
//!                    └─► operations (GetOperationDetail, ListOperations)
//!   registry: the TLD zones (made at start-up) and each domain's delegation in them
//! ```
//!
//! Cairn is registry and registrar of each `--registry-tld`: a registration is a row in the
//! store plus NS (and glue) records in the TLD's zone, a hosted zone Cairn keeps out of the
//! user's Route 53 calls ([`registry`]). Every operation completes before it answers
//! (`SUCCESSFUL`). AWS serves Domains in us-east-1 only; Cairn answers in any region the
//! request is signed for, with the one registry of the installation.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::domains::{DomainOperation, OperationType, RegisteredDomain};
use serde_json::{json, Value};

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::protocol::json::{self, JsonInput};
use crate::state::AppState;

pub mod detail;
pub mod operations;
pub mod registration;
pub mod registry;

/// The `X-Amz-Target` prefix of Route 53 Domains operations.
pub const TARGET_PREFIX: &str = crate::dispatch::DOMAINS_TARGET_PREFIX;

/// How many domains one account may hold (AWS's default quota).
pub const MAX_DOMAINS_PER_ACCOUNT: usize = 20;

/// What every operation gets.
#[derive(Debug)]
pub struct Ctx {
    /// The store and configuration.
    pub state: AppState,
    /// The request body.
    pub input: JsonInput,
    /// The account that owns what the request creates.
    pub account: String,
}

/// Every operation served (IAM authorizes each as `route53domains:<Operation>`).
pub const OPERATIONS: [&str; 14] = [
    "CheckDomainAvailability",
    "RegisterDomain",
    "DeleteDomain",
    "ListPrices",
    "GetDomainDetail",
    "ListDomains",
    "UpdateDomainNameservers",
    "UpdateDomainContact",
    "EnableDomainAutoRenew",
    "DisableDomainAutoRenew",
    "EnableDomainTransferLock",
    "DisableDomainTransferLock",
    "GetOperationDetail",
    "ListOperations",
];

/// The Domains routes: every operation is a `POST /` named by `X-Amz-Target`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/", axum::routing::post(handle))
}

/// `POST /` with `X-Amz-Target: Route53Domains_v20140515.<Operation>`.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let Some(operation) = context
        .dispatch
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(|t| t.strip_prefix('.'))
    else {
        return Err(context.dispatch.protocol.unknown_operation());
    };
    let input = JsonInput::parse(&body)?;
    let ctx = Ctx {
        account: state.config.account_id.clone(),
        state,
        input,
    };
    let out = match operation {
        "CheckDomainAvailability" => registration::check_availability(&ctx).await,
        "RegisterDomain" => registration::register(&ctx).await,
        "DeleteDomain" => registration::delete(&ctx).await,
        "ListPrices" => registration::list_prices(&ctx).await,
        "GetDomainDetail" => detail::get(&ctx).await,
        "ListDomains" => detail::list(&ctx).await,
        "UpdateDomainNameservers" => detail::update_nameservers(&ctx).await,
        "UpdateDomainContact" => detail::update_contact(&ctx).await,
        "EnableDomainAutoRenew" => detail::set_auto_renew(&ctx, true).await,
        "DisableDomainAutoRenew" => detail::set_auto_renew(&ctx, false).await,
        "EnableDomainTransferLock" => detail::set_transfer_lock(&ctx, true).await,
        "DisableDomainTransferLock" => detail::set_transfer_lock(&ctx, false).await,
        "GetOperationDetail" => operations::get(&ctx).await,
        "ListOperations" => operations::list(&ctx).await,
        other => Err(AwsError::operation_not_served(TARGET_PREFIX, other)),
    }?;
    Ok(json::response(out, json::JSON_1_1))
}

//------------ errors --------------------------------------------------------------------

/// 400 `InvalidInput`, in the form Route 53 Domains gives its messages.
pub fn invalid_input(message: impl std::fmt::Display) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        format!("The requested item is not acceptable.\n\t{message}"),
    )
}

/// 400 `UnsupportedTLD` for a name outside every registry TLD.
pub fn unsupported_tld(tld: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "UnsupportedTLD",
        format!("Amazon Route53 does not support the top-level domain (TLD) `.{tld}`."),
    )
}

/// 400 `DomainLimitExceeded`.
pub fn domain_limit_exceeded() -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "DomainLimitExceeded",
        "The number of registered domains has exceeded the allowed threshold for this account. \
         If you want to register more domains please request a higher quota",
    )
}

//------------ shared helpers ------------------------------------------------------------

/// A `DomainName` member read as Route 53 Domains takes it: lower case, no trailing dot,
/// at most 255 characters, letters, digits and hyphens in labels of 1 to 63 characters.
pub fn domain_name(input: &JsonInput) -> Result<String, AwsError> {
    let text = input.required_str("DomainName")?;
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 255
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !valid {
        return Err(invalid_input(format!(
            "Domain name {text} contains invalid characters or is too long."
        )));
    }
    Ok(name)
}

/// The registration of `name` held by the caller, or AWS's refusal.
pub async fn owned_domain(ctx: &Ctx, name: &str) -> Result<RegisteredDomain, AwsError> {
    match ctx.state.store.registered_domain(name).await? {
        Some(domain) if domain.account == ctx.account => Ok(domain),
        _ => Err(invalid_input(format!(
            "Domain {name} isn't registered in the current account"
        ))),
    }
}

/// A new operation of the caller's on `domain`, submitted now.
pub fn new_operation(ctx: &Ctx, domain: &str, kind: OperationType, now: i64) -> DomainOperation {
    DomainOperation {
        id: uuid::Uuid::new_v4().to_string(),
        account: ctx.account.clone(),
        domain: domain.to_string(),
        kind,
        submitted_ms: now,
    }
}

/// `{"OperationId": …}`, what most writes answer.
pub fn operation_id(operation: &DomainOperation) -> Value {
    json!({ "OperationId": operation.id })
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `MaxItems` (1 to 100, default 20) and `Marker` (an offset Cairn hands out) over `items`:
/// the page and the next marker.
pub fn page<T: Clone>(
    input: &JsonInput,
    items: &[T],
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let max = match input.int("MaxItems")? {
        None => 20,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid_input(format!(
                "MaxItems {n} is not valid: it must be between 1 and 100."
            )))
        }
    };
    let start = match input.str("Marker")? {
        None => 0,
        Some(marker) => marker
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| invalid_input(format!("Marker {marker} is not valid.")))?,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> JsonInput {
        JsonInput::parse(body.as_bytes()).unwrap_or_default()
    }

    #[test]
    fn domain_names_are_folded_and_checked() {
        assert_eq!(
            domain_name(&input(r#"{"DomainName": "Example.TEST."}"#)).ok(),
            Some("example.test".to_string())
        );
        for bad in ["-a.test", "a_b.test", "a..test", ""] {
            let body = format!(r#"{{"DomainName": "{bad}"}}"#);
            let err = domain_name(&input(&body)).err();
            assert_eq!(err.map(|e| e.code), Some("InvalidInput".into()), "{bad}");
        }
    }

    #[test]
    fn pages_follow_the_marker() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = page(&input(r#"{"MaxItems": 2}"#), &items).unwrap_or_default();
        assert_eq!((first, next.as_deref()), (vec![0, 1], Some("2")));
        let (last, next) =
            page(&input(r#"{"MaxItems": 4, "Marker": "2"}"#), &items).unwrap_or_default();
        assert_eq!((last, next), (vec![2, 3, 4], None));
        assert!(page(&input(r#"{"MaxItems": 101}"#), &items).is_err());
    }
}
