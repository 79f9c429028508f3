//! Test harness: the router driven in-process with signed requests, and XML helpers.
#![allow(dead_code, unreachable_pub)]

pub mod signer;
mod unreachable_store;

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use cairn_api::protocol::rest_xml::{self, Element};
use cairn_api::{ApiConfig, AppState, Credentials};
use cairn_model::{DomainName, Limits};
use tower::ServiceExt;

pub const ACCESS_KEY: &str = "AKIDCAIRNTEST";
pub const SECRET: &str = "cairn-test-secret/with+symbols";
pub const HOST: &str = "127.0.0.1:8053";

/// The API under test.
pub struct Api {
    pub router: Router,
    pub config: ApiConfig,
    /// What the router's handlers share (for calling crate functions beside the router).
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub fn config() -> ApiConfig {
    ApiConfig {
        account_id: "111111111111".into(),
        name_servers: [
            "ns1.cairn.test",
            "ns2.cairn.test",
            "ns3.cairn.test",
            "ns4.cairn.test",
        ]
        .iter()
        .map(|n| DomainName::from_route53(n).expect("valid"))
        .collect(),
        limits: Limits::default(),
        location_base: "http://127.0.0.1:8053".into(),
        data_dir: None,
        registry_tlds: Vec::new(),
    }
}

fn state(store: Arc<dyn cairn_store::Store>, config: ApiConfig) -> AppState {
    AppState {
        store,
        credentials: Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET.into(),
        },
        config,
        readiness: Arc::new(|| serde_json::json!({"status": "ready", "api": true})),
        dns: None,
        master_key: Arc::new(cairn_crypto::MasterKey::from_bytes(&[7; 32])),
    }
}

impl Api {
    /// The API over a fresh SQLite store in a temporary directory.
    pub async fn new() -> Self {
        Self::with_config(config()).await
    }

    /// The same, with a custom configuration (e.g. smaller limits).
    pub async fn with_config(config: ApiConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/cairn.db", dir.path().display());
        let store = cairn_store::open(&url).await.expect("open store");
        let state = state(store, config.clone());
        Self {
            router: cairn_api::router(state.clone()),
            config,
            state,
            _dir: Some(dir),
        }
    }

    /// The API over a store that fails the test if touched: for protocol-level tests.
    pub fn without_store() -> Self {
        let config = config();
        let store: Arc<dyn cairn_store::Store> = Arc::new(unreachable_store::UnreachableStore);
        let state = state(store, config.clone());
        Self {
            router: cairn_api::router(state.clone()),
            config,
            state,
            _dir: None,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).expect("utf-8 body"),
        }
    }

    /// A request signed now with the right key, as botocore signs Route 53.
    pub async fn call(&self, method: &str, uri: &str, body: &str) -> Reply {
        self.send(signed(
            method,
            uri,
            body,
            ACCESS_KEY,
            SECRET,
            &now_amz_date(),
        ))
        .await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call("GET", uri, "").await
    }

    pub async fn post(&self, uri: &str, body: &str) -> Reply {
        self.call("POST", uri, body).await
    }

    pub async fn delete(&self, uri: &str) -> Reply {
        self.call("DELETE", uri, "").await
    }

    /// Creates a zone and returns its bare id.
    pub async fn create_zone(&self, name: &str, caller_reference: &str) -> String {
        let reply = self
            .post(
                "/2013-04-01/hostedzone",
                &create_zone_body(name, caller_reference),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let id = reply.text("HostedZone/Id").expect("id");
        id.trim_start_matches("/hostedzone/").to_string()
    }

    /// Sends a ChangeResourceRecordSets batch of `<Change>` elements.
    pub async fn change(&self, zone: &str, changes: &str) -> Reply {
        self.post(
            &format!("/2013-04-01/hostedzone/{zone}/rrset/"),
            &change_batch(changes),
        )
        .await
    }
}

pub fn create_zone_body(name: &str, caller_reference: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>{name}</Name><CallerReference>{caller_reference}</CallerReference></CreateHostedZoneRequest>"#
    )
}

pub fn change_batch(changes: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes>{changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#
    )
}

/// One `<Change>` with a plain value set.
pub fn simple_change(action: &str, name: &str, rtype: &str, ttl: u32, values: &[&str]) -> String {
    let records: String = values
        .iter()
        .map(|v| format!("<ResourceRecord><Value>{v}</Value></ResourceRecord>"))
        .collect();
    format!(
        "<Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>{rtype}</Type><TTL>{ttl}</TTL><ResourceRecords>{records}</ResourceRecords></ResourceRecordSet></Change>"
    )
}

pub fn now_amz_date() -> String {
    let now = time::OffsetDateTime::now_utc();
    amz_date(now)
}

pub fn amz_date(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A request signed in the Authorization header.
pub fn signed(
    method: &str,
    uri: &str,
    body: &str,
    access_key: &str,
    secret: &str,
    amz_date: &str,
) -> Request<Body> {
    let (raw_path, raw_query) = uri.split_once('?').unwrap_or((uri, ""));
    let headers = [
        ("host", HOST.to_string()),
        ("x-amz-date", amz_date.to_string()),
    ];
    let signing = signer::Signing {
        method,
        raw_path,
        raw_query,
        headers: &headers,
        payload: body.as_bytes(),
        access_key,
        secret,
        region: "us-east-1",
        service: "route53",
        amz_date,
    };
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", HOST)
        .header("x-amz-date", amz_date)
        .header("authorization", signing.authorization())
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

impl Reply {
    pub fn xml(&self) -> Element {
        rest_xml::parse(self.body.as_bytes())
            .unwrap_or_else(|e| panic!("response is not XML: {e}: {}", self.body))
    }

    /// The text at a `/`-separated path below the root.
    pub fn text(&self, path: &str) -> Option<String> {
        find(&self.xml(), path).map(|e| e.text.clone())
    }

    /// Asserts an `<ErrorResponse>` with this status, code and message.
    pub fn assert_error(&self, status: StatusCode, code: &str, message: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let root = self.xml();
        assert_eq!(root.name, "ErrorResponse", "{}", self.body);
        assert_eq!(
            find(&root, "Error/Type").map(|e| e.text.as_str()),
            Some("Sender")
        );
        assert_eq!(
            find(&root, "Error/Code").map(|e| e.text.as_str()),
            Some(code),
            "{}",
            self.body
        );
        assert_eq!(
            find(&root, "Error/Message").map(|e| e.text.as_str()),
            Some(message),
            "{}",
            self.body
        );
        let request_id = find(&root, "RequestId").expect("RequestId").text.clone();
        assert_eq!(
            self.headers
                .get("x-amz-request-id")
                .and_then(|v| v.to_str().ok()),
            Some(request_id.as_str())
        );
    }

    pub fn error_code(&self) -> String {
        self.text("Error/Code").unwrap_or_default()
    }
}

/// The element at a `/`-separated path below `root`.
pub fn find<'a>(root: &'a Element, path: &str) -> Option<&'a Element> {
    path.split('/').try_fold(root, |e, name| e.child(name))
}

//------------ EC2 (query protocol) ------------------------------------------------------

/// A form-encoded `POST /` signed for `service` in `region`, as botocore's EC2 client sends.
pub fn signed_form(
    body: &str,
    service: &str,
    region: &str,
    extra: &[(&str, &str)],
) -> Request<Body> {
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    signed_post(content_type, extra, service, region, body)
}

//------------ json-1.1 services (Resolver, KMS) ------------------------------------------

/// A json-1.1 request as botocore sends it: `POST /` with `X-Amz-Target: {target}` (for
/// example `TrentService.CreateKey`), signed for `service` in `region`.
pub fn signed_json(target: &str, service: &str, region: &str, body: &str) -> Request<Body> {
    let extra = [("x-amz-target", target)];
    signed_post("application/x-amz-json-1.1", &extra, service, region, body)
}

/// `POST /` of `body` with its content type, host, date and `extra` headers, signed (SigV4)
/// for `service` in `region`.
fn signed_post(
    content_type: &str,
    extra: &[(&str, &str)],
    service: &str,
    region: &str,
    body: &str,
) -> Request<Body> {
    let amz_date = now_amz_date();
    let mut headers = vec![
        ("content-type", content_type.to_string()),
        ("host", HOST.to_string()),
        ("x-amz-date", amz_date.clone()),
    ];
    headers.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
    let signing = signer::Signing {
        method: "POST",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
        payload: body.as_bytes(),
        access_key: ACCESS_KEY,
        secret: SECRET,
        region,
        service,
        amz_date: &amz_date,
    };
    let mut builder = Request::builder().method("POST").uri("/");
    for (name, value) in &headers {
        builder = builder.header(*name, value);
    }
    builder
        .header("authorization", signing.authorization())
        .body(Body::from(body.to_string()))
        .expect("valid request")
}

/// Percent-encodes a form value.
pub fn form_encode(value: &str) -> String {
    cairn_api::protocol::query::uri_encode(value, false)
}

impl Api {
    /// An EC2 action in `region` with `params` (`Action` and `Version` added).
    pub async fn ec2_in(&self, region: &str, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut body = format!("Action={action}&Version=2016-11-15");
        for (k, v) in params {
            body.push('&');
            body.push_str(&form_encode(k));
            body.push('=');
            body.push_str(&form_encode(v));
        }
        self.send(signed_form(&body, "ec2", region, &[])).await
    }

    /// An EC2 action in us-east-1.
    pub async fn ec2(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        self.ec2_in("us-east-1", action, params).await
    }

    /// Creates a VPC and returns its id.
    pub async fn create_vpc(&self, cidr: &str) -> String {
        let reply = self.ec2("CreateVpc", &[("CidrBlock", cidr)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.text("vpc/vpcId").expect("vpcId")
    }
}

impl Reply {
    /// Asserts an EC2 error document with this code and message (always HTTP 400).
    pub fn assert_ec2_error(&self, code: &str, message: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{}", self.body);
        let root = self.xml();
        assert_eq!(root.name, "Response", "{}", self.body);
        assert_eq!(
            find(&root, "Errors/Error/Code").map(|e| e.text.as_str()),
            Some(code),
            "{}",
            self.body
        );
        assert_eq!(
            find(&root, "Errors/Error/Message").map(|e| e.text.as_str()),
            Some(message),
            "{}",
            self.body
        );
        let request_id = find(&root, "RequestID").expect("RequestID").text.clone();
        assert_eq!(
            self.headers
                .get("x-amz-request-id")
                .and_then(|v| v.to_str().ok()),
            Some(request_id.as_str())
        );
    }

    /// The texts of every element at `path` (the last step may repeat, e.g. `vpcSet/item`).
    pub fn texts(&self, path: &str) -> Vec<String> {
        let root = self.xml();
        let (parent, last) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if parent.is_empty() {
            Some(&root)
        } else {
            find(&root, parent)
        };
        parent
            .map(|p| p.children_named(last).map(|e| e.text.clone()).collect())
            .unwrap_or_default()
    }
}
