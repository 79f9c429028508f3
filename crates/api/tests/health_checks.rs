//! Health checks over the Route 53 API, against a real SQLite store: create (idempotent by
//! CallerReference), get, list with markers, update with versions and resets, delete, status,
//! last failure reason, count, checker ranges, tags, and Cairn's admin override.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::Api;

const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

fn create_body(reference: &str, config: &str) -> String {
    format!(
        r#"<CreateHealthCheckRequest xmlns="{NS}"><CallerReference>{reference}</CallerReference><HealthCheckConfig>{config}</HealthCheckConfig></CreateHealthCheckRequest>"#
    )
}

const HTTP: &str = "<IPAddress>127.0.0.1</IPAddress><Port>8080</Port><Type>HTTP</Type><ResourcePath>/health</ResourcePath><FullyQualifiedDomainName>localhost</FullyQualifiedDomainName><RequestInterval>10</RequestInterval><FailureThreshold>2</FailureThreshold>";

async fn create(api: &Api, reference: &str, config: &str) -> String {
    let reply = api
        .post("/2013-04-01/healthcheck", &create_body(reference, config))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.text("HealthCheck/Id").unwrap()
}

#[tokio::test]
async fn create_get_list_update_delete() {
    let api = Api::new().await;
    let reply = api
        .post("/2013-04-01/healthcheck", &create_body("ref-1", HTTP))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.text("HealthCheck/Id").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(
        reply.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("http://127.0.0.1:8053/2013-04-01/healthcheck/{id}").as_str())
    );
    assert_eq!(
        reply.text("HealthCheck/HealthCheckVersion").as_deref(),
        Some("1")
    );
    assert_eq!(
        reply
            .text("HealthCheck/HealthCheckConfig/IPAddress")
            .as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        reply
            .text("HealthCheck/HealthCheckConfig/Inverted")
            .as_deref(),
        Some("false")
    );
    assert_eq!(
        reply
            .text("HealthCheck/HealthCheckConfig/EnableSNI")
            .as_deref(),
        Some("false")
    );

    // Same reference, same config: the same check; another config: 409.
    let again = api
        .post("/2013-04-01/healthcheck", &create_body("ref-1", HTTP))
        .await;
    assert_eq!(again.text("HealthCheck/Id"), Some(id.clone()));
    let other = api
        .post(
            "/2013-04-01/healthcheck",
            &create_body("ref-1", &HTTP.replace("8080", "8081")),
        )
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_eq!(other.error_code(), "HealthCheckAlreadyExists");

    let got = api.get(&format!("/2013-04-01/healthcheck/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.text("HealthCheck/CallerReference").as_deref(),
        Some("ref-1")
    );
    assert_eq!(
        got.text("HealthCheck/HealthCheckConfig/RequestInterval")
            .as_deref(),
        Some("10")
    );

    let second = create(&api, "ref-2", HTTP).await;
    let count = api.get("/2013-04-01/healthcheckcount").await;
    assert_eq!(count.text("HealthCheckCount").as_deref(), Some("2"));
    let page = api.get("/2013-04-01/healthcheck?maxitems=1").await;
    assert_eq!(page.text("IsTruncated").as_deref(), Some("true"));
    let next = page.text("NextMarker").unwrap();
    let (first_id, second_id) = if id < second {
        (&id, &second)
    } else {
        (&second, &id)
    };
    assert_eq!(
        page.text("HealthChecks/HealthCheck/Id").as_ref(),
        Some(first_id)
    );
    assert_eq!(&next, second_id);
    let rest = api
        .get(&format!("/2013-04-01/healthcheck?maxitems=1&marker={next}"))
        .await;
    assert_eq!(rest.text("IsTruncated").as_deref(), Some("false"));
    assert_eq!(
        rest.text("HealthChecks/HealthCheck/Id").as_ref(),
        Some(second_id)
    );

    let update = format!(
        r#"<UpdateHealthCheckRequest xmlns="{NS}"><HealthCheckVersion>1</HealthCheckVersion><FailureThreshold>5</FailureThreshold><ResetElements><ResettableElementName>ResourcePath</ResettableElementName></ResetElements></UpdateHealthCheckRequest>"#
    );
    let updated = api
        .post(&format!("/2013-04-01/healthcheck/{id}"), &update)
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(
        updated.text("HealthCheck/HealthCheckVersion").as_deref(),
        Some("2")
    );
    assert_eq!(
        updated
            .text("HealthCheck/HealthCheckConfig/FailureThreshold")
            .as_deref(),
        Some("5")
    );
    assert_eq!(
        updated.text("HealthCheck/HealthCheckConfig/ResourcePath"),
        None
    );
    let stale = api
        .post(&format!("/2013-04-01/healthcheck/{id}"), &update)
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.error_code(), "HealthCheckVersionMismatch");

    let deleted = api.delete(&format!("/2013-04-01/healthcheck/{id}")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let gone = api.delete(&format!("/2013-04-01/healthcheck/{id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_code(), "NoSuchHealthCheck");
    let reused = api
        .post("/2013-04-01/healthcheck", &create_body("ref-1", HTTP))
        .await;
    assert_eq!(
        reused.error_code(),
        "HealthCheckAlreadyExists",
        "a deleted check's reference stays used"
    );
}

#[tokio::test]
async fn validation_errors() {
    let api = Api::new().await;
    for (config, why) in [
        ("<IPAddress>127.0.0.1</IPAddress><Port>80</Port><Type>HTTP</Type><RequestInterval>20</RequestInterval>", "interval"),
        ("<IPAddress>127.0.0.1</IPAddress><Port>80</Port><Type>HTTP</Type><FailureThreshold>11</FailureThreshold>", "threshold"),
        ("<IPAddress>127.0.0.1</IPAddress><Port>80</Port><Type>HTTP_STR_MATCH</Type>", "no search string"),
        ("<Type>TCP</Type><Port>80</Port>", "no target"),
        ("<Type>CALCULATED</Type>", "no threshold"),
        ("<IPAddress>127.0.0.1</IPAddress><Port>80</Port><Type>PING</Type>", "type"),
    ] {
        let reply = api.post("/2013-04-01/healthcheck", &create_body(why, config)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{why}: {}", reply.body);
        assert_eq!(reply.error_code(), "InvalidInput", "{why}");
    }
    let missing = api
        .get("/2013-04-01/healthcheck/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "NoSuchHealthCheck");
    let tags = api
        .get("/2013-04-01/tags/healthcheck/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(
        tags.error_code(),
        "NoSuchHealthCheck",
        "tags need an existing check"
    );
}

#[tokio::test]
async fn status_override_and_ranges() {
    let api = Api::new().await;
    let id = create(&api, "r", HTTP).await;
    let status = api
        .get(&format!("/2013-04-01/healthcheck/{id}/status"))
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert!(status.xml().child("HealthCheckObservations").is_some());
    let reason = api
        .get(&format!("/2013-04-01/healthcheck/{id}/lastfailurereason"))
        .await;
    assert_eq!(reason.status, StatusCode::OK, "{}", reason.body);

    let forced = api
        .post(
            &format!("/_cairn/healthcheck/{id}/override"),
            r#"{"status": "unhealthy"}"#,
        )
        .await;
    assert_eq!(forced.status, StatusCode::OK, "{}", forced.body);
    let json: serde_json::Value = serde_json::from_str(&forced.body).unwrap();
    assert_eq!(json["Healthy"], false);
    let cleared = api
        .post(
            &format!("/_cairn/healthcheck/{id}/override"),
            r#"{"status": null}"#,
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&cleared.body).unwrap();
    assert_eq!(json["Healthy"], true);
    let bad = api
        .post(
            &format!("/_cairn/healthcheck/{id}/override"),
            r#"{"status": "sick"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let ranges = api.get("/2013-04-01/checkeripranges").await;
    assert_eq!(ranges.status, StatusCode::OK);
    assert_eq!(
        ranges.text("CheckerIpRanges/member").as_deref(),
        Some("127.0.0.0/8")
    );

    let tag = format!(
        r#"<ChangeTagsForResourceRequest xmlns="{NS}"><AddTags><Tag><Key>k</Key><Value>v</Value></Tag></AddTags></ChangeTagsForResourceRequest>"#
    );
    let tagged = api
        .post(&format!("/2013-04-01/tags/healthcheck/{id}"), &tag)
        .await;
    assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
}

#[tokio::test]
async fn records_with_an_unknown_health_check_are_refused() {
    let api = Api::new().await;
    let zone = api.create_zone("hc.example.com", "z").await;
    let change = r#"<Change><Action>CREATE</Action><ResourceRecordSet><Name>www.hc.example.com</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords><HealthCheckId>HCID</HealthCheckId></ResourceRecordSet></Change>"#;
    let refused = api
        .change(
            &zone,
            &change.replace("HCID", "00000000-0000-4000-8000-000000000000"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert_eq!(refused.error_code(), "NoSuchHealthCheck");
    let id = create(&api, "r", HTTP).await;
    let accepted = api.change(&zone, &change.replace("HCID", &id)).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
}
