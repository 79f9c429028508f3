//! EC2 tags by resource id: CreateTags, DeleteTags, DescribeTags, for the resources Cairn
//! keeps (VPCs, subnets, security groups). Which kind a resource is comes from its id's
//! prefix, as on EC2.

use axum::http::StatusCode;
use cairn_model::network_validate::NetworkError;
use cairn_store::tag_types;

use super::{ec2_error, filters, network_error, passes, vpc_not_found, Ctx, Page};
use crate::error::AwsError;
use crate::protocol::ec2_query::{invalid_parameter_value, missing_parameter, response};

/// A taggable resource: its store tag type and EC2's `resourceType` name.
fn kind_of(id: &str) -> Result<(&'static str, &'static str), AwsError> {
    let kind = match id.split('-').next() {
        Some("vpc") => (tag_types::VPC, "vpc"),
        Some("subnet") => (tag_types::SUBNET, "subnet"),
        Some("sg") => (tag_types::SECURITY_GROUP, "security-group"),
        _ => {
            return Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidID",
                format!("The ID '{id}' is not valid"),
            ))
        }
    };
    Ok(kind)
}

/// The resource must exist: EC2's `…NotFound` otherwise.
async fn require(ctx: &Ctx, id: &str) -> Result<(), AwsError> {
    let store = &ctx.state.store;
    match kind_of(id)?.0 {
        tag_types::VPC => {
            if !store
                .list_vpcs()
                .await
                .map_err(ec2_error)?
                .iter()
                .any(|v| v.id == id)
            {
                return Err(vpc_not_found(id));
            }
        }
        tag_types::SUBNET => {
            if !store
                .list_subnets()
                .await
                .map_err(ec2_error)?
                .iter()
                .any(|s| s.id == id)
            {
                return Err(network_error(NetworkError::NoSuchSubnet(id.to_string())));
            }
        }
        _ => {
            if !store
                .list_security_groups()
                .await
                .map_err(ec2_error)?
                .iter()
                .any(|g| g.id == id)
            {
                return Err(network_error(NetworkError::NoSuchSecurityGroup(
                    id.to_string(),
                )));
            }
        }
    }
    Ok(())
}

/// `CreateTags`: `ResourceId.N` and `Tag.N` (`Key`, `Value`); a key already there is
/// overwritten.
pub async fn create(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("ResourceId");
    if ids.is_empty() {
        return Err(missing_parameter("ResourceId"));
    }
    let mut tags = Vec::new();
    for tag in ctx.params.members("Tag") {
        let key = tag.required("Key")?.to_string();
        if key.is_empty() || key.len() > 127 || key.starts_with("aws:") {
            return Err(invalid_parameter_value(format!(
                "Tag key '{key}' is invalid: 1 to 127 characters, not starting with 'aws:'."
            )));
        }
        tags.push((key, tag.get("Value").unwrap_or_default().to_string()));
    }
    if tags.is_empty() {
        return Err(missing_parameter("Tag"));
    }
    for id in &ids {
        require(ctx, id).await?;
    }
    for id in &ids {
        ctx.state
            .store
            .change_tags(kind_of(id)?.0, id, tags.clone(), Vec::new())
            .await
            .map_err(ec2_error)?;
    }
    let mut w = response("CreateTags", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("CreateTagsResponse"))
}

/// `DeleteTags`: `ResourceId.N` and `Tag.N`: a `Key` alone removes the tag, a `Key` with a
/// `Value` removes it only when the value matches; no `Tag` removes every tag.
pub async fn delete(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("ResourceId");
    if ids.is_empty() {
        return Err(missing_parameter("ResourceId"));
    }
    let asked: Vec<(String, Option<String>)> = ctx
        .params
        .members("Tag")
        .iter()
        .map(|t| {
            Ok((
                t.required("Key")?.to_string(),
                t.get("Value").map(str::to_string),
            ))
        })
        .collect::<Result<_, AwsError>>()?;
    for id in &ids {
        require(ctx, id).await?;
    }
    for id in &ids {
        let kind = kind_of(id)?.0;
        let held = ctx
            .state
            .store
            .list_tags(kind, id)
            .await
            .map_err(ec2_error)?;
        let remove: Vec<String> = held
            .iter()
            .filter(|(key, value)| {
                asked.is_empty()
                    || asked
                        .iter()
                        .any(|(k, v)| k == key && v.as_ref().is_none_or(|v| v == value))
            })
            .map(|(key, _)| key.clone())
            .collect();
        ctx.state
            .store
            .change_tags(kind, id, Vec::new(), remove)
            .await
            .map_err(ec2_error)?;
    }
    let mut w = response("DeleteTags", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("DeleteTagsResponse"))
}

/// The filter names DescribeTags answers.
const TAG_FILTERS: [&str; 4] = ["resource-id", "resource-type", "key", "value"];

/// `DescribeTags`: `Filter.N` (`resource-id`, `resource-type`, `key`, `value`),
/// `MaxResults`, `NextToken`; ordered by resource id, then key.
pub async fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let page = Page::from_params(&ctx.params, "ResourceId")?;
    let filters = filters(&ctx.params, &TAG_FILTERS)?;
    let store = &ctx.state.store;
    let mut ids: Vec<String> = Vec::new();
    ids.extend(
        store
            .list_vpcs()
            .await
            .map_err(ec2_error)?
            .into_iter()
            .map(|v| v.id),
    );
    ids.extend(
        store
            .list_subnets()
            .await
            .map_err(ec2_error)?
            .into_iter()
            .map(|s| s.id),
    );
    ids.extend(
        store
            .list_security_groups()
            .await
            .map_err(ec2_error)?
            .into_iter()
            .map(|g| g.id),
    );
    // One entry per tag; its page key is the resource id and key together.
    let mut entries: Vec<(String, &'static str, String, String)> = Vec::new();
    for id in ids {
        let (kind, type_name) = kind_of(&id)?;
        for (key, value) in store.list_tags(kind, &id).await.map_err(ec2_error)? {
            let fields = |name: &str| -> Option<Vec<String>> {
                Some(vec![match name {
                    "resource-id" => id.clone(),
                    "resource-type" => type_name.to_string(),
                    "key" => key.clone(),
                    "value" => value.clone(),
                    _ => return None,
                }])
            };
            if passes(&filters, &[], fields)? {
                entries.push((
                    format!("{id}\u{0}{key}"),
                    type_name,
                    key.clone(),
                    value.clone(),
                ));
            }
        }
    }
    let (shown, next) = page.select(entries.iter().collect(), |(page_key, ..)| page_key);
    let mut w = response("DescribeTags", &ctx.request_id);
    w.open("tagSet");
    for (page_key, type_name, key, value) in shown {
        let id = page_key.split('\u{0}').next().unwrap_or_default();
        w.open("item")
            .leaf("resourceId", id)
            .leaf("resourceType", *type_name)
            .leaf("key", key)
            .leaf("value", value)
            .close("item");
    }
    w.close("tagSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeTagsResponse"))
}
