//! Authorization (issue 12): an IAM user's key signs requests, its policies decide, the
//! root key may do everything, denials take each protocol's shape; and every routed
//! operation has an authorization entry.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{change_batch, form_encode, now_amz_date, signer, simple_change, Api, Reply, HOST};

/// A request signed with `key`/`secret` for `service`.
fn signed_as(
    user: &User,
    service: &str,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    target: Option<&str>,
    body: &str,
) -> Request<Body> {
    let amz_date = now_amz_date();
    let (raw_path, raw_query) = uri.split_once('?').unwrap_or((uri, ""));
    let mut headers = vec![("host", HOST.to_string()), ("x-amz-date", amz_date.clone())];
    if let Some(ct) = content_type {
        headers.push(("content-type", ct.to_string()));
    }
    if let Some(t) = target {
        headers.push(("x-amz-target", t.to_string()));
    }
    let signing = signer::Signing {
        method,
        raw_path,
        raw_query,
        headers: &headers,
        payload: body.as_bytes(),
        access_key: &user.key,
        secret: &user.secret,
        region: "us-east-1",
        service,
        amz_date: &amz_date,
    };
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in &headers {
        builder = builder.header(*name, value);
    }
    builder
        .header("authorization", signing.authorization())
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn form(action: &str, version: &str, params: &[(&str, &str)]) -> String {
    let mut body = format!("Action={action}&Version={version}");
    for (k, v) in params {
        body.push_str(&format!("&{}={}", form_encode(k), form_encode(v)));
    }
    body
}

/// Root (the test key) calls IAM.
async fn iam_root(api: &Api, action: &str, params: &[(&str, &str)]) -> Reply {
    let body = form(action, "2010-05-08", params);
    api.send(common::signed_form(&body, "iam", "us-east-1", &[]))
        .await
}

struct User {
    key: String,
    secret: String,
}

/// Creates user `name` with inline policy `policy` and a key.
async fn user_with_policy(api: &Api, name: &str, policy: &str) -> User {
    assert_eq!(
        iam_root(api, "CreateUser", &[("UserName", name)])
            .await
            .status,
        StatusCode::OK
    );
    let put = iam_root(
        api,
        "PutUserPolicy",
        &[
            ("UserName", name),
            ("PolicyName", "p"),
            ("PolicyDocument", policy),
        ],
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let key = iam_root(api, "CreateAccessKey", &[("UserName", name)]).await;
    User {
        key: key
            .text("CreateAccessKeyResult/AccessKey/AccessKeyId")
            .expect("id"),
        secret: key
            .text("CreateAccessKeyResult/AccessKey/SecretAccessKey")
            .expect("secret"),
    }
}

fn acme_policy(zone: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"route53:ChangeResourceRecordSets","Resource":"arn:aws:route53:::hostedzone/{zone}","Condition":{{"ForAllValues:StringEquals":{{"route53:ChangeResourceRecordSetsNormalizedRecordNames":["_acme-challenge.example.com"],"route53:ChangeResourceRecordSetsRecordTypes":["TXT"],"route53:ChangeResourceRecordSetsActions":["UPSERT"]}}}}}},{{"Effect":"Allow","Action":"route53:GetChange","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn the_acme_key_writes_only_its_challenge_record() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r1").await;
    let other = api.create_zone("example.org", "r2").await;
    let bare = zone.rsplit('/').next().unwrap().to_string();
    let user = user_with_policy(&api, "acme", &acme_policy(&bare)).await;
    let crrs = |zone: &str, body: String| {
        let uri = format!(
            "/2013-04-01/hostedzone/{}/rrset/",
            zone.rsplit('/').next().unwrap()
        );
        signed_as(&user, "route53", "POST", &uri, None, None, &body)
    };

    let txt = change_batch(&simple_change(
        "UPSERT",
        "_acme-challenge.example.com.",
        "TXT",
        60,
        &["\"token\""],
    ));
    let allowed = api.send(crrs(&zone, txt)).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    let change_id = allowed.text("ChangeInfo/Id").unwrap();
    let change = api
        .send(signed_as(
            &user,
            "route53",
            "GET",
            &format!("/2013-04-01{change_id}"),
            None,
            None,
            "",
        ))
        .await;
    assert_eq!(change.status, StatusCode::OK, "{}", change.body);

    let a = change_batch(&simple_change(
        "UPSERT",
        "_acme-challenge.example.com.",
        "A",
        60,
        &["192.0.2.1"],
    ));
    api.send(crrs(&zone, a)).await.assert_error(
        StatusCode::FORBIDDEN,
        "AccessDenied",
        &format!(
            "User: arn:aws:iam::111111111111:user/acme is not authorized to perform: route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/{bare} because no identity-based policy allows the route53:ChangeResourceRecordSets action"
        ),
    );
    let txt_other = change_batch(&simple_change(
        "UPSERT",
        "_acme-challenge.example.org.",
        "TXT",
        60,
        &["\"token\""],
    ));
    let denied = api.send(crrs(&other, txt_other)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(denied.error_code(), "AccessDenied");

    // `*`-only actions name no resource in the message.
    api.send(signed_as(&user, "route53", "GET", "/2013-04-01/hostedzone", None, None, ""))
        .await
        .assert_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "User: arn:aws:iam::111111111111:user/acme is not authorized to perform: route53:ListHostedZones because no identity-based policy allows the route53:ListHostedZones action",
        );

    // The root key is not limited.
    let root_a = api
        .change(
            &zone,
            &simple_change("UPSERT", "www.example.com.", "A", 60, &["192.0.2.1"]),
        )
        .await;
    assert_eq!(root_a.status, StatusCode::OK, "{}", root_a.body);
}

#[tokio::test]
async fn each_protocol_denies_in_its_own_shape() {
    let api = Api::new().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["ec2:*","route53resolver:*","kms:*","iam:*"],"Resource":"*"}]}"#;
    let user = user_with_policy(&api, "limited", policy).await;
    let form_ct = Some("application/x-www-form-urlencoded; charset=utf-8");
    let json_ct = Some("application/x-amz-json-1.1");
    let arn = "arn:aws:iam::111111111111:user/limited";

    let ec2 = api
        .send(signed_as(
            &user,
            "ec2",
            "POST",
            "/",
            form_ct,
            None,
            &form("DescribeVpcs", "2016-11-15", &[]),
        ))
        .await;
    // EC2 answers UnauthorizedOperation with a 403 (its other errors are 400s).
    assert_eq!(ec2.status, StatusCode::FORBIDDEN, "{}", ec2.body);
    assert_eq!(
        ec2.text("Errors/Error/Code").as_deref(),
        Some("UnauthorizedOperation")
    );
    assert_eq!(
        ec2.text("Errors/Error/Message"),
        Some(format!("You are not authorized to perform this operation. User: {arn} is not authorized to perform: ec2:DescribeVpcs with an explicit deny in an identity-based policy"))
    );

    let resolver = api
        .send(signed_as(
            &user,
            "route53resolver",
            "POST",
            "/",
            json_ct,
            Some("Route53Resolver.ListResolverRules"),
            "{}",
        ))
        .await;
    assert_eq!(
        resolver.status,
        StatusCode::BAD_REQUEST,
        "{}",
        resolver.body
    );
    let body: serde_json::Value = serde_json::from_str(&resolver.body).unwrap();
    assert_eq!(body["__type"], "AccessDeniedException");
    assert_eq!(
        body["Message"],
        format!("User: {arn} is not authorized to perform: route53resolver:ListResolverRules with an explicit deny in an identity-based policy")
    );

    let iam = api
        .send(signed_as(
            &user,
            "iam",
            "POST",
            "/",
            form_ct,
            None,
            &form("ListUsers", "2010-05-08", &[]),
        ))
        .await;
    iam.assert_error(
        StatusCode::FORBIDDEN,
        "AccessDenied",
        &format!("User: {arn} is not authorized to perform: iam:ListUsers with an explicit deny in an identity-based policy"),
    );

    // Allowed elsewhere: Route 53 answers.
    let zones = api
        .send(signed_as(
            &user,
            "route53",
            "GET",
            "/2013-04-01/hostedzone",
            None,
            None,
            "",
        ))
        .await;
    assert_eq!(zones.status, StatusCode::OK, "{}", zones.body);

    // GetCallerIdentity needs no permission and names the user.
    let me = api
        .send(signed_as(
            &user,
            "sts",
            "POST",
            "/",
            form_ct,
            None,
            &form("GetCallerIdentity", "2011-06-15", &[]),
        ))
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.text("GetCallerIdentityResult/Arn").as_deref(), Some(arn));
    assert!(me
        .text("GetCallerIdentityResult/UserId")
        .unwrap()
        .starts_with("AIDA"));
}

#[tokio::test]
async fn inactive_and_deleted_keys_do_not_sign() {
    let api = Api::new().await;
    let policy =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let user = user_with_policy(&api, "u", policy).await;
    let list = || {
        signed_as(
            &user,
            "route53",
            "GET",
            "/2013-04-01/hostedzone",
            None,
            None,
            "",
        )
    };
    assert_eq!(api.send(list()).await.status, StatusCode::OK);
    iam_root(
        &api,
        "UpdateAccessKey",
        &[
            ("UserName", "u"),
            ("AccessKeyId", &user.key),
            ("Status", "Inactive"),
        ],
    )
    .await;
    api.send(list()).await.assert_error(
        StatusCode::FORBIDDEN,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    iam_root(
        &api,
        "UpdateAccessKey",
        &[
            ("UserName", "u"),
            ("AccessKeyId", &user.key),
            ("Status", "Active"),
        ],
    )
    .await;
    assert_eq!(api.send(list()).await.status, StatusCode::OK);
    // A wrong secret for a real key id fails the signature.
    let forged = signed_as(
        &User {
            key: user.key.clone(),
            secret: "not-the-secret".into(),
        },
        "route53",
        "GET",
        "/2013-04-01/hostedzone",
        None,
        None,
        "",
    );
    assert_eq!(api.send(forged).await.error_code(), "SignatureDoesNotMatch");
    iam_root(
        &api,
        "DeleteAccessKey",
        &[("UserName", "u"), ("AccessKeyId", &user.key)],
    )
    .await;
    assert_eq!(api.send(list()).await.error_code(), "InvalidClientTokenId");
}

/// The `(METHOD, path)` of every `.route(…)` in a router's source file.
fn routes_in(source: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let Some(start) = chunk.find('"') else {
            continue;
        };
        let rest = &chunk[start + 1..];
        let Some(end) = rest.find('"') else { continue };
        let path = rest[..end].to_string();
        // The handler expression runs to the next `.route(` (already split off).
        let handlers = &rest[end..];
        for method in ["get", "post", "delete", "put", "patch"] {
            let plain = format!("{method}(");
            let chained = format!(".{method}(");
            let qualified = format!("routing::{method}(");
            let starts = handlers
                .trim_start_matches(['"', ',', ' ', '\n'])
                .starts_with(&plain);
            if starts || handlers.contains(&chained) || handlers.contains(&qualified) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_routed_operation_has_an_authorization_entry() {
    use cairn_api::authz::{actions::PROFILES_ROUTES, route53::ROUTES};
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    let route53 = routes_in(&std::fs::read_to_string(format!("{src}route53/mod.rs")).unwrap());
    let profiles = routes_in(&std::fs::read_to_string(format!("{src}profiles/mod.rs")).unwrap());
    assert!(
        route53.len() > 50 && profiles.len() > 10,
        "the route scan found too little"
    );
    let r53_table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let prf_table: BTreeSet<(String, String)> = PROFILES_ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        route53.difference(&r53_table).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "Route 53 routes without an authorization entry"
    );
    assert_eq!(
        prf_table.difference(&profiles).collect::<Vec<_>>().len()
            + profiles.difference(&prf_table).count(),
        0,
        "Profiles routes and their authorization entries differ: {:?} / {:?}",
        profiles.difference(&prf_table).collect::<Vec<_>>(),
        prf_table.difference(&profiles).collect::<Vec<_>>()
    );
    assert_eq!(
        r53_table.difference(&route53).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "authorization entries for routes that do not exist"
    );
}

/// The operation names a json-1.1 service's dispatcher matches (`"Name" =>` arms).
fn dispatched_in(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix('"')?;
            let (name, after) = rest.split_once('"')?;
            (after.trim_start().starts_with("=>")
                && name.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| name.to_string())
        })
        .collect()
}

#[test]
fn every_dispatched_json_operation_is_authorized_by_name() {
    // An operation missing from OPERATIONS would pass authorization as unknown ("free").
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    for (file, listed) in [
        ("kms/mod.rs", &cairn_api::kms::OPERATIONS[..]),
        ("domains/mod.rs", &cairn_api::domains::OPERATIONS[..]),
        ("logs/mod.rs", &cairn_api::logs::OPERATIONS[..]),
    ] {
        let dispatched = dispatched_in(&std::fs::read_to_string(format!("{src}{file}")).unwrap());
        let listed: BTreeSet<String> = listed.iter().map(|s| s.to_string()).collect();
        assert!(dispatched.len() > 10, "{file}: the scan found too little");
        assert_eq!(
            dispatched, listed,
            "{file}: dispatched operations and OPERATIONS differ"
        );
    }
}
