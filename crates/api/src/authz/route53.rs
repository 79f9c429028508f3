//! Route 53's operations as IAM sees them: each route's action and resource ARN
//! ([SAR]; ROUTE53-NEXT.md §A.4), and the ChangeResourceRecordSets condition keys read from
//! the request body.

use cairn_iam::route53::{set_change_keys, RecordChange};
use cairn_iam::RequestContext;
use cairn_model::DomainName;

use crate::protocol::rest_xml;

/// What a route's resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// No resource-level permission: `*`.
    Star,
    /// `arn:aws:route53:::<kind>/<path parameter>`.
    Arn(&'static str, &'static str),
    /// `ChangeTagsForResource`/`ListTagsForResource`: the kind is the `{resource_type}`
    /// parameter (`hostedzone` or `healthcheck`), the id `{id}`.
    Tagged,
}

/// One Route 53 route: method, the router's path pattern, IAM action (without `route53:`),
/// resource.
pub type Route = (&'static str, &'static str, &'static str, Resource);

use Resource::{Arn, Star, Tagged};

const HZ: Resource = Arn("hostedzone", "id");

/// Every route of [`crate::route53::routes`], with its authorization.
pub const ROUTES: &[Route] = &[
    ("POST", "/2013-04-01/hostedzone", "CreateHostedZone", Star),
    ("GET", "/2013-04-01/hostedzone", "ListHostedZones", Star),
    ("GET", "/2013-04-01/hostedzone/{id}", "GetHostedZone", HZ),
    (
        "DELETE",
        "/2013-04-01/hostedzone/{id}",
        "DeleteHostedZone",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}",
        "UpdateHostedZoneComment",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/hostedzonesbyname",
        "ListHostedZonesByName",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/hostedzonecount",
        "GetHostedZoneCount",
        Star,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/rrset",
        "ChangeResourceRecordSets",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/hostedzone/{id}/rrset",
        "ListResourceRecordSets",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/rrset/",
        "ChangeResourceRecordSets",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/hostedzone/{id}/rrset/",
        "ListResourceRecordSets",
        HZ,
    ),
    ("GET", "/2013-04-01/hostedzone/{id}/dnssec", "GetDNSSEC", HZ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/enable-dnssec",
        "EnableHostedZoneDNSSEC",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/disable-dnssec",
        "DisableHostedZoneDNSSEC",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/keysigningkey",
        "CreateKeySigningKey",
        Star,
    ),
    (
        "DELETE",
        "/2013-04-01/keysigningkey/{zone}/{name}",
        "DeleteKeySigningKey",
        Arn("hostedzone", "zone"),
    ),
    (
        "POST",
        "/2013-04-01/keysigningkey/{zone}/{name}/activate",
        "ActivateKeySigningKey",
        Arn("hostedzone", "zone"),
    ),
    (
        "POST",
        "/2013-04-01/keysigningkey/{zone}/{name}/deactivate",
        "DeactivateKeySigningKey",
        Arn("hostedzone", "zone"),
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/associatevpc",
        "AssociateVPCWithHostedZone",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/disassociatevpc",
        "DisassociateVPCFromHostedZone",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/hostedzonesbyvpc",
        "ListHostedZonesByVPC",
        Star,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/authorizevpcassociation",
        "CreateVPCAssociationAuthorization",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/hostedzone/{id}/authorizevpcassociation",
        "ListVPCAssociationAuthorizations",
        HZ,
    ),
    (
        "POST",
        "/2013-04-01/hostedzone/{id}/deauthorizevpcassociation",
        "DeleteVPCAssociationAuthorization",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/change/{id}",
        "GetChange",
        Arn("change", "id"),
    ),
    (
        "POST",
        "/2013-04-01/cidrcollection",
        "CreateCidrCollection",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/cidrcollection",
        "ListCidrCollections",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/cidrcollection/{id}",
        "ListCidrLocations",
        Arn("cidrcollection", "id"),
    ),
    (
        "POST",
        "/2013-04-01/cidrcollection/{id}",
        "ChangeCidrCollection",
        Arn("cidrcollection", "id"),
    ),
    (
        "DELETE",
        "/2013-04-01/cidrcollection/{id}",
        "DeleteCidrCollection",
        Arn("cidrcollection", "id"),
    ),
    (
        "GET",
        "/2013-04-01/cidrcollection/{id}/cidrblocks",
        "ListCidrBlocks",
        Arn("cidrcollection", "id"),
    ),
    ("GET", "/2013-04-01/testdnsanswer", "TestDNSAnswer", Star),
    ("POST", "/2013-04-01/healthcheck", "CreateHealthCheck", Star),
    ("GET", "/2013-04-01/healthcheck", "ListHealthChecks", Star),
    (
        "GET",
        "/2013-04-01/healthcheck/{id}",
        "GetHealthCheck",
        Arn("healthcheck", "id"),
    ),
    (
        "POST",
        "/2013-04-01/healthcheck/{id}",
        "UpdateHealthCheck",
        Arn("healthcheck", "id"),
    ),
    (
        "DELETE",
        "/2013-04-01/healthcheck/{id}",
        "DeleteHealthCheck",
        Arn("healthcheck", "id"),
    ),
    (
        "GET",
        "/2013-04-01/healthcheck/{id}/status",
        "GetHealthCheckStatus",
        Arn("healthcheck", "id"),
    ),
    (
        "GET",
        "/2013-04-01/healthcheck/{id}/lastfailurereason",
        "GetHealthCheckLastFailureReason",
        Arn("healthcheck", "id"),
    ),
    (
        "GET",
        "/2013-04-01/healthcheckcount",
        "GetHealthCheckCount",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/checkeripranges",
        "GetCheckerIpRanges",
        Star,
    ),
    // Cairn's own health-check override changes what the check reports: UpdateHealthCheck.
    (
        "POST",
        "/_cairn/healthcheck/{id}/override",
        "UpdateHealthCheck",
        Arn("healthcheck", "id"),
    ),
    (
        "POST",
        "/2013-04-01/tags/{resource_type}",
        "ListTagsForResources",
        Star,
    ),
    (
        "POST",
        "/2013-04-01/tags/{resource_type}/{id}",
        "ChangeTagsForResource",
        Tagged,
    ),
    (
        "GET",
        "/2013-04-01/tags/{resource_type}/{id}",
        "ListTagsForResource",
        Tagged,
    ),
    (
        "GET",
        "/2013-04-01/accountlimit/{limit_type}",
        "GetAccountLimit",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/hostedzonelimit/{id}/{limit_type}",
        "GetHostedZoneLimit",
        HZ,
    ),
    (
        "GET",
        "/2013-04-01/reusabledelegationsetlimit/{id}/{limit_type}",
        "GetReusableDelegationSetLimit",
        Arn("delegationset", "id"),
    ),
    (
        "POST",
        "/2013-04-01/queryloggingconfig",
        "CreateQueryLoggingConfig",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/queryloggingconfig",
        "ListQueryLoggingConfigs",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/queryloggingconfig/{id}",
        "GetQueryLoggingConfig",
        Arn("queryloggingconfig", "id"),
    ),
    (
        "DELETE",
        "/2013-04-01/queryloggingconfig/{id}",
        "DeleteQueryLoggingConfig",
        Arn("queryloggingconfig", "id"),
    ),
    (
        "POST",
        "/2013-04-01/delegationset",
        "CreateReusableDelegationSet",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/delegationset",
        "ListReusableDelegationSets",
        Star,
    ),
    (
        "GET",
        "/2013-04-01/delegationset/{id}",
        "GetReusableDelegationSet",
        Arn("delegationset", "id"),
    ),
    (
        "DELETE",
        "/2013-04-01/delegationset/{id}",
        "DeleteReusableDelegationSet",
        Arn("delegationset", "id"),
    ),
];

/// The value of path parameter `name` in `path`, matched against `pattern`.
pub fn path_param(pattern: &str, path: &str, name: &str) -> Option<String> {
    let wanted = format!("{{{name}}}");
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == wanted)
        .map(|(_, value)| crate::protocol::query::percent_decode(value, false))
}

/// The resource ARN of a route for this request path. Route 53 ids are bare in ARNs.
pub fn resource_arn(resource: Resource, pattern: &str, path: &str) -> String {
    let arn = |kind: &str, id: Option<String>| {
        let id = id.unwrap_or_default();
        let id = id.rsplit('/').next().unwrap_or_default().to_string();
        format!("arn:aws:route53:::{kind}/{id}")
    };
    match resource {
        Star => "*".into(),
        Arn(kind, param) => arn(kind, path_param(pattern, path, param)),
        Tagged => {
            let kind = path_param(pattern, path, "resource_type").unwrap_or_default();
            arn(&kind, path_param(pattern, path, "id"))
        }
    }
}

/// Sets ChangeResourceRecordSets' condition keys from its request body. A body that does not
/// parse sets nothing; the handler then refuses it with Route 53's own error, and a policy
/// whose conditions need the keys has not allowed it.
pub fn set_change_keys_from_body(ctx: &mut RequestContext, body: &[u8]) {
    let Ok(root) = rest_xml::parse(body) else {
        return;
    };
    let Some(changes) = root.child("ChangeBatch").and_then(|b| b.child("Changes")) else {
        return;
    };
    let mut parsed: Vec<(String, DomainName, String)> = Vec::new();
    for change in changes.children_named("Change") {
        let action = change.child_text("Action").unwrap_or_default().to_string();
        let Some(rrset) = change.child("ResourceRecordSet") else {
            continue;
        };
        let name = rrset.child_text("Name").unwrap_or_default();
        let Ok(name) = DomainName::from_route53(name) else {
            continue;
        };
        let rtype = rrset.child_text("Type").unwrap_or_default().to_string();
        parsed.push((action, name, rtype));
    }
    let changes: Vec<RecordChange<'_>> = parsed
        .iter()
        .map(|(action, name, rtype)| RecordChange {
            action,
            name,
            record_type: rtype,
        })
        .collect();
    set_change_keys(ctx, &changes);
}
