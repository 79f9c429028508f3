//! Subnets: CreateSubnet, DescribeSubnets, DeleteSubnet, ModifySubnetAttribute (EnableDns64);
//! and DescribeAvailabilityZones, which tools ask before placing one.

use cairn_model::network::Subnet;
use cairn_model::network_validate::{parse_ipv4_block, parse_ipv6_block};
use cairn_store::{tag_types, NewSubnet};

use super::{
    bool_text, check_id, ec2_error, filters, network_error, passes, tag_set, tag_specifications,
    Ctx, Page,
};
use crate::error::AwsError;
use crate::protocol::ec2_query::{invalid_parameter_value, response};
use crate::protocol::rest_xml::XmlWriter;

/// The zones of a region, as DescribeAvailabilityZones lists them.
const ZONE_LETTERS: [char; 3] = ['a', 'b', 'c'];

/// `CreateSubnet`: `VpcId`, `CidrBlock` inside the VPC's, `Ipv6CidrBlock`,
/// `AvailabilityZone` (default: the region + `a`), `TagSpecification.N`.
pub async fn create(ctx: &Ctx) -> Result<String, AwsError> {
    let vpc_id = ctx.params.required("VpcId")?;
    check_id(vpc_id, "vpc", "InvalidVpcID.Malformed")?;
    let cidr_block =
        parse_ipv4_block(ctx.params.required("CidrBlock")?, "cidrBlock").map_err(network_error)?;
    let ipv6_cidr_block = ctx
        .params
        .get("Ipv6CidrBlock")
        .map(|text| parse_ipv6_block(text, "ipv6CidrBlock"))
        .transpose()
        .map_err(network_error)?;
    let tags = tag_specifications(&ctx.params, tag_types::SUBNET)?;
    let subnet = ctx
        .state
        .store
        .create_subnet(NewSubnet {
            vpc_id: vpc_id.to_string(),
            owner_account: ctx.account.clone(),
            cidr_block,
            ipv6_cidr_block,
            availability_zone: ctx.params.get("AvailabilityZone").map(str::to_string),
            tags: tags.clone(),
        })
        .await
        .map_err(ec2_error)?;
    let mut w = response("CreateSubnet", &ctx.request_id);
    render(&mut w, "subnet", &subnet, &ctx.region, &tags);
    Ok(w.finish("CreateSubnetResponse"))
}

/// `DescribeSubnets`: `SubnetId.N` and `Filter.N` (`subnet-id`, `vpc-id`, `cidr-block`,
/// `availability-zone`, `owner-id`, `state`, `default-for-az`, tags).
pub async fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("SubnetId");
    for id in &ids {
        check_id(id, "subnet", "InvalidSubnetID.Malformed")?;
    }
    // Parameters first, as EC2 does: a bad combination is refused before any lookup.
    let page = Page::from_params(&ctx.params, "SubnetId")?;
    let all = ctx.state.store.list_subnets().await.map_err(ec2_error)?;
    if let Some(missing) = ids.iter().find(|id| !all.iter().any(|s| &s.id == *id)) {
        return Err(network_error(
            cairn_model::network_validate::NetworkError::NoSuchSubnet(missing.clone()),
        ));
    }
    let filters = filters(&ctx.params, &SUBNET_FILTERS)?;
    let mut matching = Vec::new();
    for subnet in all.iter().filter(|s| ids.is_empty() || ids.contains(&s.id)) {
        let tags = ctx
            .state
            .store
            .list_tags(tag_types::SUBNET, &subnet.id)
            .await
            .map_err(ec2_error)?;
        if passes(&filters, &tags, |name| field(subnet, name))? {
            matching.push((subnet, tags));
        }
    }
    let (shown, next) = page.select(matching.iter().collect(), |(subnet, _)| &subnet.id);
    let mut w = response("DescribeSubnets", &ctx.request_id);
    w.open("subnetSet");
    for (subnet, tags) in shown {
        render(&mut w, "item", subnet, &ctx.region, tags);
    }
    w.close("subnetSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeSubnetsResponse"))
}

/// The filter names `field` answers (besides the tag filters).
const SUBNET_FILTERS: [&str; 15] = [
    "subnet-id",
    "subnetId",
    "vpc-id",
    "vpcId",
    "cidr-block",
    "cidr",
    "cidrBlock",
    "ipv6-cidr-block-association.ipv6-cidr-block",
    "availability-zone",
    "availabilityZone",
    "owner-id",
    "state",
    "default-for-az",
    "defaultForAz",
    "enable-dns64",
];

fn field(subnet: &Subnet, name: &str) -> Option<Vec<String>> {
    Some(match name {
        "subnet-id" | "subnetId" => vec![subnet.id.clone()],
        "vpc-id" | "vpcId" => vec![subnet.vpc_id.clone()],
        "cidr-block" | "cidr" | "cidrBlock" => vec![subnet.cidr_block.to_string()],
        "ipv6-cidr-block-association.ipv6-cidr-block" => subnet
            .ipv6_cidr_block
            .iter()
            .map(ToString::to_string)
            .collect(),
        "availability-zone" | "availabilityZone" => vec![subnet.availability_zone.clone()],
        "owner-id" => vec![subnet.owner_account.clone()],
        "state" => vec!["available".to_string()],
        "default-for-az" | "defaultForAz" => vec![bool_text(subnet.default_for_az).to_string()],
        "enable-dns64" => vec![bool_text(subnet.enable_dns64).to_string()],
        _ => return None,
    })
}

/// `DeleteSubnet`.
pub async fn delete(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("SubnetId")?;
    check_id(id, "subnet", "InvalidSubnetID.Malformed")?;
    ctx.state.store.delete_subnet(id).await.map_err(ec2_error)?;
    let mut w = response("DeleteSubnet", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("DeleteSubnetResponse"))
}

/// `ModifySubnetAttribute`: `EnableDns64.Value`, the one subnet attribute the resolver uses.
pub async fn modify_attribute(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("SubnetId")?;
    check_id(id, "subnet", "InvalidSubnetID.Malformed")?;
    let Some(enabled) = ctx.params.bool("EnableDns64.Value")? else {
        return Err(invalid_parameter_value(
            "Cairn keeps only EnableDns64 on subnets: the request must contain EnableDns64.Value.",
        ));
    };
    ctx.state
        .store
        .modify_subnet_dns64(id, enabled)
        .await
        .map_err(ec2_error)?;
    let mut w = response("ModifySubnetAttribute", &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish("ModifySubnetAttributeResponse"))
}

/// The zones of `region`: its name and `a`, `b`, `c`.
pub fn zone_names(region: &str) -> Vec<String> {
    ZONE_LETTERS
        .iter()
        .map(|letter| format!("{region}{letter}"))
        .collect()
}

/// `DescribeAvailabilityZones`: the region's zones `a`, `b` and `c`.
pub fn describe_availability_zones(ctx: &Ctx) -> Result<String, AwsError> {
    let mut w = response("DescribeAvailabilityZones", &ctx.request_id);
    w.open("availabilityZoneInfo");
    for (i, letter) in ZONE_LETTERS.iter().enumerate() {
        w.open("item")
            .leaf("zoneName", format!("{}{letter}", ctx.region))
            .leaf("zoneState", "available")
            .leaf("regionName", &ctx.region)
            .leaf("zoneId", format!("{}-az{}", ctx.region, i + 1))
            .leaf("zoneType", "availability-zone")
            .leaf("optInStatus", "opt-in-not-required")
            .close("item");
    }
    w.close("availabilityZoneInfo");
    Ok(w.finish("DescribeAvailabilityZonesResponse"))
}

/// A subnet as EC2 renders it. `availableIpAddressCount` is the block less the five
/// addresses AWS reserves.
pub fn render(
    w: &mut XmlWriter,
    element: &str,
    subnet: &Subnet,
    region: &str,
    tags: &[(String, String)],
) {
    let size: u64 = 1 << (32 - u32::from(subnet.cidr_block.prefix_len()));
    w.open(element)
        .leaf("subnetId", &subnet.id)
        .leaf(
            "subnetArn",
            format!(
                "arn:aws:ec2:{region}:{}:subnet/{}",
                subnet.owner_account, subnet.id
            ),
        )
        .leaf("state", "available")
        .leaf("ownerId", &subnet.owner_account)
        .leaf("vpcId", &subnet.vpc_id)
        .leaf("cidrBlock", subnet.cidr_block.to_string())
        .leaf(
            "availableIpAddressCount",
            size.saturating_sub(5).to_string(),
        )
        .leaf("availabilityZone", &subnet.availability_zone)
        .leaf("defaultForAz", bool_text(subnet.default_for_az))
        // A default subnet maps public addresses on launch, as EC2's do.
        .leaf("mapPublicIpOnLaunch", bool_text(subnet.default_for_az))
        .leaf("assignIpv6AddressOnCreation", "false")
        .leaf("enableDns64", bool_text(subnet.enable_dns64))
        .leaf("ipv6Native", "false");
    w.open("ipv6CidrBlockAssociationSet");
    if let Some(block) = subnet.ipv6_cidr_block {
        w.open("item")
            .leaf(
                "associationId",
                format!(
                    "subnet-cidr-assoc-{}",
                    subnet.id.trim_start_matches("subnet-")
                ),
            )
            .leaf("ipv6CidrBlock", block.to_string());
        w.open("ipv6CidrBlockState")
            .leaf("state", "associated")
            .close("ipv6CidrBlockState");
        w.close("item");
    }
    w.close("ipv6CidrBlockAssociationSet");
    w.open("privateDnsNameOptionsOnLaunch")
        .leaf("hostnameType", "ip-name")
        .leaf("enableResourceNameDnsARecord", "false")
        .leaf("enableResourceNameDnsAAAARecord", "false")
        .close("privateDnsNameOptionsOnLaunch");
    tag_set(w, tags);
    w.close(element);
}
