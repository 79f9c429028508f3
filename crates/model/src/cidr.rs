//! CIDR collections for IP-based routing (ROUTE53.md §3): a collection holds named locations,
//! each with IPv4 and IPv6 blocks; a record's `CidrRoutingConfig` names a collection and one
//! of its locations (or `*`, the default for clients no block matches).
//!
//! [`apply_cidr_changes`] is the pure rule set of ChangeCidrCollection; the store runs it
//! inside the transaction that commits the result.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// At most this many blocks in one collection (Route 53's quota, ROUTE53.md §9).
pub const MAX_BLOCKS_PER_COLLECTION: usize = 1000;
/// At most this many changes in one ChangeCidrCollection request.
pub const MAX_CHANGES: usize = 1000;

/// A CIDR collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidrCollection {
    /// A UUID.
    pub id: String,
    /// `Name`, `[0-9A-Za-z_-]{1,64}`, unique in the account.
    pub name: String,
    /// `CallerReference` of the create request.
    pub caller_reference: String,
    /// `Version`: 1 on creation, one more per ChangeCidrCollection.
    pub version: u64,
    /// Locations by name, each with its blocks (sorted, no duplicates).
    pub locations: BTreeMap<String, Vec<IpNet>>,
}

impl CidrCollection {
    /// `arn:aws:route53:::cidrcollection/<id>`.
    pub fn arn(&self) -> String {
        format!("arn:aws:route53:::cidrcollection/{}", self.id)
    }

    /// How many blocks the collection holds.
    pub fn block_count(&self) -> usize {
        self.locations.values().map(Vec::len).sum()
    }
}

/// `CidrCollectionChange.Action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CidrChangeAction {
    /// `PUT`: add the blocks to the location (created if missing).
    Put,
    /// `DELETE_IF_EXISTS`: remove the blocks; a location left empty is removed.
    DeleteIfExists,
}

impl CidrChangeAction {
    /// Parses the wire text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PUT" => Some(Self::Put),
            "DELETE_IF_EXISTS" => Some(Self::DeleteIfExists),
            _ => None,
        }
    }
}

/// One `CidrCollectionChange`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrChange {
    /// `LocationName`.
    pub location_name: String,
    /// `Action`.
    pub action: CidrChangeAction,
    /// `CidrList`, as sent.
    pub cidr_list: Vec<String>,
}

/// Which Route 53 exception a refused CIDR-collection request is (the API gives each its
/// code and status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidrErrorKind {
    /// `NoSuchCidrCollectionException` (404).
    NoSuchCollection,
    /// `NoSuchCidrLocationException` (404).
    NoSuchLocation,
    /// `CidrCollectionAlreadyExistsException` (400).
    AlreadyExists,
    /// `CidrCollectionVersionMismatchException` (409).
    VersionMismatch,
    /// `CidrCollectionInUseException` (400).
    CollectionInUse,
    /// `CidrBlockInUseException` (400).
    BlockInUse,
    /// `InvalidInput` (400).
    InvalidInput,
    /// `LimitsExceeded` (400).
    LimitsExceeded,
}

/// A refused CIDR-collection request: one variant per rule, carrying the ids, names and
/// values involved (Route 53's words are the API's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    /// No collection with this id.
    #[error("no CIDR collection {0}")]
    NoSuchCollection(String),
    /// The collection has no location of this name.
    #[error("no location {location} in CIDR collection {collection}")]
    NoSuchLocation {
        /// The collection's id.
        collection: String,
        /// The location asked for.
        location: String,
    },
    /// A collection of this name exists (with another caller reference).
    #[error("CIDR collection {0} exists")]
    AlreadyExists(String),
    /// The request's version is not the collection's current one.
    #[error("stale version of CIDR collection {0}")]
    VersionMismatch(String),
    /// The collection (this id) holds blocks or a record set names it.
    #[error("CIDR collection {0} is in use")]
    CollectionInUse(String),
    /// A record set names this location, which would lose its last block.
    #[error("location {0} is in use")]
    BlockInUse(String),
    /// A collection `Name` outside `[0-9A-Za-z_-]{1,64}`.
    #[error("invalid collection name {0}")]
    InvalidCollectionName(String),
    /// A `CallerReference` that is empty, too long or not ASCII.
    #[error("invalid caller reference")]
    InvalidCallerReference,
    /// A `LocationName` outside `[0-9A-Za-z_-]{1,16}`.
    #[error("invalid location name {0}")]
    InvalidLocationName(String),
    /// Text that is not an IPv4 /1–/24 or IPv6 /1–/48 block without host bits.
    #[error("invalid CIDR block {0}")]
    InvalidBlock(String),
    /// A request with no changes or more than [`MAX_CHANGES`].
    #[error("1 to {MAX_CHANGES} changes")]
    ChangeCount,
    /// A change with no blocks or more than 1000.
    #[error("1 to 1000 blocks per change")]
    BlockListLength,
    /// A block put in one location that another location holds.
    #[error("block {block} is in location {location}")]
    BlockInOtherLocation {
        /// The block.
        block: IpNet,
        /// The location holding it.
        location: String,
    },
    /// The collection would hold more than this many blocks.
    #[error("more than {0} blocks")]
    TooManyBlocks(usize),
    /// The account would hold more than this many collections.
    #[error("more than {0} collections")]
    TooManyCollections(usize),
}

impl CidrError {
    /// The exception this refusal is.
    pub fn kind(&self) -> CidrErrorKind {
        use CidrErrorKind as K;
        match self {
            Self::NoSuchCollection(_) => K::NoSuchCollection,
            Self::NoSuchLocation { .. } => K::NoSuchLocation,
            Self::AlreadyExists(_) => K::AlreadyExists,
            Self::VersionMismatch(_) => K::VersionMismatch,
            Self::CollectionInUse(_) => K::CollectionInUse,
            Self::BlockInUse(_) => K::BlockInUse,
            Self::InvalidCollectionName(_)
            | Self::InvalidCallerReference
            | Self::InvalidLocationName(_)
            | Self::InvalidBlock(_)
            | Self::ChangeCount
            | Self::BlockListLength
            | Self::BlockInOtherLocation { .. } => K::InvalidInput,
            Self::TooManyBlocks(_) | Self::TooManyCollections(_) => K::LimitsExceeded,
        }
    }
}

fn name_ok(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a CreateCidrCollection `Name` and `CallerReference`.
pub fn check_new_collection(name: &str, caller_reference: &str) -> Result<(), CidrError> {
    if !name_ok(name, 64) {
        return Err(CidrError::InvalidCollectionName(name.to_string()));
    }
    if caller_reference.is_empty() || caller_reference.len() > 64 || !caller_reference.is_ascii() {
        return Err(CidrError::InvalidCallerReference);
    }
    Ok(())
}

/// Parses one block: IPv4 /1 to /24 or IPv6 /1 to /48 (ROUTE53.md §3), host bits zero.
pub fn parse_block(text: &str) -> Result<IpNet, CidrError> {
    let invalid = || CidrError::InvalidBlock(text.to_string());
    let net: IpNet = text.parse().map_err(|_| invalid())?;
    let max = match net {
        IpNet::V4(_) => 24,
        IpNet::V6(_) => 48,
    };
    if net.prefix_len() == 0 || net.prefix_len() > max || net.trunc() != net {
        return Err(invalid());
    }
    Ok(net)
}

/// Applies ChangeCidrCollection's `changes` to `collection` in order, all or nothing.
/// `in_use` tells whether a record set names a location; such a location may not lose its
/// last block (`CidrBlockInUseException`). `version`, when given, must be the current one.
pub fn apply_cidr_changes(
    collection: &CidrCollection,
    version: Option<u64>,
    changes: &[CidrChange],
    in_use: impl Fn(&str) -> bool,
) -> Result<CidrCollection, CidrError> {
    if version.is_some_and(|v| v != collection.version) {
        return Err(CidrError::VersionMismatch(collection.id.clone()));
    }
    if changes.is_empty() || changes.len() > MAX_CHANGES {
        return Err(CidrError::ChangeCount);
    }
    let mut next = collection.clone();
    for change in changes {
        if !name_ok(&change.location_name, 16) {
            return Err(CidrError::InvalidLocationName(change.location_name.clone()));
        }
        if change.cidr_list.is_empty() || change.cidr_list.len() > 1000 {
            return Err(CidrError::BlockListLength);
        }
        let blocks = change
            .cidr_list
            .iter()
            .map(|b| parse_block(b))
            .collect::<Result<Vec<_>, _>>()?;
        match change.action {
            CidrChangeAction::Put => {
                for block in &blocks {
                    if let Some((other, _)) = next
                        .locations
                        .iter()
                        .find(|(l, bs)| **l != change.location_name && bs.contains(block))
                    {
                        return Err(CidrError::BlockInOtherLocation {
                            block: *block,
                            location: other.clone(),
                        });
                    }
                }
                let location = next
                    .locations
                    .entry(change.location_name.clone())
                    .or_default();
                location.extend(blocks);
                location.sort();
                location.dedup();
            }
            CidrChangeAction::DeleteIfExists => {
                let Some(location) = next.locations.get_mut(&change.location_name) else {
                    continue;
                };
                location.retain(|b| !blocks.contains(b));
                if location.is_empty() {
                    if in_use(&change.location_name) {
                        return Err(CidrError::BlockInUse(change.location_name.clone()));
                    }
                    next.locations.remove(&change.location_name);
                }
            }
        }
    }
    if next.block_count() > MAX_BLOCKS_PER_COLLECTION {
        return Err(CidrError::TooManyBlocks(MAX_BLOCKS_PER_COLLECTION));
    }
    next.version += 1;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection() -> CidrCollection {
        CidrCollection {
            id: "c".into(),
            name: "n".into(),
            caller_reference: "r".into(),
            version: 1,
            locations: BTreeMap::new(),
        }
    }

    fn put(location: &str, blocks: &[&str]) -> CidrChange {
        CidrChange {
            location_name: location.into(),
            action: CidrChangeAction::Put,
            cidr_list: blocks.iter().map(|b| b.to_string()).collect(),
        }
    }

    #[test]
    fn blocks_are_checked() {
        assert!(parse_block("10.0.0.0/8").is_ok());
        assert!(parse_block("2001:db8::/48").is_ok());
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/25",
            "0.0.0.0/0",
            "2001:db8::/64",
            "x",
        ] {
            assert_eq!(
                parse_block(bad).unwrap_err(),
                CidrError::InvalidBlock(bad.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn changes_apply_in_order_and_bump_the_version() {
        let c = collection();
        let next = apply_cidr_changes(
            &c,
            Some(1),
            &[put("a", &["10.0.0.0/8"]), put("b", &["11.0.0.0/8"])],
            |_| false,
        )
        .unwrap();
        assert_eq!(next.version, 2);
        assert_eq!(next.locations.len(), 2);
        let err = apply_cidr_changes(&next, Some(1), &[put("a", &["12.0.0.0/8"])], |_| false)
            .unwrap_err();
        assert_eq!(err, CidrError::VersionMismatch("c".into()));
        let delete = CidrChange {
            action: CidrChangeAction::DeleteIfExists,
            ..put("a", &["10.0.0.0/8"])
        };
        let err = apply_cidr_changes(&next, None, std::slice::from_ref(&delete), |l| l == "a")
            .unwrap_err();
        assert_eq!(err, CidrError::BlockInUse("a".into()));
        let gone = apply_cidr_changes(&next, None, &[delete], |_| false).unwrap();
        assert!(!gone.locations.contains_key("a"));
    }
}
