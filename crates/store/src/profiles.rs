//! Route 53 Profiles: profiles, their VPC associations and the resources they share.

use async_trait::async_trait;
use cairn_model::resolver::{
    Profile, ProfileAssociation, ProfileId, ProfileResource, ProfileResourceAssociationId,
};
use cairn_model::resolver_validate::{NewProfile, NewProfileAssociation, NewProfileResource};

use crate::error::StoreResult;

/// Profiles, profile associations and profile resources. Each write is checked by
/// `cairn_model::resolver_validate` inside its transaction and logs a
/// `ChangeSubject::Network` change; reads go through
/// [`ChangeFeed::load_network`](crate::ChangeFeed::load_network).
#[async_trait]
pub trait ProfileStore: Send + Sync + 'static {
    /// CreateProfile, with its tags (a repeated `ClientToken` returns the profile made then).
    async fn create_profile(
        &self,
        req: NewProfile,
        tags: Vec<(String, String)>,
    ) -> StoreResult<Profile>;

    /// DeleteProfile (refused while associated with a VPC); its resources go with it.
    async fn delete_profile(&self, id: &ProfileId) -> StoreResult<Profile>;

    /// AssociateProfile, with the association's tags.
    async fn associate_profile(
        &self,
        req: NewProfileAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ProfileAssociation>;

    /// DisassociateProfile; returns the association removed.
    async fn disassociate_profile(
        &self,
        profile_id: &ProfileId,
        vpc_id: &str,
    ) -> StoreResult<ProfileAssociation>;

    /// AssociateResourceToProfile.
    async fn associate_profile_resource(
        &self,
        req: NewProfileResource,
    ) -> StoreResult<ProfileResource>;

    /// DisassociateResourceFromProfile; returns the resource association removed.
    async fn disassociate_profile_resource(
        &self,
        profile_id: &ProfileId,
        arn: &str,
    ) -> StoreResult<ProfileResource>;

    /// UpdateProfileResourceAssociation.
    async fn update_profile_resource(
        &self,
        id: &ProfileResourceAssociationId,
        name: Option<String>,
        resource_properties: Option<String>,
    ) -> StoreResult<ProfileResource>;
}
