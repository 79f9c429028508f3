//! IAM and STS over the query protocol: users, access keys, inline and managed policies,
//! their errors in IAM's `<ErrorResponse>` (404/409/400), documents URL-encoded on the way
//! out, and GetCallerIdentity.

mod common;

use axum::http::StatusCode;
use common::{form_encode, signed_form, Api, Reply};

const ACME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"route53:ChangeResourceRecordSets","Resource":"arn:aws:route53:::hostedzone/Z1","Condition":{"ForAllValues:StringEquals":{"route53:ChangeResourceRecordSetsRecordTypes":["TXT"]}}}]}"#;

async fn call(api: &Api, service: &str, action: &str, params: &[(&str, &str)]) -> Reply {
    let version = if service == "sts" {
        "2011-06-15"
    } else {
        "2010-05-08"
    };
    let mut body = format!("Action={action}&Version={version}");
    for (k, v) in params {
        body.push('&');
        body.push_str(&form_encode(k));
        body.push('=');
        body.push_str(&form_encode(v));
    }
    api.send(signed_form(&body, service, "us-east-1", &[]))
        .await
}

async fn iam(api: &Api, action: &str, params: &[(&str, &str)]) -> Reply {
    let reply = call(api, "iam", action, params).await;
    assert!(
        reply
            .body
            .contains("https://iam.amazonaws.com/doc/2010-05-08/"),
        "{}",
        reply.body
    );
    reply
}

/// The `field` of every `<member>` of the list at `list`.
fn members(reply: &Reply, list: &str, field: &str) -> Vec<String> {
    let root = reply.xml();
    let Some(list) = common::find(&root, list) else {
        return Vec::new();
    };
    list.children_named("member")
        .filter_map(|m| m.child_text(field).map(str::to_string))
        .collect()
}

fn ok(reply: &Reply, action: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let root = reply.xml();
    assert_eq!(root.name, format!("{action}Response"), "{}", reply.body);
    assert!(
        common::find(&root, "ResponseMetadata/RequestId").is_some(),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn users_and_access_keys() {
    let api = Api::new().await;
    let created = iam(
        &api,
        "CreateUser",
        &[
            ("UserName", "acme"),
            ("Path", "/bots/"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "dns"),
        ],
    )
    .await;
    ok(&created, "CreateUser");
    assert_eq!(
        created.text("CreateUserResult/User/Arn").as_deref(),
        Some("arn:aws:iam::111111111111:user/bots/acme")
    );
    let id = created.text("CreateUserResult/User/UserId").unwrap();
    assert!(id.starts_with("AIDA") && id.len() == 21, "{id}");
    assert_eq!(
        created
            .text("CreateUserResult/User/Tags/member/Value")
            .as_deref(),
        Some("dns")
    );

    iam(&api, "CreateUser", &[("UserName", "ACME")])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "EntityAlreadyExists",
            "User with name ACME already exists.",
        );
    iam(&api, "CreateUser", &[("UserName", "bad name")])
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        );
    iam(&api, "GetUser", &[("UserName", "nobody")])
        .await
        .assert_error(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            "The user with name nobody cannot be found.",
        );
    let got = iam(&api, "GetUser", &[("UserName", "acme")]).await;
    ok(&got, "GetUser");
    assert_eq!(got.text("GetUserResult/User/UserId"), Some(id.clone()));
    let listed = iam(&api, "ListUsers", &[]).await;
    ok(&listed, "ListUsers");
    assert_eq!(
        members(&listed, "ListUsersResult/Users", "UserName"),
        ["acme"]
    );
    assert_eq!(
        listed.text("ListUsersResult/IsTruncated").as_deref(),
        Some("false")
    );

    let key = iam(&api, "CreateAccessKey", &[("UserName", "acme")]).await;
    ok(&key, "CreateAccessKey");
    let key_id = key
        .text("CreateAccessKeyResult/AccessKey/AccessKeyId")
        .unwrap();
    let secret = key
        .text("CreateAccessKeyResult/AccessKey/SecretAccessKey")
        .unwrap();
    assert!(key_id.starts_with("AKIA") && key_id.len() == 20, "{key_id}");
    assert_eq!(secret.len(), 40);
    assert_eq!(
        key.text("CreateAccessKeyResult/AccessKey/Status")
            .as_deref(),
        Some("Active")
    );
    // The store keeps the secret sealed, never in the clear.
    let stored = api.state.store.access_key(&key_id).await.unwrap().unwrap();
    assert!(!stored.sealed_secret.contains(&secret));

    ok(
        &iam(
            &api,
            "UpdateAccessKey",
            &[
                ("UserName", "acme"),
                ("AccessKeyId", &key_id),
                ("Status", "Inactive"),
            ],
        )
        .await,
        "UpdateAccessKey",
    );
    let keys = iam(&api, "ListAccessKeys", &[("UserName", "acme")]).await;
    ok(&keys, "ListAccessKeys");
    assert_eq!(
        members(&keys, "ListAccessKeysResult/AccessKeyMetadata", "Status"),
        ["Inactive"]
    );
    assert!(!keys.body.contains(&secret), "the secret is shown once");

    iam(&api, "DeleteUser", &[("UserName", "acme")])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first.",
        );
    iam(&api, "CreateAccessKey", &[("UserName", "acme")]).await;
    iam(&api, "CreateAccessKey", &[("UserName", "acme")])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "LimitExceeded",
            "Cannot exceed quota for AccessKeysPerUser: 2",
        );
    let keys = iam(&api, "ListAccessKeys", &[("UserName", "acme")]).await;
    for id in members(
        &keys,
        "ListAccessKeysResult/AccessKeyMetadata",
        "AccessKeyId",
    ) {
        ok(
            &iam(
                &api,
                "DeleteAccessKey",
                &[("UserName", "acme"), ("AccessKeyId", &id)],
            )
            .await,
            "DeleteAccessKey",
        );
    }
    iam(
        &api,
        "DeleteAccessKey",
        &[("UserName", "acme"), ("AccessKeyId", &key_id)],
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchEntity",
        &format!("The Access Key with id {key_id} cannot be found"),
    );
    ok(
        &iam(&api, "DeleteUser", &[("UserName", "acme")]).await,
        "DeleteUser",
    );
}

#[tokio::test]
async fn inline_policies_are_validated_and_returned_url_encoded() {
    let api = Api::new().await;
    iam(&api, "CreateUser", &[("UserName", "acme")]).await;
    let put = iam(
        &api,
        "PutUserPolicy",
        &[
            ("UserName", "acme"),
            ("PolicyName", "acme-dns"),
            ("PolicyDocument", ACME),
        ],
    )
    .await;
    ok(&put, "PutUserPolicy");
    let got = iam(
        &api,
        "GetUserPolicy",
        &[("UserName", "acme"), ("PolicyName", "acme-dns")],
    )
    .await;
    ok(&got, "GetUserPolicy");
    let encoded = got.text("GetUserPolicyResult/PolicyDocument").unwrap();
    assert!(
        encoded.starts_with("%7B%22Version%22%3A%222012-10-17%22"),
        "{encoded}"
    );
    assert_eq!(
        cairn_api::protocol::query::percent_decode(&encoded, false),
        ACME
    );
    let names = iam(&api, "ListUserPolicies", &[("UserName", "acme")]).await;
    assert_eq!(
        names.texts("ListUserPoliciesResult/PolicyNames/member"),
        ["acme-dns"]
    );

    for (document, message) in [
        ("{not json", "Syntax errors in policy."),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ChangeResourceRecordSets","Resource":"*"}}"#,
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"route53:*","Resource":"*"}}"#,
            "Policy document should not specify a principal.",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"route53:*","Resource":"*"}}"#,
            "The policy failed legacy parsing",
        ),
    ] {
        iam(
            &api,
            "PutUserPolicy",
            &[
                ("UserName", "acme"),
                ("PolicyName", "bad"),
                ("PolicyDocument", document),
            ],
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", message);
    }
    // Nothing partial is stored.
    let names = iam(&api, "ListUserPolicies", &[("UserName", "acme")]).await;
    assert_eq!(
        names.texts("ListUserPoliciesResult/PolicyNames/member"),
        ["acme-dns"]
    );

    iam(&api, "DeleteUser", &[("UserName", "acme")])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        );
    ok(
        &iam(
            &api,
            "DeleteUserPolicy",
            &[("UserName", "acme"), ("PolicyName", "acme-dns")],
        )
        .await,
        "DeleteUserPolicy",
    );
    iam(
        &api,
        "GetUserPolicy",
        &[("UserName", "acme"), ("PolicyName", "acme-dns")],
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchEntity",
        "The user policy with name acme-dns cannot be found.",
    );
}

#[tokio::test]
async fn managed_policies_versions_and_attachments() {
    let api = Api::new().await;
    iam(&api, "CreateUser", &[("UserName", "ci")]).await;
    let created = iam(
        &api,
        "CreatePolicy",
        &[
            ("PolicyName", "acme"),
            ("PolicyDocument", ACME),
            ("Description", "ACME challenges"),
        ],
    )
    .await;
    ok(&created, "CreatePolicy");
    let arn = created.text("CreatePolicyResult/Policy/Arn").unwrap();
    assert_eq!(arn, "arn:aws:iam::111111111111:policy/acme");
    assert_eq!(
        created
            .text("CreatePolicyResult/Policy/DefaultVersionId")
            .as_deref(),
        Some("v1")
    );
    iam(
        &api,
        "CreatePolicy",
        &[("PolicyName", "acme"), ("PolicyDocument", ACME)],
    )
    .await
    .assert_error(
        StatusCode::CONFLICT,
        "EntityAlreadyExists",
        "A policy called acme already exists. Duplicate names are not allowed.",
    );
    let v2 = iam(
        &api,
        "CreatePolicyVersion",
        &[
            ("PolicyArn", &arn),
            ("PolicyDocument", ACME),
            ("SetAsDefault", "true"),
        ],
    )
    .await;
    ok(&v2, "CreatePolicyVersion");
    assert_eq!(
        v2.text("CreatePolicyVersionResult/PolicyVersion/VersionId")
            .as_deref(),
        Some("v2")
    );
    let version = iam(
        &api,
        "GetPolicyVersion",
        &[("PolicyArn", &arn), ("VersionId", "v2")],
    )
    .await;
    ok(&version, "GetPolicyVersion");
    let document = version
        .text("GetPolicyVersionResult/PolicyVersion/Document")
        .unwrap();
    assert_eq!(
        cairn_api::protocol::query::percent_decode(&document, false),
        ACME
    );
    assert_eq!(
        version
            .text("GetPolicyVersionResult/PolicyVersion/IsDefaultVersion")
            .as_deref(),
        Some("true")
    );
    iam(
        &api,
        "DeletePolicyVersion",
        &[("PolicyArn", &arn), ("VersionId", "v2")],
    )
    .await
    .assert_error(
        StatusCode::CONFLICT,
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
    );
    let versions = iam(&api, "ListPolicyVersions", &[("PolicyArn", &arn)]).await;
    assert_eq!(
        members(&versions, "ListPolicyVersionsResult/Versions", "VersionId"),
        ["v2", "v1"]
    );

    ok(
        &iam(
            &api,
            "AttachUserPolicy",
            &[("UserName", "ci"), ("PolicyArn", &arn)],
        )
        .await,
        "AttachUserPolicy",
    );
    let attached = iam(&api, "ListAttachedUserPolicies", &[("UserName", "ci")]).await;
    assert_eq!(
        members(
            &attached,
            "ListAttachedUserPoliciesResult/AttachedPolicies",
            "PolicyArn"
        ),
        vec![arn.as_str()]
    );
    let got = iam(&api, "GetPolicy", &[("PolicyArn", &arn)]).await;
    assert_eq!(
        got.text("GetPolicyResult/Policy/AttachmentCount")
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        got.text("GetPolicyResult/Policy/Description").as_deref(),
        Some("ACME challenges")
    );
    iam(&api, "DeletePolicy", &[("PolicyArn", &arn)])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete a policy attached to entities.",
        );
    iam(&api, "DeleteUser", &[("UserName", "ci")])
        .await
        .assert_error(
            StatusCode::CONFLICT,
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first.",
        );
    ok(
        &iam(
            &api,
            "DetachUserPolicy",
            &[("UserName", "ci"), ("PolicyArn", &arn)],
        )
        .await,
        "DetachUserPolicy",
    );
    ok(
        &iam(
            &api,
            "DeletePolicyVersion",
            &[("PolicyArn", &arn), ("VersionId", "v1")],
        )
        .await,
        "DeletePolicyVersion",
    );
    ok(
        &iam(&api, "DeletePolicy", &[("PolicyArn", &arn)]).await,
        "DeletePolicy",
    );
    iam(&api, "GetPolicy", &[("PolicyArn", &arn)])
        .await
        .assert_error(
            StatusCode::NOT_FOUND,
            "NoSuchEntity",
            &format!("Policy {arn} was not found."),
        );
    iam(&api, "FrobnicateUser", &[]).await.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidAction",
        "Could not find operation FrobnicateUser for version 2010-05-08",
    );
}

#[tokio::test]
async fn get_caller_identity_names_the_root() {
    let api = Api::new().await;
    let reply = call(&api, "sts", "GetCallerIdentity", &[]).await;
    ok(&reply, "GetCallerIdentity");
    assert!(reply
        .body
        .contains("https://sts.amazonaws.com/doc/2011-06-15/"));
    assert_eq!(
        reply.text("GetCallerIdentityResult/Arn").as_deref(),
        Some("arn:aws:iam::111111111111:root")
    );
    assert_eq!(
        reply.text("GetCallerIdentityResult/Account").as_deref(),
        Some("111111111111")
    );
}
