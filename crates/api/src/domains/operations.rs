//! GetOperationDetail and ListOperations: the record of what each write did. Every Cairn
//! operation completed when it answered, so each is `SUCCESSFUL`.

use cairn_model::domains::{DomainOperation, OperationType};
use serde_json::{json, Value};

use super::{invalid_input, Ctx};
use crate::error::AwsError;
use crate::protocol::json::epoch_seconds;

/// GetOperationDetail.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("OperationId")?;
    let operation = ctx
        .state
        .store
        .domain_operation(&ctx.account, &id)
        .await?
        .ok_or_else(|| invalid_input(format!("Operation with id {id} not found")))?;
    Ok(json!({
        "OperationId": operation.id,
        "Status": DomainOperation::STATUS,
        "DomainName": operation.domain,
        "Type": operation.kind.as_str(),
        "SubmittedDate": epoch_seconds(operation.submitted_ms),
        "LastUpdatedDate": epoch_seconds(operation.submitted_ms),
    }))
}

/// ListOperations: `SubmittedSince` (epoch seconds), `Status[]`, `Type[]`, `SortBy`
/// (`SubmittedDate`), `SortOrder`, paged by `Marker` and `MaxItems`.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let mut operations = ctx.state.store.list_domain_operations(&ctx.account).await?;
    if let Some(since) = input.value("SubmittedSince") {
        let since = since
            .as_f64()
            .map(|s| (s * 1000.0) as i64)
            .ok_or_else(|| invalid_input("SubmittedSince must be a timestamp."))?;
        operations.retain(|o| o.submitted_ms >= since);
    }
    if let Some(statuses) = input.strings("Status")? {
        if !statuses.iter().any(|s| s == DomainOperation::STATUS) {
            operations.clear();
        }
    }
    if let Some(types) = input.strings("Type")? {
        let kinds: Vec<Option<OperationType>> =
            types.iter().map(|t| OperationType::from_wire(t)).collect();
        operations.retain(|o| kinds.contains(&Some(o.kind)));
    }
    if let Some(by) = input.str("SortBy")? {
        if by != "SubmittedDate" {
            return Err(invalid_input(format!("Cannot sort by {by}.")));
        }
    }
    if input.str("SortOrder")?.as_deref() == Some("DESC") {
        operations.reverse();
    }
    let summaries: Vec<Value> = operations
        .iter()
        .map(|o| {
            json!({
                "OperationId": o.id,
                "Status": DomainOperation::STATUS,
                "Type": o.kind.as_str(),
                "SubmittedDate": epoch_seconds(o.submitted_ms),
                "DomainName": o.domain,
                "LastUpdatedDate": epoch_seconds(o.submitted_ms),
            })
        })
        .collect();
    let (page, next) = super::page(input, &summaries)?;
    let mut out = json!({ "Operations": page });
    if let Some(next) = next {
        out["NextPageMarker"] = next.into();
    }
    Ok(out)
}
