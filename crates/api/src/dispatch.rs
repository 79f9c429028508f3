//! Which service and protocol a request is for, decided once per request.
//!
//! Nine AWS services share this one port, as LocalStack's edge port does. AWS tells them
//! apart by endpoint host; here each one's requests have a shape of their own, and the
//! SigV4 scope names the service the client signed for (botocore's `signingName`, which
//! for these nine is the endpoint prefix):
//!
//! ```text
//!   X-Amz-Target: Route53Resolver.*                  ──► Resolver  json-1.1
//!   X-Amz-Target: TrentService.*                     ──► KMS       json-1.1
//!   X-Amz-Target: Route53Domains_v20140515.*         ──► Domains   json-1.1
//!   X-Amz-Target: Logs_20140328.*                    ──► Logs      json-1.1
//!   /2013-04-01/…                                    ──► Route 53  rest-xml
//!   /_cairn/healthcheck/…   (Cairn's JSON admin call) ──► Route 53  rest-json
//!   /profile…, /tags/…                               ──► Profiles  rest-json
//!   anything else: the scope's service               ──► route53 | route53resolver |
//!                                                        route53profiles | ec2 | kms |
//!                                                        route53domains | logs |
//!                                                        iam | sts (query protocol)
//!   unsigned, anything else: POST / is EC2 (json-1.1 when the body says JSON), else Route 53
//! ```
//!
//! The request's shape comes before the scope's service because scripts sign every call on
//! this port with one name (`route53`), and Cairn has always answered a Route 53 path as
//! Route 53 whatever the scope said. The scope decides what the shape leaves open: a `POST /`
//! without a target (EC2) and paths no service has (whose errors then take the signing
//! service's form). The scope is read unverified here, so a request whose signature fails
//! still gets its error in the client's form; handlers only run after [`crate::sigv4`] has
//! verified it. [`crate::envelope`] stores the [`Dispatch`] in the request's extensions; the
//! router, the handlers and the error rendering read it from there.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use crate::protocol::Protocol;
use crate::sigv4;

/// The `X-Amz-Target` prefix of Route 53 Resolver (`Route53Resolver.CreateResolverRule`).
pub const RESOLVER_TARGET_PREFIX: &str = "Route53Resolver";
/// The `X-Amz-Target` prefix of KMS (`TrentService.CreateKey`).
pub const KMS_TARGET_PREFIX: &str = "TrentService";
/// The `X-Amz-Target` prefix of Route 53 Domains (`Route53Domains_v20140515.RegisterDomain`).
pub const DOMAINS_TARGET_PREFIX: &str = "Route53Domains_v20140515";
/// The `X-Amz-Target` prefix of CloudWatch Logs (`Logs_20140328.GetLogEvents`).
pub const LOGS_TARGET_PREFIX: &str = "Logs_20140328";
/// The API version every Route 53 path starts with.
pub const ROUTE53_PREFIX: &str = "/2013-04-01/";
/// Cairn's own signed JSON calls on Route 53 resources (the health-check override).
pub const CAIRN_ADMIN_PREFIX: &str = "/_cairn/healthcheck/";

/// The services this port answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Amazon Route 53 (2013-04-01).
    Route53,
    /// Route 53 Resolver (2018-04-01).
    Resolver,
    /// Route 53 Profiles (2018-05-10).
    Profiles,
    /// The EC2 subset Route 53 needs (2016-11-15).
    Ec2,
    /// The KMS subset Route 53's DNSSEC signing needs (2014-11-01).
    Kms,
    /// IAM users, access keys and policies (2010-05-08).
    Iam,
    /// STS GetCallerIdentity (2011-06-15).
    Sts,
    /// Route 53 Domains for the installation's TLDs (2014-05-15).
    Domains,
    /// The CloudWatch Logs subset over the query-log files (2014-03-28).
    Logs,
}

impl Service {
    /// Every service, in the order [`crate::sigv4`] names them.
    pub const ALL: [Service; 9] = [
        Self::Route53,
        Self::Resolver,
        Self::Profiles,
        Self::Ec2,
        Self::Kms,
        Self::Iam,
        Self::Sts,
        Self::Domains,
        Self::Logs,
    ];

    /// The name clients sign with (the SigV4 scope's service).
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Route53 => "route53",
            Self::Resolver => "route53resolver",
            Self::Profiles => "route53profiles",
            Self::Ec2 => "ec2",
            Self::Kms => "kms",
            Self::Iam => "iam",
            Self::Sts => "sts",
            Self::Domains => "route53domains",
            Self::Logs => "logs",
        }
    }

    /// The service a signing name belongs to, if this port serves it.
    pub fn from_signing_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.signing_name() == name)
    }

    /// The protocol the service speaks.
    pub fn protocol(self) -> Protocol {
        match self {
            Self::Route53 => Protocol::RestXml,
            Self::Resolver => Protocol::Json11,
            Self::Profiles => Protocol::RestJson,
            Self::Ec2 => Protocol::Ec2Query,
            Self::Kms => Protocol::Json11,
            Self::Iam => Protocol::Query {
                namespace: crate::protocol::aws_query::IAM_NAMESPACE,
            },
            Self::Sts => Protocol::Query {
                namespace: crate::protocol::aws_query::STS_NAMESPACE,
            },
            Self::Domains => Protocol::Json11,
            Self::Logs => Protocol::Json11,
        }
    }
}

/// What [`decide`] chose for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    /// The service whose router answers.
    pub service: Service,
    /// The protocol its body and errors are in.
    pub protocol: Protocol,
    /// `X-Amz-Target` (json-1.1's operation), when the request has one.
    pub target: Option<String>,
}

impl Dispatch {
    /// A service in its own protocol.
    pub fn to(service: Service) -> Self {
        Self {
            service,
            protocol: service.protocol(),
            target: None,
        }
    }
}

/// Decides the service and protocol of a request from its head (the body is not read).
pub fn decide(parts: &Parts) -> Dispatch {
    let scope_service =
        sigv4::claimed_scope(parts).and_then(|scope| Service::from_signing_name(&scope.service));
    decide_from(
        &parts.method,
        parts.uri.path(),
        &parts.headers,
        scope_service,
    )
}

/// [`decide`] on the parts it looks at: method, path, headers and the scope's service.
pub fn decide_from(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    scope_service: Option<Service>,
) -> Dispatch {
    if let Some(target) = headers.get("x-amz-target") {
        // The json-1.1 services, told apart by the target's prefix; Resolver's handler
        // refuses other prefixes.
        let target = String::from_utf8_lossy(target.as_bytes()).into_owned();
        let service = match target.split_once('.') {
            Some((KMS_TARGET_PREFIX, _)) => Service::Kms,
            Some((DOMAINS_TARGET_PREFIX, _)) => Service::Domains,
            Some((LOGS_TARGET_PREFIX, _)) => Service::Logs,
            _ => Service::Resolver,
        };
        return Dispatch {
            target: Some(target),
            ..Dispatch::to(service)
        };
    }
    if path.starts_with(ROUTE53_PREFIX) {
        return Dispatch::to(Service::Route53);
    }
    if path.starts_with(CAIRN_ADMIN_PREFIX) {
        return Dispatch {
            protocol: Protocol::RestJson,
            ..Dispatch::to(Service::Route53)
        };
    }
    if is_profiles_path(path) {
        return Dispatch::to(Service::Profiles);
    }
    if let Some(service) = scope_service {
        return Dispatch::to(service);
    }
    if method == Method::POST && path == "/" {
        return Dispatch::to(if declares_json(headers) {
            Service::Resolver
        } else {
            Service::Ec2
        });
    }
    Dispatch::to(Service::Route53)
}

/// Whether a path is one of Route 53 Profiles' rest-json paths (botocore's
/// `route53profiles/2018-05-10/service-2.json`: `/profile…`, `/tags/{ResourceArn}`).
pub fn is_profiles_path(path: &str) -> bool {
    path.starts_with("/profile") || path.starts_with("/tags/")
}

/// Whether the body declares itself as AWS JSON (`application/x-amz-json-1.1`).
fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(
        method: Method,
        path: &str,
        headers: &[(&'static str, &'static str)],
        scope: Option<Service>,
    ) -> (Service, Protocol) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().expect("header value"));
        }
        let d = decide_from(&method, path, &map, scope);
        (d.service, d.protocol)
    }

    #[test]
    fn the_shape_decides_first_then_the_scope() {
        use Protocol::*;
        use Service::*;
        let target = [("x-amz-target", "Route53Resolver.ListResolverRules")];
        let kms = [("x-amz-target", "TrentService.CreateKey")];
        let domains = [("x-amz-target", "Route53Domains_v20140515.ListDomains")];
        let logs = [("x-amz-target", "Logs_20140328.GetLogEvents")];
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let json = [("content-type", "application/x-amz-json-1.1")];
        for (method, path, headers, scope, want) in [
            (
                Method::POST,
                "/",
                &target[..],
                Some(Resolver),
                (Resolver, Json11),
            ),
            (Method::POST, "/", &target[..], None, (Resolver, Json11)),
            (Method::POST, "/", &kms[..], Some(Kms), (Kms, Json11)),
            (Method::POST, "/", &kms[..], None, (Kms, Json11)),
            (Method::POST, "/", &domains[..], None, (Domains, Json11)),
            (Method::POST, "/", &logs[..], Some(Logs), (Logs, Json11)),
            (Method::POST, "/", &form[..], Some(Ec2), (Ec2, Ec2Query)),
            (Method::POST, "/", &form[..], None, (Ec2, Ec2Query)),
            (
                Method::POST,
                "/",
                &form[..],
                Some(Iam),
                (Iam, Iam.protocol()),
            ),
            (
                Method::POST,
                "/",
                &form[..],
                Some(Sts),
                (Sts, Sts.protocol()),
            ),
            (Method::POST, "/", &json[..], None, (Resolver, Json11)),
            (
                Method::POST,
                "/",
                &[][..],
                Some(Route53),
                (Route53, RestXml),
            ),
            (
                Method::GET,
                "/2013-04-01/hostedzone",
                &[][..],
                None,
                (Route53, RestXml),
            ),
            // A script that signs everything `route53resolver` still gets Route 53 here.
            (
                Method::GET,
                "/2013-04-01/x",
                &[][..],
                Some(Resolver),
                (Route53, RestXml),
            ),
            (
                Method::POST,
                "/_cairn/healthcheck/h/override",
                &[][..],
                None,
                (Route53, RestJson),
            ),
            (
                Method::GET,
                "/profiles",
                &[][..],
                Some(Route53),
                (Profiles, RestJson),
            ),
            (
                Method::DELETE,
                "/tags/arn",
                &[][..],
                None,
                (Profiles, RestJson),
            ),
            (Method::GET, "/nowhere", &[][..], Some(Ec2), (Ec2, Ec2Query)),
            (
                Method::GET,
                "/nowhere",
                &[][..],
                Some(Profiles),
                (Profiles, RestJson),
            ),
            (Method::GET, "/nowhere", &[][..], None, (Route53, RestXml)),
        ] {
            assert_eq!(
                decided(method.clone(), path, headers, scope),
                want,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn signing_names_round_trip() {
        for service in Service::ALL {
            assert_eq!(
                Service::from_signing_name(service.signing_name()),
                Some(service)
            );
        }
        assert_eq!(Service::from_signing_name("s3"), None);
        let names: Vec<&str> = Service::ALL.iter().map(|s| s.signing_name()).collect();
        assert_eq!(
            names,
            sigv4::SERVICES,
            "sigv4 accepts exactly the services dispatched"
        );
    }
}
