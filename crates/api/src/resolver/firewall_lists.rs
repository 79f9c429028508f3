//! DNS Firewall domain lists: Create/Get/List/DeleteFirewallDomainList, ListFirewallDomains,
//! UpdateFirewallDomains (ADD, REMOVE, REPLACE) and ImportFirewallDomains (REPLACE, from a
//! `file://` URL under the server's data directory).
//!
//! Domain updates are applied before the answer, so where Route 53 answers UPDATING or
//! IMPORTING and settles later, Cairn answers the settled COMPLETE at once.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use cairn_model::firewall::{DomainListStatus, FirewallDomainList};
use cairn_model::firewall_validate::{
    check_import, find_domain_list, DomainOperation, FirewallError, NewNamed,
};
use serde_json::{json, Map, Value};

use super::{list_page, Ctx};
use crate::error::AwsError;
use crate::protocol::json::rfc3339;

/// ListFirewallDomains returns this many domains when MaxResults is absent.
const DEFAULT_DOMAIN_PAGE: usize = 100;
/// … and at most this many.
const MAX_DOMAIN_PAGE: i64 = 5000;

/// `FirewallDomainList` as Get/Create/Delete show it; `status` replaces the stored one.
pub fn render(ctx: &Ctx, l: &FirewallDomainList, status: Option<DomainListStatus>) -> Value {
    let mut out = render_metadata(ctx, l);
    out.insert("DomainCount".into(), json!(l.domain_count));
    out.insert("Status".into(), json!(status.unwrap_or(l.status)));
    let message = match status {
        Some(DomainListStatus::Deleting) => Some("Deleting the Firewall Domain List".into()),
        _ => l.status_message.clone(),
    };
    if let Some(message) = message {
        out.insert("StatusMessage".into(), json!(message));
    }
    out.insert("CreationTime".into(), json!(rfc3339(l.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(l.modified_at_ms)));
    Value::Object(out)
}

/// `FirewallDomainListMetadata`, as ListFirewallDomainLists shows each list.
fn render_metadata(ctx: &Ctx, l: &FirewallDomainList) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Id".into(), json!(l.id));
    out.insert(
        "Arn".into(),
        json!(ctx.arn("firewall-domain-list", &l.id, &ctx.account)),
    );
    out.insert("Name".into(), json!(l.name));
    if !l.creator_request_id.is_empty() {
        out.insert("CreatorRequestId".into(), json!(l.creator_request_id));
    }
    if let Some(owner) = &l.managed_owner_name {
        out.insert("ManagedOwnerName".into(), json!(owner));
    }
    out
}

/// What UpdateFirewallDomains and ImportFirewallDomains answer.
fn render_update(l: &FirewallDomainList) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(l.id));
    out.insert("Name".into(), json!(l.name));
    out.insert("Status".into(), json!(l.status));
    if let Some(message) = &l.status_message {
        out.insert("StatusMessage".into(), json!(message));
    }
    Value::Object(out)
}

/// CreateFirewallDomainList.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let req = NewNamed {
        creator_request_id: ctx.input.required_str("CreatorRequestId")?,
        name: ctx.input.required_str("Name")?,
        owner_account: ctx.account.clone(),
    };
    let tags = ctx.input.tag_list("Tags")?;
    let list = ctx
        .state
        .store
        .create_firewall_domain_list(req, tags)
        .await?;
    Ok(json!({"FirewallDomainList": render(ctx, &list, None)}))
}

/// GetFirewallDomainList.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallDomainListId")?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let list = find_domain_list(&fw, &id)?;
    Ok(json!({"FirewallDomainList": render(ctx, list, None)}))
}

/// ListFirewallDomainLists: the managed lists first, then the account's, oldest first.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let mut fw = ctx.state.store.firewall_metadata().await?;
    fw.domain_lists
        .retain(|l| l.managed_owner_name.is_some() || l.owner_account == ctx.account);
    fw.domain_lists.sort_by_key(|l| {
        (
            l.managed_owner_name.is_none(),
            l.created_at_ms,
            l.id.clone(),
        )
    });
    let items = fw
        .domain_lists
        .iter()
        .map(|l| Value::Object(render_metadata(ctx, l)))
        .collect();
    list_page(ctx, "FirewallDomainLists", items, false)
}

/// DeleteFirewallDomainList: answers the list with Status DELETING.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallDomainListId")?;
    let list = ctx.state.store.delete_firewall_domain_list(&id).await?;
    Ok(json!({"FirewallDomainList": render(ctx, &list, Some(DomainListStatus::Deleting))}))
}

/// ListFirewallDomains: a page of one list's domains, in order; NextToken is an offset.
pub async fn list_domains(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallDomainListId")?;
    let limit = match ctx.input.int("MaxResults")? {
        None => DEFAULT_DOMAIN_PAGE,
        Some(n) if (1..=MAX_DOMAIN_PAGE).contains(&n) => n as usize,
        Some(n) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {MAX_DOMAIN_PAGE}"
            )))
        }
    };
    let start = match ctx.input.str("NextToken")? {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| validation(format!("Invalid NextToken: {token}")))?,
    };
    let (domains, more) = ctx.state.store.firewall_domains(&id, start, limit).await?;
    let mut out = Map::new();
    let next = start + domains.len();
    out.insert("Domains".into(), json!(domains));
    if more {
        out.insert("NextToken".into(), json!(next.to_string()));
    }
    Ok(Value::Object(out))
}

/// UpdateFirewallDomains.
pub async fn update_domains(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallDomainListId")?;
    let operation = DomainOperation::parse_update(&ctx.input.required_str("Operation")?)?;
    let domains = ctx.input.strings("Domains")?.unwrap_or_default();
    let list = ctx
        .state
        .store
        .update_firewall_domains(&id, operation, domains, false)
        .await?;
    Ok(render_update(&list))
}

/// ImportFirewallDomains: REPLACE the list's domains with a file's lines. Only `file://`
/// URLs naming a file under the data directory are read; S3 and HTTP(S) are refused.
pub async fn import_domains(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallDomainListId")?;
    let operation = DomainOperation::parse_import(&ctx.input.required_str("Operation")?)?;
    let url = ctx.input.required_str("DomainFileUrl")?;
    // The list must exist before the file is looked at, as the error order of AWS has it.
    let fw = ctx.state.store.firewall_metadata().await?;
    find_domain_list(&fw, &id)?;
    let path = import_path(ctx.state.config.data_dir.as_deref(), &url)?;
    let unreadable = |reason: String| FirewallError::ImportFileUnreadable {
        url: url.clone(),
        reason,
    };
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| unreadable(e.to_string()))?;
    let domains = check_import(&fw, &id, &text)?;
    let list = ctx
        .state
        .store
        .update_firewall_domains(&id, operation, domains, true)
        .await?;
    Ok(render_update(&list))
}

/// The file a `file://` URL names, when it lies under `data_dir` (symbolic links resolved,
/// so `..` and links cannot leave it).
fn import_path(data_dir: Option<&Path>, url: &str) -> Result<PathBuf, FirewallError> {
    let unsupported = || FirewallError::UnsupportedImportUrl(url.to_string());
    let path = url.strip_prefix("file://").ok_or_else(unsupported)?;
    let dir = data_dir.ok_or_else(unsupported)?;
    let outside = |reason: &str| FirewallError::ImportFileUnreadable {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let dir = dir
        .canonicalize()
        .map_err(|_| outside("the data directory cannot be read"))?;
    let path = Path::new(path)
        .canonicalize()
        .map_err(|_| outside("no such file"))?;
    if !path.starts_with(&dir) {
        return Err(outside("the file is not under the server's data directory"));
    }
    Ok(path)
}

fn validation(message: String) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_read_only_files_under_the_data_dir() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let inside = dir.path().join("domains.txt");
        std::fs::write(&inside, "a.example\n").unwrap_or_else(|e| panic!("{e}"));
        let url = format!("file://{}", inside.display());
        assert!(import_path(Some(dir.path()), &url).is_ok());
        let escape = format!("file://{}/../etc/passwd", dir.path().display());
        assert!(matches!(
            import_path(Some(dir.path()), &escape),
            Err(FirewallError::ImportFileUnreadable { .. })
        ));
        for url in ["s3://bucket/domains.txt", "https://example.com/d.txt"] {
            assert_eq!(
                import_path(Some(dir.path()), url),
                Err(FirewallError::UnsupportedImportUrl(url.into()))
            );
        }
        assert!(matches!(
            import_path(None, &url),
            Err(FirewallError::UnsupportedImportUrl(_))
        ));
    }
}
