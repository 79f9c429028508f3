//! The rules Route 53 applies to its DNSSEC operations, as pure checks over a zone's
//! [`ZoneSigning`]. Each returns the refusal Route 53 would make ([`DnssecError`]); the API
//! words it (`cairn_api::error`). KMS checks (does the ARN name a usable key?) are the API's,
//! since they need the KMS store.

use super::{KeySigningKey, KskStatus, ZoneSigning};
use crate::HostedZoneId;

/// At most this many key-signing keys per zone (Route 53's quota).
pub const MAX_KSKS_PER_ZONE: usize = 2;

/// A DNSSEC request refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnssecError {
    /// The KSK name is not 3–128 letters, digits and `_`.
    #[error("invalid key-signing key name {0:?}")]
    InvalidName(String),
    /// CreateKeySigningKey's `Status` is neither `ACTIVE` nor `INACTIVE`.
    #[error("invalid key-signing key status {0:?}")]
    InvalidCreateStatus(String),
    /// DeleteKeySigningKey on a KSK that is not `INACTIVE`.
    #[error("key-signing key {name} is {status}, not INACTIVE")]
    NotInactive {
        /// The KSK.
        name: String,
        /// Its status.
        status: KskStatus,
    },
    /// Activate or deactivate a KSK in a status that cannot change (`DELETING`,
    /// `INTERNAL_FAILURE`).
    #[error("key-signing key {name} is {status}")]
    StatusCannotChange {
        /// The KSK.
        name: String,
        /// Its status.
        status: KskStatus,
    },
    /// A KSK with this name, or for this KMS key, exists in the zone.
    #[error("key-signing key {0} already exists")]
    AlreadyExists(String),
    /// The zone has [`MAX_KSKS_PER_ZONE`] KSKs.
    #[error("too many key-signing keys")]
    TooManyKeySigningKeys,
    /// No KSK with this name in the zone.
    #[error("no key-signing key {0}")]
    NoSuchKeySigningKey(String),
    /// Deactivating the only active KSK of a signing zone.
    #[error("key-signing key {0} is the only active one of a signing zone")]
    InUse(String),
    /// EnableHostedZoneDNSSEC with no active KSK.
    #[error("no active key-signing key")]
    NoActiveKeySigningKey,
    /// DisableHostedZoneDNSSEC on a zone with no DNSSEC resources.
    #[error("no DNSSEC resources")]
    DnssecNotFound,
    /// The KMS ARN does not name an enabled ECC_NIST_P256 SIGN_VERIFY key of the account.
    #[error("invalid KMS ARN {0}")]
    InvalidKmsArn(String),
    /// A DNSSEC operation on a private zone (never signed).
    #[error("zone {0} is private")]
    PrivateZone(HostedZoneId),
    /// DeleteHostedZone while the zone still has KSKs.
    #[error("zone {0} has key-signing keys")]
    ZoneHasKeySigningKeys(HostedZoneId),
    /// The zone's DNSSEC state changed since the request read it.
    #[error("concurrent modification")]
    ConcurrentModification,
}

/// `Name`: 3–128 characters, each a letter, digit or `_`.
pub fn check_name(name: &str) -> Result<(), DnssecError> {
    let ok = (3..=128).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(DnssecError::InvalidName(name.to_string()))
    }
}

/// CreateKeySigningKey: the name, the status asked (`ACTIVE` or `INACTIVE`), the quota and
/// uniqueness of name and KMS key. Returns the status the new KSK starts in.
pub fn check_create(
    state: &ZoneSigning,
    name: &str,
    kms_arn: &str,
    status: &str,
) -> Result<KskStatus, DnssecError> {
    check_name(name)?;
    let status = match KskStatus::parse(status) {
        Some(s @ (KskStatus::Active | KskStatus::Inactive)) => s,
        _ => return Err(DnssecError::InvalidCreateStatus(status.to_string())),
    };
    if state
        .ksks
        .iter()
        .any(|k| k.name == name || k.kms_arn == kms_arn)
    {
        return Err(DnssecError::AlreadyExists(name.to_string()));
    }
    if state.ksks.len() >= MAX_KSKS_PER_ZONE {
        return Err(DnssecError::TooManyKeySigningKeys);
    }
    Ok(status)
}

/// ActivateKeySigningKey: the KSK exists and may change status. Activating an active
/// KSK is accepted and changes nothing but its signatures (they are made again).
pub fn check_activate<'a>(
    state: &'a ZoneSigning,
    name: &str,
) -> Result<&'a KeySigningKey, DnssecError> {
    let ksk = require(state, name)?;
    refuse_fixed_status(ksk)?;
    Ok(ksk)
}

/// DeactivateKeySigningKey: the KSK exists, may change status, and is not the only active
/// KSK of a signing zone (`KeySigningKeyInUse`).
pub fn check_deactivate<'a>(
    state: &'a ZoneSigning,
    name: &str,
) -> Result<&'a KeySigningKey, DnssecError> {
    let ksk = require(state, name)?;
    refuse_fixed_status(ksk)?;
    let others_active = state
        .active_ksks()
        .any(|k| k.name != name && k.status == KskStatus::Active);
    if ksk.is_active() && state.is_signing() && !others_active {
        return Err(DnssecError::InUse(name.to_string()));
    }
    Ok(ksk)
}

/// DeleteKeySigningKey: only an `INACTIVE` KSK is deleted.
pub fn check_delete<'a>(
    state: &'a ZoneSigning,
    name: &str,
) -> Result<&'a KeySigningKey, DnssecError> {
    let ksk = require(state, name)?;
    if ksk.status != KskStatus::Inactive {
        return Err(DnssecError::NotInactive {
            name: name.to_string(),
            status: ksk.status,
        });
    }
    Ok(ksk)
}

/// EnableHostedZoneDNSSEC: at least one `ACTIVE` KSK. Enabling a signing zone again is
/// accepted (it signs again).
pub fn check_enable(state: &ZoneSigning) -> Result<(), DnssecError> {
    if state.ksks.iter().any(|k| k.status == KskStatus::Active) {
        Ok(())
    } else {
        Err(DnssecError::NoActiveKeySigningKey)
    }
}

/// DisableHostedZoneDNSSEC: refused only on a zone with no DNSSEC resources at all (never
/// a KSK, never signed); disabling a zone that is not signing is otherwise accepted.
pub fn check_disable(state: &ZoneSigning) -> Result<(), DnssecError> {
    if state.ksks.is_empty() && !state.is_signing() && state.zsks.is_empty() {
        Err(DnssecError::DnssecNotFound)
    } else {
        Ok(())
    }
}

fn require<'a>(state: &'a ZoneSigning, name: &str) -> Result<&'a KeySigningKey, DnssecError> {
    state
        .ksk(name)
        .ok_or_else(|| DnssecError::NoSuchKeySigningKey(name.to_string()))
}

fn refuse_fixed_status(ksk: &KeySigningKey) -> Result<(), DnssecError> {
    match ksk.status {
        KskStatus::Deleting | KskStatus::InternalFailure => Err(DnssecError::StatusCannotChange {
            name: ksk.name.clone(),
            status: ksk.status,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnssec::SigningStatus;

    fn ksk(name: &str, arn: &str, status: KskStatus) -> KeySigningKey {
        KeySigningKey {
            name: name.into(),
            kms_arn: arn.into(),
            status,
            status_message: None,
            public_key: vec![0; 64],
            created_at_ms: 0,
            last_modified_at_ms: 0,
        }
    }

    fn zone(ksks: Vec<KeySigningKey>, signing: bool) -> ZoneSigning {
        ZoneSigning {
            ksks,
            status: if signing {
                SigningStatus::Signing
            } else {
                SigningStatus::NotSigning
            },
            ..ZoneSigning::default()
        }
    }

    #[test]
    fn names_are_3_to_128_word_characters() {
        assert!(check_name("ab_9").is_ok());
        assert!(check_name("ab").is_err());
        assert!(check_name("a-b").is_err());
        assert!(check_name(&"a".repeat(128)).is_ok());
        assert!(check_name(&"a".repeat(129)).is_err());
    }

    #[test]
    fn create_refuses_duplicates_a_third_key_and_other_statuses() {
        let one = zone(vec![ksk("one", "arn1", KskStatus::Active)], false);
        assert_eq!(
            check_create(&one, "one", "arn2", "ACTIVE"),
            Err(DnssecError::AlreadyExists("one".into()))
        );
        assert_eq!(
            check_create(&one, "two", "arn1", "ACTIVE"),
            Err(DnssecError::AlreadyExists("two".into()))
        );
        assert_eq!(
            check_create(&one, "two", "arn2", "DELETING"),
            Err(DnssecError::InvalidCreateStatus("DELETING".into()))
        );
        assert_eq!(
            check_create(&one, "two", "arn2", "INACTIVE"),
            Ok(KskStatus::Inactive)
        );
        let two = zone(
            vec![
                ksk("one", "arn1", KskStatus::Active),
                ksk("two", "arn2", KskStatus::Inactive),
            ],
            false,
        );
        assert_eq!(
            check_create(&two, "three", "arn3", "ACTIVE"),
            Err(DnssecError::TooManyKeySigningKeys)
        );
    }

    #[test]
    fn the_last_active_key_of_a_signing_zone_stays() {
        let signing = zone(vec![ksk("one", "arn1", KskStatus::Active)], true);
        assert_eq!(
            check_deactivate(&signing, "one").map(|k| k.name.clone()),
            Err(DnssecError::InUse("one".into()))
        );
        let not_signing = zone(vec![ksk("one", "arn1", KskStatus::Active)], false);
        assert!(check_deactivate(&not_signing, "one").is_ok());
        let two = zone(
            vec![
                ksk("one", "arn1", KskStatus::Active),
                ksk("two", "arn2", KskStatus::Active),
            ],
            true,
        );
        assert!(check_deactivate(&two, "one").is_ok());
        assert_eq!(
            check_deactivate(&two, "nope").map(|k| k.name.clone()),
            Err(DnssecError::NoSuchKeySigningKey("nope".into()))
        );
    }

    #[test]
    fn only_inactive_keys_are_deleted_and_enable_needs_an_active_one() {
        let state = zone(
            vec![
                ksk("one", "arn1", KskStatus::Active),
                ksk("two", "arn2", KskStatus::Inactive),
            ],
            false,
        );
        assert!(matches!(
            check_delete(&state, "one"),
            Err(DnssecError::NotInactive { .. })
        ));
        assert!(check_delete(&state, "two").is_ok());
        assert!(check_enable(&state).is_ok());
        let inactive = zone(vec![ksk("two", "arn2", KskStatus::Inactive)], false);
        assert_eq!(
            check_enable(&inactive),
            Err(DnssecError::NoActiveKeySigningKey)
        );
        assert_eq!(
            check_disable(&ZoneSigning::default()),
            Err(DnssecError::DnssecNotFound)
        );
        assert!(check_disable(&inactive).is_ok());
    }
}
