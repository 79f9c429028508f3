//! CIDR collections over the Route 53 API, against a real SQLite store: create (idempotent
//! by name and caller reference), list, change with versions, list locations and blocks,
//! record sets that name collections and locations, and the in-use refusals.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::Api;

const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

fn create_body(name: &str, reference: &str) -> String {
    format!(
        r#"<CreateCidrCollectionRequest xmlns="{NS}"><Name>{name}</Name><CallerReference>{reference}</CallerReference></CreateCidrCollectionRequest>"#
    )
}

fn change_body(version: Option<u64>, changes: &[(&str, &str, &[&str])]) -> String {
    let version = version
        .map(|v| format!("<CollectionVersion>{v}</CollectionVersion>"))
        .unwrap_or_default();
    let changes: String = changes
        .iter()
        .map(|(action, location, blocks)| {
            let cidrs: String = blocks.iter().map(|b| format!("<Cidr>{b}</Cidr>")).collect();
            format!("<member><LocationName>{location}</LocationName><Action>{action}</Action><CidrList>{cidrs}</CidrList></member>")
        })
        .collect();
    format!(
        r#"<ChangeCidrCollectionRequest xmlns="{NS}">{version}<Changes>{changes}</Changes></ChangeCidrCollectionRequest>"#
    )
}

fn ip_based(
    action: &str,
    name: &str,
    id: &str,
    collection: &str,
    location: &str,
    ip: &str,
) -> String {
    format!(
        "<Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>A</Type><SetIdentifier>{id}</SetIdentifier><CidrRoutingConfig><CollectionId>{collection}</CollectionId><LocationName>{location}</LocationName></CidrRoutingConfig><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{ip}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>"
    )
}

async fn create(api: &Api, name: &str) -> String {
    let reply = api
        .post(
            "/2013-04-01/cidrcollection",
            &create_body(name, &format!("ref-{name}")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.text("Collection/Id").unwrap()
}

#[tokio::test]
async fn collection_lifecycle() {
    let api = Api::new().await;
    let reply = api
        .post("/2013-04-01/cidrcollection", &create_body("offices", "r1"))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.text("Collection/Id").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(reply.text("Collection/Version").as_deref(), Some("1"));
    assert_eq!(
        reply.text("Collection/Arn"),
        Some(format!("arn:aws:route53:::cidrcollection/{id}"))
    );
    assert!(reply.headers.get("location").is_some());

    // Same name and reference: the same collection; another reference: refused.
    let again = api
        .post("/2013-04-01/cidrcollection", &create_body("offices", "r1"))
        .await;
    assert_eq!(again.text("Collection/Id"), Some(id.clone()));
    let other = api
        .post("/2013-04-01/cidrcollection", &create_body("offices", "r2"))
        .await;
    assert_eq!(other.error_code(), "CidrCollectionAlreadyExistsException");

    let path = format!("/2013-04-01/cidrcollection/{id}");
    let changed = api
        .post(
            &path,
            &change_body(
                Some(1),
                &[
                    ("PUT", "east", &["10.1.0.0/16", "2001:db8:1::/48"]),
                    ("PUT", "west", &["10.2.0.0/16"]),
                ],
            ),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.text("Id").is_some());
    let stale = api
        .post(
            &path,
            &change_body(Some(1), &[("PUT", "east", &["10.3.0.0/16"])]),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.error_code(), "CidrCollectionVersionMismatchException");
    let bad = api
        .post(
            &path,
            &change_body(None, &[("PUT", "east", &["10.3.0.1/16"])]),
        )
        .await;
    assert_eq!(bad.error_code(), "InvalidInput");

    let list = api.get("/2013-04-01/cidrcollection").await;
    assert_eq!(list.texts("CidrCollections/member").len(), 1);
    assert_eq!(
        list.text("CidrCollections/member/Version").as_deref(),
        Some("2")
    );
    let locations = api.get(&path).await;
    assert_eq!(locations.status, StatusCode::OK, "{}", locations.body);
    let names: Vec<String> = locations
        .xml()
        .child("CidrLocations")
        .unwrap()
        .children_named("member")
        .map(|m| m.child_text("LocationName").unwrap().to_string())
        .collect();
    assert_eq!(names, ["east", "west"]);
    let blocks = api.get(&format!("{path}/cidrblocks?location=east")).await;
    let cidrs: Vec<String> = blocks
        .xml()
        .child("CidrBlocks")
        .unwrap()
        .children_named("member")
        .map(|m| m.child_text("CidrBlock").unwrap().to_string())
        .collect();
    assert_eq!(cidrs, ["10.1.0.0/16", "2001:db8:1::/48"]);
    let all = api.get(&format!("{path}/cidrblocks")).await;
    assert_eq!(
        all.xml()
            .child("CidrBlocks")
            .unwrap()
            .children_named("member")
            .count(),
        3
    );
    let paged = api.get(&format!("{path}/cidrblocks?maxresults=2")).await;
    assert_eq!(
        paged
            .xml()
            .child("CidrBlocks")
            .unwrap()
            .children_named("member")
            .count(),
        2
    );
    let token = paged.text("NextToken").unwrap();
    let rest = api
        .get(&format!(
            "{path}/cidrblocks?maxresults=2&nexttoken={}",
            token.replace('/', "%2F")
        ))
        .await;
    assert_eq!(
        rest.xml()
            .child("CidrBlocks")
            .unwrap()
            .children_named("member")
            .count(),
        1
    );
    let missing = api.get(&format!("{path}/cidrblocks?location=north")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "NoSuchCidrLocationException");

    // Not empty: the collection stays.
    let refused = api.delete(&path).await;
    assert_eq!(refused.error_code(), "CidrCollectionInUseException");
    let emptied = api
        .post(
            &path,
            &change_body(
                None,
                &[
                    (
                        "DELETE_IF_EXISTS",
                        "east",
                        &["10.1.0.0/16", "2001:db8:1::/48"],
                    ),
                    ("DELETE_IF_EXISTS", "west", &["10.2.0.0/16"]),
                ],
            ),
        )
        .await;
    assert_eq!(emptied.status, StatusCode::OK, "{}", emptied.body);
    assert_eq!(api.delete(&path).await.status, StatusCode::OK);
    let gone = api.get(&path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_code(), "NoSuchCidrCollectionException");
}

#[tokio::test]
async fn record_sets_must_name_existing_collections_and_locations() {
    let api = Api::new().await;
    let zone = api.create_zone("example.com", "z1").await;
    let id = create(&api, "c1").await;
    let path = format!("/2013-04-01/cidrcollection/{id}");
    api.post(
        &path,
        &change_body(None, &[("PUT", "east", &["10.1.0.0/16"])]),
    )
    .await;

    let missing = "00000000-0000-4000-8000-000000000000";
    let reply = api
        .change(
            &zone,
            &ip_based(
                "CREATE",
                "www.example.com",
                "a",
                missing,
                "east",
                "192.0.2.1",
            ),
        )
        .await;
    assert_eq!(reply.error_code(), "InvalidChangeBatch", "{}", reply.body);
    let reply = api
        .change(
            &zone,
            &ip_based("CREATE", "www.example.com", "a", &id, "north", "192.0.2.1"),
        )
        .await;
    assert_eq!(reply.error_code(), "InvalidChangeBatch", "{}", reply.body);
    let reply = api
        .change(
            &zone,
            &format!(
                "{}{}",
                ip_based("CREATE", "www.example.com", "a", &id, "east", "192.0.2.1"),
                ip_based("CREATE", "www.example.com", "d", &id, "*", "192.0.2.9")
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    // Another collection for the same name and type is refused.
    let other = create(&api, "c2").await;
    api.post(
        &format!("/2013-04-01/cidrcollection/{other}"),
        &change_body(None, &[("PUT", "east", &["10.9.0.0/16"])]),
    )
    .await;
    let reply = api
        .change(
            &zone,
            &ip_based(
                "CREATE",
                "www.example.com",
                "b",
                &other,
                "east",
                "192.0.2.2",
            ),
        )
        .await;
    assert_eq!(reply.error_code(), "InvalidChangeBatch", "{}", reply.body);

    // In use: the location keeps its last block, the collection stays.
    let reply = api
        .post(
            &path,
            &change_body(None, &[("DELETE_IF_EXISTS", "east", &["10.1.0.0/16"])]),
        )
        .await;
    assert_eq!(
        reply.error_code(),
        "CidrBlockInUseException",
        "{}",
        reply.body
    );
    let reply = api.delete(&path).await;
    assert_eq!(
        reply.error_code(),
        "CidrCollectionInUseException",
        "{}",
        reply.body
    );

    // Once the records are gone, so may the blocks and the collection be.
    let reply = api
        .change(
            &zone,
            &format!(
                "{}{}",
                ip_based("DELETE", "www.example.com", "a", &id, "east", "192.0.2.1"),
                ip_based("DELETE", "www.example.com", "d", &id, "*", "192.0.2.9")
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = api
        .post(
            &path,
            &change_body(None, &[("DELETE_IF_EXISTS", "east", &["10.1.0.0/16"])]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(api.delete(&path).await.status, StatusCode::OK);
}
