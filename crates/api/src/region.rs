//! The region a request acts in.
//!
//! A client configured for a region signs for it (the SigV4 scope's second field), as it
//! would call that region's endpoint; regional services (EC2, Resolver, Profiles) create
//! their resources there and name it in ARNs. Any region is accepted (Cairn is one
//! "partition" on one port); Route 53 itself is global and signs `us-east-1`.

use std::fmt;

pub use cairn_model::region::DEFAULT_REGION;

/// A region name as the client signed it (`eu-west-1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    /// The region of a signing scope's `region` field; [`DEFAULT_REGION`] without one.
    pub fn from_scope(scope_region: Option<&str>) -> Self {
        Self(scope_region.unwrap_or(DEFAULT_REGION).to_string())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Default for Region {
    fn default() -> Self {
        Self(DEFAULT_REGION.to_string())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Region {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_names_the_region_else_the_default() {
        assert_eq!(Region::from_scope(Some("eu-west-1")).as_str(), "eu-west-1");
        assert_eq!(Region::from_scope(None).as_str(), DEFAULT_REGION);
        assert_eq!(Region::default().to_string(), "us-east-1");
    }
}
