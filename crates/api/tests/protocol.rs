//! Protocol-level behaviour: SigV4, the error envelope, malformed input, readiness.
//! None of these requests reaches the store.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{signed, signer, Api, ACCESS_KEY, HOST, SECRET};

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

#[test]
fn test_signer_matches_the_aws_test_suite() {
    let headers = [
        ("host", "example.amazonaws.com".to_string()),
        ("x-amz-date", "20150830T123600Z".to_string()),
    ];
    let base = signer::Signing {
        method: "GET",
        raw_path: "/",
        raw_query: "",
        headers: &headers,
        payload: b"",
        access_key: "AKIDEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1",
        service: "service",
        amz_date: "20150830T123600Z",
    };
    // get-vanilla
    assert_eq!(
        base.authorization(),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    // get-vanilla-query-order-key-case
    let query_order = signer::Signing {
        raw_query: "Param2=value2&Param1=value1",
        ..base
    };
    assert!(query_order
        .authorization()
        .ends_with("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
}

#[tokio::test]
async fn health_is_unauthenticated_json_with_a_request_id() {
    let api = Api::without_store();
    let reply = api
        .send(
            Request::get("/_cairn/health")
                .header("host", HOST)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(json["status"], "ready");
    assert!(reply.headers.contains_key("x-amz-request-id"));
}

#[tokio::test]
async fn unsigned_request_is_missing_authentication_token() {
    let api = Api::without_store();
    let reply = api
        .send(
            Request::get("/2013-04-01/hostedzone")
                .header("host", HOST)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert_error(
        StatusCode::FORBIDDEN,
        "MissingAuthenticationToken",
        "Missing Authentication Token",
    );
}

#[tokio::test]
async fn unknown_access_key_is_invalid_client_token_id() {
    let api = Api::without_store();
    let request = signed(
        "GET",
        "/2013-04-01/hostedzone",
        "",
        "AKIDUNKNOWN",
        SECRET,
        &common::now_amz_date(),
    );
    api.send(request).await.assert_error(
        StatusCode::FORBIDDEN,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match() {
    let api = Api::without_store();
    let request = signed(
        "GET",
        "/2013-04-01/hostedzone",
        "",
        ACCESS_KEY,
        "not-the-secret",
        &common::now_amz_date(),
    );
    api.send(request)
        .await
        .assert_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", MISMATCH);
}

#[tokio::test]
async fn tampered_body_is_signature_does_not_match() {
    let api = Api::without_store();
    let mut request = signed(
        "POST",
        "/2013-04-01/hostedzone",
        "<a/>",
        ACCESS_KEY,
        SECRET,
        &common::now_amz_date(),
    );
    *request.body_mut() = Body::from("<b/>");
    api.send(request)
        .await
        .assert_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", MISMATCH);
}

#[tokio::test]
async fn skewed_clock_is_refused_with_the_expired_form() {
    let api = Api::without_store();
    let old = time::OffsetDateTime::now_utc() - time::Duration::minutes(20);
    let reply = api
        .send(signed(
            "GET",
            "/2013-04-01/hostedzone",
            "",
            ACCESS_KEY,
            SECRET,
            &common::amz_date(old),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "SignatureDoesNotMatch");
    let message = reply.text("Error/Message").expect("message");
    assert!(
        message.starts_with(&format!(
            "Signature expired: {} is now earlier than ",
            common::amz_date(old)
        )),
        "{message}"
    );
    assert!(message.ends_with(" - 15 min.)"), "{message}");

    let future = time::OffsetDateTime::now_utc() + time::Duration::minutes(20);
    let reply = api
        .send(signed(
            "GET",
            "/2013-04-01/hostedzone",
            "",
            ACCESS_KEY,
            SECRET,
            &common::amz_date(future),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply
        .text("Error/Message")
        .expect("message")
        .starts_with("Signature not yet current: "));
}

#[tokio::test]
async fn any_region_and_the_shared_services_are_accepted_in_the_scope() {
    let api = Api::without_store();
    for (region, service, expect_ok) in [
        ("eu-west-1", "route53", true),
        ("us-east-1", "route53resolver", true),
        ("us-east-1", "s3", false),
    ] {
        let amz_date = common::now_amz_date();
        let headers = [("host", HOST.to_string()), ("x-amz-date", amz_date.clone())];
        let signing = signer::Signing {
            method: "GET",
            raw_path: "/2013-04-01/nosuchthing",
            raw_query: "",
            headers: &headers,
            payload: b"",
            access_key: ACCESS_KEY,
            secret: SECRET,
            region,
            service,
            amz_date: &amz_date,
        };
        let request = Request::get("/2013-04-01/nosuchthing")
            .header("host", HOST)
            .header("x-amz-date", &amz_date)
            .header("authorization", signing.authorization())
            .body(Body::empty())
            .expect("request");
        let reply = api.send(request).await;
        if expect_ok {
            // Past the signature check: the unknown path is answered as such.
            assert_eq!(
                reply.error_code(),
                "UnknownOperationException",
                "{region} {service}"
            );
        } else {
            assert_eq!(reply.error_code(), "SignatureDoesNotMatch");
            assert_eq!(reply.status, StatusCode::FORBIDDEN);
        }
    }
}

#[tokio::test]
async fn presigned_query_string_is_verified() {
    let api = Api::without_store();
    let amz_date = common::now_amz_date();
    let headers = [("host", HOST.to_string())];
    let path = "/2013-04-01/nosuchthing";
    let credential = format!(
        "{ACCESS_KEY}/{}/us-east-1/route53/aws4_request",
        &amz_date[..8]
    );
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={amz_date}&X-Amz-Expires=300&X-Amz-SignedHeaders=host",
        signer::encode(&credential, false)
    );
    let signing = signer::Signing {
        method: "GET",
        raw_path: path,
        raw_query: &query,
        headers: &headers,
        payload: b"",
        access_key: ACCESS_KEY,
        secret: SECRET,
        region: "us-east-1",
        service: "route53",
        amz_date: &amz_date,
    };
    let empty_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let good = format!(
        "{path}?{query}&X-Amz-Signature={}",
        signing.signature(empty_hash)
    );
    let reply = api
        .send(
            Request::get(good)
                .header("host", HOST)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        reply.error_code(),
        "UnknownOperationException",
        "{}",
        reply.body
    );

    let bad = format!("{path}?{query}&X-Amz-Signature={}", "0".repeat(64));
    let reply = api
        .send(
            Request::get(bad)
                .header("host", HOST)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", MISMATCH);

    // Signed 20 minutes ago, valid for 5: expired.
    let old = common::amz_date(time::OffsetDateTime::now_utc() - time::Duration::minutes(20));
    let old_credential = format!("{ACCESS_KEY}/{}/us-east-1/route53/aws4_request", &old[..8]);
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={old}&X-Amz-Expires=300&X-Amz-SignedHeaders=host",
        signer::encode(&old_credential, false)
    );
    let signing = signer::Signing {
        raw_query: &query,
        amz_date: &old,
        ..signing
    };
    let expired = format!(
        "{path}?{query}&X-Amz-Signature={}",
        signing.signature(empty_hash)
    );
    let reply = api
        .send(
            Request::get(expired)
                .header("host", HOST)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    reply.assert_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_an_aws_error() {
    let api = Api::without_store();
    let reply = api.get("/2013-04-01/nosuchthing").await;
    reply.assert_error(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        "The requested operation is not recognized by the service.",
    );
    let reply = api.call("PUT", "/2013-04-01/hostedzone", "").await;
    assert_eq!(
        reply.error_code(),
        "UnknownOperationException",
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn malformed_xml_is_malformed_input() {
    let api = Api::without_store();
    for body in ["", "<CreateHostedZoneRequest>", "not xml at all", "<A></B>"] {
        let reply = api.post("/2013-04-01/hostedzone", body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.error_code(), "MalformedInput", "{body}");
    }
    let reply = api
        .post("/2013-04-01/hostedzone/Z1/rrset/", "<Wrong/>")
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        "MalformedInput",
        "ChangeBatch is not valid, expected ChangeResourceRecordSetsRequest",
    );
}

#[tokio::test]
async fn body_level_change_batch_errors_are_caught_before_the_store() {
    let api = Api::without_store();
    let neither = "<Change><Action>DELETE</Action><ResourceRecordSet><Name>www.example.com</Name><Type>A</Type></ResourceRecordSet></Change>";
    api.post("/2013-04-01/hostedzone/Z1/rrset", &common::change_batch(neither)).await.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=DELETE, Name=www.example.com., Type=A, SetIdentifier=null]",
    );
    let both = "<Change><Action>CREATE</Action><ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type><SetIdentifier>one</SetIdentifier><Weight>1</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords><AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>a.example.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>";
    let reply = api
        .post(
            "/2013-04-01/hostedzone/Z1/rrset/",
            &common::change_batch(both),
        )
        .await;
    assert_eq!(reply.error_code(), "InvalidInput");
    assert!(reply.text("Error/Message").expect("message").contains("but found more than one in Change with [Action=CREATE, Name=www.example.com., Type=A, SetIdentifier=one]"));

    let no_eth = "<Change><Action>CREATE</Action><ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>a.example.com</DNSName></AliasTarget></ResourceRecordSet></Change>";
    api.post("/2013-04-01/hostedzone/Z1/rrset/", &common::change_batch(no_eth)).await.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        "Invalid XML ; cvc-complex-type.2.4.b: The content of element 'AliasTarget' is not complete. One of '{\"https://route53.amazonaws.com/doc/2013-04-01/\":EvaluateTargetHealth}' is expected.",
    );

    let bad_action = common::simple_change("REPLACE", "www.example.com", "A", 60, &["192.0.2.1"]);
    let reply = api
        .post(
            "/2013-04-01/hostedzone/Z1/rrset/",
            &common::change_batch(&bad_action),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidInput");
    assert!(reply
        .text("Error/Message")
        .expect("message")
        .contains("Value 'REPLACE' is not facet-valid"));

    let bad_type = common::simple_change("CREATE", "www.example.com", "BOGUS", 60, &["x"]);
    let reply = api
        .post(
            "/2013-04-01/hostedzone/Z1/rrset/",
            &common::change_batch(&bad_type),
        )
        .await;
    assert_eq!(reply.error_code(), "InvalidInput");

    // 1,001 values in one set, with the default limit of 1,000 records per batch.
    let values: Vec<String> = (0..1001)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let big = common::simple_change("CREATE", "big.example.com", "A", 60, &values);
    api.post(
        "/2013-04-01/hostedzone/Z1/rrset/",
        &common::change_batch(&big),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[Number of records limit of 1000 exceeded.]",
    );

    // UPSERT counts twice: 16,200 characters become 32,400.
    let long = "a".repeat(200);
    let values: Vec<String> = (0..81)
        .map(|i| format!("\"{i:03}{}\"", &long[..195]))
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let upsert = common::simple_change("UPSERT", "txt.example.com", "TXT", 60, &values);
    api.post(
        "/2013-04-01/hostedzone/Z1/rrset/",
        &common::change_batch(&upsert),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[RDATA character limit of 32000 exceeded.]",
    );
}

#[tokio::test]
async fn list_record_sets_rejects_type_without_name() {
    let api = Api::without_store();
    let reply = api.get("/2013-04-01/hostedzone/Z1/rrset?type=A").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidInput");
}

#[test]
fn credentials_debug_redacts_the_secret() {
    let credentials = cairn_api::Credentials {
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: SECRET.into(),
    };
    let shown = format!("{credentials:?}");
    assert!(shown.contains(ACCESS_KEY));
    assert!(!shown.contains(SECRET));
}
