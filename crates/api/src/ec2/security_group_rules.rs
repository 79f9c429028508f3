//! Security group rules one by one: AuthorizeSecurityGroupEgress, RevokeSecurityGroupIngress,
//! RevokeSecurityGroupEgress, DescribeSecurityGroupRules.
//!
//! A group keeps its permissions as EC2's `IpPermissions` (a protocol and ports with any
//! number of sources). EC2 also shows each (permission, source) pair as a rule with an id,
//! `sgr-…`. Cairn derives that id from what the pair is (the group, the direction, the
//! protocol, the ports and the source), so it needs no storage, stays the same across
//! restarts, and names the same grant for as long as it exists.

use axum::http::StatusCode;
use cairn_model::network::{IngressRule, SecurityGroup};
use cairn_model::network_validate::NetworkError;
use cairn_store::{tag_types, RuleDirection};
use ipnet::IpNet;
use sha2::{Digest, Sha256};

use super::security_group::{named_group, requested_permissions};
use super::{
    bool_text, check_id, ec2_error, filters, network_error, passes, tag_specifications, Ctx, Page,
};
use crate::error::AwsError;
use crate::protocol::ec2_query::{invalid_parameter_value, response};
use crate::protocol::rest_xml::XmlWriter;

/// `AuthorizeSecurityGroupEgress`: `GroupId` and `IpPermissions.N`, all added or none.
pub async fn authorize_egress(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("GroupId")?;
    check_id(id, "sg", "InvalidGroupId.Malformed")?;
    let rules = requested_permissions(&ctx.params)?;
    refuse_rule_tags(&ctx.params)?;
    let group = ctx
        .state
        .store
        .authorize_egress(id, rules.clone())
        .await
        .map_err(ec2_error)?;
    let mut w = response("AuthorizeSecurityGroupEgress", &ctx.request_id);
    w.leaf("return", "true");
    rule_set(&mut w, ctx, &group, RuleDirection::Egress, &rules);
    Ok(w.finish("AuthorizeSecurityGroupEgressResponse"))
}

/// `RevokeSecurityGroupIngress`: `GroupId` (or `GroupName`) and `IpPermissions.N` or
/// `SecurityGroupRuleId.N`.
pub async fn revoke_ingress(ctx: &Ctx) -> Result<String, AwsError> {
    let id = named_group(ctx).await?;
    revoke(
        ctx,
        "RevokeSecurityGroupIngress",
        &id,
        RuleDirection::Ingress,
    )
    .await
}

/// `RevokeSecurityGroupEgress`: `GroupId` and `IpPermissions.N` or `SecurityGroupRuleId.N`.
pub async fn revoke_egress(ctx: &Ctx) -> Result<String, AwsError> {
    let id = ctx.params.required("GroupId")?;
    check_id(id, "sg", "InvalidGroupId.Malformed")?;
    revoke(ctx, "RevokeSecurityGroupEgress", id, RuleDirection::Egress).await
}

async fn revoke(
    ctx: &Ctx,
    action: &str,
    group_id: &str,
    direction: RuleDirection,
) -> Result<String, AwsError> {
    let rule_ids = ctx.params.list("SecurityGroupRuleId");
    let rules = if rule_ids.is_empty() {
        requested_permissions(&ctx.params)?
    } else {
        let groups = ctx
            .state
            .store
            .list_security_groups()
            .await
            .map_err(ec2_error)?;
        let group = groups.iter().find(|g| g.id == group_id).ok_or_else(|| {
            network_error(NetworkError::NoSuchSecurityGroup(group_id.to_string()))
        })?;
        let atoms = atoms(group, direction);
        rule_ids
            .iter()
            .map(|id| {
                atoms
                    .iter()
                    .find(|atom| &atom.id == id)
                    .map(|atom| atom.rule.clone())
                    .ok_or_else(|| rule_not_found(id))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    ctx.state
        .store
        .revoke_rules(group_id, direction, rules)
        .await
        .map_err(ec2_error)?;
    let mut w = response(action, &ctx.request_id);
    w.leaf("return", "true");
    Ok(w.finish(&format!("{action}Response")))
}

/// `DescribeSecurityGroupRules`: `SecurityGroupRuleId.N`, `Filter.N` (`group-id`,
/// `security-group-rule-id`), `MaxResults` and `NextToken`.
pub async fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("SecurityGroupRuleId");
    for id in &ids {
        check_id(id, "sgr", "InvalidSecurityGroupRuleId.Malformed")?;
    }
    let page = Page::from_params(&ctx.params, "SecurityGroupRuleId")?;
    let filters = filters(&ctx.params, &RULE_FILTERS)?;
    let groups = ctx
        .state
        .store
        .list_security_groups()
        .await
        .map_err(ec2_error)?;
    let all: Vec<Atom> = groups
        .iter()
        .flat_map(|g| {
            atoms(g, RuleDirection::Ingress)
                .into_iter()
                .chain(atoms(g, RuleDirection::Egress))
        })
        .collect();
    if let Some(missing) = ids.iter().find(|id| !all.iter().any(|a| &a.id == *id)) {
        return Err(rule_not_found(missing));
    }
    let mut matching = Vec::new();
    for atom in all.iter().filter(|a| ids.is_empty() || ids.contains(&a.id)) {
        // Rules carry no tags of their own in Cairn.
        if passes(&filters, &[], |name| atom_field(atom, name))? {
            matching.push(atom);
        }
    }
    let (shown, next) = page.select(matching, |atom| &atom.id);
    let mut w = response("DescribeSecurityGroupRules", &ctx.request_id);
    w.open("securityGroupRuleSet");
    for atom in shown {
        render(&mut w, ctx, atom);
    }
    w.close("securityGroupRuleSet");
    if let Some(token) = next {
        w.leaf("nextToken", &token);
    }
    Ok(w.finish("DescribeSecurityGroupRulesResponse"))
}

/// The filter names [`atom_field`] answers.
const RULE_FILTERS: [&str; 2] = ["group-id", "security-group-rule-id"];

fn atom_field(atom: &Atom, name: &str) -> Option<Vec<String>> {
    Some(match name {
        "group-id" => vec![atom.group.id.clone()],
        "security-group-rule-id" => vec![atom.id.clone()],
        _ => return None,
    })
}

/// Tags on rules (`TagSpecification` of type `security-group-rule`) are not kept: refused
/// rather than dropped.
pub fn refuse_rule_tags(params: &crate::protocol::ec2_query::FormParams) -> Result<(), AwsError> {
    if tag_specifications(params, tag_types::SECURITY_GROUP_RULE)?.is_empty() {
        Ok(())
    } else {
        Err(invalid_parameter_value(
            "Cairn does not keep tags on security group rules.",
        ))
    }
}

/// `<securityGroupRuleSet>` of an Authorize answer: the rules `granted` made in `group`.
pub fn rule_set(
    w: &mut XmlWriter,
    ctx: &Ctx,
    group: &SecurityGroup,
    direction: RuleDirection,
    granted: &[IngressRule],
) {
    let made: Vec<Atom> = granted
        .iter()
        .flat_map(|rule| split(group, direction, rule))
        .collect();
    w.open("securityGroupRuleSet");
    for atom in &made {
        render(w, ctx, atom);
    }
    w.close("securityGroupRuleSet");
}

/// One source of one permission: what EC2 calls a security group rule.
#[derive(Debug)]
struct Atom<'a> {
    /// `sgr-` and 17 hex digits, from what the rule is.
    id: String,
    group: &'a SecurityGroup,
    direction: RuleDirection,
    /// The permission narrowed to this one source.
    rule: IngressRule,
}

/// Every rule of the group in one direction.
fn atoms(group: &SecurityGroup, direction: RuleDirection) -> Vec<Atom<'_>> {
    let rules = match direction {
        RuleDirection::Ingress => &group.ingress,
        RuleDirection::Egress => &group.egress,
    };
    rules
        .iter()
        .flat_map(|rule| split(group, direction, rule))
        .collect()
}

/// A permission as one rule per source.
fn split<'a>(
    group: &'a SecurityGroup,
    direction: RuleDirection,
    rule: &IngressRule,
) -> Vec<Atom<'a>> {
    let narrowed = |sources: Vec<IpNet>, source_groups: Vec<String>| IngressRule {
        protocol: rule.protocol.clone(),
        from_port: rule.from_port,
        to_port: rule.to_port,
        sources,
        source_groups,
    };
    rule.sources
        .iter()
        .map(|net| narrowed(vec![*net], Vec::new()))
        .chain(
            rule.source_groups
                .iter()
                .map(|g| narrowed(Vec::new(), vec![g.clone()])),
        )
        .map(|rule| Atom {
            id: rule_id(&group.id, direction, &rule),
            group,
            direction,
            rule,
        })
        .collect()
}

/// The id of a one-source rule: a digest of what it is, so the same grant keeps its id.
fn rule_id(group_id: &str, direction: RuleDirection, rule: &IngressRule) -> String {
    let peer = rule
        .sources
        .first()
        .map(ToString::to_string)
        .or_else(|| rule.source_groups.first().cloned())
        .unwrap_or_default();
    let text = format!(
        "{group_id}|{direction:?}|{}|{:?}|{:?}|{peer}",
        rule.protocol, rule.from_port, rule.to_port
    );
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sgr-{}", &hex[..17])
}

fn rule_not_found(id: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidSecurityGroupRuleId.NotFound",
        format!("The security group rule ID '{id}' does not exist"),
    )
}

/// A rule as DescribeSecurityGroupRules (and the Authorize answers) render it. All
/// protocols (`-1`) show ports -1, as EC2 does.
fn render(w: &mut XmlWriter, ctx: &Ctx, atom: &Atom) {
    let rule = &atom.rule;
    let (from, to) = if rule.protocol == "-1" {
        (Some(-1), Some(-1))
    } else {
        (rule.from_port, rule.to_port)
    };
    w.open("item")
        .leaf("securityGroupRuleId", &atom.id)
        .leaf("groupId", &atom.group.id)
        .leaf("groupOwnerId", &atom.group.owner_account)
        .leaf(
            "isEgress",
            bool_text(atom.direction == RuleDirection::Egress),
        )
        .leaf("ipProtocol", &rule.protocol);
    w.leaf_opt("fromPort", from.map(|p| p.to_string()));
    w.leaf_opt("toPort", to.map(|p| p.to_string()));
    for net in &rule.sources {
        match net {
            IpNet::V4(v4) => w.leaf("cidrIpv4", v4.to_string()),
            IpNet::V6(v6) => w.leaf("cidrIpv6", v6.to_string()),
        };
    }
    for group in &rule.source_groups {
        w.open("referencedGroupInfo")
            .leaf("groupId", group)
            .leaf("userId", &atom.group.owner_account)
            .close("referencedGroupInfo");
    }
    w.leaf(
        "securityGroupRuleArn",
        format!(
            "arn:aws:ec2:{}:{}:security-group-rule/{}",
            ctx.region, atom.group.owner_account, atom.id
        ),
    );
    w.close("item");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> SecurityGroup {
        SecurityGroup {
            id: "sg-0123".into(),
            name: "web".into(),
            description: String::new(),
            vpc_id: "vpc-1".into(),
            owner_account: "111122223333".into(),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(53),
                to_port: Some(53),
                sources: vec![
                    "10.0.0.0/8".parse().expect("net"),
                    "fd00::/8".parse().expect("net"),
                ],
                source_groups: vec!["sg-0456".into()],
            }],
            egress: IngressRule::all_out(),
        }
    }

    #[test]
    fn a_rule_per_source_with_stable_distinct_ids() {
        let group = group();
        let ingress = atoms(&group, RuleDirection::Ingress);
        assert_eq!(ingress.len(), 3);
        let again = atoms(&group, RuleDirection::Ingress);
        for (a, b) in ingress.iter().zip(&again) {
            assert_eq!(a.id, b.id);
            assert!(a.id.starts_with("sgr-") && a.id.len() == 21, "{}", a.id);
        }
        let egress = atoms(&group, RuleDirection::Egress);
        assert_eq!(egress.len(), 1);
        let mut ids: Vec<&str> = ingress
            .iter()
            .chain(&egress)
            .map(|a| a.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 4);
    }
}
