//! Calls the API the way the CLI would: a SigV4-signed request sent in process through the
//! API router (tower `oneshot`), so authorization is the API's, unchanged.
//!
//! ```text
//!   page handler ──► ApiCall (service, method, path, query, body)
//!                ──► sign with the session's key (cairn_api::sigv4) ──► api Router.oneshot
//!                ──► 2xx: body bytes | error: AWS error parsed into ApiError (its Message)
//! ```

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request};
use axum::Router;
use cairn_api::protocol::rest_xml::{self, Element};
use cairn_api::sigv4;
use sha2::{Digest, Sha256};
use tower::ServiceExt as _;

use crate::session::Session;

/// The host the console's in-process requests name (signed, never resolved).
const HOST: &str = "console.cairn.internal";
/// The largest API response the console reads.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;
/// Route 53 is global and signs `us-east-1`, as the SDKs do.
const ROUTE53_REGION: &str = "us-east-1";

/// An error the API answered, or a failure to reach it, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The AWS error code (`HostedZoneNotEmpty`), or `ConsoleError` for the console's own.
    pub code: String,
    /// The error's message, as the API wrote it.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{} ({})", self.message, self.code)
        }
    }
}

impl ApiError {
    /// An error found by the console itself (an answer it could not read).
    pub fn console(message: impl Into<String>) -> Self {
        Self {
            code: "ConsoleError".into(),
            message: message.into(),
        }
    }

    /// Reads an error body: rest-xml (`ErrorResponse/Error`), EC2 (`Response/Errors/Error`)
    /// or json (`__type` and `message`).
    pub fn from_body(status: u16, body: &[u8]) -> Self {
        if let Ok(root) = rest_xml::parse(body) {
            if let Some(error) = find(&root, "Error") {
                return Self {
                    code: error.child_text("Code").unwrap_or_default().to_string(),
                    message: error.child_text("Message").unwrap_or_default().to_string(),
                };
            }
        }
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
            let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_string);
            let code = text("__type")
                .map(|t| t.rsplit('#').next().unwrap_or_default().to_string())
                .or_else(|| text("code"))
                .unwrap_or_default();
            let message = text("message")
                .or_else(|| text("Message"))
                .unwrap_or_default();
            if !code.is_empty() || !message.is_empty() {
                return Self { code, message };
            }
        }
        Self::console(format!("the API answered HTTP {status}"))
    }
}

/// The first element called `name` at or below `root`, depth first.
pub fn find<'a>(root: &'a Element, name: &str) -> Option<&'a Element> {
    if root.name == name {
        return Some(root);
    }
    root.children.iter().find_map(|c| find(c, name))
}

/// One API call.
#[derive(Debug, Clone)]
pub struct ApiCall {
    service: &'static str,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl ApiCall {
    /// A Route 53 rest-xml call: `GET`/`POST`/`DELETE` on `/2013-04-01/…`.
    pub fn route53(method: Method, path: impl Into<String>) -> Self {
        Self {
            service: "route53",
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A Route 53 Resolver json-1.1 call (`Route53Resolver.<operation>`).
    pub fn resolver(operation: &str, body: serde_json::Value) -> Self {
        Self {
            service: "route53resolver",
            method: Method::POST,
            path: "/".into(),
            query: Vec::new(),
            headers: vec![
                ("content-type", "application/x-amz-json-1.1".into()),
                ("x-amz-target", format!("Route53Resolver.{operation}")),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// A Route 53 Profiles rest-json `GET`.
    pub fn profiles(path: impl Into<String>) -> Self {
        Self {
            service: "route53profiles",
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// An EC2 query-protocol call with `Action` and its parameters.
    pub fn ec2(action: &str, params: &[(&str, &str)]) -> Self {
        let mut form = format!("Action={action}&Version=2016-11-15");
        for (k, v) in params {
            form.push_str(&format!(
                "&{}={}",
                crate::html::url_encode(k),
                crate::html::url_encode(v)
            ));
        }
        Self {
            service: "ec2",
            method: Method::POST,
            path: "/".into(),
            query: Vec::new(),
            headers: vec![(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            body: form.into_bytes(),
        }
    }

    /// Adds a query parameter (skipped when `value` is empty).
    pub fn param(mut self, name: &str, value: &str) -> Self {
        if !value.is_empty() {
            self.query.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// Sets an XML body.
    pub fn xml(mut self, body: String) -> Self {
        self.headers.push(("content-type", "text/xml".into()));
        self.body = body.into_bytes();
        self
    }

    /// The request, signed for `session` at `now`.
    fn signed(&self, session: &Session, now: time::OffsetDateTime) -> Request<Body> {
        let region = if self.service == "route53" {
            ROUTE53_REGION
        } else {
            session.region.as_str()
        };
        let amz_date = sigv4::amz_date(now);
        let date = &amz_date[..8];
        let raw_query = self
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::html::url_encode(k),
                    crate::html::url_encode(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let payload_hash = hex::encode(Sha256::digest(&self.body));
        let mut headers: Vec<(&str, String)> = vec![
            ("host", HOST.to_string()),
            ("x-amz-content-sha256", payload_hash.clone()),
            ("x-amz-date", amz_date.clone()),
        ];
        headers.extend(self.headers.iter().map(|(k, v)| (*k, v.clone())));
        headers.sort_by(|a, b| a.0.cmp(b.0));
        let canonical_headers: String = headers
            .iter()
            .map(|(k, v)| format!("{k}:{}\n", v.trim()))
            .collect();
        let signed_headers = headers
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(";");
        let canonical_uri = sigv4::canonical_uris(&self.path)
            .into_iter()
            .next()
            .unwrap_or_else(|| "/".into());
        let canonical = sigv4::canonical_request(
            self.method.as_str(),
            &canonical_uri,
            &sigv4::canonical_query(&raw_query, false),
            &canonical_headers,
            &signed_headers,
            &payload_hash,
        );
        let scope = format!("{date}/{region}/{}/aws4_request", self.service);
        let key = sigv4::signing_key(&session.secret_access_key, date, region, self.service);
        let signature =
            sigv4::signature(&key, &sigv4::string_to_sign(&amz_date, &scope, &canonical));
        let authorization = format!(
            "{} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            sigv4::ALGORITHM,
            session.access_key_id
        );
        let uri = if raw_query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{raw_query}", self.path)
        };
        let mut builder = Request::builder().method(self.method.clone()).uri(uri);
        for (k, v) in &headers {
            builder = builder.header(*k, v);
        }
        builder
            .header("authorization", authorization)
            .body(Body::from(self.body.clone()))
            .expect("the console builds valid requests")
    }
}

/// Sends signed calls for one session through the API router.
#[derive(Clone)]
pub struct ApiClient {
    api: Router,
    session: Session,
}

impl ApiClient {
    /// A client for `session` over the API router `api`.
    pub fn new(api: Router, session: Session) -> Self {
        Self { api, session }
    }

    /// Sends `call`; the body of a 2xx answer, else the API's error.
    pub async fn send(&self, call: &ApiCall) -> Result<Vec<u8>, ApiError> {
        let request = call.signed(&self.session, time::OffsetDateTime::now_utc());
        let response = match self.api.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let body = to_bytes(response.into_body(), MAX_RESPONSE_BYTES)
            .await
            .map_err(|e| ApiError::console(format!("cannot read the API's answer: {e}")))?;
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            Err(ApiError::from_body(status.as_u16(), &body))
        }
    }

    /// Sends a call answered in XML (Route 53, EC2) and parses the answer.
    pub async fn xml(&self, call: &ApiCall) -> Result<Element, ApiError> {
        let body = self.send(call).await?;
        rest_xml::parse(&body)
            .map_err(|e| ApiError::console(format!("unreadable answer: {}", e.message)))
    }

    /// Sends a call answered in JSON (Resolver, Profiles) and parses the answer.
    pub async fn json(&self, call: &ApiCall) -> Result<serde_json::Value, ApiError> {
        let body = self.send(call).await?;
        if body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::console(format!("unreadable answer: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route53_error_shows_its_message_and_code() {
        let body = br#"<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>HostedZoneNotEmpty</Code><Message>The specified hosted zone contains non-required resource record sets and so cannot be deleted.</Message></Error><RequestId>r</RequestId></ErrorResponse>"#;
        let error = ApiError::from_body(400, body);
        assert_eq!(error.code, "HostedZoneNotEmpty");
        assert_eq!(
            error.to_string(),
            "The specified hosted zone contains non-required resource record sets and so cannot be deleted. (HostedZoneNotEmpty)"
        );
    }

    #[test]
    fn ec2_and_json_errors_are_read_too() {
        let ec2 = b"<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-1' does not exist</Message></Error></Errors><RequestID>x</RequestID></Response>";
        assert_eq!(
            ApiError::from_body(400, ec2).message,
            "The vpc ID 'vpc-1' does not exist"
        );
        let json = br#"{"__type":"ResourceNotFoundException","message":"Resolver rule not found"}"#;
        let error = ApiError::from_body(400, json);
        assert_eq!(error.code, "ResourceNotFoundException");
        assert_eq!(error.message, "Resolver rule not found");
        assert_eq!(ApiError::from_body(502, b"").code, "ConsoleError");
    }

    #[test]
    fn signed_request_carries_a_sigv4_authorization_the_api_verifies() {
        let session = Session::new("AKID".into(), "secret".into(), "eu-west-1".into(), 0);
        let call = ApiCall::route53(Method::GET, "/2013-04-01/hostedzone/Z1/rrset")
            .param("name", "a b.example.com.")
            .param("type", "A");
        let now = time::OffsetDateTime::now_utc();
        let request = call.signed(&session, now);
        let (parts, _) = request.into_parts();
        let credentials = cairn_api::Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
        };
        let principal = sigv4::verify_parts(&parts, b"", &credentials, now).expect("verifies");
        assert_eq!(principal.scope.region, "us-east-1");
        let wrong = cairn_api::Credentials {
            access_key_id: "AKID".into(),
            secret_access_key: "other".into(),
        };
        assert!(sigv4::verify_parts(&parts, b"", &wrong, now).is_err());

        let json = ApiCall::resolver("ListResolverRules", serde_json::json!({}));
        let request = json.signed(&session, now);
        let (parts, body) = request.into_parts();
        drop(body);
        let principal = sigv4::verify_parts(&parts, b"{}", &credentials, now).expect("verifies");
        assert_eq!(principal.scope.region, "eu-west-1");
        assert_eq!(principal.scope.service, "route53resolver");
    }
}
