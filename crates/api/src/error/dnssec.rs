//! Route 53's codes, statuses and messages for its DNSSEC signing operations.
//!
//! Two messages were seen from AWS (quoted in hashicorp/terraform-provider-aws#21368): the
//! refusal to delete a KSK that is not INACTIVE, and DeleteHostedZone's refusal while the
//! zone has KSKs. The others are botocore's documentation of each exception, as Cairn's
//! words; the codes and statuses are botocore's (400 where it names none).

use axum::http::StatusCode;
use cairn_model::dnssec::DnssecError;

use super::AwsError;

/// A DNSSEC refusal in Route 53's terms.
pub(super) fn dnssec_error(err: DnssecError) -> AwsError {
    use DnssecError as E;
    use StatusCode as S;
    let bad = |code: &'static str, message: String| AwsError::new(S::BAD_REQUEST, code, message);
    match err {
        E::InvalidName(_) => bad(
            "InvalidKeySigningKeyName",
            "The key-signing key (KSK) name that you specified isn't a valid name.".into(),
        ),
        E::InvalidCreateStatus(_) => bad(
            "InvalidKeySigningKeyStatus",
            "The key-signing key (KSK) status isn't valid or another KSK has the status INTERNAL_FAILURE.".into(),
        ),
        E::NotInactive { name, .. } => bad(
            "InvalidKeySigningKeyStatus",
            format!("Key Signing Key with name {name} cannot be deleted because current status is not INACTIVE."),
        ),
        E::StatusCannotChange { name, status } => bad(
            "InvalidKeySigningKeyStatus",
            format!("Key Signing Key with name {name} cannot be changed because current status is {status}."),
        ),
        E::AlreadyExists(_) => AwsError::new(
            S::CONFLICT,
            "KeySigningKeyAlreadyExists",
            "You've already created a key-signing key (KSK) with this name or with the same customer managed key ARN.",
        ),
        E::TooManyKeySigningKeys => bad(
            "TooManyKeySigningKeys",
            "You've reached the limit for the number of key-signing keys (KSKs). Remove at least one KSK, and then try again.".into(),
        ),
        E::NoSuchKeySigningKey(_) => AwsError::new(
            S::NOT_FOUND,
            "NoSuchKeySigningKey",
            "The specified key-signing key (KSK) doesn't exist.",
        ),
        E::InUse(_) => bad(
            "KeySigningKeyInUse",
            "The key-signing key (KSK) that you specified can't be deactivated because it's the only KSK for a currently-enabled DNSSEC. Disable DNSSEC signing, or add or enable another KSK.".into(),
        ),
        E::NoActiveKeySigningKey => bad(
            "KeySigningKeyWithActiveStatusNotFound",
            "A key-signing key (KSK) with ACTIVE status wasn't found.".into(),
        ),
        E::DnssecNotFound => bad(
            "DNSSECNotFound",
            "The hosted zone doesn't have any DNSSEC resources.".into(),
        ),
        E::InvalidKmsArn(_) => bad(
            "InvalidKMSArn",
            "The KeyManagementServiceArn that you specified isn't valid to use with DNSSEC signing.".into(),
        ),
        E::PrivateZone(_) => bad(
            "InvalidArgument",
            "DNSSEC signing is not supported for private hosted zones.".into(),
        ),
        E::ZoneHasKeySigningKeys(_) => bad(
            "HostedZoneNotEmpty",
            "The specified hosted zone contains DNSSEC Key Signing Keys and so cannot be deleted.".into(),
        ),
        E::ConcurrentModification => bad(
            "ConcurrentModification",
            "Another user submitted a request to create, update, or delete the object at the same time that you did. Retry the request.".into(),
        ),
    }
}
