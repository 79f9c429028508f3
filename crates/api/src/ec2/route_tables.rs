//! DescribeRouteTables and DescribeNetworkAcls: the main route table and the default network
//! ACL every VPC has on EC2, which Terraform reads for `aws_vpc`. Cairn routes nothing, so
//! each VPC has exactly these two, derived from the VPC itself: the route table holds the
//! `local` routes of its blocks, the ACL lets everything in and out (EC2's default), and
//! their ids carry the VPC id's digits so they stay the same.

use cairn_model::network::{Subnet, Vpc};

use super::{bool_text, ec2_error, filters, passes, Ctx, Page};
use crate::error::AwsError;
use crate::protocol::ec2_query::response;
use crate::protocol::rest_xml::XmlWriter;

fn digits(vpc: &Vpc) -> &str {
    vpc.id.trim_start_matches("vpc-")
}

/// The id of a VPC's main route table.
fn route_table_id(vpc: &Vpc) -> String {
    format!("rtb-{}", digits(vpc))
}

/// The id of a VPC's default network ACL.
fn acl_id(vpc: &Vpc) -> String {
    format!("acl-{}", digits(vpc))
}

const ROUTE_TABLE_FILTERS: [&str; 5] = [
    "vpc-id",
    "route-table-id",
    "association.main",
    "association.route-table-id",
    "owner-id",
];

/// `DescribeRouteTables`: `RouteTableId.N`, `Filter.N` (`vpc-id`, `route-table-id`,
/// `association.main`, `owner-id`).
pub async fn describe_route_tables(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("RouteTableId");
    let page = Page::from_params(&ctx.params, "RouteTableId")?;
    let filters = filters(&ctx.params, &ROUTE_TABLE_FILTERS)?;
    let vpcs = ctx.state.store.list_vpcs().await.map_err(ec2_error)?;
    let mut matching = Vec::new();
    for vpc in &vpcs {
        let id = route_table_id(vpc);
        if !ids.is_empty() && !ids.contains(&id) {
            continue;
        }
        let field = |name: &str| -> Option<Vec<String>> {
            Some(vec![match name {
                "vpc-id" => vpc.id.clone(),
                "route-table-id" | "association.route-table-id" => id.clone(),
                "association.main" => "true".to_string(),
                "owner-id" => vpc.owner_account.clone(),
                _ => return None,
            }])
        };
        if passes(&filters, &[], field)? {
            matching.push((id, vpc));
        }
    }
    if let Some(missing) = ids
        .iter()
        .find(|id| !matching.iter().any(|(m, _)| m == *id))
    {
        return Err(AwsError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "InvalidRouteTableID.NotFound",
            format!("The routeTable ID '{missing}' does not exist"),
        ));
    }
    let (shown, next) = page.select(matching.iter().collect(), |(id, _)| id);
    let mut w = response("DescribeRouteTables", &ctx.request_id);
    w.open("routeTableSet");
    for (id, vpc) in shown {
        render_route_table(&mut w, id, vpc);
    }
    w.close("routeTableSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeRouteTablesResponse"))
}

fn render_route_table(w: &mut XmlWriter, id: &str, vpc: &Vpc) {
    w.open("item")
        .leaf("routeTableId", id)
        .leaf("vpcId", &vpc.id)
        .leaf("ownerId", &vpc.owner_account);
    w.open("routeSet");
    let blocks = std::iter::once(vpc.cidr_block.to_string())
        .chain(vpc.secondary_cidr_blocks.iter().map(ToString::to_string));
    for block in blocks {
        w.open("item")
            .leaf("destinationCidrBlock", block)
            .leaf("gatewayId", "local")
            .leaf("state", "active")
            .leaf("origin", "CreateRouteTable")
            .close("item");
    }
    if let Some(block) = vpc.ipv6_cidr_block {
        w.open("item")
            .leaf("destinationIpv6CidrBlock", block.to_string())
            .leaf("gatewayId", "local")
            .leaf("state", "active")
            .leaf("origin", "CreateRouteTable")
            .close("item");
    }
    w.close("routeSet");
    w.open("associationSet").open("item");
    w.leaf("main", "true")
        .leaf(
            "routeTableAssociationId",
            format!("rtbassoc-{}", digits(vpc)),
        )
        .leaf("routeTableId", id);
    w.open("associationState")
        .leaf("state", "associated")
        .close("associationState");
    w.close("item").close("associationSet");
    w.open("propagatingVgwSet").close("propagatingVgwSet");
    w.open("tagSet").close("tagSet");
    w.close("item");
}

const ACL_FILTERS: [&str; 5] = [
    "vpc-id",
    "network-acl-id",
    "default",
    "association.subnet-id",
    "owner-id",
];

/// `DescribeNetworkAcls`: `NetworkAclId.N`, `Filter.N` (`vpc-id`, `network-acl-id`,
/// `default`, `association.subnet-id`, `owner-id`).
pub async fn describe_network_acls(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("NetworkAclId");
    let page = Page::from_params(&ctx.params, "NetworkAclId")?;
    let filters = filters(&ctx.params, &ACL_FILTERS)?;
    let vpcs = ctx.state.store.list_vpcs().await.map_err(ec2_error)?;
    let subnets = ctx.state.store.list_subnets().await.map_err(ec2_error)?;
    let mut matching = Vec::new();
    for vpc in &vpcs {
        let id = acl_id(vpc);
        if !ids.is_empty() && !ids.contains(&id) {
            continue;
        }
        let members: Vec<&Subnet> = subnets.iter().filter(|s| s.vpc_id == vpc.id).collect();
        let field = |name: &str| -> Option<Vec<String>> {
            Some(match name {
                "vpc-id" => vec![vpc.id.clone()],
                "network-acl-id" => vec![id.clone()],
                "default" => vec!["true".to_string()],
                "association.subnet-id" => members.iter().map(|s| s.id.clone()).collect(),
                "owner-id" => vec![vpc.owner_account.clone()],
                _ => return None,
            })
        };
        if passes(&filters, &[], field)? {
            matching.push((id, vpc, members));
        }
    }
    if let Some(missing) = ids
        .iter()
        .find(|id| !matching.iter().any(|(m, ..)| m == *id))
    {
        return Err(AwsError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "InvalidNetworkAclID.NotFound",
            format!("The networkAcl ID '{missing}' does not exist"),
        ));
    }
    let (shown, next) = page.select(matching.iter().collect(), |(id, ..)| id);
    let mut w = response("DescribeNetworkAcls", &ctx.request_id);
    w.open("networkAclSet");
    for (id, vpc, members) in shown {
        render_acl(&mut w, id, vpc, members);
    }
    w.close("networkAclSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeNetworkAclsResponse"))
}

fn render_acl(w: &mut XmlWriter, id: &str, vpc: &Vpc, members: &[&Subnet]) {
    w.open("item")
        .leaf("networkAclId", id)
        .leaf("vpcId", &vpc.id)
        .leaf("default", "true")
        .leaf("ownerId", &vpc.owner_account);
    // EC2's default ACL: rule 100 allows everything, the catch-all `*` (32767) denies.
    w.open("entrySet");
    for egress in [true, false] {
        let mut entries = vec![
            (100, "allow", "0.0.0.0/0", false),
            (32767, "deny", "0.0.0.0/0", false),
        ];
        if vpc.ipv6_cidr_block.is_some() {
            entries.insert(1, (101, "allow", "::/0", true));
            entries.push((32768, "deny", "::/0", true));
        }
        for (number, action, block, v6) in entries {
            w.open("item")
                .leaf("ruleNumber", number.to_string())
                .leaf("protocol", "-1")
                .leaf("ruleAction", action)
                .leaf("egress", bool_text(egress))
                .leaf(if v6 { "ipv6CidrBlock" } else { "cidrBlock" }, block)
                .close("item");
        }
    }
    w.close("entrySet");
    w.open("associationSet");
    for subnet in members {
        w.open("item")
            .leaf(
                "networkAclAssociationId",
                format!("aclassoc-{}", subnet.id.trim_start_matches("subnet-")),
            )
            .leaf("networkAclId", id)
            .leaf("subnetId", &subnet.id)
            .close("item");
    }
    w.close("associationSet");
    w.open("tagSet").close("tagSet");
    w.close("item");
}
