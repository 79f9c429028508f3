//! Bad paths, methods and bodies, for every service on the port: each gets an AWS error in
//! the client's protocol (shape, content type, code and status), never the framework's
//! plain text. None of these requests reaches the store.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{now_amz_date, signer, Api, Reply, ACCESS_KEY, HOST, SECRET};

/// The error shape a client of each protocol expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// rest-xml `<ErrorResponse><Error><Code>`, `text/xml`.
    RestXml,
    /// EC2's `<Response><Errors><Error><Code>`, `text/xml;charset=UTF-8`.
    Ec2,
    /// `{"__type": …}`, `application/x-amz-json-1.1`.
    Json11,
    /// `{"__type": …}`, `application/json`.
    RestJson,
}

/// One request: `service` signs it (`None`: unsigned).
struct Case {
    service: Option<&'static str>,
    method: &'static str,
    uri: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    status: StatusCode,
    shape: Shape,
    code: &'static str,
}

const JSON_11: &[(&str, &str)] = &[("content-type", "application/x-amz-json-1.1")];
const FORM: &[(&str, &str)] = &[("content-type", "application/x-www-form-urlencoded")];
const NO_SUCH_TARGET: &[(&str, &str)] = &[
    ("content-type", "application/x-amz-json-1.1"),
    ("x-amz-target", "Route53Resolver.NoSuchOperation"),
];
const OTHER_SERVICE_TARGET: &[(&str, &str)] = &[
    ("content-type", "application/x-amz-json-1.1"),
    ("x-amz-target", "DynamoDB_20120810.ListTables"),
];
const GET_RULE: &[(&str, &str)] = &[
    ("content-type", "application/x-amz-json-1.1"),
    ("x-amz-target", "Route53Resolver.GetResolverRule"),
];
const GET_RULE_AS_FORM: &[(&str, &str)] = &[
    ("content-type", "application/x-www-form-urlencoded"),
    ("x-amz-target", "Route53Resolver.GetResolverRule"),
];
const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Shape::*;
    let bad = StatusCode::BAD_REQUEST;
    let not_found = StatusCode::NOT_FOUND;
    let forbidden = StatusCode::FORBIDDEN;
    let case = |service, method, uri, headers, body, status, shape, code| Case {
        service, method, uri, headers, body, status, shape, code,
    };
    let r53 = Some("route53");
    let resolver = Some("route53resolver");
    let profiles = Some("route53profiles");
    let ec2 = Some("ec2");
    let zone_without_reference = r#"<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>example.com</Name></CreateHostedZoneRequest>"#;
    vec![
        // Route 53, rest-xml.
        case(r53, "GET", "/2013-04-01/nosuchthing", &[], "", not_found, RestXml, "UnknownOperationException"),
        case(r53, "PUT", "/2013-04-01/hostedzone", &[], "", not_found, RestXml, "UnknownOperationException"),
        case(r53, "PATCH", "/2013-04-01/hostedzone/Z1/rrset", &[], "", not_found, RestXml, "UnknownOperationException"),
        case(r53, "POST", "/2013-04-01/hostedzone", &[], "not xml", bad, RestXml, "MalformedInput"),
        case(r53, "POST", "/2013-04-01/hostedzone", JSON, r#"{"Name": "example.com"}"#, bad, RestXml, "MalformedInput"),
        case(r53, "POST", "/2013-04-01/hostedzone", &[], zone_without_reference, bad, RestXml, "InvalidInput"),
        case(r53, "GET", "/2013-04-01/hostedzone/%FF", &[], "", bad, RestXml, "InvalidInput"),
        case(r53, "GET", "/2013-04-01/hostedzone?maxitems=many", &[], "", bad, RestXml, "InvalidInput"),
        case(r53, "GET", "/nowhere", &[], "", not_found, RestXml, "UnknownOperationException"),
        case(r53, "POST", "/", FORM, "Action=DescribeVpcs", not_found, RestXml, "UnknownOperationException"),
        // Cairn's signed JSON admin call on Route 53 health checks.
        case(r53, "POST", "/_cairn/healthcheck/h1/override", JSON, "{not json", bad, RestJson, "InvalidInput"),
        case(r53, "GET", "/_cairn/healthcheck/h1/override", &[], "", not_found, RestJson, "UnknownOperationException"),
        // Route 53 Resolver, json-1.1.
        case(resolver, "POST", "/", NO_SUCH_TARGET, "{}", bad, Json11, "UnknownOperationException"),
        case(resolver, "POST", "/", OTHER_SERVICE_TARGET, "{}", bad, Json11, "UnknownOperationException"),
        case(resolver, "POST", "/", JSON_11, "{}", bad, Json11, "UnknownOperationException"),
        case(resolver, "GET", "/", &[], "", bad, Json11, "UnknownOperationException"),
        case(resolver, "POST", "/nowhere", NO_SUCH_TARGET, "{}", bad, Json11, "UnknownOperationException"),
        case(resolver, "POST", "/", GET_RULE, "{not json", bad, Json11, "SerializationException"),
        case(resolver, "POST", "/", GET_RULE, "[1]", bad, Json11, "SerializationException"),
        case(resolver, "POST", "/", GET_RULE_AS_FORM, "ResolverRuleId=rslvr-rr-1", bad, Json11, "SerializationException"),
        case(resolver, "POST", "/", GET_RULE, r#"{"ResolverRuleId": 7}"#, bad, Json11, "SerializationException"),
        case(resolver, "POST", "/", GET_RULE, "{}", bad, Json11, "ValidationException"),
        // Route 53 Profiles, rest-json.
        case(profiles, "GET", "/profile/%FF", &[], "", bad, RestJson, "ValidationException"),
        case(profiles, "PUT", "/profile", &[], "", not_found, RestJson, "UnknownOperationException"),
        case(profiles, "GET", "/profilesandmore", &[], "", not_found, RestJson, "UnknownOperationException"),
        case(profiles, "GET", "/nowhere", &[], "", not_found, RestJson, "UnknownOperationException"),
        case(profiles, "POST", "/profile", JSON, "nope", bad, RestJson, "SerializationException"),
        case(profiles, "POST", "/profile", FORM, "Name=p", bad, RestJson, "SerializationException"),
        case(profiles, "POST", "/profile", JSON, "{}", bad, RestJson, "ValidationException"),
        // EC2, query protocol.
        case(ec2, "POST", "/", FORM, "Version=2016-11-15", bad, Ec2, "MissingAction"),
        case(ec2, "POST", "/", FORM, "Action=NoSuchAction&Version=2016-11-15", bad, Ec2, "InvalidAction"),
        case(ec2, "POST", "/", JSON, r#"{"Action": "CreateVpc"}"#, bad, Ec2, "MissingAction"),
        case(ec2, "POST", "/", FORM, "Action=CreateVpc&Version=2016-11-15", bad, Ec2, "MissingParameter"),
        case(ec2, "GET", "/", &[], "", bad, Ec2, "InvalidAction"),
        case(ec2, "POST", "/nowhere", FORM, "Action=DescribeVpcs", bad, Ec2, "InvalidAction"),
        // Unsigned: refused first, in the form the request's shape asks for.
        case(None, "GET", "/nowhere", &[], "", forbidden, RestXml, "MissingAuthenticationToken"),
        case(None, "POST", "/", FORM, "Action=DescribeVpcs", forbidden, Ec2, "MissingAuthenticationToken"),
        case(None, "POST", "/", GET_RULE, "{}", forbidden, Json11, "MissingAuthenticationToken"),
        case(None, "POST", "/", JSON_11, "{}", forbidden, Json11, "MissingAuthenticationToken"),
        case(None, "GET", "/profiles", &[], "", forbidden, RestJson, "MissingAuthenticationToken"),
        case(None, "POST", "/_cairn/health", &[], "", not_found, RestXml, "UnknownOperationException"),
    ]
}

/// `case` as a client of its service would send it, signed now.
fn request(case: &Case) -> Request<Body> {
    let amz_date = now_amz_date();
    let (raw_path, raw_query) = case.uri.split_once('?').unwrap_or((case.uri, ""));
    let mut headers: Vec<(&str, String)> =
        vec![("host", HOST.to_string()), ("x-amz-date", amz_date.clone())];
    headers.extend(case.headers.iter().map(|(k, v)| (*k, (*v).to_string())));
    let mut builder = Request::builder().method(case.method).uri(case.uri);
    for (name, value) in &headers {
        builder = builder.header(*name, value);
    }
    if let Some(service) = case.service {
        let signing = signer::Signing {
            method: case.method,
            raw_path,
            raw_query,
            headers: &headers,
            payload: case.body.as_bytes(),
            access_key: ACCESS_KEY,
            secret: SECRET,
            region: "us-east-1",
            service,
            amz_date: &amz_date,
        };
        builder = builder.header("authorization", signing.authorization());
    }
    builder.body(Body::from(case.body)).expect("valid request")
}

/// The error code in `reply`, read as `shape` says (panics when the body is not that shape).
fn code_in(reply: &Reply, shape: Shape) -> String {
    match shape {
        Shape::RestXml => {
            assert_eq!(reply.xml().name, "ErrorResponse", "{}", reply.body);
            reply.text("Error/Code").unwrap_or_default()
        }
        Shape::Ec2 => {
            assert_eq!(reply.xml().name, "Response", "{}", reply.body);
            assert!(reply.text("RequestID").is_some(), "{}", reply.body);
            reply.text("Errors/Error/Code").unwrap_or_default()
        }
        Shape::Json11 | Shape::RestJson => {
            let body: serde_json::Value = serde_json::from_str(&reply.body)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.body));
            assert!(body["Message"].is_string(), "{}", reply.body);
            let code = body["__type"].as_str().unwrap_or_default().to_string();
            assert_eq!(
                reply
                    .headers
                    .get("x-amzn-errortype")
                    .and_then(|v| v.to_str().ok()),
                Some(code.as_str())
            );
            code
        }
    }
}

fn content_type(shape: Shape) -> &'static str {
    match shape {
        Shape::RestXml => "text/xml",
        Shape::Ec2 => "text/xml;charset=UTF-8",
        Shape::Json11 => "application/x-amz-json-1.1",
        Shape::RestJson => "application/json",
    }
}

#[tokio::test]
async fn bad_paths_methods_and_bodies_get_aws_errors_in_the_clients_protocol() {
    let api = Api::without_store();
    let mut failures = Vec::new();
    for case in cases() {
        let reply = api.send(request(&case)).await;
        let what = format!(
            "{} {} {} signed {:?}",
            case.method, case.uri, case.body, case.service
        );
        let got_type = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let got = (reply.status, got_type.as_str());
        if got != (case.status, content_type(case.shape)) {
            failures.push(format!("{what}: got {got:?}: {}", reply.body));
            continue;
        }
        let code = code_in(&reply, case.shape);
        if code != case.code {
            failures.push(format!("{what}: code {code}, want {}", case.code));
        }
        assert!(
            reply.headers.contains_key("x-amz-request-id"),
            "{what}: no request id"
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
