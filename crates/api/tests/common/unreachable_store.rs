//! A store that fails the test if any operation reaches it: protocol-level tests use it to
//! show a request was answered before the store.

use async_trait::async_trait;
use cairn_model::{
    ChangeBatch, ChangeId, ChangeInfo, ChangeSeq, DomainName, HostedZone, HostedZoneId, Limits,
    ResourceRecordSet,
};
use cairn_store::{
    ChangeEvent, ChangeFeed, DelegationSet, NewHostedZone, RecordSetListing, RecordSetPage, Store,
    StoreResult, ZoneContents,
};

pub struct UnreachableStore;

const MESSAGE: &str = "this request should have been answered before reaching the store";

#[async_trait]
impl Store for UnreachableStore {
    async fn create_hosted_zone(&self, _: NewHostedZone) -> StoreResult<(HostedZone, ChangeInfo)> {
        panic!("{MESSAGE}")
    }
    async fn get_hosted_zone(&self, _: &HostedZoneId) -> StoreResult<HostedZone> {
        panic!("{MESSAGE}")
    }
    async fn list_hosted_zones(&self) -> StoreResult<Vec<HostedZone>> {
        panic!("{MESSAGE}")
    }
    async fn delete_hosted_zone(&self, _: &HostedZoneId) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn update_hosted_zone_comment(
        &self,
        _: &HostedZoneId,
        _: Option<String>,
    ) -> StoreResult<HostedZone> {
        panic!("{MESSAGE}")
    }
    async fn change_record_sets(
        &self,
        _: &HostedZoneId,
        _: &ChangeBatch,
        _: &Limits,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn replace_record_sets(
        &self,
        _: &HostedZoneId,
        _: Vec<ResourceRecordSet>,
        _: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn list_record_sets(
        &self,
        _: &HostedZoneId,
        _: &RecordSetPage,
    ) -> StoreResult<RecordSetListing> {
        panic!("{MESSAGE}")
    }
    async fn get_change(&self, _: &ChangeId) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn change_tags(
        &self,
        _: &str,
        _: &str,
        _: Vec<(String, String)>,
        _: Vec<String>,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn list_tags(&self, _: &str, _: &str) -> StoreResult<Vec<(String, String)>> {
        panic!("{MESSAGE}")
    }
    async fn create_delegation_set(
        &self,
        _: &str,
        _: Vec<DomainName>,
    ) -> StoreResult<DelegationSet> {
        panic!("{MESSAGE}")
    }
    async fn get_delegation_set(&self, _: &str) -> StoreResult<DelegationSet> {
        panic!("{MESSAGE}")
    }
    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        panic!("{MESSAGE}")
    }
    async fn delete_delegation_set(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl ChangeFeed for UnreachableStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        panic!("{MESSAGE}")
    }
    async fn changes_since(&self, _: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> {
        panic!("{MESSAGE}")
    }
    async fn load_zone(&self, _: &HostedZoneId) -> StoreResult<Option<ZoneContents>> {
        panic!("{MESSAGE}")
    }
    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        panic!("{MESSAGE}")
    }
    async fn load_record_sets_at(
        &self,
        _: &HostedZoneId,
        _: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>> {
        panic!("{MESSAGE}")
    }
    async fn report_applied(&self, _: &str, _: ChangeSeq) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
}
