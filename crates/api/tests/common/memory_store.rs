//! A minimal in-memory `Store` double, used only when `CAIRN_API_TEST_MEMORY_STORE=1` (to
//! run the store-backed API tests before the SQLite backend exists). It applies batches with
//! the same model function the real store uses; it is not a second store implementation.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use cairn_model::change::{apply_change_batch, names_touched};
use cairn_model::{
    ChangeBatch, ChangeId, ChangeInfo, ChangeSeq, ChangeStatus, DomainName, HostedZone, HostedZoneId, Limits,
    ResourceRecordSet, RrType,
};
use cairn_store::{
    ChangeEvent, ChangeFeed, DelegationSet, NewHostedZone, RecordSetListing, RecordSetPage, Store, StoreError,
    StoreResult, ZoneContents,
};

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    zones: BTreeMap<HostedZoneId, (HostedZone, Vec<ResourceRecordSet>)>,
    changes: BTreeMap<ChangeId, ChangeInfo>,
    tags: BTreeMap<(String, String), BTreeMap<String, String>>,
    sets: BTreeMap<String, DelegationSet>,
}

impl Inner {
    fn change(&mut self, comment: Option<String>) -> ChangeInfo {
        self.next += 1;
        let info = ChangeInfo {
            id: ChangeId::new(format!("C{:08}", self.next)),
            status: ChangeStatus::InSync,
            submitted_at_ms: 1_700_000_000_000 + self.next as i64,
            comment,
        };
        self.changes.insert(info.id.clone(), info.clone());
        info
    }

    fn zone(&self, id: &HostedZoneId) -> StoreResult<&(HostedZone, Vec<ResourceRecordSet>)> {
        self.zones.get(id).ok_or_else(|| StoreError::NoSuchHostedZone(id.clone()))
    }
}

fn with_count(zone: &HostedZone, sets: &[ResourceRecordSet]) -> HostedZone {
    HostedZone { record_set_count: sets.len() as u64, ..zone.clone() }
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_hosted_zone(&self, req: NewHostedZone) -> StoreResult<(HostedZone, ChangeInfo)> {
        let mut inner = self.inner.lock().expect("lock");
        if let Some((zone, _)) = inner.zones.values().find(|(z, _)| z.caller_reference == req.caller_reference) {
            return Err(StoreError::HostedZoneAlreadyExists(zone.id.clone()));
        }
        inner.next += 1;
        let zone = HostedZone {
            id: HostedZoneId::new(format!("Z{:08}", inner.next)),
            name: req.name,
            caller_reference: req.caller_reference,
            comment: req.comment,
            has_config: req.has_config,
            private_zone: req.private_zone,
            delegation_set_id: req.delegation_set_id,
            name_servers: req.name_servers,
            created_at_ms: 0,
            record_set_count: 0,
        };
        let zone = with_count(&zone, &req.initial_record_sets);
        inner.zones.insert(zone.id.clone(), (zone.clone(), req.initial_record_sets));
        let info = inner.change(None);
        Ok((zone, ChangeInfo { status: ChangeStatus::Pending, ..info }))
    }
    async fn get_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<HostedZone> {
        let inner = self.inner.lock().expect("lock");
        let (zone, sets) = inner.zone(id)?;
        Ok(with_count(zone, sets))
    }
    async fn list_hosted_zones(&self) -> StoreResult<Vec<HostedZone>> {
        let inner = self.inner.lock().expect("lock");
        Ok(inner.zones.values().map(|(z, s)| with_count(z, s)).collect())
    }
    async fn delete_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<ChangeInfo> {
        let mut inner = self.inner.lock().expect("lock");
        let (zone, sets) = inner.zone(id)?;
        if sets.iter().any(|s| s.name != zone.name || !matches!(s.rtype, RrType::Soa | RrType::Ns)) {
            return Err(StoreError::HostedZoneNotEmpty);
        }
        inner.zones.remove(id);
        Ok(inner.change(None))
    }
    async fn update_hosted_zone_comment(&self, id: &HostedZoneId, comment: Option<String>) -> StoreResult<HostedZone> {
        let mut inner = self.inner.lock().expect("lock");
        let (zone, sets) = inner.zones.get_mut(id).ok_or_else(|| StoreError::NoSuchHostedZone(id.clone()))?;
        zone.comment = comment;
        Ok(with_count(zone, sets))
    }
    async fn change_record_sets(&self, id: &HostedZoneId, batch: &ChangeBatch, limits: &Limits) -> StoreResult<ChangeInfo> {
        let mut inner = self.inner.lock().expect("lock");
        let (zone, sets) = inner.zone(id)?;
        let names: Vec<DomainName> = names_touched(batch);
        let existing: Vec<ResourceRecordSet> = sets.iter().filter(|s| names.contains(&s.name)).cloned().collect();
        let edit = apply_change_batch(zone, &existing, sets.len() as u64, batch, limits)?;
        let (_, sets) = inner.zones.get_mut(id).expect("checked above");
        sets.retain(|s| !edit.deleted.contains(&s.key()) && !edit.written.iter().any(|w| w.key() == s.key()));
        sets.extend(edit.written);
        Ok(inner.change(batch.comment.clone()))
    }
    async fn replace_record_sets(&self, _: &HostedZoneId, _: Vec<ResourceRecordSet>, _: Option<String>) -> StoreResult<ChangeInfo> {
        unimplemented!("not used by the API")
    }
    async fn list_record_sets(&self, id: &HostedZoneId, page: &RecordSetPage) -> StoreResult<RecordSetListing> {
        let inner = self.inner.lock().expect("lock");
        let (_, sets) = inner.zone(id)?;
        let mut sorted = sets.clone();
        sorted.sort_by(|a, b| a.key().cmp(&b.key()));
        let start = page.start_name.as_ref().map(|name| {
            (name.route53_sort_key(), page.start_type.map(|t| t.as_str()).unwrap_or_default(), page.start_identifier.clone().unwrap_or_default())
        });
        let from: Vec<ResourceRecordSet> = sorted.into_iter().filter(|s| start.as_ref().is_none_or(|k| s.key().sort_key() >= *k)).collect();
        let next = from.get(page.max_items).map(ResourceRecordSet::key);
        Ok(RecordSetListing { record_sets: from.into_iter().take(page.max_items).collect(), next })
    }
    async fn get_change(&self, id: &ChangeId) -> StoreResult<ChangeInfo> {
        let inner = self.inner.lock().expect("lock");
        inner.changes.get(id).cloned().ok_or_else(|| StoreError::NoSuchChange(id.clone()))
    }
    async fn change_tags(&self, t: &str, id: &str, add: Vec<(String, String)>, remove: Vec<String>) -> StoreResult<()> {
        let mut inner = self.inner.lock().expect("lock");
        let tags = inner.tags.entry((t.into(), id.into())).or_default();
        for key in remove {
            tags.remove(&key);
        }
        tags.extend(add);
        Ok(())
    }
    async fn list_tags(&self, t: &str, id: &str) -> StoreResult<Vec<(String, String)>> {
        let inner = self.inner.lock().expect("lock");
        Ok(inner.tags.get(&(t.into(), id.into())).map(|m| m.clone().into_iter().collect()).unwrap_or_default())
    }
    async fn create_delegation_set(&self, caller_reference: &str, name_servers: Vec<DomainName>) -> StoreResult<DelegationSet> {
        let mut inner = self.inner.lock().expect("lock");
        if inner.sets.values().any(|s| s.caller_reference == caller_reference) {
            return Err(StoreError::DelegationSetAlreadyCreated);
        }
        inner.next += 1;
        let set = DelegationSet { id: format!("N{:08}", inner.next), caller_reference: caller_reference.into(), name_servers };
        inner.sets.insert(set.id.clone(), set.clone());
        Ok(set)
    }
    async fn get_delegation_set(&self, id: &str) -> StoreResult<DelegationSet> {
        let inner = self.inner.lock().expect("lock");
        inner.sets.get(id).cloned().ok_or_else(|| StoreError::NoSuchDelegationSet(id.into()))
    }
    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        Ok(self.inner.lock().expect("lock").sets.values().cloned().collect())
    }
    async fn delete_delegation_set(&self, id: &str) -> StoreResult<()> {
        let mut inner = self.inner.lock().expect("lock");
        if !inner.sets.contains_key(id) {
            return Err(StoreError::NoSuchDelegationSet(id.into()));
        }
        if inner.zones.values().any(|(z, _)| z.delegation_set_id.as_deref() == Some(id)) {
            return Err(StoreError::DelegationSetInUse);
        }
        inner.sets.remove(id);
        Ok(())
    }
}

#[async_trait]
impl ChangeFeed for MemoryStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> { Ok(ChangeSeq(0)) }
    async fn changes_since(&self, _: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> { Ok(Vec::new()) }
    async fn load_zone(&self, _: &HostedZoneId) -> StoreResult<Option<ZoneContents>> { Ok(None) }
    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> { Ok(Vec::new()) }
    async fn report_applied(&self, _: &str, _: ChangeSeq) -> StoreResult<()> { Ok(()) }
}
