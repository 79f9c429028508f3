//! Private hosted zones and their VPCs over Route 53's rest-xml, with VPCs made through the
//! EC2 API on the same port.

mod common;

use axum::http::StatusCode;
use common::{find, Api};

const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

fn private_zone_body(name: &str, reference: &str, vpc: &str, region: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="{NS}"><Name>{name}</Name><CallerReference>{reference}</CallerReference><HostedZoneConfig><Comment>test</Comment><PrivateZone>true</PrivateZone></HostedZoneConfig><VPC><VPCRegion>{region}</VPCRegion><VPCId>{vpc}</VPCId></VPC></CreateHostedZoneRequest>"#
    )
}

fn vpc_body(root: &str, vpc: &str, comment: Option<&str>) -> String {
    let comment = comment
        .map(|c| format!("<Comment>{c}</Comment>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NS}"><VPC><VPCRegion>us-east-1</VPCRegion><VPCId>{vpc}</VPCId></VPC>{comment}</{root}>"#
    )
}

async fn create_private_zone(api: &Api, name: &str, reference: &str, vpc: &str) -> String {
    let reply = api
        .post(
            "/2013-04-01/hostedzone",
            &private_zone_body(name, reference, vpc, "us-east-1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply
        .text("HostedZone/Id")
        .expect("id")
        .trim_start_matches("/hostedzone/")
        .to_string()
}

#[tokio::test]
async fn create_and_get_a_private_zone() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.0.0.0/16").await;
    let reply = api
        .post(
            "/2013-04-01/hostedzone",
            &private_zone_body("corp.example", "r1", &vpc, "us-east-1"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let root = reply.xml();
    assert_eq!(
        find(&root, "HostedZone/Config/PrivateZone").map(|e| e.text.as_str()),
        Some("true")
    );
    assert_eq!(
        find(&root, "HostedZone/Config/Comment").map(|e| e.text.as_str()),
        Some("test")
    );
    assert_eq!(
        find(&root, "HostedZone/ResourceRecordSetCount").map(|e| e.text.as_str()),
        Some("2")
    );
    assert_eq!(
        find(&root, "VPC/VPCId").map(|e| e.text.as_str()),
        Some(vpc.as_str())
    );
    assert_eq!(
        find(&root, "VPC/VPCRegion").map(|e| e.text.as_str()),
        Some("us-east-1")
    );
    assert!(
        root.child("DelegationSet").is_none(),
        "a private zone is not delegated: {}",
        reply.body
    );
    let change = find(&root, "ChangeInfo/Id").expect("change").text.clone();
    let status = api.get(&format!("/2013-04-01{change}")).await;
    assert_eq!(
        status.text("ChangeInfo/Status").as_deref(),
        Some("INSYNC"),
        "{}",
        status.body
    );

    let zone = find(&root, "HostedZone/Id")
        .expect("id")
        .text
        .trim_start_matches("/hostedzone/")
        .to_string();
    let got = api.get(&format!("/2013-04-01/hostedzone/{zone}")).await;
    let root = got.xml();
    let vpcs: Vec<_> = root
        .child("VPCs")
        .expect("VPCs")
        .children_named("VPC")
        .collect();
    assert_eq!(vpcs.len(), 1, "{}", got.body);
    assert_eq!(vpcs[0].child_text("VPCId"), Some(vpc.as_str()));
    assert!(root.child("DelegationSet").is_none());

    // Private zones may take names Route 53 refuses as public zones.
    create_private_zone(&api, "internal", "r2", &vpc).await;
}

#[tokio::test]
async fn the_vpc_must_exist() {
    let api = Api::new().await;
    // Recorded against AWS: test_create_hosted_zone_in_non_existent_vpc.
    api.post(
        "/2013-04-01/hostedzone",
        &private_zone_body("corp.example", "r1", "non-existent", "us-east-1"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidVPCId",
        "The VPC ID is invalid.",
    );
    api.post(
        "/2013-04-01/hostedzone",
        &private_zone_body("corp.example", "r2", "vpc-0123456789abcdef0", "us-east-1"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidVPCId",
        "The VPC ID is invalid.",
    );
    let vpc = api.create_vpc("10.0.0.0/16").await;
    api.post(
        "/2013-04-01/hostedzone",
        &private_zone_body("corp.example", "r3", &vpc, "eu-west-1"),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidVPCId",
        "The VPC ID is invalid.",
    );
    let zones = api.get("/2013-04-01/hostedzone").await;
    assert!(
        zones
            .xml()
            .child("HostedZones")
            .expect("list")
            .children
            .is_empty(),
        "nothing was created"
    );
}

#[tokio::test]
async fn associate_list_and_disassociate() {
    let api = Api::new().await;
    let vpc1 = api.create_vpc("10.1.0.0/16").await;
    let vpc2 = api.create_vpc("10.2.0.0/16").await;
    let zone = create_private_zone(&api, "corp.example", "r1", &vpc1).await;

    let reply = api
        .post(
            &format!("/2013-04-01/hostedzone/{zone}/associatevpc"),
            &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc2, Some("second")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.xml().name, "AssociateVPCWithHostedZoneResponse");
    assert_eq!(reply.text("ChangeInfo/Comment").as_deref(), Some("second"));
    let change = reply.text("ChangeInfo/Id").expect("change");
    let status = api.get(&format!("/2013-04-01{change}")).await;
    assert_eq!(
        status.status,
        StatusCode::OK,
        "GetChange knows the association: {}",
        status.body
    );

    api.post(&format!("/2013-04-01/hostedzone/{zone}/associatevpc"), &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc2, None))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "ConflictingDomainExists",
            &format!("The VPC {vpc2} in region us-east-1 has already been associated with the hosted zone {zone} with the same domain name."),
        );
    let got = api.get(&format!("/2013-04-01/hostedzone/{zone}")).await;
    assert_eq!(
        got.xml()
            .child("VPCs")
            .expect("VPCs")
            .children_named("VPC")
            .count(),
        2
    );

    for vpc in [&vpc1, &vpc2] {
        let listed = api
            .get(&format!(
                "/2013-04-01/hostedzonesbyvpc?vpcid={vpc}&vpcregion=us-east-1"
            ))
            .await;
        let root = listed.xml();
        assert_eq!(root.name, "ListHostedZonesByVPCResponse");
        let summary = find(&root, "HostedZoneSummaries/HostedZoneSummary").expect("summary");
        assert_eq!(summary.child_text("HostedZoneId"), Some(zone.as_str()));
        assert_eq!(summary.child_text("Name"), Some("corp.example."));
        assert_eq!(
            find(summary, "Owner/OwningAccount").map(|e| e.text.as_str()),
            Some("111111111111")
        );
        assert_eq!(root.child_text("MaxItems"), Some("100"));
    }

    let reply = api
        .post(
            &format!("/2013-04-01/hostedzone/{zone}/disassociatevpc"),
            &vpc_body("DisassociateVPCFromHostedZoneRequest", &vpc2, None),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.text("ChangeInfo/Id").is_some());
    api.post(
        &format!("/2013-04-01/hostedzone/{zone}/disassociatevpc"),
        &vpc_body("DisassociateVPCFromHostedZoneRequest", &vpc2, None),
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "VPCAssociationNotFound",
        &format!("The specified VPC {vpc2} and hosted zone {zone} are not currently associated."),
    );
    api.post(&format!("/2013-04-01/hostedzone/{zone}/disassociatevpc"), &vpc_body("DisassociateVPCFromHostedZoneRequest", &vpc1, None))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "LastVPCAssociation",
            "The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone.",
        );
    let listed = api
        .get(&format!(
            "/2013-04-01/hostedzonesbyvpc?vpcid={vpc2}&vpcregion=us-east-1"
        ))
        .await;
    assert!(listed
        .xml()
        .child("HostedZoneSummaries")
        .expect("list")
        .children
        .is_empty());
}

#[tokio::test]
async fn association_errors() {
    let api = Api::new().await;
    let vpc1 = api.create_vpc("10.1.0.0/16").await;
    let vpc2 = api.create_vpc("10.2.0.0/16").await;
    let zone = create_private_zone(&api, "corp.example", "r1", &vpc1).await;
    let twin = create_private_zone(&api, "corp.example", "r2", &vpc2).await;
    api.post(&format!("/2013-04-01/hostedzone/{twin}/associatevpc"), &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc1, None))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "ConflictingDomainExists",
            &format!("The VPC {vpc1} in region us-east-1 has already been associated with the hosted zone {zone} with the same domain name."),
        );
    let public = api.create_zone("public.example", "r3").await;
    api.post(&format!("/2013-04-01/hostedzone/{public}/associatevpc"), &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc1, None))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "PublicZoneVPCAssociation",
            "You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone.",
        );
    api.post(
        "/2013-04-01/hostedzone/ZNOSUCHZONE/associatevpc",
        &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc1, None),
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "NoSuchHostedZone",
        "No hosted zone found with ID: ZNOSUCHZONE",
    );
    api.post(
        &format!("/2013-04-01/hostedzone/{zone}/associatevpc"),
        &vpc_body(
            "AssociateVPCWithHostedZoneRequest",
            "vpc-0123456789abcdef0",
            None,
        ),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidVPCId",
        "The VPC ID is invalid.",
    );
    api.post(
        &format!("/2013-04-01/hostedzone/{zone}/associatevpc"),
        &vpc_body("AssociateVPCWithHostedZoneRequest", "bogus", None),
    )
    .await
    .assert_error(
        StatusCode::BAD_REQUEST,
        "InvalidVPCId",
        "The VPC ID is invalid.",
    );
    // A deleted VPC's association stays until disassociated, as on Route 53.
    let vpc3 = api.create_vpc("10.3.0.0/16").await;
    let assoc = api
        .post(
            &format!("/2013-04-01/hostedzone/{zone}/associatevpc"),
            &vpc_body("AssociateVPCWithHostedZoneRequest", &vpc3, None),
        )
        .await;
    assert_eq!(assoc.status, StatusCode::OK, "{}", assoc.body);
    assert_eq!(
        api.ec2("DeleteVpc", &[("VpcId", &vpc3)]).await.status,
        StatusCode::OK
    );
    let got = api.get(&format!("/2013-04-01/hostedzone/{zone}")).await;
    assert_eq!(
        got.xml()
            .child("VPCs")
            .expect("VPCs")
            .children_named("VPC")
            .count(),
        2
    );
}

#[tokio::test]
async fn association_authorizations() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.1.0.0/16").await;
    let zone = create_private_zone(&api, "corp.example", "r1", &vpc).await;
    let other = "vpc-0aaaaaaaaaaaaaaaa";
    let path = format!("/2013-04-01/hostedzone/{zone}/authorizevpcassociation");
    let reply = api
        .post(
            &path,
            &vpc_body("CreateVPCAssociationAuthorizationRequest", other, None),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.text("HostedZoneId").as_deref(), Some(zone.as_str()));
    assert_eq!(reply.text("VPC/VPCId").as_deref(), Some(other));

    let listed = api.get(&path).await;
    let root = listed.xml();
    assert_eq!(root.name, "ListVPCAssociationAuthorizationsResponse");
    let vpcs: Vec<_> = root
        .child("VPCs")
        .expect("VPCs")
        .children_named("VPC")
        .collect();
    assert_eq!(vpcs.len(), 1, "{}", listed.body);
    assert_eq!(vpcs[0].child_text("VPCId"), Some(other));

    let deauth = format!("/2013-04-01/hostedzone/{zone}/deauthorizevpcassociation");
    let reply = api
        .post(
            &deauth,
            &vpc_body("DeleteVPCAssociationAuthorizationRequest", other, None),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    api.post(
        &deauth,
        &vpc_body("DeleteVPCAssociationAuthorizationRequest", other, None),
    )
    .await
    .assert_error(
        StatusCode::NOT_FOUND,
        "VPCAssociationAuthorizationNotFound",
        &format!("The VPC {other} is not authorized to be associated with hosted zone {zone}."),
    );
    let listed = api.get(&path).await;
    assert!(listed
        .xml()
        .child("VPCs")
        .expect("VPCs")
        .children
        .is_empty());
}

#[tokio::test]
async fn deleting_a_private_zone_forgets_its_vpcs() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.1.0.0/16").await;
    let zone = create_private_zone(&api, "corp.example", "r1", &vpc).await;
    let deleted = api.delete(&format!("/2013-04-01/hostedzone/{zone}")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let listed = api
        .get(&format!(
            "/2013-04-01/hostedzonesbyvpc?vpcid={vpc}&vpcregion=us-east-1"
        ))
        .await;
    assert!(listed
        .xml()
        .child("HostedZoneSummaries")
        .expect("list")
        .children
        .is_empty());
    // The name is free again in that VPC.
    create_private_zone(&api, "corp.example", "r2", &vpc).await;
    let gone = api.ec2("DeleteVpc", &[("VpcId", &vpc)]).await;
    assert_eq!(
        gone.status,
        StatusCode::OK,
        "associations do not hold a VPC: {}",
        gone.body
    );
}
