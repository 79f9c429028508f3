//! Route 53 Profiles over rest-json, in process: shapes, one profile per VPC, resources that
//! must exist, and JSON errors even on bodiless GETs.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{Api, Reply};
use serde_json::{json, Value};

fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn error(reply: &Reply, code: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], code, "{}", reply.body);
    assert!(body["Message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn profiles_associate_with_one_vpc_and_carry_existing_resources() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.8.0.0/16").await;
    let created = ok(&api
        .post(
            "/profile",
            &json!({"Name": "p1", "ClientToken": "t1"}).to_string(),
        )
        .await);
    let profile = &created["Profile"];
    let id = profile["Id"].as_str().unwrap();
    assert!(id.starts_with("rp-"));
    assert_eq!(profile["Status"], "COMPLETE");
    assert!(
        profile["CreationTime"].is_f64() || profile["CreationTime"].is_u64(),
        "epoch seconds"
    );

    let got = ok(&api.get(&format!("/profile/{id}")).await);
    assert_eq!(got["Profile"]["Name"], "p1");
    error(
        &api.get("/profile/rp-missing").await,
        "ResourceNotFoundException",
    );

    let assoc = ok(&api
        .post(
            "/profileassociation",
            &json!({"ProfileId": id, "ResourceId": vpc, "Name": "a"}).to_string(),
        )
        .await);
    assert_eq!(assoc["ProfileAssociation"]["Status"], "CREATING");
    assert_eq!(assoc["ProfileAssociation"]["Priority"], 100);
    let other = ok(&api
        .post(
            "/profile",
            &json!({"Name": "p2", "ClientToken": "t2"}).to_string(),
        )
        .await);
    let second = api
        .post(
            "/profileassociation",
            &json!({"ProfileId": other["Profile"]["Id"], "ResourceId": vpc, "Name": "b"})
                .to_string(),
        )
        .await;
    error(&second, "LimitExceededException");

    let missing = api
        .post(
            "/profileresourceassociation",
            &json!({"ProfileId": id, "ResourceArn": "arn:aws:route53:::hostedzone/ZNONE", "Name": "z"}).to_string(),
        )
        .await;
    error(&missing, "ResourceNotFoundException");

    error(
        &api.delete(&format!("/profile/{id}")).await,
        "ConflictException",
    );
    let listed = ok(&api
        .get(&format!("/profileassociations?resourceId={vpc}"))
        .await);
    assert_eq!(listed["ProfileAssociations"].as_array().unwrap().len(), 1);
    ok(&api
        .delete(&format!(
            "/profileassociation/Profileid/{id}/resourceid/{vpc}"
        ))
        .await);
    ok(&api.delete(&format!("/profile/{id}")).await);
    let listed = ok(&api.get("/profiles").await);
    assert_eq!(listed["ProfileSummaries"].as_array().unwrap().len(), 1);
}
