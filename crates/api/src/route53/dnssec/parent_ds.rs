//! The DS goes to the parent. When the closest enclosing zone of a signing zone is a public
//! Cairn zone (same account: Cairn serves one), the child's DS RRset is written there, one
//! record per active KSK, as a normal change batch (logged and served like any other);
//! when the child stops signing, the DS RRset is removed. So Route 53's
//! `KeySigningKeyInParentDSRecord` refusal never arises for Cairn-parented zones
//! (docs/dnssec.md). A zone whose parent is elsewhere gets nothing here: its owner puts
//! GetDNSSEC's `DSRecord` at the registrar.

use cairn_model::dnssec::ZoneSigning;
use cairn_model::{Change, ChangeAction, ChangeBatch, HostedZone, ResourceRecordSet, RrType};

use super::render::dnskey;
use crate::error::AwsError;
use crate::state::AppState;

/// The TTL of the DS RRset Cairn writes in the parent.
pub const DS_TTL: u32 = 3600;

/// Makes the parent's DS RRset for `zone` match `signing`. A failure is logged, not
/// returned: the child's own change is committed by then, and the next DNSSEC call (or
/// the re-signer) tries again.
pub async fn sync(state: &AppState, zone: &HostedZone, signing: &ZoneSigning) {
    if let Err(err) = try_sync(state, zone, signing).await {
        tracing::warn!(zone = %zone.id, error = %err, "could not update the DS RRset in the parent zone");
    }
}

async fn try_sync(
    state: &AppState,
    zone: &HostedZone,
    signing: &ZoneSigning,
) -> Result<(), AwsError> {
    if zone.private_zone {
        return Ok(());
    }
    let Some(parent) = parent_zone(state, zone).await? else {
        return Ok(());
    };
    let mut wanted: Vec<String> = if signing.is_signing() {
        signing
            .active_ksks()
            .map(|k| dnskey(k).ds_text(zone.name.wire()))
            .collect()
    } else {
        Vec::new()
    };
    wanted.sort();
    let existing = state
        .store
        .load_record_sets_at(&parent.id, std::slice::from_ref(&zone.name))
        .await?
        .and_then(|(_, sets)| {
            sets.into_iter()
                .find(|s| s.rtype == RrType::Ds && s.routing.is_none() && s.name == zone.name)
        });
    let change = match existing {
        Some(set) if wanted.is_empty() => Change {
            action: ChangeAction::Delete,
            record_set: set,
        },
        None if wanted.is_empty() => return Ok(()),
        Some(set) if same_records(&set, &wanted) => return Ok(()),
        _ => Change {
            action: ChangeAction::Upsert,
            record_set: ResourceRecordSet::simple(zone.name.clone(), RrType::Ds, DS_TTL, wanted),
        },
    };
    let batch = ChangeBatch {
        comment: Some(format!(
            "DS of {} (DNSSEC signing of {})",
            zone.name.to_route53(),
            zone.id
        )),
        changes: vec![change],
    };
    state
        .store
        .change_record_sets(&parent.id, &batch, &state.config.limits)
        .await?;
    tracing::info!(zone = %zone.id, parent = %parent.id, "DS RRset updated in the parent zone");
    Ok(())
}

/// The closest public zone strictly above `zone` (the lowest id when several share a name).
async fn parent_zone(state: &AppState, zone: &HostedZone) -> Result<Option<HostedZone>, AwsError> {
    let zones = state.store.list_hosted_zones().await?;
    Ok(zones
        .into_iter()
        .filter(|z| !z.private_zone && z.name != zone.name && zone.name.is_subdomain_of(&z.name))
        .max_by_key(|z| (z.name.label_count(), std::cmp::Reverse(z.id.clone()))))
}

fn same_records(set: &ResourceRecordSet, wanted: &[String]) -> bool {
    let mut have: Vec<String> = set.records.iter().map(|r| r.to_ascii_uppercase()).collect();
    have.sort();
    let want: Vec<String> = wanted.iter().map(|r| r.to_ascii_uppercase()).collect();
    have == want
}
