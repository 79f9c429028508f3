//! ChangeResourceRecordSets and ListResourceRecordSets against a real SQLite store.

mod common;

use axum::http::StatusCode;
use cairn_api::protocol::rest_xml::Element;
use common::{find, simple_change, Api};

fn sets(reply: &common::Reply) -> Vec<Element> {
    let root = reply.xml();
    find(&root, "ResourceRecordSets")
        .expect("sets")
        .children_named("ResourceRecordSet")
        .cloned()
        .collect()
}

fn keys(reply: &common::Reply) -> Vec<(String, String)> {
    sets(reply)
        .iter()
        .map(|s| {
            (
                s.child_text("Name").expect("name").into(),
                s.child_text("Type").expect("type").into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn create_then_list_with_both_path_forms() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    let body = common::change_batch(&simple_change(
        "CREATE",
        "www.example.com",
        "A",
        900,
        &["192.0.2.99"],
    ));
    let reply = api
        .post(&format!("/2013-04-01/hostedzone/{zone}/rrset"), &body)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.xml().name, "ChangeResourceRecordSetsResponse");
    assert!(reply
        .text("ChangeInfo/Id")
        .expect("id")
        .starts_with("/change/"));

    let list = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/rrset"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.text("IsTruncated").as_deref(), Some("false"));
    assert_eq!(list.text("MaxItems").as_deref(), Some("100"));
    assert_eq!(
        keys(&list),
        [
            ("example.com.".into(), "NS".into()),
            ("example.com.".into(), "SOA".into()),
            ("www.example.com.".into(), "A".into())
        ]
    );
    let www = &sets(&list)[2];
    assert_eq!(www.child_text("TTL"), Some("900"));
    assert_eq!(
        find(www, "ResourceRecords/ResourceRecord/Value").map(|v| v.text.as_str()),
        Some("192.0.2.99")
    );
}

#[tokio::test]
async fn invalid_change_batch_lists_every_message() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    assert_eq!(
        api.change(
            &zone,
            &simple_change("CREATE", "dup.example.com", "TXT", 60, &["\"x\""])
        )
        .await
        .status,
        StatusCode::OK
    );
    let changes = [
        simple_change("CREATE", "dup.example.com", "TXT", 60, &["\"x\""]),
        simple_change("DELETE", "missing.example.com", "A", 60, &["192.0.2.1"]),
    ]
    .concat();
    api.change(&zone, &changes).await.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[Tried to create resource record set [name='dup.example.com.', type='TXT'] but it already exists, Tried to delete resource record set [name='missing.example.com.', type='A'] but it was not found]",
    );
    api.change(
        &zone,
        &simple_change("CREATE", "www.example.org", "A", 60, &["192.0.2.1"]),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[RRSet with DNS name www.example.org. is not permitted in zone example.com.]",
    );
    api.change(&zone, &simple_change("DELETE", "dup.example.com", "TXT", 300, &["\"x\""])).await.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[Tried to delete resource record set [name='dup.example.com.', type='TXT'] but the values provided do not match the current values]",
    );
    // All or nothing: the failed batches changed nothing.
    let list = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/rrset"))
        .await;
    assert_eq!(sets(&list).len(), 3);

    api.change(
        "ZNOSUCHZONE",
        &simple_change("CREATE", "a.example.com", "A", 60, &["192.0.2.1"]),
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchHostedZone",
        "No hosted zone found with ID: ZNOSUCHZONE",
    );
}

#[tokio::test]
async fn delete_then_create_in_one_batch_and_upsert() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    api.change(
        &zone,
        &simple_change("CREATE", "www.example.com", "CNAME", 60, &["a.example.com"]),
    )
    .await;
    let swap = [
        simple_change("DELETE", "www.example.com", "CNAME", 60, &["a.example.com"]),
        simple_change("CREATE", "www.example.com", "A", 60, &["192.0.2.1"]),
    ]
    .concat();
    assert_eq!(api.change(&zone, &swap).await.status, StatusCode::OK);
    let reply = api
        .change(
            &zone,
            &simple_change(
                "UPSERT",
                "www.example.com",
                "A",
                120,
                &["192.0.2.2", "192.0.2.3"],
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = api
        .get(&format!(
            "/2013-04-01/hostedzone/{zone}/rrset?name=www.example.com&type=A&maxitems=1"
        ))
        .await;
    let www = &sets(&list)[0];
    assert_eq!(www.child_text("Type"), Some("A"));
    assert_eq!(www.child_text("TTL"), Some("120"));
    assert_eq!(
        find(www, "ResourceRecords")
            .expect("records")
            .children
            .len(),
        2
    );
}

#[tokio::test]
async fn alias_and_routed_sets_round_trip_without_ttl() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    api.change(
        &zone,
        &simple_change("CREATE", "target.example.com", "A", 60, &["192.0.2.1"]),
    )
    .await;
    let alias = |id: &str, weight: u8| {
        format!(
        "<Change><Action>CREATE</Action><ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type><SetIdentifier>{id}</SetIdentifier><Weight>{weight}</Weight><AliasTarget><HostedZoneId>/hostedzone/{zone}</HostedZoneId><DNSName>target.example.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>"
    )
    };
    let reply = api
        .change(
            &zone,
            &[alias("region-1", 255), alias("region-2", 0)].concat(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/rrset"))
        .await;
    let all = sets(&list);
    let routed: Vec<&Element> = all
        .iter()
        .filter(|s| s.child_text("Name") == Some("www.example.com."))
        .collect();
    assert_eq!(routed.len(), 2);
    assert_eq!(routed[0].child_text("SetIdentifier"), Some("region-1"));
    assert_eq!(routed[0].child_text("Weight"), Some("255"));
    assert_eq!(routed[1].child_text("SetIdentifier"), Some("region-2"));
    assert_eq!(routed[1].child_text("Weight"), Some("0"));
    for set in routed {
        assert!(set.child("TTL").is_none(), "alias sets carry no TTL");
        assert!(
            set.child("ResourceRecords").is_none(),
            "alias sets carry no ResourceRecords"
        );
        assert_eq!(
            find(set, "AliasTarget/HostedZoneId").map(|e| e.text.as_str()),
            Some(zone.as_str())
        );
        assert_eq!(
            find(set, "AliasTarget/DNSName").map(|e| e.text.as_str()),
            Some("target.example.com.")
        );
        assert_eq!(
            find(set, "AliasTarget/EvaluateTargetHealth").map(|e| e.text.as_str()),
            Some("false")
        );
    }
}

#[tokio::test]
async fn wildcards_are_listed_escaped() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    let reply = api
        .change(
            &zone,
            &simple_change("CREATE", "*.example.com", "A", 60, &["192.0.2.1"]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/rrset"))
        .await;
    assert!(
        keys(&list).contains(&("\\052.example.com.".into(), "A".into())),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn pages_continue_at_the_first_set_of_the_next_page() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "r").await;
    let changes: String = (0..7)
        .map(|i| {
            simple_change(
                "CREATE",
                &format!("h{i}.example.com"),
                "A",
                60,
                &["192.0.2.1"],
            )
        })
        .collect();
    assert_eq!(api.change(&zone, &changes).await.status, StatusCode::OK);

    let first = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/rrset?maxitems=3"))
        .await;
    assert_eq!(first.text("MaxItems").as_deref(), Some("3"));
    assert_eq!(first.text("IsTruncated").as_deref(), Some("true"));
    assert_eq!(keys(&first).len(), 3);
    // NS, SOA, h0 on the first page; the next one starts at h1.
    assert_eq!(
        first.text("NextRecordName").as_deref(),
        Some("h1.example.com.")
    );
    assert_eq!(first.text("NextRecordType").as_deref(), Some("A"));

    let mut all = keys(&first);
    let mut next = (first.text("NextRecordName"), first.text("NextRecordType"));
    while let (Some(name), Some(rtype)) = next {
        let page = api
            .get(&format!(
                "/2013-04-01/hostedzone/{zone}/rrset?maxitems=3&name={name}&type={rtype}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(
            keys(&page)[0],
            (name.clone(), rtype.clone()),
            "the page starts at the cursor"
        );
        all.extend(keys(&page));
        next = (page.text("NextRecordName"), page.text("NextRecordType"));
    }
    assert_eq!(all.len(), 9, "{all:?}");
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names[2..],
        [
            "h0.example.com.",
            "h1.example.com.",
            "h2.example.com.",
            "h3.example.com.",
            "h4.example.com.",
            "h5.example.com.",
            "h6.example.com."
        ]
    );

    // maxitems above 300 is lowered to 300.
    let capped = api
        .get(&format!(
            "/2013-04-01/hostedzone/{zone}/rrset?maxitems=1000"
        ))
        .await;
    assert_eq!(capped.text("MaxItems").as_deref(), Some("300"));
}

#[tokio::test]
async fn batch_limits_come_from_the_configuration() {
    let mut config = common::config();
    config.limits.max_records_per_batch = 2;
    let api = Api::with_config(config).await;
    let zone = api.create_zone("example.com", "r").await;
    let reply = api
        .change(
            &zone,
            &simple_change(
                "UPSERT",
                "a.example.com",
                "A",
                60,
                &["192.0.2.1", "192.0.2.2"],
            ),
        )
        .await;
    reply.assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[Number of records limit of 2 exceeded.]",
    );
    let reply = api
        .change(
            &zone,
            &simple_change(
                "CREATE",
                "a.example.com",
                "A",
                60,
                &["192.0.2.1", "192.0.2.2"],
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
