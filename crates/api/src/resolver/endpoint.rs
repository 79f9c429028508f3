//! Resolver endpoints and their addresses: Create/Get/List/Update/DeleteResolverEndpoint,
//! Associate/DisassociateResolverEndpointIpAddress, ListResolverEndpointIpAddresses.

use cairn_model::network::NetworkContents;
use cairn_model::resolver::{
    EndpointAddress, EndpointDirection, EndpointStatus, ResolverEndpoint, ResolverEndpointId,
};
use cairn_model::resolver_validate::{
    find_endpoint, parse_direction, EndpointUpdate, IpRequest, IpSelector, NewEndpoint,
};
use serde_json::{json, Map, Value};

use super::{filters, list_page, passes, Ctx};
use crate::error::AwsError;
use crate::protocol::json::{rfc3339, JsonInput};

/// The `StatusMessage` Route 53 gives with each endpoint status.
fn status_message(status: EndpointStatus) -> &'static str {
    match status {
        EndpointStatus::Creating => "Creating the Resolver Endpoint",
        EndpointStatus::Deleting => "Deleting the Resolver Endpoint",
        EndpointStatus::Updating => "Updating the Resolver Endpoint",
        _ => "This Resolver Endpoint is operational.",
    }
}

/// `ResolverEndpoint` as the API shows it; `status` replaces the stored one (CREATING in a
/// create response, DELETING in a delete response).
pub fn render(
    ctx: &Ctx,
    net: &NetworkContents,
    e: &ResolverEndpoint,
    status: Option<EndpointStatus>,
) -> Value {
    let status = status.unwrap_or(e.status);
    let region = net
        .vpcs
        .iter()
        .find(|v| v.id == e.host_vpc_id)
        .map_or(ctx.region.as_str(), |v| v.region.as_str());
    let mut out = Map::new();
    out.insert("Id".into(), json!(e.id));
    out.insert("CreatorRequestId".into(), json!(e.creator_request_id));
    out.insert(
        "Arn".into(),
        json!(format!(
            "arn:aws:route53resolver:{region}:{}:resolver-endpoint/{}",
            e.owner_account, e.id
        )),
    );
    if let Some(name) = &e.name {
        out.insert("Name".into(), json!(name));
    }
    out.insert("SecurityGroupIds".into(), json!(e.security_group_ids));
    out.insert("Direction".into(), json!(e.direction.as_str()));
    out.insert("IpAddressCount".into(), json!(e.addresses.len()));
    out.insert("HostVPCId".into(), json!(e.host_vpc_id));
    out.insert("Status".into(), json!(status));
    out.insert("StatusMessage".into(), json!(status_message(status)));
    out.insert("CreationTime".into(), json!(rfc3339(e.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(e.modified_at_ms)));
    out.insert("ResolverEndpointType".into(), json!(e.endpoint_type));
    out.insert("Protocols".into(), json!(e.protocols));
    if e.direction == EndpointDirection::Inbound {
        out.insert("Dns64Enabled".into(), json!(e.dns64_enabled));
    }
    Value::Object(out)
}

fn render_address(e: &ResolverEndpoint, a: &EndpointAddress) -> Value {
    let mut out = Map::new();
    out.insert("IpId".into(), json!(a.ip_id));
    out.insert("SubnetId".into(), json!(a.subnet_id));
    if let Some(ip) = a.ip {
        out.insert("Ip".into(), json!(ip.to_string()));
    }
    if let Some(ipv6) = a.ipv6 {
        out.insert("Ipv6".into(), json!(ipv6.to_string()));
    }
    out.insert("Status".into(), json!(a.status));
    out.insert(
        "StatusMessage".into(),
        json!("This IP address is operational."),
    );
    out.insert("CreationTime".into(), json!(rfc3339(e.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(e.modified_at_ms)));
    Value::Object(out)
}

fn ip_request(input: &JsonInput) -> Result<IpRequest, AwsError> {
    Ok(IpRequest {
        subnet_id: input.required_str("SubnetId")?,
        ip: input.str("Ip")?,
        ipv6: input.str("Ipv6")?,
    })
}

async fn answer(
    ctx: &Ctx,
    e: &ResolverEndpoint,
    status: Option<EndpointStatus>,
) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    Ok(json!({"ResolverEndpoint": render(ctx, &net, e, status)}))
}

/// CreateResolverEndpoint.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let mut ip_addresses = Vec::new();
    for ip in input.objects("IpAddresses")?.unwrap_or_default() {
        ip_addresses.push(ip_request(&ip)?);
    }
    let creator_request_id = input.required_str("CreatorRequestId")?;
    let name = input.str("Name")?;
    let direction = input.required_str("Direction")?;
    let security_group_ids = input.strings("SecurityGroupIds")?.unwrap_or_default();
    let endpoint_type = input.str("ResolverEndpointType")?;
    let protocols = input.strings("Protocols")?;
    let dns64_enabled = input.bool("Dns64Enabled")?;
    let tags = input.tag_list("Tags")?;
    // After every field is read, so a malformed field is still reported before a bad
    // direction, as when the store's check parsed it.
    let req = NewEndpoint {
        creator_request_id,
        name,
        direction: parse_direction(&direction)?,
        security_group_ids,
        ip_addresses,
        endpoint_type,
        protocols,
        dns64_enabled,
        owner_account: ctx.account.clone(),
    };
    let endpoint = ctx.state.store.create_resolver_endpoint(req, tags).await?;
    ctx.state.wait_served().await;
    answer(ctx, &endpoint, Some(EndpointStatus::Creating)).await
}

/// GetResolverEndpoint.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let net = ctx.network().await?;
    let endpoint = find_endpoint(&net, &id)?;
    Ok(json!({"ResolverEndpoint": render(ctx, &net, endpoint, None)}))
}

/// ListResolverEndpoints (Filters, MaxResults, NextToken).
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let filters = filters(
        &ctx.input,
        &[
            "CREATORREQUESTID",
            "DIRECTION",
            "HOSTVPCID",
            "IPADDRESSCOUNT",
            "NAME",
            "RESOLVERENDPOINTTYPE",
            "SECURITYGROUPIDS",
            "STATUS",
        ],
    )?;
    let net = ctx.network().await?;
    let items: Vec<Value> = net
        .endpoints
        .iter()
        .filter(|e| e.owner_account == ctx.account)
        .filter(|e| {
            passes(&filters, |key| match key {
                "CREATORREQUESTID" => vec![e.creator_request_id.clone()],
                "DIRECTION" => vec![e.direction.as_str().to_string()],
                "HOSTVPCID" => vec![e.host_vpc_id.clone()],
                "IPADDRESSCOUNT" => vec![e.addresses.len().to_string()],
                "NAME" => e.name.clone().into_iter().collect(),
                "RESOLVERENDPOINTTYPE" => vec![e.endpoint_type.as_str().to_string()],
                "SECURITYGROUPIDS" => e.security_group_ids.clone(),
                "STATUS" => vec![e.status.as_str().to_string()],
                _ => Vec::new(),
            })
        })
        .map(|e| render(ctx, &net, e, None))
        .collect();
    list_page(ctx, "ResolverEndpoints", items, true)
}

/// UpdateResolverEndpoint (Name, ResolverEndpointType IPV4 ↔ DUALSTACK, Protocols,
/// Dns64Enabled).
pub async fn update(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let id = input.required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let update = EndpointUpdate {
        name: input.str("Name")?,
        endpoint_type: input.str("ResolverEndpointType")?,
        protocols: input.strings("Protocols")?,
        dns64_enabled: input.bool("Dns64Enabled")?,
    };
    let endpoint = ctx
        .state
        .store
        .update_resolver_endpoint(&id, update)
        .await?;
    ctx.state.wait_served().await;
    answer(ctx, &endpoint, None).await
}

/// DeleteResolverEndpoint: answers the endpoint with Status DELETING.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let endpoint = ctx.state.store.delete_resolver_endpoint(&id).await?;
    ctx.state.wait_served().await;
    answer(ctx, &endpoint, Some(EndpointStatus::Deleting)).await
}

/// AssociateResolverEndpointIpAddress.
pub async fn associate_ip(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let address = ctx.input.object("IpAddress")?.unwrap_or_default();
    let endpoint = ctx
        .state
        .store
        .associate_resolver_endpoint_ip(&id, ip_request(&address)?)
        .await?;
    ctx.state.wait_served().await;
    answer(ctx, &endpoint, Some(EndpointStatus::Updating)).await
}

/// DisassociateResolverEndpointIpAddress.
pub async fn disassociate_ip(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let address = ctx.input.object("IpAddress")?.unwrap_or_default();
    let which = IpSelector {
        ip_id: address.str("IpId")?,
        subnet_id: address.str("SubnetId")?,
        ip: address.str("Ip")?,
        ipv6: address.str("Ipv6")?,
    };
    let endpoint = ctx
        .state
        .store
        .disassociate_resolver_endpoint_ip(&id, which)
        .await?;
    ctx.state.wait_served().await;
    answer(ctx, &endpoint, Some(EndpointStatus::Updating)).await
}

/// ListResolverEndpointIpAddresses.
pub async fn list_ips(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverEndpointId>("ResolverEndpointId")?;
    let net = ctx.network().await?;
    let endpoint = find_endpoint(&net, &id)?;
    let items = endpoint
        .addresses
        .iter()
        .map(|a| render_address(endpoint, a))
        .collect();
    list_page(ctx, "IpAddresses", items, true)
}
