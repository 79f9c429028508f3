//! Route 53 Profiles: profiles, their VPC associations and the resources they carry.

use crate::network::NetworkContents;
use crate::resolver::{
    Profile, ProfileAssociation, ProfileAssociationId, ProfileId, ProfileResource,
    ProfileResourceAssociationId, ProfileStatus, ShareStatus,
};

use super::{check_name, ResolverError, ResolverErrorKind, ResolverResult};

/// What CreateProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// `Name`.
    pub name: String,
    /// `ClientToken`.
    pub client_token: String,
    /// The account creating it.
    pub owner_account: String,
}

/// CreateProfile: a new profile, or the one made earlier with the same `ClientToken`
/// (`false` then: nothing to write).
pub fn create_profile(
    net: &NetworkContents,
    req: NewProfile,
    id: ProfileId,
    now_ms: i64,
) -> ResolverResult<(Profile, bool)> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    if let Some(existing) = net
        .profiles
        .iter()
        .find(|p| p.client_token == req.client_token && p.owner_account == req.owner_account)
    {
        if existing.name == req.name {
            return Ok((existing.clone(), false));
        }
        return Err(ResolverError::ClientTokenReused(req.client_token));
    }
    Ok((
        Profile {
            id,
            name: req.name,
            client_token: req.client_token,
            share_status: ShareStatus::NotShared,
            status: ProfileStatus::Complete,
            owner_account: req.owner_account,
            created_at_ms: now_ms,
            modified_at_ms: now_ms,
        },
        true,
    ))
}

/// Finds a profile.
pub fn find_profile<'a>(net: &'a NetworkContents, id: &ProfileId) -> ResolverResult<&'a Profile> {
    net.profiles
        .iter()
        .find(|p| p.id == *id)
        .ok_or_else(|| ResolverError::NoSuchProfile(id.to_string()))
}

/// DeleteProfile: refused while the profile is associated with a VPC (its resources go with it).
pub fn delete_profile(net: &NetworkContents, id: &ProfileId) -> ResolverResult<Profile> {
    let profile = find_profile(net, id)?.clone();
    if let Some(assoc) = net
        .profile_associations
        .iter()
        .find(|a| a.profile_id == *id)
    {
        return Err(ResolverError::ProfileInUse {
            profile: id.to_string(),
            vpc: assoc.vpc_id.clone(),
        });
    }
    Ok(profile)
}

/// What AssociateProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfileAssociation {
    /// `ProfileId`.
    pub profile_id: ProfileId,
    /// `ResourceId`: the VPC.
    pub vpc_id: String,
    /// `Name`.
    pub name: String,
    /// `Priority`.
    pub priority: Option<i32>,
    /// The account associating.
    pub owner_account: String,
}

/// AssociateProfile: one profile per VPC.
pub fn associate_profile(
    net: &NetworkContents,
    req: NewProfileAssociation,
    id: ProfileAssociationId,
    now_ms: i64,
) -> ResolverResult<ProfileAssociation> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    find_profile(net, &req.profile_id)?;
    if !net.vpcs.iter().any(|v| v.id == req.vpc_id) {
        return Err(ResolverError::NoSuchVpc(req.vpc_id));
    }
    if let Some(priority) = req.priority {
        if !(100..=9900).contains(&priority) {
            return Err(ResolverError::Priority(priority));
        }
    }
    if let Some(existing) = net
        .profile_associations
        .iter()
        .find(|a| a.vpc_id == req.vpc_id)
    {
        if existing.profile_id == req.profile_id {
            return Err(ResolverError::ProfileAlreadyAssociated {
                profile: req.profile_id.to_string(),
                vpc: req.vpc_id,
            });
        }
        return Err(ResolverError::VpcHasProfile {
            vpc: req.vpc_id,
            existing: existing.profile_id.to_string(),
        });
    }
    Ok(ProfileAssociation {
        id,
        profile_id: req.profile_id,
        vpc_id: req.vpc_id,
        name: req.name,
        status: ProfileStatus::Complete,
        owner_account: req.owner_account,
        priority: Some(req.priority.unwrap_or(100)),
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// DisassociateProfile: the association removed.
pub fn disassociate_profile(
    net: &NetworkContents,
    profile_id: &ProfileId,
    vpc_id: &str,
) -> ResolverResult<ProfileAssociation> {
    find_profile(net, profile_id)?;
    net.profile_associations
        .iter()
        .find(|a| a.profile_id == *profile_id && a.vpc_id == vpc_id)
        .cloned()
        .ok_or_else(|| ResolverError::ProfileNotAssociated {
            profile: profile_id.to_string(),
            vpc: vpc_id.to_string(),
        })
}

/// What a profile resource ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceArn {
    /// `HOSTED_ZONE`, `RESOLVER_RULE`, `FIREWALL_RULE_GROUP`.
    pub resource_type: &'static str,
    /// The bare id.
    pub resource_id: String,
}

/// Parses `arn:aws:route53:::hostedzone/Z…` or
/// `arn:aws:route53resolver:<region>:<account>:resolver-rule/rslvr-rr-…` (and firewall rule
/// groups, which Cairn does not keep yet).
pub fn parse_resource_arn(arn: &str) -> ResolverResult<ResourceArn> {
    let invalid = || ResolverError::InvalidResourceArn(arn.to_string());
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, _region, _account, resource] = parts.as_slice() else {
        return Err(invalid());
    };
    if *prefix != "arn" {
        return Err(invalid());
    }
    let (kind, id) = resource.split_once('/').ok_or_else(invalid)?;
    let resource_type = match (*service, kind) {
        ("route53", "hostedzone") => "HOSTED_ZONE",
        ("route53resolver", "resolver-rule") => "RESOLVER_RULE",
        ("route53resolver", "firewall-rule-group") => "FIREWALL_RULE_GROUP",
        _ => return Err(invalid()),
    };
    if id.is_empty() {
        return Err(invalid());
    }
    Ok(ResourceArn {
        resource_type,
        resource_id: id.to_string(),
    })
}

/// What AssociateResourceToProfile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfileResource {
    /// `ProfileId`.
    pub profile_id: ProfileId,
    /// `ResourceArn`.
    pub resource_arn: String,
    /// `Name`.
    pub name: String,
    /// `ResourceProperties`.
    pub resource_properties: Option<String>,
    /// The account associating.
    pub owner_account: String,
}

/// AssociateResourceToProfile: a private hosted zone or a Resolver rule that exists
/// (`private_zones` lists the private zones' bare ids).
pub fn associate_profile_resource(
    net: &NetworkContents,
    private_zones: &[String],
    req: NewProfileResource,
    id: ProfileResourceAssociationId,
    now_ms: i64,
) -> ResolverResult<ProfileResource> {
    check_name(&req.name, ResolverErrorKind::Validation)?;
    find_profile(net, &req.profile_id)?;
    let parsed = parse_resource_arn(&req.resource_arn)?;
    let exists = match parsed.resource_type {
        "HOSTED_ZONE" => private_zones.contains(&parsed.resource_id),
        "RESOLVER_RULE" => net.rules.iter().any(|r| r.id == *parsed.resource_id),
        _ => false,
    };
    if !exists {
        return Err(ResolverError::NoSuchProfileResource {
            resource_type: parsed.resource_type.to_string(),
            resource_id: parsed.resource_id,
            arn: req.resource_arn,
        });
    }
    if net
        .profile_resources
        .iter()
        .any(|r| r.profile_id == req.profile_id && r.resource_arn == req.resource_arn)
    {
        return Err(ResolverError::ResourceAlreadyAssociated {
            arn: req.resource_arn,
            profile: req.profile_id.to_string(),
        });
    }
    if let Some(props) = &req.resource_properties {
        check_resource_properties(props)?;
    }
    Ok(ProfileResource {
        id,
        profile_id: req.profile_id,
        resource_arn: req.resource_arn,
        resource_type: parsed.resource_type.into(),
        resource_id: parsed.resource_id,
        name: req.name,
        status: ProfileStatus::Complete,
        resource_properties: req.resource_properties,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// `ResourceProperties` is a JSON object (`{"priority": 102}`).
fn check_resource_properties(props: &str) -> ResolverResult<()> {
    let trimmed = props.trim();
    if trimmed.starts_with('{') && trimmed.ends_with('}') {
        Ok(())
    } else {
        Err(ResolverError::ResourceProperties(props.to_string()))
    }
}

/// DisassociateResourceFromProfile: the resource association removed.
pub fn disassociate_profile_resource(
    net: &NetworkContents,
    profile_id: &ProfileId,
    arn: &str,
) -> ResolverResult<ProfileResource> {
    find_profile(net, profile_id)?;
    net.profile_resources
        .iter()
        .find(|r| r.profile_id == *profile_id && r.resource_arn == arn)
        .cloned()
        .ok_or_else(|| ResolverError::ResourceNotAssociated {
            arn: arn.to_string(),
            profile: profile_id.to_string(),
        })
}

/// UpdateProfileResourceAssociation: `Name` and `ResourceProperties`.
pub fn update_profile_resource(
    net: &NetworkContents,
    id: &ProfileResourceAssociationId,
    name: Option<String>,
    resource_properties: Option<String>,
    now_ms: i64,
) -> ResolverResult<ProfileResource> {
    let mut resource = net
        .profile_resources
        .iter()
        .find(|r| r.id == *id)
        .cloned()
        .ok_or_else(|| ResolverError::NoSuchProfileResourceAssociation(id.to_string()))?;
    if let Some(name) = name {
        check_name(&name, ResolverErrorKind::Validation)?;
        resource.name = name;
    }
    if let Some(props) = resource_properties {
        check_resource_properties(&props)?;
        resource.resource_properties = Some(props);
    }
    resource.modified_at_ms = now_ms;
    Ok(resource)
}
