//! The statuses and kinds of Route 53 Resolver and Profiles resources, as enums.
//!
//! Each variant's text is the one Route 53 sends and the one the store has always written
//! (`serde(rename)`), so stored JSON and API output are the same as when these were strings.
//! Every value Route 53 documents is a variant, even those Cairn never sets, so a stored or
//! future value always loads. The exceptions are `INBOUND_DELEGATION` and `DELEGATE`,
//! which Cairn refuses on create, so no stored record can carry them.

use serde::{Deserialize, Serialize};

/// Declares a fieldless enum whose variants are Route 53's exact texts.
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $text:literal, )+ }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Reads the wire text (exact case); `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// `ResolverEndpoint.Status`.
    EndpointStatus {
        /// `CREATING`.
        Creating = "CREATING",
        /// `OPERATIONAL`: what Cairn stores once created.
        Operational = "OPERATIONAL",
        /// `UPDATING`.
        Updating = "UPDATING",
        /// `AUTO_RECOVERING`.
        AutoRecovering = "AUTO_RECOVERING",
        /// `ACTION_NEEDED`.
        ActionNeeded = "ACTION_NEEDED",
        /// `DELETING`.
        Deleting = "DELETING",
    }
);

text_enum!(
    /// `IpAddressResponse.Status`: one endpoint address.
    IpAddressStatus {
        /// `CREATING`.
        Creating = "CREATING",
        /// `FAILED_CREATION`.
        FailedCreation = "FAILED_CREATION",
        /// `ATTACHING`.
        Attaching = "ATTACHING",
        /// `ATTACHED`: usable; what Cairn stores.
        Attached = "ATTACHED",
        /// `REMAP_DETACHING`.
        RemapDetaching = "REMAP_DETACHING",
        /// `REMAP_ATTACHING`.
        RemapAttaching = "REMAP_ATTACHING",
        /// `DETACHING`.
        Detaching = "DETACHING",
        /// `FAILED_RESOURCE_GONE`.
        FailedResourceGone = "FAILED_RESOURCE_GONE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `DELETE_FAILED_FAS_EXPIRED`.
        DeleteFailedFasExpired = "DELETE_FAILED_FAS_EXPIRED",
        /// `UPDATING`.
        Updating = "UPDATING",
        /// `UPDATE_FAILED`.
        UpdateFailed = "UPDATE_FAILED",
        /// `ISOLATED`.
        Isolated = "ISOLATED",
    }
);

text_enum!(
    /// `ResolverEndpointType`: which address families an endpoint has.
    ResolverEndpointType {
        /// `IPV4` (the default).
        Ipv4 = "IPV4",
        /// `IPV6`.
        Ipv6 = "IPV6",
        /// `DUALSTACK`: both.
        DualStack = "DUALSTACK",
    }
);

text_enum!(
    /// `ResolverRule.Status`.
    RuleStatus {
        /// `COMPLETE`: what Cairn stores.
        Complete = "COMPLETE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `UPDATING`.
        Updating = "UPDATING",
        /// `FAILED`.
        Failed = "FAILED",
    }
);

text_enum!(
    /// `ResolverRuleAssociation.Status`.
    RuleAssociationStatus {
        /// `CREATING`.
        Creating = "CREATING",
        /// `COMPLETE`: what Cairn stores.
        Complete = "COMPLETE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `FAILED`.
        Failed = "FAILED",
        /// `OVERRIDDEN`.
        Overridden = "OVERRIDDEN",
    }
);

text_enum!(
    /// `ShareStatus` of a rule or profile (Cairn does not share yet: `NOT_SHARED`).
    ShareStatus {
        /// `NOT_SHARED`.
        NotShared = "NOT_SHARED",
        /// `SHARED_WITH_ME`.
        SharedWithMe = "SHARED_WITH_ME",
        /// `SHARED_BY_ME`.
        SharedByMe = "SHARED_BY_ME",
    }
);

text_enum!(
    /// `ProfileStatus`: of a profile, a profile's VPC association, or a resource it carries.
    ProfileStatus {
        /// `COMPLETE`: what Cairn stores.
        Complete = "COMPLETE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `UPDATING`.
        Updating = "UPDATING",
        /// `CREATING`.
        Creating = "CREATING",
        /// `DELETED`.
        Deleted = "DELETED",
        /// `FAILED`.
        Failed = "FAILED",
    }
);

text_enum!(
    /// `ResolverEndpoint.Direction`: `INBOUND` (queries from outside into a VPC's view) or
    /// `OUTBOUND` (forwarded queries leave from its addresses). Route 53's third value,
    /// `INBOUND_DELEGATION`, is refused on create and is not a variant.
    EndpointDirection {
        /// `INBOUND`.
        Inbound = "INBOUND",
        /// `OUTBOUND`.
        Outbound = "OUTBOUND",
    }
);

text_enum!(
    /// `ResolverRule.RuleType`. Route 53's `DELEGATE` is refused on create and is not a
    /// variant.
    RuleType {
        /// `FORWARD`: send to the target IPs through the outbound endpoint.
        Forward = "FORWARD",
        /// `SYSTEM`: resolve locally (carves a subdomain out of a FORWARD rule).
        System = "SYSTEM",
        /// `RECURSIVE`: the autodefined "." rule; only Resolver makes it.
        Recursive = "RECURSIVE",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant's text parses back to it, and serde writes and reads the same text.
    macro_rules! round_trips {
        ($($name:ident),+) => {$(
            for &v in $name::ALL {
                assert_eq!($name::parse(v.as_str()), Some(v));
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", v.as_str()));
                assert_eq!(serde_json::from_str::<$name>(&json).unwrap(), v);
            }
            assert_eq!($name::parse("complete"), None, "case matters");
            assert_eq!($name::parse(""), None);
            assert!(serde_json::from_str::<$name>("\"BOGUS\"").is_err());
        )+};
    }

    #[test]
    fn every_variant_round_trips_and_unknown_text_is_refused() {
        round_trips!(
            EndpointStatus,
            IpAddressStatus,
            ResolverEndpointType,
            RuleStatus,
            RuleAssociationStatus,
            ShareStatus,
            ProfileStatus,
            EndpointDirection,
            RuleType
        );
    }

    #[test]
    fn texts_are_route53s() {
        assert_eq!(EndpointStatus::Operational.as_str(), "OPERATIONAL");
        assert_eq!(IpAddressStatus::Attached.as_str(), "ATTACHED");
        assert_eq!(ResolverEndpointType::DualStack.as_str(), "DUALSTACK");
        assert_eq!(RuleStatus::Complete.as_str(), "COMPLETE");
        assert_eq!(RuleAssociationStatus::Overridden.as_str(), "OVERRIDDEN");
        assert_eq!(ShareStatus::NotShared.as_str(), "NOT_SHARED");
        assert_eq!(ProfileStatus::Deleted.as_str(), "DELETED");
        assert_eq!(EndpointDirection::Inbound.as_str(), "INBOUND");
        assert_eq!(RuleType::Recursive.as_str(), "RECURSIVE");
    }
}
