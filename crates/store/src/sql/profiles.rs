//! [`ProfileStore`] on SQL: Route 53 Profiles, their VPC associations and resources.
//!
//! As for the Resolver, each write is checked against the whole network state by
//! `cairn_model::resolver_validate` and logs one `ChangeSubject::Network` change
//! ([`write_checked`]).

use async_trait::async_trait;
use cairn_model::resolver::{
    Profile, ProfileAssociation, ProfileId, ProfileResource, ProfileResourceAssociationId,
};
use cairn_model::resolver_validate::{
    self as validate, NewProfile, NewProfileAssociation, NewProfileResource,
};

use super::conn::{params, Conn};
use super::ids::{new_hex_id, now_ms};
use super::json::{texts, to_json};
use super::network_rows::write_checked;
use super::store::SqlStore;
use super::tags;
use crate::error::StoreResult;
use crate::profiles::ProfileStore;
use crate::zones::tag_types;

#[async_trait]
impl ProfileStore for SqlStore {
    async fn create_profile(
        &self,
        req: NewProfile,
        tags: Vec<(String, String)>,
    ) -> StoreResult<Profile> {
        write_checked(
            self,
            move |tx, net| {
                let (profile, new) = validate::create_profile(net, req, new_hex_id("rp-").into(), now_ms())?;
                if new {
                    tx.exec("INSERT INTO profiles (id, owner_account, client_token, body) VALUES (?1, ?2, ?3, ?4)",
                        params![profile.id, profile.owner_account, profile.client_token, to_json(&profile)?],
                    )?;
                    tags::put(tx, tag_types::PROFILE, profile.id.as_str(), &tags)?;
                }
                Ok(profile)
            },
            |p| format!("profile {} created", p.id),
        )
        .await
    }

    async fn delete_profile(&self, id: &ProfileId) -> StoreResult<Profile> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let profile = validate::delete_profile(net, &id)?;
                tx.exec(
                    "DELETE FROM profile_resources WHERE profile_id = ?1",
                    params![id],
                )?;
                tx.exec("DELETE FROM profiles WHERE id = ?1", params![id])?;
                tags::remove_all(tx, tag_types::PROFILE, id.as_str())?;
                Ok(profile)
            },
            |p| format!("profile {} deleted", p.id),
        )
        .await
    }

    async fn associate_profile(
        &self,
        req: NewProfileAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ProfileAssociation> {
        write_checked(
            self,
            move |tx, net| {
                let assoc = validate::associate_profile(net, req, new_hex_id("rpassoc-").into(), now_ms())?;
                tx.exec("INSERT INTO profile_associations (id, profile_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4)",
                    params![assoc.id, assoc.profile_id, assoc.vpc_id, to_json(&assoc)?],
                )?;
                tags::put(tx, tag_types::PROFILE_ASSOCIATION, assoc.id.as_str(), &tags)?;
                Ok(assoc)
            },
            |a| format!("profile {} associated with {}", a.profile_id, a.vpc_id),
        )
        .await
    }

    async fn disassociate_profile(
        &self,
        profile_id: &ProfileId,
        vpc_id: &str,
    ) -> StoreResult<ProfileAssociation> {
        let profile_id = profile_id.clone();
        let vpc_id = vpc_id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let assoc = validate::disassociate_profile(net, &profile_id, &vpc_id)?;
                tx.exec(
                    "DELETE FROM profile_associations WHERE id = ?1",
                    params![assoc.id],
                )?;
                tags::remove_all(tx, tag_types::PROFILE_ASSOCIATION, assoc.id.as_str())?;
                Ok(assoc)
            },
            |a| format!("profile {} disassociated from {}", a.profile_id, a.vpc_id),
        )
        .await
    }

    async fn associate_profile_resource(
        &self,
        req: NewProfileResource,
    ) -> StoreResult<ProfileResource> {
        write_checked(
            self,
            move |tx, net| {
                let zones = private_zone_ids(tx)?;
                let resource = validate::associate_profile_resource(
                    net,
                    &zones,
                    req,
                    new_hex_id("rpr-").into(),
                    now_ms(),
                )?;
                put_profile_resource(tx, &resource)?;
                Ok(resource)
            },
            |r| format!("{} added to profile {}", r.resource_arn, r.profile_id),
        )
        .await
    }

    async fn disassociate_profile_resource(
        &self,
        profile_id: &ProfileId,
        arn: &str,
    ) -> StoreResult<ProfileResource> {
        let profile_id = profile_id.clone();
        let arn = arn.to_string();
        write_checked(
            self,
            move |tx, net| {
                let resource = validate::disassociate_profile_resource(net, &profile_id, &arn)?;
                tx.exec(
                    "DELETE FROM profile_resources WHERE id = ?1",
                    params![resource.id],
                )?;
                Ok(resource)
            },
            |r| format!("{} removed from profile {}", r.resource_arn, r.profile_id),
        )
        .await
    }

    async fn update_profile_resource(
        &self,
        id: &ProfileResourceAssociationId,
        name: Option<String>,
        resource_properties: Option<String>,
    ) -> StoreResult<ProfileResource> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let resource = validate::update_profile_resource(
                    net,
                    &id,
                    name,
                    resource_properties,
                    now_ms(),
                )?;
                put_profile_resource(tx, &resource)?;
                Ok(resource)
            },
            |r| format!("profile resource {} updated", r.id),
        )
        .await
    }
}

fn put_profile_resource(tx: &Conn<'_>, r: &ProfileResource) -> StoreResult<()> {
    tx.exec("INSERT INTO profile_resources (id, profile_id, resource_arn, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, resource_arn = excluded.resource_arn, \
         body = excluded.body",
        params![r.id, r.profile_id, r.resource_arn, to_json(r)?],
    )
}

/// The ids of every private hosted zone (a profile may share only those).
fn private_zone_ids(conn: &Conn<'_>) -> StoreResult<Vec<String>> {
    texts(
        conn,
        "SELECT id FROM hosted_zones WHERE private_zone",
        params![],
    )
}
