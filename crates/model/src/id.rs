//! Resource ids as types, so one kind of id cannot be passed where another is expected.
//!
//! Every id is a `String` underneath and `#[serde(transparent)]`, so stored JSON and API
//! output carry exactly the text they carried when the ids were plain strings.

/// Declares an id newtype. With a prefix (`"/hostedzone/"`), the id also parses from its
/// prefixed form and prints with it; ids without one (health checks) have neither.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        id_type!($(#[$doc])* $name);

        impl $name {
            /// The path prefix Route 53 puts before this id in response bodies.
            pub const PREFIX: &'static str = $prefix;

            /// Accepts a bare or prefixed id, as botocore may send either
            /// ([ROUTE53.md §1.1] `fix_route53_ids`).
            pub fn parse(text: &str) -> Self {
                Self(text.rsplit('/').next().unwrap_or(text).to_string())
            }

            /// The id with its prefix, as response bodies carry it.
            pub fn to_prefixed(&self) -> String {
                format!("{}{}", Self::PREFIX, self.0)
            }
        }
    };
    // An EC2 id: `prefix-` + hex digits, checked when read from a request.
    ($(#[$doc:meta])* $name:ident, ec2 $word:literal) => {
        id_type!($(#[$doc])* $name);

        impl $name {
            /// The word before the dash (`vpc` in `vpc-0a1b…`).
            pub const PREFIX: &'static str = $word;

            /// Reads an id from a request: `prefix-` + one or more hex digits, or
            /// [`MalformedId`] (EC2's `….Malformed`).
            pub fn parse(text: &str) -> Result<Self, MalformedId> {
                if ec2_shaped(text, $word) {
                    Ok(Self(text.to_string()))
                } else {
                    Err(MalformedId {
                        id: text.to_string(),
                        prefix: $word,
                    })
                }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a bare id, taken as given.
            pub fn new(bare: impl Into<String>) -> Self {
                Self(bare.into())
            }

            /// The bare id.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl From<String> for $name {
            fn from(bare: String) -> Self {
                Self(bare)
            }
        }

        impl From<&str> for $name {
            fn from(bare: &str) -> Self {
                Self(bare.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // A requested id (text from a request) compared with a stored one.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        // Lets `HashMap<Id, _>` be looked up with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A hosted zone id (`Z…`); bodies carry it as `/hostedzone/Z…`.
    HostedZoneId,
    "/hostedzone/"
);
id_type!(
    /// A change id (`C…`); bodies carry it as `/change/C…`.
    ChangeId,
    "/change/"
);
id_type!(
    /// A health check id: a UUID, with no prefix in bodies or paths.
    HealthCheckId
);
id_type!(
    /// A VPC id: `vpc-` + hex digits.
    VpcId,
    ec2 "vpc"
);
id_type!(
    /// A subnet id: `subnet-` + hex digits.
    SubnetId,
    ec2 "subnet"
);
id_type!(
    /// A security group id: `sg-` + hex digits.
    SecurityGroupId,
    ec2 "sg"
);
id_type!(
    /// A Resolver endpoint id: `rslvr-in-…` or `rslvr-out-…`.
    ResolverEndpointId
);
id_type!(
    /// A Resolver rule id: `rslvr-rr-…`, or `rslvr-autodefined-rr-…` for the Internet
    /// Resolver rule.
    ResolverRuleId
);
id_type!(
    /// A Resolver rule association id: `rslvr-rrassoc-…` (autodefined ones:
    /// `rslvr-autodefined-assoc-…`).
    ResolverRuleAssociationId
);
id_type!(
    /// A Route 53 Profile id: `rp-…`.
    ProfileId
);
id_type!(
    /// A profile's VPC association id: `rpassoc-…`.
    ProfileAssociationId
);
id_type!(
    /// A profile's resource association id: `rpr-…`.
    ProfileResourceAssociationId
);

/// Request text that is not shaped like the EC2 id it should be. The API edge words it
/// (`Invalid id: "…" (expecting "vpc-...")`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedId {
    /// The text as sent.
    pub id: String,
    /// The prefix it should have had, without the dash (`vpc`).
    pub prefix: &'static str,
}

/// Whether `text` is `prefix-` + one or more hex digits, as EC2 ids (and the `sgr-` rule ids
/// that have no type of their own) are.
pub fn ec2_shaped(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_ids_parse_bare_or_prefixed_and_print_prefixed() {
        assert_eq!(
            HostedZoneId::parse("/hostedzone/Z1"),
            HostedZoneId::new("Z1")
        );
        assert_eq!(HostedZoneId::parse("Z1").to_prefixed(), "/hostedzone/Z1");
        assert_eq!(ChangeId::parse("/change/C9").as_str(), "C9");
    }

    #[test]
    fn ids_serialize_as_their_bare_text() {
        let id = HealthCheckId::new("0b5e4d3c-1a2b-4c5d-8e9f-000000000001");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0b5e4d3c-1a2b-4c5d-8e9f-000000000001\"");
        assert_eq!(serde_json::from_str::<HealthCheckId>(&json).unwrap(), id);
        assert_eq!(
            format!("{id:?}"),
            "HealthCheckId(0b5e4d3c-1a2b-4c5d-8e9f-000000000001)"
        );
    }

    #[test]
    fn ec2_ids_parse_only_their_own_shape() {
        assert_eq!(
            VpcId::parse("vpc-0123abcd").unwrap().as_str(),
            "vpc-0123abcd"
        );
        let err = VpcId::parse("non-existent").unwrap_err();
        assert_eq!((err.id.as_str(), err.prefix), ("non-existent", "vpc"));
        assert!(SubnetId::parse("subnet-").is_err());
        assert!(SubnetId::parse("vpc-0123").is_err());
        assert!(SecurityGroupId::parse("sg-9fzz").is_err());
        assert!(SecurityGroupId::parse("sg-9f").is_ok());
    }
}
