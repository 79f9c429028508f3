//! Security groups: CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup,
//! AuthorizeSecurityGroupIngress. The other rule calls are [`super::security_group_rules`].

use axum::http::StatusCode;
use cairn_model::network::{IngressRule, SecurityGroup};
use cairn_model::network_validate::NetworkError;
use cairn_model::network_validate::{normalize_protocol, parse_ipv4_block, parse_ipv6_block};
use cairn_store::{tag_types, NewSecurityGroup, RuleDirection};
use ipnet::IpNet;

use super::security_group_rules::{refuse_rule_tags, rule_set};
use super::vpc::default_vpc;
use super::{
    check_id, ec2_error, filters, network_error, passes, tag_set, tag_specifications, Ctx, Page,
};
use crate::error::AwsError;
use crate::protocol::ec2_query::{
    invalid_parameter_value, missing_parameter, response, FormParams,
};
use crate::protocol::rest_xml::XmlWriter;

/// `CreateSecurityGroup`: `GroupName`, `GroupDescription`, `VpcId` (the region's default
/// VPC when absent), `TagSpecification.N`.
pub async fn create(ctx: &Ctx) -> Result<String, AwsError> {
    let name = ctx.params.required("GroupName")?;
    let description = ctx.params.required("GroupDescription")?;
    let vpc_id = match ctx.params.get("VpcId") {
        Some(id) => id.to_string(),
        None => default_vpc(ctx).await?.map(|vpc| vpc.id).ok_or_else(|| {
            AwsError::new(
                StatusCode::BAD_REQUEST,
                "VPCIdNotSpecified",
                "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
            )
        })?,
    };
    check_id(&vpc_id, "vpc", "InvalidVpcID.Malformed")?;
    if name.is_empty() || name.len() > 255 || name.starts_with("sg-") {
        return Err(invalid_parameter_value(format!(
            "Value ({name}) for parameter GroupName is invalid. Group names may not be empty, longer than 255 characters or start with sg-."
        )));
    }
    if description.len() > 255 {
        return Err(invalid_parameter_value(
            "Value for parameter GroupDescription is invalid. It is longer than 255 characters.",
        ));
    }
    let tags = tag_specifications(&ctx.params, tag_types::SECURITY_GROUP)?;
    let group = ctx
        .state
        .store
        .create_security_group(NewSecurityGroup {
            vpc_id,
            owner_account: ctx.account.clone(),
            name: name.to_string(),
            description: description.to_string(),
            tags: tags.clone(),
        })
        .await
        .map_err(ec2_error)?;
    let mut w = response("CreateSecurityGroup", &ctx.request_id);
    w.leaf("return", "true").leaf("groupId", &group.id);
    tag_set(&mut w, &tags);
    w.leaf("securityGroupArn", arn(ctx, &group));
    Ok(w.finish("CreateSecurityGroupResponse"))
}

/// `DescribeSecurityGroups`: `GroupId.N`, `GroupName.N` and `Filter.N` (`group-id`,
/// `group-name`, `vpc-id`, `description`, `owner-id`, tags).
pub async fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("GroupId");
    let names = ctx.params.list("GroupName");
    for id in &ids {
        check_id(id, "sg", "InvalidGroupId.Malformed")?;
    }
    // Parameters first, as EC2 does: a bad combination is refused before any lookup.
    let page = Page::from_params(&ctx.params, "GroupId")?;
    let all = ctx
        .state
        .store
        .list_security_groups()
        .await
        .map_err(ec2_error)?;
    if let Some(missing) = ids.iter().find(|id| !all.iter().any(|g| &g.id == *id)) {
        return Err(network_error(NetworkError::NoSuchSecurityGroup(
            missing.clone(),
        )));
    }
    if let Some(missing) = names.iter().find(|n| !all.iter().any(|g| &g.name == *n)) {
        return Err(network_error(NetworkError::NoSuchSecurityGroup(
            missing.clone(),
        )));
    }
    let filters = filters(&ctx.params, &GROUP_FILTERS)?;
    let mut matching = Vec::new();
    for group in all
        .iter()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| names.is_empty() || names.contains(&g.name))
    {
        let tags = ctx
            .state
            .store
            .list_tags(tag_types::SECURITY_GROUP, &group.id)
            .await
            .map_err(ec2_error)?;
        if passes(&filters, &tags, |name| field(group, name))? {
            matching.push((group, tags));
        }
    }
    let (shown, next) = page.select(matching.iter().collect(), |(group, _)| &group.id);
    let mut w = response("DescribeSecurityGroups", &ctx.request_id);
    w.open("securityGroupInfo");
    for (group, tags) in shown {
        render(&mut w, ctx, group, tags);
    }
    w.close("securityGroupInfo");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeSecurityGroupsResponse"))
}

/// The filter names `field` answers (besides the tag filters).
const GROUP_FILTERS: [&str; 5] = [
    "group-id",
    "group-name",
    "vpc-id",
    "description",
    "owner-id",
];

fn field(group: &SecurityGroup, name: &str) -> Option<Vec<String>> {
    Some(match name {
        "group-id" => vec![group.id.clone()],
        "group-name" => vec![group.name.clone()],
        "vpc-id" => vec![group.vpc_id.clone()],
        "description" => vec![group.description.clone()],
        "owner-id" => vec![group.owner_account.clone()],
        _ => return None,
    })
}

/// The group a request names by `GroupId` (or, failing that, `GroupName`).
pub async fn named_group(ctx: &Ctx) -> Result<String, AwsError> {
    if let Some(id) = ctx.params.get("GroupId") {
        check_id(id, "sg", "InvalidGroupId.Malformed")?;
        return Ok(id.to_string());
    }
    let Some(name) = ctx.params.get("GroupName") else {
        return Err(missing_parameter("GroupId"));
    };
    let groups = ctx
        .state
        .store
        .list_security_groups()
        .await
        .map_err(ec2_error)?;
    let mut matching = groups.iter().filter(|g| g.name == name);
    match (matching.next(), matching.next()) {
        (Some(group), None) => Ok(group.id.clone()),
        (None, _) => Err(network_error(NetworkError::NoSuchSecurityGroup(
            name.to_string(),
        ))),
        (Some(_), Some(_)) => Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterCombination",
            format!("More than one security group is called '{name}': name it by GroupId."),
        )),
    }
}

/// `DeleteSecurityGroup`: `GroupId` or `GroupName`; never a VPC's default group.
pub async fn delete(ctx: &Ctx) -> Result<String, AwsError> {
    let id = named_group(ctx).await?;
    ctx.state
        .store
        .delete_security_group(&id)
        .await
        .map_err(ec2_error)?;
    let mut w = response("DeleteSecurityGroup", &ctx.request_id);
    w.leaf("return", "true").leaf("groupId", &id);
    Ok(w.finish("DeleteSecurityGroupResponse"))
}

/// `AuthorizeSecurityGroupIngress`: `IpPermissions.N` (`IpProtocol`, `FromPort`, `ToPort`,
/// `IpRanges.M.CidrIp`, `Ipv6Ranges.M.CidrIpv6`, `Groups.M.GroupId`), or the flat form
/// (`IpProtocol`, `FromPort`, `ToPort`, `CidrIp`). All are added or none; the answer lists
/// the rules made, one per source, with their ids.
pub async fn authorize_ingress(ctx: &Ctx) -> Result<String, AwsError> {
    let id = named_group(ctx).await?;
    let rules = requested_permissions(&ctx.params)?;
    refuse_rule_tags(&ctx.params)?;
    let group = ctx
        .state
        .store
        .authorize_ingress(&id, rules.clone())
        .await
        .map_err(ec2_error)?;
    let mut w = response("AuthorizeSecurityGroupIngress", &ctx.request_id);
    w.leaf("return", "true");
    rule_set(&mut w, ctx, &group, RuleDirection::Ingress, &rules);
    Ok(w.finish("AuthorizeSecurityGroupIngressResponse"))
}

/// The permissions a request names: `IpPermissions.N`, or the flat form (`IpProtocol`,
/// `FromPort`, `ToPort`, `CidrIp`); `MissingParameter` when there are none.
pub fn requested_permissions(params: &FormParams) -> Result<Vec<IngressRule>, AwsError> {
    let mut rules = params
        .members("IpPermissions")
        .iter()
        .map(permission)
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(protocol) = params.get("IpProtocol") {
        let flat = FormParams::from_pairs(
            [
                ("IpProtocol", Some(protocol)),
                ("FromPort", params.get("FromPort")),
                ("ToPort", params.get("ToPort")),
                ("IpRanges.1.CidrIp", params.get("CidrIp")),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
            .collect(),
        );
        rules.push(permission(&flat)?);
    }
    if rules.is_empty() {
        return Err(missing_parameter("IpPermissions"));
    }
    Ok(rules)
}

/// One `IpPermissions.N` member as an [`IngressRule`].
fn permission(p: &FormParams) -> Result<IngressRule, AwsError> {
    let protocol = normalize_protocol(p.required("IpProtocol")?).map_err(network_error)?;
    let (from_port, to_port) = if protocol == "-1" {
        (None, None)
    } else {
        (p.int("FromPort")?, p.int("ToPort")?)
    };
    let mut sources: Vec<IpNet> = Vec::new();
    for range in p.members("IpRanges") {
        let text = range.required("CidrIp")?;
        sources.push(
            parse_ipv4_block(text, "cidrIp")
                .map_err(network_error)?
                .into(),
        );
    }
    for range in p.members("Ipv6Ranges") {
        let text = range.required("CidrIpv6")?;
        sources.push(
            parse_ipv6_block(text, "cidrIpv6")
                .map_err(network_error)?
                .into(),
        );
    }
    let mut source_groups = Vec::new();
    for pair in p.members("Groups") {
        let group = pair.required("GroupId")?;
        check_id(group, "sg", "InvalidGroupId.Malformed")?;
        source_groups.push(group.to_string());
    }
    Ok(IngressRule {
        protocol,
        from_port,
        to_port,
        sources,
        source_groups,
    })
}

fn arn(ctx: &Ctx, group: &SecurityGroup) -> String {
    format!(
        "arn:aws:ec2:{}:{}:security-group/{}",
        ctx.region, group.owner_account, group.id
    )
}

/// A group as DescribeSecurityGroups renders it.
fn render(w: &mut XmlWriter, ctx: &Ctx, group: &SecurityGroup, tags: &[(String, String)]) {
    w.open("item")
        .leaf("ownerId", &group.owner_account)
        .leaf("groupId", &group.id)
        .leaf("groupName", &group.name)
        .leaf("groupDescription", &group.description)
        .leaf("vpcId", &group.vpc_id)
        .leaf("securityGroupArn", arn(ctx, group));
    w.open("ipPermissions");
    for rule in &group.ingress {
        render_permission(w, rule, &group.owner_account);
    }
    w.close("ipPermissions");
    w.open("ipPermissionsEgress");
    for rule in &group.egress {
        render_permission(w, rule, &group.owner_account);
    }
    w.close("ipPermissionsEgress");
    tag_set(w, tags);
    w.close("item");
}

fn render_permission(w: &mut XmlWriter, rule: &IngressRule, owner: &str) {
    w.open("item").leaf("ipProtocol", &rule.protocol);
    if rule.protocol != "-1" {
        w.leaf_opt("fromPort", rule.from_port.map(|p| p.to_string()));
        w.leaf_opt("toPort", rule.to_port.map(|p| p.to_string()));
    }
    w.open("groups");
    for group in &rule.source_groups {
        w.open("item")
            .leaf("userId", owner)
            .leaf("groupId", group)
            .close("item");
    }
    w.close("groups");
    w.open("ipRanges");
    for net in rule.sources.iter().filter(|n| matches!(n, IpNet::V4(_))) {
        w.open("item").leaf("cidrIp", net.to_string()).close("item");
    }
    w.close("ipRanges");
    w.open("ipv6Ranges");
    for net in rule.sources.iter().filter(|n| matches!(n, IpNet::V6(_))) {
        w.open("item")
            .leaf("cidrIpv6", net.to_string())
            .close("item");
    }
    w.close("ipv6Ranges");
    w.open("prefixListIds").close("prefixListIds");
    w.close("item");
}
