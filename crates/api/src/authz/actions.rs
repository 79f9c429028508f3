//! Route 53 Profiles' routes and their IAM actions (`route53profiles:`); resources are `*`
//! for now (profile ARNs are a later slice).

/// One Profiles route: method, the router's path pattern, IAM action.
pub type ProfilesRoute = (&'static str, &'static str, &'static str);

/// Every route of [`crate::profiles::routes`], with its action.
pub const PROFILES_ROUTES: &[ProfilesRoute] = &[
    ("POST", "/profile", "CreateProfile"),
    ("GET", "/profile/{id}", "GetProfile"),
    ("DELETE", "/profile/{id}", "DeleteProfile"),
    ("GET", "/profiles", "ListProfiles"),
    ("POST", "/profileassociation", "AssociateProfile"),
    ("GET", "/profileassociation/{id}", "GetProfileAssociation"),
    (
        "DELETE",
        "/profileassociation/Profileid/{profile}/resourceid/{vpc}",
        "DisassociateProfile",
    ),
    ("GET", "/profileassociations", "ListProfileAssociations"),
    (
        "POST",
        "/profileresourceassociation",
        "AssociateResourceToProfile",
    ),
    (
        "GET",
        "/profileresourceassociation/{id}",
        "GetProfileResourceAssociation",
    ),
    (
        "PATCH",
        "/profileresourceassociation/{id}",
        "UpdateProfileResourceAssociation",
    ),
    (
        "DELETE",
        "/profileresourceassociation/profileid/{profile}/resourcearn/{arn}",
        "DisassociateResourceFromProfile",
    ),
    (
        "GET",
        "/profileresourceassociations/profileid/{profile}",
        "ListProfileResourceAssociations",
    ),
    ("POST", "/tags/{arn}", "TagResource"),
    ("GET", "/tags/{arn}", "ListTagsForResource"),
    ("DELETE", "/tags/{arn}", "UntagResource"),
];
