//! Route 53 Domains over json-1.1, in process (issue 14): registering a name under a
//! registry TLD creates its hosted zone and the TLD zone's delegation to that zone's name
//! servers; UpdateDomainNameservers rewrites the delegation (with glue for in-domain
//! servers); DeleteDomain removes it and leaves the hosted zone; the TLD zone itself is
//! invisible to Route 53 calls; names outside the registry are `UnsupportedTLD`.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use cairn_model::{DomainName, HostedZone, ResourceRecordSet, RrType};
use common::{signed_json, Api, Reply};
use serde_json::{json, Value};

async fn registry_api() -> Api {
    let mut config = common::config();
    config.registry_tlds = vec![DomainName::from_route53("test").unwrap()];
    let api = Api::with_config(config).await;
    cairn_api::domains::registry::ensure_zones(&api.state)
        .await
        .unwrap();
    // A second start finds the zone and makes no other.
    cairn_api::domains::registry::ensure_zones(&api.state)
        .await
        .unwrap();
    api
}

impl Api {
    async fn domains_reply(&self, operation: &str, body: Value) -> Reply {
        self.send(signed_json(
            &format!("Route53Domains_v20140515.{operation}"),
            "route53domains",
            "us-east-1",
            &body.to_string(),
        ))
        .await
    }

    async fn domains(&self, operation: &str, body: Value) -> Value {
        let reply = self.domains_reply(operation, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{operation}: {}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    async fn tld_zone(&self) -> HostedZone {
        let zones = self.state.store.list_hosted_zones().await.unwrap();
        let tld: Vec<HostedZone> = zones
            .into_iter()
            .filter(|z| z.caller_reference == "cairn-registry:test")
            .collect();
        assert_eq!(tld.len(), 1, "one zone per registry TLD");
        tld.into_iter().next().unwrap()
    }

    /// The TLD zone's record sets at `names`.
    async fn tld_sets(&self, names: &[&str]) -> Vec<ResourceRecordSet> {
        let zone = self.tld_zone().await;
        let names: Vec<DomainName> = names
            .iter()
            .map(|n| DomainName::from_route53(n).unwrap())
            .collect();
        self.state
            .store
            .load_record_sets_at(&zone.id, &names)
            .await
            .unwrap()
            .unwrap()
            .1
    }
}

fn contact() -> Value {
    json!({
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "ContactType": "PERSON",
        "CountryCode": "GB",
        "PhoneNumber": "+44.2079460000",
        "Email": "ada@example.net",
        "ExtraParams": [{"Name": "BIRTH_COUNTRY", "Value": "GB"}],
    })
}

fn register_body(name: &str) -> Value {
    json!({
        "DomainName": name,
        "DurationInYears": 2,
        "AdminContact": contact(),
        "RegistrantContact": contact(),
        "TechContact": contact(),
    })
}

fn error(reply: &Reply) -> (String, String) {
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    (
        body["__type"].as_str().unwrap_or_default().to_string(),
        body["message"]
            .as_str()
            .or(body["Message"].as_str())
            .unwrap_or_default()
            .to_string(),
    )
}

fn records(sets: &[ResourceRecordSet], name: &str, rtype: RrType) -> Vec<String> {
    let name = DomainName::from_route53(name).unwrap();
    let mut out: Vec<String> = sets
        .iter()
        .filter(|s| s.name == name && s.rtype == rtype)
        .flat_map(|s| s.records.clone())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn registration_creates_the_zone_and_the_delegation() {
    let api = registry_api().await;
    let available = api
        .domains(
            "CheckDomainAvailability",
            json!({"DomainName": "example.test"}),
        )
        .await;
    assert_eq!(available["Availability"], "AVAILABLE");

    let op = api
        .domains("RegisterDomain", register_body("example.test"))
        .await;
    let op_id = op["OperationId"].as_str().unwrap().to_string();

    // The hosted zone Route 53 makes, visible to the user; the TLD zone is not.
    let zones = api.get("/2013-04-01/hostedzone").await;
    let names = zones.texts("HostedZones/HostedZone");
    assert_eq!(names.len(), 1, "{}", zones.body);
    assert_eq!(
        zones.text("HostedZones/HostedZone/Name").as_deref(),
        Some("example.test.")
    );
    assert_eq!(
        zones
            .text("HostedZones/HostedZone/Config/Comment")
            .as_deref(),
        Some("HostedZone created by Route53 Registrar")
    );
    let count = api.get("/2013-04-01/hostedzonecount").await;
    assert_eq!(count.text("HostedZoneCount").as_deref(), Some("1"));

    // The TLD delegates to the zone's name servers.
    let sets = api.tld_sets(&["example.test"]).await;
    assert_eq!(
        records(&sets, "example.test", RrType::Ns),
        [
            "ns1.cairn.test.",
            "ns2.cairn.test.",
            "ns3.cairn.test.",
            "ns4.cairn.test."
        ]
    );

    let detail = api
        .domains("GetDomainDetail", json!({"DomainName": "example.test"}))
        .await;
    assert_eq!(detail["DomainName"], "example.test");
    assert_eq!(detail["Nameservers"][0]["Name"], "ns1.cairn.test");
    assert_eq!(detail["AutoRenew"], true);
    assert_eq!(detail["StatusList"], json!(["clientTransferProhibited"]));
    assert_eq!(detail["AdminContact"]["Email"], "ada@example.net");
    assert_eq!(
        detail["BillingContact"], detail["AdminContact"],
        "billing defaults to admin"
    );
    assert_eq!(detail["RegistrantPrivacy"], true);
    assert_eq!(detail["DnsSec"], "DISABLED");
    let years =
        detail["ExpirationDate"].as_f64().unwrap() - detail["CreationDate"].as_f64().unwrap();
    assert!((years - 2.0 * 365.0 * 86400.0).abs() < 1.0, "{years}");

    let operation = api
        .domains("GetOperationDetail", json!({"OperationId": op_id}))
        .await;
    assert_eq!(operation["Status"], "SUCCESSFUL");
    assert_eq!(operation["Type"], "REGISTER_DOMAIN");
    assert_eq!(operation["DomainName"], "example.test");

    let taken = api
        .domains(
            "CheckDomainAvailability",
            json!({"DomainName": "EXAMPLE.test."}),
        )
        .await;
    assert_eq!(taken["Availability"], "UNAVAILABLE");
    let again = api
        .domains_reply("RegisterDomain", register_body("example.test"))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&again).0, "InvalidInput");
}

#[tokio::test]
async fn name_servers_elsewhere_and_in_domain_glue() {
    let api = registry_api().await;
    api.domains("RegisterDomain", register_body("shop.test"))
        .await;

    api.domains(
        "UpdateDomainNameservers",
        json!({
            "DomainName": "shop.test",
            "Nameservers": [
                {"Name": "ns1.shop.test", "GlueIps": ["192.0.2.53", "2001:db8::53"]},
                {"Name": "ns.provider.example"},
            ],
        }),
    )
    .await;
    let sets = api.tld_sets(&["shop.test", "ns1.shop.test"]).await;
    assert_eq!(
        records(&sets, "shop.test", RrType::Ns),
        ["ns.provider.example.", "ns1.shop.test."]
    );
    assert_eq!(records(&sets, "ns1.shop.test", RrType::A), ["192.0.2.53"]);
    assert_eq!(
        records(&sets, "ns1.shop.test", RrType::Aaaa),
        ["2001:db8::53"]
    );

    // Glue is required inside the domain and refused outside it.
    for servers in [
        json!([{"Name": "ns2.shop.test"}]),
        json!([{"Name": "ns.provider.example", "GlueIps": ["192.0.2.1"]}]),
        json!([{"Name": "ns1.shop.test", "GlueIps": ["192.0.2.1", "192.0.2.2"]}]),
    ] {
        let reply = api
            .domains_reply(
                "UpdateDomainNameservers",
                json!({"DomainName": "shop.test", "Nameservers": servers}),
            )
            .await;
        assert_eq!(error(&reply).0, "InvalidInput", "{servers}");
    }

    // Moving out of the domain removes the glue.
    api.domains(
        "UpdateDomainNameservers",
        json!({"DomainName": "shop.test", "Nameservers": [{"Name": "ns.provider.example"}]}),
    )
    .await;
    let sets = api.tld_sets(&["shop.test", "ns1.shop.test"]).await;
    assert_eq!(
        records(&sets, "shop.test", RrType::Ns),
        ["ns.provider.example."]
    );
    assert!(records(&sets, "ns1.shop.test", RrType::A).is_empty());
    assert!(records(&sets, "ns1.shop.test", RrType::Aaaa).is_empty());

    // DeleteDomain: the delegation goes, the hosted zone stays.
    let op = api
        .domains("DeleteDomain", json!({"DomainName": "shop.test"}))
        .await;
    assert!(op["OperationId"].is_string());
    let sets = api.tld_sets(&["shop.test"]).await;
    assert!(records(&sets, "shop.test", RrType::Ns).is_empty());
    let zones = api.get("/2013-04-01/hostedzone").await;
    assert_eq!(
        zones.text("HostedZones/HostedZone/Name").as_deref(),
        Some("shop.test.")
    );
    let gone = api
        .domains_reply("GetDomainDetail", json!({"DomainName": "shop.test"}))
        .await;
    assert_eq!(
        error(&gone),
        (
            "InvalidInput".into(),
            "The requested item is not acceptable.\n\tDomain shop.test isn't registered in the current account".into()
        )
    );

    let listed = api.domains("ListOperations", json!({})).await;
    let types: Vec<&str> = listed["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "REGISTER_DOMAIN",
            "UPDATE_NAMESERVER",
            "UPDATE_NAMESERVER",
            "DELETE_DOMAIN"
        ]
    );
}

#[tokio::test]
async fn the_tld_zone_is_not_the_users() {
    let api = registry_api().await;
    let tld = api.tld_zone().await;
    let path = format!("/2013-04-01/hostedzone/{}", tld.id);
    api.get(&path).await.assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchHostedZone",
        &format!("No hosted zone found with ID: {}", tld.id),
    );
    api.delete(&path).await.assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchHostedZone",
        &format!("No hosted zone found with ID: {}", tld.id),
    );
    let rrsets = api.get(&format!("{path}/rrset")).await;
    assert_eq!(rrsets.status, StatusCode::NOT_FOUND, "{}", rrsets.body);
    let zones = api.get("/2013-04-01/hostedzone").await;
    assert!(
        zones.texts("HostedZones/HostedZone").is_empty(),
        "{}",
        zones.body
    );
    let by_name = api.get("/2013-04-01/hostedzonesbyname").await;
    assert!(
        by_name.texts("HostedZones/HostedZone").is_empty(),
        "{}",
        by_name.body
    );
    let reserved = api
        .post(
            "/2013-04-01/hostedzone",
            &common::create_zone_body("other.example", "cairn-registry:other"),
        )
        .await;
    assert_eq!(reserved.error_code(), "InvalidInput", "{}", reserved.body);
}

#[tokio::test]
async fn names_outside_the_registry_and_listings() {
    let api = registry_api().await;
    let reply = api
        .domains_reply(
            "CheckDomainAvailability",
            json!({"DomainName": "example.com"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error(&reply),
        (
            "UnsupportedTLD".into(),
            "Amazon Route53 does not support the top-level domain (TLD) `.com`.".into()
        )
    );
    let reply = api
        .domains_reply("RegisterDomain", register_body("example.com"))
        .await;
    assert_eq!(error(&reply).0, "UnsupportedTLD");
    let deep = api
        .domains("CheckDomainAvailability", json!({"DomainName": "a.b.test"}))
        .await;
    assert_eq!(deep["Availability"], "INVALID_NAME_FOR_TLD");
    let years = api
        .domains_reply("RegisterDomain", {
            let mut body = register_body("long.test");
            body["DurationInYears"] = 11.into();
            body
        })
        .await;
    assert_eq!(error(&years).0, "InvalidInput");

    for name in ["c.test", "a.test", "b.test"] {
        api.domains("RegisterDomain", register_body(name)).await;
    }
    let first = api.domains("ListDomains", json!({"MaxItems": 2})).await;
    let names: Vec<&str> = first["Domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["DomainName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.test", "b.test"]);
    assert_eq!(first["Domains"][0]["TransferLock"], true);
    let marker = first["NextPageMarker"].as_str().unwrap();
    let rest = api
        .domains("ListDomains", json!({"MaxItems": 2, "Marker": marker}))
        .await;
    assert_eq!(rest["Domains"][0]["DomainName"], "c.test");
    assert!(rest.get("NextPageMarker").is_none());

    api.domains("DisableDomainTransferLock", json!({"DomainName": "a.test"}))
        .await;
    api.domains("DisableDomainAutoRenew", json!({"DomainName": "a.test"}))
        .await;
    api.domains(
        "UpdateDomainContact",
        json!({"DomainName": "a.test", "TechContact": {"FirstName": "Grace", "Email": "g@example.net"}}),
    )
    .await;
    let detail = api
        .domains("GetDomainDetail", json!({"DomainName": "a.test"}))
        .await;
    assert_eq!(detail["StatusList"], json!([]));
    assert_eq!(detail["AutoRenew"], false);
    assert_eq!(detail["TechContact"]["FirstName"], "Grace");
    assert_eq!(detail["AdminContact"]["FirstName"], "Ada");

    let prices = api.domains("ListPrices", json!({})).await;
    assert_eq!(prices["Prices"][0]["Name"], "test");
    assert_eq!(prices["Prices"][0]["RegistrationPrice"]["Currency"], "USD");
}
