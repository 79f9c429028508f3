//! Record types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A record type: the ones Route 53 names, plus any other by number (RFC 3597).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum RrType {
    /// IPv4 address.
    A,
    /// Name server.
    Ns,
    /// Canonical name.
    Cname,
    /// Start of authority.
    Soa,
    /// Pointer.
    Ptr,
    /// Mail exchange.
    Mx,
    /// Text.
    Txt,
    /// IPv6 address.
    Aaaa,
    /// Service locator.
    Srv,
    /// Naming authority pointer.
    Naptr,
    /// Delegation signer.
    Ds,
    /// SSH fingerprint.
    Sshfp,
    /// Sender policy framework (deprecated, RFC 7208).
    Spf,
    /// TLS association.
    Tlsa,
    /// Service binding.
    Svcb,
    /// HTTPS service binding.
    Https,
    /// Certification authority authorization.
    Caa,
    /// Delegation name (RFC 6672); zone files only.
    Dname,
    /// Any other type, by number, written `TYPEnnn` (RFC 3597).
    Other(u16),
}

impl RrType {
    /// The type code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::A => 1,
            Self::Ns => 2,
            Self::Cname => 5,
            Self::Soa => 6,
            Self::Ptr => 12,
            Self::Mx => 15,
            Self::Txt => 16,
            Self::Aaaa => 28,
            Self::Srv => 33,
            Self::Naptr => 35,
            Self::Dname => 39,
            Self::Ds => 43,
            Self::Sshfp => 44,
            Self::Spf => 99,
            Self::Tlsa => 52,
            Self::Svcb => 64,
            Self::Https => 65,
            Self::Caa => 257,
            Self::Other(code) => code,
        }
    }

    /// The type for a wire code.
    pub fn from_code(code: u16) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.code() == code)
            .unwrap_or(Self::Other(code))
    }

    /// Every named type.
    pub const ALL: [RrType; 18] = [
        Self::A,
        Self::Ns,
        Self::Cname,
        Self::Soa,
        Self::Ptr,
        Self::Mx,
        Self::Txt,
        Self::Aaaa,
        Self::Srv,
        Self::Naptr,
        Self::Ds,
        Self::Sshfp,
        Self::Spf,
        Self::Tlsa,
        Self::Svcb,
        Self::Https,
        Self::Caa,
        Self::Dname,
    ];

    /// The types the Route 53 API accepts in a record set (its `RRType` enum).
    pub fn is_route53_type(self) -> bool {
        !matches!(self, Self::Dname | Self::Other(_))
    }

    /// The mnemonic (`A`, `TYPE65280`).
    pub fn as_str(self) -> String {
        match self {
            Self::Other(code) => format!("TYPE{code}"),
            named => named.name().to_string(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Ns => "NS",
            Self::Cname => "CNAME",
            Self::Soa => "SOA",
            Self::Ptr => "PTR",
            Self::Mx => "MX",
            Self::Txt => "TXT",
            Self::Aaaa => "AAAA",
            Self::Srv => "SRV",
            Self::Naptr => "NAPTR",
            Self::Ds => "DS",
            Self::Sshfp => "SSHFP",
            Self::Spf => "SPF",
            Self::Tlsa => "TLSA",
            Self::Svcb => "SVCB",
            Self::Https => "HTTPS",
            Self::Caa => "CAA",
            Self::Dname => "DNAME",
            Self::Other(_) => "",
        }
    }
}

/// A type mnemonic that is neither named nor `TYPEnnn`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown record type {0:?}")]
pub struct UnknownRrType(pub String);

impl FromStr for RrType {
    type Err = UnknownRrType;

    /// Parses a mnemonic, case-insensitively, or `TYPEnnn`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        if let Some(t) = Self::ALL.iter().find(|t| t.name() == upper) {
            return Ok(*t);
        }
        upper
            .strip_prefix("TYPE")
            .and_then(|n| n.parse::<u16>().ok())
            .map(Self::from_code)
            .ok_or_else(|| UnknownRrType(s.to_string()))
    }
}

impl fmt::Display for RrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl Serialize for RrType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for RrType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in RrType::ALL {
            assert_eq!(RrType::from_code(t.code()), t);
            assert_eq!(t.as_str().parse::<RrType>().unwrap(), t);
        }
        assert_eq!("TYPE65280".parse::<RrType>().unwrap(), RrType::Other(65280));
        assert_eq!("type1".parse::<RrType>().unwrap(), RrType::A);
    }
}
