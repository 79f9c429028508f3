//! Rule-group associations with VPCs, and per-VPC firewall configs.

use super::*;

fn check_association_priority(
    fw: &FirewallContents,
    vpc: &str,
    priority: i64,
    except: Option<&str>,
) -> FirewallResult<i32> {
    let (low, high) = ASSOCIATION_PRIORITY_BOUNDS;
    if priority <= low || priority >= high {
        return Err(FirewallError::AssociationPriority(priority));
    }
    let taken = fw.associations.iter().any(|a| {
        a.vpc_id == vpc && i64::from(a.priority) == priority && Some(a.id.as_str()) != except
    });
    if taken {
        return Err(FirewallError::DuplicateAssociationPriority {
            vpc: vpc.to_string(),
            priority,
        });
    }
    Ok(priority as i32)
}

/// AssociateFirewallRuleGroup; `vpc_exists` says whether the VPC does. A repeated
/// `CreatorRequestId` returns the association made then (`false`).
pub fn associate(
    fw: &FirewallContents,
    vpc_exists: bool,
    req: NewAssociation,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallRuleGroupAssociation, bool)> {
    if let Some(existing) = fw.associations.iter().find(|a| {
        a.owner_account == req.owner_account && a.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    check_name(&req.name)?;
    find_rule_group(fw, &req.rule_group_id)?;
    if !vpc_exists {
        return Err(FirewallError::NoSuchResource(req.vpc_id));
    }
    let mutation_protection = match req.mutation_protection.as_deref() {
        Some(t) => parse_mutation_protection(t)?,
        None => MutationProtection::Disabled,
    };
    if fw
        .associations
        .iter()
        .any(|a| a.vpc_id == req.vpc_id && a.rule_group_id == req.rule_group_id)
    {
        return Err(FirewallError::AlreadyAssociated {
            group: req.rule_group_id,
            vpc: req.vpc_id,
        });
    }
    let priority = check_association_priority(fw, &req.vpc_id, req.priority, None)?;
    let assoc = FirewallRuleGroupAssociation {
        id,
        rule_group_id: req.rule_group_id,
        vpc_id: req.vpc_id,
        name: req.name,
        priority,
        mutation_protection,
        status: FirewallStatus::Complete,
        creator_request_id: req.creator_request_id,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((assoc, true))
}

/// UpdateFirewallRuleGroupAssociation: with mutation protection on, only turning it off
/// is allowed (in the same request as other changes, which then apply).
pub fn update_association(
    fw: &FirewallContents,
    id: &str,
    update: AssociationUpdate,
    now_ms: i64,
) -> FirewallResult<FirewallRuleGroupAssociation> {
    let mut assoc = find_association(fw, id)?.clone();
    let protection = update
        .mutation_protection
        .as_deref()
        .map(parse_mutation_protection)
        .transpose()?;
    let changes_other = update.priority.is_some() || update.name.is_some();
    if assoc.mutation_protection == MutationProtection::Enabled
        && changes_other
        && protection != Some(MutationProtection::Disabled)
    {
        return Err(FirewallError::MutationProtected(id.to_string()));
    }
    if let Some(name) = update.name {
        check_name(&name)?;
        assoc.name = name;
    }
    if let Some(p) = update.priority {
        assoc.priority = check_association_priority(fw, &assoc.vpc_id, p, Some(id))?;
    }
    if let Some(p) = protection {
        assoc.mutation_protection = p;
    }
    assoc.modified_at_ms = now_ms;
    Ok(assoc)
}

/// DisassociateFirewallRuleGroup: refused while mutation protection is on.
pub fn disassociate(
    fw: &FirewallContents,
    id: &str,
) -> FirewallResult<FirewallRuleGroupAssociation> {
    let assoc = find_association(fw, id)?;
    if assoc.mutation_protection == MutationProtection::Enabled {
        return Err(FirewallError::MutationProtected(id.to_string()));
    }
    Ok(assoc.clone())
}

/// UpdateFirewallConfig for a VPC that exists (`vpc_owner`: its account), or refused.
pub fn update_config(
    vpc_id: &str,
    vpc_owner: Option<&str>,
    fail_open: &str,
) -> FirewallResult<FirewallConfig> {
    let fail_open = parse_fail_open(fail_open)?;
    let owner = vpc_owner.ok_or_else(|| FirewallError::NoSuchResource(vpc_id.to_string()))?;
    Ok(FirewallConfig {
        id: firewall_config_id(vpc_id),
        vpc_id: vpc_id.to_string(),
        fail_open,
        owner_account: owner.to_string(),
    })
}
