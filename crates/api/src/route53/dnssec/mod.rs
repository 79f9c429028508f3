//! Route 53's DNSSEC signing API (issue 18): GetDNSSEC, Enable/DisableHostedZoneDNSSEC and
//! Create/Activate/Deactivate/DeleteKeySigningKey.
//!
//! Each write reads the zone's [`ZoneSigning`], applies the operation's rule
//! (`cairn_model::dnssec::rules`), changes it, signs the DNSKEY RRset again when the zone
//! signs ([`sign`], through the KSKs' KMS keys), stores the whole state (refused as
//! `ConcurrentModification` if another write came in between), then brings the parent's
//! DS RRset in line ([`parent_ds`]). The data plane reloads the zone and signs answers
//! with the ZSK stored here.
//!
//! - [`render`]: the XML shapes.
//! - [`kms`]: what is asked of a KSK's KMS key.
//! - [`sign`]: the ZSK and the DNSKEY RRset's signatures.
//! - [`parent_ds`]: the DS RRset in a parent Cairn zone.
//! - [`resign`]: the background task that renews signatures before they expire.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use cairn_model::dnssec::{rules, DnssecError, KeySigningKey, SigningStatus, ZoneSigning};
use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

use super::{render as common, AwsPath};
use crate::error::AwsError;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

pub mod kms;
pub mod parent_ds;
pub mod render;
pub mod resign;
pub mod rollover;
pub mod sign;

use sign::{now_ms, now_secs, sign_dnskeys, OnKeyFailure};

/// `GET /2013-04-01/hostedzone/{Id}/dnssec`. A private zone is `NOT_SIGNING` with no
/// KSKs, as every zone was before issue 18.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let (zone, signing) = state.store.zone_signing(&HostedZoneId::parse(&id)).await?;
    Ok(respond(StatusCode::OK, render::get_dnssec(&zone, &signing)))
}

/// `POST /2013-04-01/keysigningkey` → 201 with `Location`.
pub async fn create_ksk(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "CreateKeySigningKeyRequest")?;
    request.required_text("CallerReference")?;
    let zone_id = request.required_text("HostedZoneId")?;
    let kms_arn = request
        .required_text("KeyManagementServiceArn")?
        .to_string();
    let name = request.required_text("Name")?.to_string();
    let status = request.required_text("Status")?;

    let (zone, mut next) = load_public(&state, zone_id).await?;
    let status = rules::check_create(&next, &name, &kms_arn, status)?;
    let public_key = kms::public_key(&state, &kms_arn).await?;
    let now = now_ms();
    next.ksks.push(KeySigningKey {
        name: name.clone(),
        kms_arn,
        status,
        status_message: None,
        public_key: public_key.to_vec(),
        created_at_ms: now,
        last_modified_at_ms: now,
    });
    let (change, stored) = commit(&state, &zone, next, format!("KSK {name} created")).await?;

    let mut w = XmlWriter::new("CreateKeySigningKeyResponse");
    common::change_info(&mut w, &change);
    if let Some(ksk) = stored.ksk(&name) {
        render::key_signing_key(&mut w, "KeySigningKey", &zone, ksk);
    }
    let mut response = respond(StatusCode::CREATED, w.finish("CreateKeySigningKeyResponse"));
    let location = format!(
        "{}/2013-04-01/keysigningkey/{}/{}",
        state.config.location_base, zone.id, name
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `POST /2013-04-01/keysigningkey/{HostedZoneId}/{Name}/activate`.
pub async fn activate(
    State(state): State<AppState>,
    AwsPath((zone_id, name)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let (zone, mut next) = load_public(&state, &zone_id).await?;
    let ksk = rules::check_activate(&next, &name)?;
    // The KMS key must still be the one the KSK publishes.
    let public_key = kms::public_key(&state, &ksk.kms_arn).await?;
    if public_key[..] != ksk.public_key[..] {
        return Err(DnssecError::InvalidKmsArn(ksk.kms_arn.clone()).into());
    }
    set_status(&mut next, &name, cairn_model::dnssec::KskStatus::Active);
    let (change, _) = commit(&state, &zone, next, format!("KSK {name} activated")).await?;
    Ok(change_response("ActivateKeySigningKeyResponse", &change))
}

/// `POST /2013-04-01/keysigningkey/{HostedZoneId}/{Name}/deactivate`.
pub async fn deactivate(
    State(state): State<AppState>,
    AwsPath((zone_id, name)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let (zone, mut next) = load_public(&state, &zone_id).await?;
    rules::check_deactivate(&next, &name)?;
    set_status(&mut next, &name, cairn_model::dnssec::KskStatus::Inactive);
    let (change, _) = commit(&state, &zone, next, format!("KSK {name} deactivated")).await?;
    Ok(change_response("DeactivateKeySigningKeyResponse", &change))
}

/// `DELETE /2013-04-01/keysigningkey/{HostedZoneId}/{Name}`.
pub async fn delete_ksk(
    State(state): State<AppState>,
    AwsPath((zone_id, name)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let (zone, mut next) = load_public(&state, &zone_id).await?;
    rules::check_delete(&next, &name)?;
    next.ksks.retain(|k| k.name != name);
    let (change, _) = commit(&state, &zone, next, format!("KSK {name} deleted")).await?;
    Ok(change_response("DeleteKeySigningKeyResponse", &change))
}

/// `POST /2013-04-01/hostedzone/{Id}/enable-dnssec`: a ZSK is made if the zone has none,
/// and the DNSKEY RRset is signed.
pub async fn enable(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let (zone, mut next) = load_public(&state, &id).await?;
    rules::check_enable(&next)?;
    next.status = SigningStatus::Signing;
    let (change, _) = commit(&state, &zone, next, "DNSSEC signing enabled".into()).await?;
    Ok(change_response("EnableHostedZoneDNSSECResponse", &change))
}

/// `POST /2013-04-01/hostedzone/{Id}/disable-dnssec`: the zone stops signing, and its ZSK
/// and signatures are dropped (a later enable makes a new ZSK). KSKs stay.
pub async fn disable(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let (zone, mut next) = load_public(&state, &id).await?;
    rules::check_disable(&next)?;
    next.status = SigningStatus::NotSigning;
    next.status_message = None;
    next.zsks.clear();
    next.dnskeys.clear();
    next.dnskey_rrsigs.clear();
    next.signatures_expire_at = 0;
    let (change, _) = commit(&state, &zone, next, "DNSSEC signing disabled".into()).await?;
    Ok(change_response("DisableHostedZoneDNSSECResponse", &change))
}

/// The zone and its DNSSEC state, refusing a private zone (never signed).
async fn load_public(state: &AppState, id: &str) -> Result<(HostedZone, ZoneSigning), AwsError> {
    let (zone, signing) = state.store.zone_signing(&HostedZoneId::parse(id)).await?;
    if zone.private_zone {
        return Err(DnssecError::PrivateZone(zone.id).into());
    }
    Ok((zone, signing))
}

/// Signs `next` again (when the zone signs), stores it, and updates the parent's DS.
/// Returns the change and what was stored.
async fn commit(
    state: &AppState,
    zone: &HostedZone,
    mut next: ZoneSigning,
    comment: String,
) -> Result<(ChangeInfo, ZoneSigning), AwsError> {
    sign_dnskeys(state, zone, &mut next, now_secs(), OnKeyFailure::Refuse).await?;
    let change = state
        .store
        .put_zone_signing(&zone.id, next.clone(), comment)
        .await?;
    parent_ds::sync(state, zone, &next).await;
    Ok((change, next))
}

fn set_status(signing: &mut ZoneSigning, name: &str, status: cairn_model::dnssec::KskStatus) {
    if let Some(ksk) = signing.ksks.iter_mut().find(|k| k.name == name) {
        if ksk.status != status {
            ksk.status = status;
            ksk.last_modified_at_ms = now_ms();
        }
        ksk.status_message = None;
    }
}

fn change_response(root: &str, change: &ChangeInfo) -> Response {
    let mut w = XmlWriter::new(root);
    common::change_info(&mut w, change);
    respond(StatusCode::OK, w.finish(root))
}
