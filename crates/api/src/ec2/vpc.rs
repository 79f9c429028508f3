//! VPCs: CreateVpc, DescribeVpcs, DeleteVpc, ModifyVpcAttribute, DescribeVpcAttribute; and
//! DescribeAccountAttributes, which the AWS CLI and Terraform ask before working with VPCs;
//! and the region's default VPC ([`default_vpc`]).

use axum::http::StatusCode;
use cairn_model::network::Vpc;
use cairn_model::network_validate::parse_ipv4_block;
use cairn_store::{tag_types, NewVpc};

use super::{
    bool_text, check_id, ec2_error, filters, network_error, passes, tag_set, tag_specifications,
    vpc_not_found, Ctx, Page,
};
use crate::error::AwsError;
use crate::protocol::ec2_query::{invalid_parameter_value, response};
use crate::protocol::rest_xml::XmlWriter;

/// `CreateVpc`: `CidrBlock` (/16–/28), `AmazonProvidedIpv6CidrBlock`, `TagSpecification.N`.
pub async fn create(ctx: &Ctx) -> Result<String, AwsError> {
    let text = ctx.params.get("CidrBlock").ok_or_else(|| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.",
        )
    })?;
    let cidr_block = parse_ipv4_block(text, "cidrBlock").map_err(network_error)?;
    if ctx
        .params
        .get("InstanceTenancy")
        .is_some_and(|t| t != "default")
    {
        return Err(invalid_parameter_value(
            "Cairn's VPCs have the default instance tenancy only.",
        ));
    }
    let ipv6_cidr_block = if ctx.params.bool("AmazonProvidedIpv6CidrBlock")? == Some(true) {
        Some(unique_local_block())
    } else {
        None
    };
    let tags = tag_specifications(&ctx.params, tag_types::VPC)?;
    let (vpc, _default_group) = ctx
        .state
        .store
        .create_vpc(NewVpc {
            region: ctx.region.clone(),
            owner_account: ctx.account.clone(),
            cidr_block,
            ipv6_cidr_block,
            tags: tags.clone(),
        })
        .await
        .map_err(ec2_error)?;
    // Its "+2" address answers before the VPC is reported `available`.
    ctx.state.wait_served().await;
    let mut w = response("CreateVpc", &ctx.request_id);
    render(&mut w, "vpc", &vpc, &tags);
    Ok(w.finish("CreateVpcResponse"))
}

/// `DescribeVpcs`: `VpcId.N` (each must exist) and `Filter.N` (`vpc-id`, `cidr`,
/// `cidr-block-association.cidr-block`, `ipv6-cidr-block-association.ipv6-cidr-block`,
/// `is-default`, `owner-id`, `state`, `dhcp-options-id`, `tag:Key`, `tag-key`, `tag-value`).
pub async fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("VpcId");
    for id in &ids {
        check_id(id, "vpc", "InvalidVpcID.Malformed")?;
    }
    // Parameters first, as EC2 does: a bad combination is refused before any lookup.
    let page = Page::from_params(&ctx.params, "VpcId")?;
    let all = ctx.state.store.list_vpcs().await.map_err(ec2_error)?;
    if let Some(missing) = ids.iter().find(|id| !all.iter().any(|v| &v.id == *id)) {
        return Err(vpc_not_found(missing));
    }
    let filters = filters(&ctx.params, &VPC_FILTERS)?;
    let mut matching = Vec::new();
    for vpc in all.iter().filter(|v| ids.is_empty() || ids.contains(&v.id)) {
        let tags = ctx
            .state
            .store
            .list_tags(tag_types::VPC, &vpc.id)
            .await
            .map_err(ec2_error)?;
        if passes(&filters, &tags, |name| field(vpc, name))? {
            matching.push((vpc, tags));
        }
    }
    let (shown, next) = page.select(matching.iter().collect(), |(vpc, _)| &vpc.id);
    let mut w = response("DescribeVpcs", &ctx.request_id);
    w.open("vpcSet");
    for (vpc, tags) in shown {
        render(&mut w, "item", vpc, tags);
    }
    w.close("vpcSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeVpcsResponse"))
}

/// The filter names `field` answers (besides the tag filters).
const VPC_FILTERS: [&str; 11] = [
    "vpc-id",
    "cidr",
    "cidr-block",
    "cidrBlock",
    "cidr-block-association.cidr-block",
    "ipv6-cidr-block-association.ipv6-cidr-block",
    "is-default",
    "isDefault",
    "owner-id",
    "state",
    "dhcp-options-id",
];

fn field(vpc: &Vpc, name: &str) -> Option<Vec<String>> {
    Some(match name {
        "vpc-id" => vec![vpc.id.clone()],
        "cidr" | "cidr-block" | "cidrBlock" | "cidr-block-association.cidr-block" => {
            std::iter::once(&vpc.cidr_block)
                .chain(&vpc.secondary_cidr_blocks)
                .map(ToString::to_string)
                .collect()
        }
        "ipv6-cidr-block-association.ipv6-cidr-block" => vpc
            .ipv6_cidr_block
            .iter()
            .map(ToString::to_string)
            .collect(),
        "is-default" | "isDefault" => vec![bool_text(vpc.is_default).to_string()],
        "owner-id" => vec![vpc.owner_account.clone()],
        "state" => vec!["available".to_string()],
        "dhcp-options-id" => vec!["default".to_string()],
        _ => return None,
    })
}

/// `DeleteVpc`: only once its subnets and security groups (but the default one) are gone.
pub async fn delete(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("VpcId")?;
    check_id(id, "vpc", "InvalidVpcID.Malformed")?;
    ctx.state.store.delete_vpc(id).await.map_err(ec2_error)?;
    ctx.state.wait_served().await;
    let mut w = response("DeleteVpc", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("DeleteVpcResponse"))
}

/// `ModifyVpcAttribute`: one of `EnableDnsSupport.Value`, `EnableDnsHostnames.Value`.
pub async fn modify_attribute(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("VpcId")?;
    check_id(id, "vpc", "InvalidVpcID.Malformed")?;
    let support = ctx.params.bool("EnableDnsSupport.Value")?;
    let hostnames = ctx.params.bool("EnableDnsHostnames.Value")?;
    if ctx
        .params
        .get("EnableNetworkAddressUsageMetrics.Value")
        .is_some()
    {
        return Err(invalid_parameter_value(
            "Cairn keeps only EnableDnsSupport and EnableDnsHostnames on VPCs.",
        ));
    }
    match (support, hostnames) {
        (None, None) => {
            return Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "MissingParameter",
                "The request must contain the parameter EnableDnsSupport or EnableDnsHostnames",
            ))
        }
        (Some(_), Some(_)) => return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterCombination",
            "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames",
        )),
        _ => {}
    }
    ctx.state
        .store
        .modify_vpc_attributes(id, support, hostnames)
        .await
        .map_err(ec2_error)?;
    let mut w = response("ModifyVpcAttribute", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("ModifyVpcAttributeResponse"))
}

/// `DescribeVpcAttribute`: `Attribute` = `enableDnsSupport` | `enableDnsHostnames` |
/// `enableNetworkAddressUsageMetrics` (always false in Cairn).
pub async fn describe_attribute(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("VpcId")?;
    check_id(id, "vpc", "InvalidVpcID.Malformed")?;
    let attribute = ctx.params.required("Attribute")?;
    let vpc = ctx.state.store.get_vpc(id).await.map_err(ec2_error)?;
    let value = match attribute {
        "enableDnsSupport" => vpc.enable_dns_support,
        "enableDnsHostnames" => vpc.enable_dns_hostnames,
        "enableNetworkAddressUsageMetrics" => false,
        other => {
            return Err(invalid_parameter_value(format!(
                "Value ({other}) for parameter attribute is invalid. Unknown attribute."
            )))
        }
    };
    let mut w = response("DescribeVpcAttribute", &ctx.request_id);
    w.leaf("vpcId", &vpc.id);
    w.open(attribute)
        .leaf("value", bool_text(value))
        .close(attribute);
    Ok(w.finish("DescribeVpcAttributeResponse"))
}

/// The caller's default VPC in the request's region, if it has one.
pub async fn default_vpc(ctx: &Ctx) -> Result<Option<Vpc>, AwsError> {
    let vpcs = ctx.state.store.list_vpcs().await.map_err(ec2_error)?;
    Ok(vpcs
        .into_iter()
        .find(|v| v.is_default && v.region == ctx.region && v.owner_account == ctx.account))
}

/// `DescribeAccountAttributes`: VPCs only, and the default VPC of the region (`none`
/// without one).
pub async fn describe_account_attributes(ctx: &Ctx) -> Result<String, AwsError> {
    let wanted = ctx.params.list("AttributeName");
    let default = default_vpc(ctx)
        .await?
        .map_or_else(|| "none".to_string(), |v| v.id);
    let all = [
        ("supported-platforms", "VPC"),
        ("default-vpc", default.as_str()),
    ];
    let mut w = response("DescribeAccountAttributes", &ctx.request_id);
    w.open("accountAttributeSet");
    for (name, value) in all
        .iter()
        .filter(|(n, _)| wanted.is_empty() || wanted.iter().any(|x| x == n))
    {
        w.open("item").leaf("attributeName", *name);
        w.open("attributeValueSet")
            .open("item")
            .leaf("attributeValue", *value)
            .close("item")
            .close("attributeValueSet");
        w.close("item");
    }
    w.close("accountAttributeSet");
    Ok(w.finish("DescribeAccountAttributesResponse"))
}

/// A VPC as EC2 renders it, in an element called `element` (`vpc` or `item`).
pub fn render(w: &mut XmlWriter, element: &str, vpc: &Vpc, tags: &[(String, String)]) {
    let suffix = vpc.id.trim_start_matches("vpc-");
    w.open(element)
        .leaf("vpcId", &vpc.id)
        .leaf("ownerId", &vpc.owner_account)
        .leaf("state", "available")
        .leaf("cidrBlock", vpc.cidr_block.to_string())
        .leaf("dhcpOptionsId", "default")
        .leaf("instanceTenancy", "default")
        .leaf("isDefault", bool_text(vpc.is_default));
    w.open("cidrBlockAssociationSet");
    for (i, block) in std::iter::once(&vpc.cidr_block)
        .chain(&vpc.secondary_cidr_blocks)
        .enumerate()
    {
        w.open("item")
            .leaf(
                "associationId",
                format!(
                    "vpc-cidr-assoc-{suffix}{}",
                    if i == 0 {
                        String::new()
                    } else {
                        format!("-{i}")
                    }
                ),
            )
            .leaf("cidrBlock", block.to_string());
        w.open("cidrBlockState")
            .leaf("state", "associated")
            .close("cidrBlockState");
        w.close("item");
    }
    w.close("cidrBlockAssociationSet");
    if let Some(block) = vpc.ipv6_cidr_block {
        w.open("ipv6CidrBlockAssociationSet").open("item");
        w.leaf("associationId", format!("vpc-cidr-assoc-{suffix}-v6"))
            .leaf("ipv6CidrBlock", block.to_string());
        w.open("ipv6CidrBlockState")
            .leaf("state", "associated")
            .close("ipv6CidrBlockState");
        w.leaf("networkBorderGroup", &vpc.region)
            .leaf("ipv6Pool", "Amazon");
        w.close("item").close("ipv6CidrBlockAssociationSet");
    }
    tag_set(w, tags);
    w.close(element);
}

/// An IPv6 /56 for `AmazonProvidedIpv6CidrBlock`: Cairn has no public IPv6 space to hand
/// out, so it draws a random unique-local block (fd00::/8, RFC 4193).
fn unique_local_block() -> ipnet::Ipv6Net {
    use rand::Rng;
    let mut bytes = [0u8; 16];
    bytes[0] = 0xfd;
    rand::thread_rng().fill(&mut bytes[1..7]);
    ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(bytes), 56)
        .expect("56 is a valid IPv6 prefix length")
}
