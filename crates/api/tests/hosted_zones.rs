//! Hosted zones, changes, tags, limits, delegation sets and DNSSEC status against a real
//! SQLite store.

mod common;

use axum::http::StatusCode;
use common::{create_zone_body, find, Api};

#[tokio::test]
async fn create_hosted_zone_returns_201_location_and_delegation_set() {
    let api = Api::new().await;
    let reply = api
        .post(
            "/2013-04-01/hostedzone",
            &create_zone_body("Example.COM", "ref-1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let root = reply.xml();
    assert_eq!(root.name, "CreateHostedZoneResponse");
    let id = find(&root, "HostedZone/Id").expect("id").text.clone();
    assert!(id.starts_with("/hostedzone/"), "{id}");
    let bare = id.trim_start_matches("/hostedzone/");
    assert_eq!(
        reply.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("http://127.0.0.1:8053/2013-04-01/hostedzone/{bare}").as_str())
    );
    assert_eq!(
        find(&root, "HostedZone/Name").expect("name").text,
        "example.com."
    );
    assert_eq!(
        find(&root, "HostedZone/CallerReference").expect("ref").text,
        "ref-1"
    );
    assert_eq!(
        find(&root, "HostedZone/Config/PrivateZone")
            .expect("config")
            .text,
        "false"
    );
    assert_eq!(
        find(&root, "HostedZone/ResourceRecordSetCount")
            .expect("count")
            .text,
        "2"
    );
    let change_id = &find(&root, "ChangeInfo/Id").expect("change").text;
    assert!(change_id.starts_with("/change/"));
    let submitted = &find(&root, "ChangeInfo/SubmittedAt").expect("time").text;
    assert!(
        submitted.ends_with('Z') && submitted.len() == 24,
        "{submitted}"
    );
    let servers: Vec<_> = find(&root, "DelegationSet/NameServers")
        .expect("name servers")
        .children_named("NameServer")
        .map(|n| n.text.clone())
        .collect();
    assert_eq!(
        servers,
        [
            "ns1.cairn.test",
            "ns2.cairn.test",
            "ns3.cairn.test",
            "ns4.cairn.test"
        ]
    );
    assert!(reply.headers.contains_key("x-amz-request-id"));

    // GetHostedZone with the bare id and with the prefixed one.
    for path in [
        format!("/2013-04-01/hostedzone/{bare}"),
        format!("/2013-04-01/hostedzone/%2Fhostedzone%2F{bare}"),
    ] {
        let got = api.get(&path).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        assert_eq!(got.text("HostedZone/Id").as_deref(), Some(id.as_str()));
        assert_eq!(
            got.text("DelegationSet/NameServers/NameServer").as_deref(),
            Some("ns1.cairn.test")
        );
    }

    // The zone starts with its apex SOA and NS.
    let list = api
        .get(&format!("/2013-04-01/hostedzone/{bare}/rrset"))
        .await;
    let sets = list.xml();
    let sets: Vec<_> = find(&sets, "ResourceRecordSets")
        .expect("sets")
        .children_named("ResourceRecordSet")
        .cloned()
        .collect();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].child_text("Type"), Some("NS"));
    assert_eq!(sets[0].child_text("TTL"), Some("172800"));
    assert_eq!(sets[1].child_text("Type"), Some("SOA"));
    assert_eq!(sets[1].child_text("TTL"), Some("900"));
    let soa = find(&sets[1], "ResourceRecords/ResourceRecord/Value")
        .expect("soa")
        .text
        .clone();
    assert!(
        soa.starts_with("ns1.cairn.test. ") && soa.ends_with(" 1 7200 900 1209600 86400"),
        "{soa}"
    );
}

#[tokio::test]
async fn create_hosted_zone_errors() {
    let api = Api::new().await;
    api.create_zone("example.com", "same-ref").await;
    api.post(
        "/2013-04-01/hostedzone",
        &create_zone_body("other.com", "same-ref"),
    )
    .await
    .assert_error(
        StatusCode::CONFLICT,
        "HostedZoneAlreadyExists",
        "A hosted zone has already been created with the specified caller reference.",
    );
    api.post("/2013-04-01/hostedzone", &create_zone_body("com", "tld"))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            "com is reserved by AWS!",
        );
    let reply = api
        .post(
            "/2013-04-01/hostedzone",
            &create_zone_body("bad..name", "bad"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidDomainName");

    let missing = r#"<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>x.com</Name></CreateHostedZoneRequest>"#;
    let reply = api.post("/2013-04-01/hostedzone", missing).await;
    assert_eq!(reply.error_code(), "InvalidInput");

    let private = r#"<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>p.com</Name><VPC><VPCRegion>us-east-1</VPCRegion><VPCId>vpc-123</VPCId></VPC><CallerReference>p</CallerReference><HostedZoneConfig><PrivateZone>true</PrivateZone></HostedZoneConfig></CreateHostedZoneRequest>"#;
    // A well-formed VPC id that no CreateVpc made (private zones: tests/private_zones.rs).
    api.post("/2013-04-01/hostedzone", private)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "InvalidVPCId",
            "The VPC ID is invalid.",
        );

    // As recorded against AWS: a VPC id that does not exist.
    let bad_vpc = private.replace("vpc-123", "non-existent");
    api.post("/2013-04-01/hostedzone", &bad_vpc)
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "InvalidVPCId",
            "The VPC ID is invalid.",
        );
}

#[tokio::test]
async fn get_and_delete_unknown_zone_is_no_such_hosted_zone() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r").await;
    let wrong = format!("{id}asdf1234");
    let message = format!("No hosted zone found with ID: {wrong}");
    api.get(&format!("/2013-04-01/hostedzone/{wrong}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NoSuchHostedZone", &message);
    api.delete(&format!("/2013-04-01/hostedzone/{wrong}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NoSuchHostedZone", &message);
    api.get(&format!("/2013-04-01/hostedzone/{wrong}/rrset"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NoSuchHostedZone", &message);
    api.get(&format!("/2013-04-01/hostedzone/{wrong}/dnssec"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NoSuchHostedZone", &message);
}

#[tokio::test]
async fn delete_hosted_zone_only_when_empty() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r").await;
    let reply = api
        .change(
            &id,
            &common::simple_change("CREATE", "www.example.com", "A", 60, &["192.0.2.1"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    api.delete(&format!("/2013-04-01/hostedzone/{id}")).await.assert_error(
        StatusCode::BAD_REQUEST,
        "HostedZoneNotEmpty",
        "The specified hosted zone contains non-required resource record sets and so cannot be deleted.",
    );
    let reply = api
        .change(
            &id,
            &common::simple_change("DELETE", "www.example.com", "A", 60, &["192.0.2.1"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = api.delete(&format!("/2013-04-01/hostedzone/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.xml().name, "DeleteHostedZoneResponse");
    assert!(reply
        .text("ChangeInfo/Id")
        .expect("change")
        .starts_with("/change/"));
    assert_eq!(
        api.get(&format!("/2013-04-01/hostedzone/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn update_comment_and_count() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r1").await;
    api.create_zone("example.org", "r2").await;
    let body = r#"<UpdateHostedZoneCommentRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Comment>hello &amp; welcome</Comment></UpdateHostedZoneCommentRequest>"#;
    let reply = api
        .post(&format!("/2013-04-01/hostedzone/{id}"), body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.text("HostedZone/Config/Comment").as_deref(),
        Some("hello & welcome")
    );
    let got = api.get(&format!("/2013-04-01/hostedzone/{id}")).await;
    assert_eq!(
        got.text("HostedZone/Config/Comment").as_deref(),
        Some("hello & welcome")
    );

    let count = api.get("/2013-04-01/hostedzonecount").await;
    assert_eq!(count.text("HostedZoneCount").as_deref(), Some("2"));
}

#[tokio::test]
async fn list_hosted_zones_pages_with_markers() {
    let api = Api::new().await;
    for i in 0..5 {
        api.create_zone(&format!("zone{i}.example"), &format!("ref-{i}"))
            .await;
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let uri = match &marker {
            Some(m) => format!("/2013-04-01/hostedzone?maxitems=2&marker={m}"),
            None => "/2013-04-01/hostedzone?maxitems=2".to_string(),
        };
        let reply = api.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let root = reply.xml();
        assert_eq!(find(&root, "MaxItems").expect("max").text, "2");
        let page: Vec<String> = find(&root, "HostedZones")
            .expect("zones")
            .children_named("HostedZone")
            .map(|z| z.child_text("Id").expect("id").to_string())
            .collect();
        assert!(page.len() <= 2);
        seen.extend(page);
        if find(&root, "IsTruncated").expect("truncated").text == "true" {
            marker = Some(find(&root, "NextMarker").expect("next marker").text.clone());
        } else {
            assert!(find(&root, "NextMarker").is_none());
            break;
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ordered by id, without repeats");

    let reply = api.get("/2013-04-01/hostedzone?maxitems=abc").await;
    assert_eq!(reply.error_code(), "InvalidInput");
}

#[tokio::test]
async fn list_hosted_zones_by_name_in_reversed_label_order() {
    let api = Api::new().await;
    for (name, reference) in [
        ("b.example.com", "1"),
        ("example.net", "2"),
        ("a.example.com", "3"),
        ("example.com", "4"),
        ("example.com", "5"),
    ] {
        api.create_zone(name, reference).await;
    }
    let reply = api.get("/2013-04-01/hostedzonesbyname").await;
    let root = reply.xml();
    let names: Vec<String> = find(&root, "HostedZones")
        .expect("zones")
        .children_named("HostedZone")
        .map(|z| z.child_text("Name").expect("name").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "example.com.",
            "example.com.",
            "a.example.com.",
            "b.example.com.",
            "example.net."
        ]
    );

    // Pages continue at NextDNSName + NextHostedZoneId.
    let first = api.get("/2013-04-01/hostedzonesbyname?maxitems=1").await;
    assert_eq!(first.text("IsTruncated").as_deref(), Some("true"));
    assert_eq!(first.text("NextDNSName").as_deref(), Some("example.com."));
    let next_id = first.text("NextHostedZoneId").expect("next id");
    let second = api
        .get(&format!(
            "/2013-04-01/hostedzonesbyname?dnsname=example.com.&hostedzoneid={next_id}&maxitems=1"
        ))
        .await;
    assert_eq!(
        second.text("HostedZones/HostedZone/Id"),
        Some(format!("/hostedzone/{next_id}"))
    );
    assert_eq!(second.text("DNSName").as_deref(), Some("example.com."));
    assert_eq!(
        second.text("NextDNSName").as_deref(),
        Some("a.example.com.")
    );

    // dnsname is a starting point, not a filter; the trailing dot is optional.
    let from_b = api
        .get("/2013-04-01/hostedzonesbyname?dnsname=b.example.com")
        .await;
    assert_eq!(
        from_b.text("HostedZones/HostedZone/Name").as_deref(),
        Some("b.example.com.")
    );

    let reply = api
        .get("/2013-04-01/hostedzonesbyname?hostedzoneid=Z123")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidInput");
}

#[tokio::test]
async fn get_change_reports_the_change() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r").await;
    let reply = api
        .change(
            &id,
            &common::simple_change("CREATE", "www.example.com", "A", 60, &["192.0.2.1"]),
        )
        .await;
    let change = reply.text("ChangeInfo/Id").expect("change id");
    let bare = change.trim_start_matches("/change/");
    let got = api.get(&format!("/2013-04-01/change/{bare}")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.text("ChangeInfo/Id").as_deref(), Some(change.as_str()));
    let status = got.text("ChangeInfo/Status").expect("status");
    assert!(status == "PENDING" || status == "INSYNC", "{status}");

    let missing = api.get("/2013-04-01/change/CNOSUCHCHANGE").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "NoSuchChange");
}

#[tokio::test]
async fn tags_for_hosted_zones() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r").await;
    let add = r#"<ChangeTagsForResourceRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><AddTags><Tag><Key>env</Key><Value>test</Value></Tag><Tag><Key>team</Key><Value>dns</Value></Tag></AddTags></ChangeTagsForResourceRequest>"#;
    let reply = api
        .post(&format!("/2013-04-01/tags/hostedzone/{id}"), add)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.xml().name, "ChangeTagsForResourceResponse");

    let remove = r#"<ChangeTagsForResourceRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><RemoveTagKeys><Key>team</Key></RemoveTagKeys></ChangeTagsForResourceRequest>"#;
    assert_eq!(
        api.post(&format!("/2013-04-01/tags/hostedzone/{id}"), remove)
            .await
            .status,
        StatusCode::OK
    );

    let listed = api.get(&format!("/2013-04-01/tags/hostedzone/{id}")).await;
    assert_eq!(
        listed.text("ResourceTagSet/ResourceType").as_deref(),
        Some("hostedzone")
    );
    assert_eq!(
        listed.text("ResourceTagSet/ResourceId").as_deref(),
        Some(id.as_str())
    );
    let root = listed.xml();
    let tags: Vec<(String, String)> = find(&root, "ResourceTagSet/Tags")
        .expect("tags")
        .children_named("Tag")
        .map(|t| {
            (
                t.child_text("Key").expect("k").into(),
                t.child_text("Value").expect("v").into(),
            )
        })
        .collect();
    assert_eq!(tags, [("env".to_string(), "test".to_string())]);

    let body = format!(
        r#"<ListTagsForResourcesRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceIds><ResourceId>{id}</ResourceId></ResourceIds></ListTagsForResourcesRequest>"#
    );
    let many = api.post("/2013-04-01/tags/hostedzone", &body).await;
    assert_eq!(many.status, StatusCode::OK, "{}", many.body);
    assert_eq!(
        many.text("ResourceTagSets/ResourceTagSet/Tags/Tag/Key")
            .as_deref(),
        Some("env")
    );

    let eleven: String = (0..11)
        .map(|i| format!("<Tag><Key>k{i}</Key><Value>v</Value></Tag>"))
        .collect();
    let too_many = format!(
        r#"<ChangeTagsForResourceRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><AddTags>{eleven}</AddTags></ChangeTagsForResourceRequest>"#
    );
    let reply = api
        .post(&format!("/2013-04-01/tags/hostedzone/{id}"), &too_many)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "InvalidInput");

    let reply = api.get("/2013-04-01/tags/hostedzone/ZNOSUCHZONE").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "NoSuchHostedZone");
    let reply = api.get(&format!("/2013-04-01/tags/bucket/{id}")).await;
    assert_eq!(reply.error_code(), "InvalidInput");
}

#[tokio::test]
async fn limits_and_dnssec() {
    let api = Api::new().await;
    let id = api.create_zone("example.com", "r").await;
    let reply = api
        .get(&format!(
            "/2013-04-01/hostedzonelimit/{id}/MAX_RRSETS_BY_ZONE"
        ))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.text("Limit/Type").as_deref(),
        Some("MAX_RRSETS_BY_ZONE")
    );
    assert_eq!(
        reply.text("Limit/Value"),
        Some(api.config.limits.max_rrsets_per_zone.to_string())
    );
    assert_eq!(reply.text("Count").as_deref(), Some("2"));
    let reply = api
        .get(&format!(
            "/2013-04-01/hostedzonelimit/{id}/MAX_VPCS_ASSOCIATED_BY_ZONE"
        ))
        .await;
    assert_eq!(reply.text("Limit/Value").as_deref(), Some("300"));
    let reply = api
        .get(&format!("/2013-04-01/hostedzonelimit/{id}/NOPE"))
        .await;
    assert_eq!(reply.error_code(), "InvalidInput");

    let reply = api
        .get("/2013-04-01/accountlimit/MAX_HOSTED_ZONES_BY_OWNER")
        .await;
    assert_eq!(reply.text("Limit/Value").as_deref(), Some("500"));
    assert_eq!(reply.text("Count").as_deref(), Some("1"));
    assert_eq!(
        api.get("/2013-04-01/accountlimit/BOGUS").await.error_code(),
        "InvalidInput"
    );

    let reply = api
        .get(&format!("/2013-04-01/hostedzone/{id}/dnssec"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.text("Status/ServeSignature").as_deref(),
        Some("NOT_SIGNING")
    );
    assert!(find(&reply.xml(), "KeySigningKeys")
        .expect("keys")
        .children
        .is_empty());
}

#[tokio::test]
async fn reusable_delegation_sets() {
    let api = Api::new().await;
    let body = |r: &str| {
        format!(
            r#"<CreateReusableDelegationSetRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><CallerReference>{r}</CallerReference></CreateReusableDelegationSetRequest>"#
        )
    };
    let reply = api.post("/2013-04-01/delegationset", &body("c1")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let set1 = reply.text("DelegationSet/Id").expect("id");
    assert!(set1.starts_with("/delegationset/"));
    let bare1 = set1.trim_start_matches("/delegationset/").to_string();
    assert!(reply.headers.get("location").is_some());
    assert_eq!(
        reply
            .text("DelegationSet/NameServers/NameServer")
            .as_deref(),
        Some("ns1.cairn.test")
    );
    let set2 = api
        .post("/2013-04-01/delegationset", &body("c2"))
        .await
        .text("DelegationSet/Id")
        .expect("id");

    let reply = api.post("/2013-04-01/delegationset", &body("c1")).await;
    assert_eq!(reply.error_code(), "DelegationSetAlreadyCreated");

    let got = api.get(&format!("/2013-04-01/delegationset/{bare1}")).await;
    assert_eq!(got.text("DelegationSet/Id").as_deref(), Some(set1.as_str()));
    let listed = api.get("/2013-04-01/delegationset").await;
    let root = listed.xml();
    let ids: Vec<String> = find(&root, "DelegationSets")
        .expect("sets")
        .children_named("DelegationSet")
        .map(|s| s.child_text("Id").expect("id").to_string())
        .collect();
    assert!(ids.contains(&set1) && ids.contains(&set2));

    // A zone created with the set uses it, and keeps it from being deleted.
    let zone = format!(
        r#"<CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>example.com</Name><CallerReference>z</CallerReference><DelegationSetId>{bare1}</DelegationSetId></CreateHostedZoneRequest>"#
    );
    let created = api.post("/2013-04-01/hostedzone", &zone).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.text("DelegationSet/Id").as_deref(),
        Some(set1.as_str())
    );
    let reply = api
        .delete(&format!("/2013-04-01/delegationset/{bare1}"))
        .await;
    assert_eq!(reply.error_code(), "DelegationSetInUse");
    let zone_id = created.text("HostedZone/Id").expect("id");
    assert_eq!(
        api.delete(&format!(
            "/2013-04-01/hostedzone/{}",
            zone_id.trim_start_matches("/hostedzone/")
        ))
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        api.delete(&format!("/2013-04-01/delegationset/{bare1}"))
            .await
            .status,
        StatusCode::OK
    );
    let reply = api.get(&format!("/2013-04-01/delegationset/{bare1}")).await;
    assert_eq!(reply.error_code(), "NoSuchDelegationSet");
}
