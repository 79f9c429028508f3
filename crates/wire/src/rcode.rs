//! Response codes (RFC 1035 §4.1.1; BADVERS from RFC 6891 §9).

/// A DNS response code: the four header bits, and the extended bits an OPT record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rcode {
    /// No error.
    #[default]
    NoError,
    /// Format error: the query could not be read.
    FormErr,
    /// Server failure.
    ServFail,
    /// The name does not exist.
    NxDomain,
    /// Not implemented (an opcode or meta type Cairn does not serve).
    NotImp,
    /// Refused by policy.
    Refused,
    /// Bad EDNS version (extended rcode 16; needs an OPT record to be expressed).
    BadVers,
    /// Any other code, e.g. one an upstream server answered with.
    Other(u16),
}

impl Rcode {
    /// The numeric code (12 bits: header and OPT's extended bits).
    pub const fn code(self) -> u16 {
        match self {
            Self::NoError => 0,
            Self::FormErr => 1,
            Self::ServFail => 2,
            Self::NxDomain => 3,
            Self::NotImp => 4,
            Self::Refused => 5,
            Self::BadVers => 16,
            Self::Other(code) => code,
        }
    }

    /// The code `code` names; unknown values are [`Rcode::Other`].
    pub const fn from_code(code: u16) -> Self {
        match code {
            0 => Self::NoError,
            1 => Self::FormErr,
            2 => Self::ServFail,
            3 => Self::NxDomain,
            4 => Self::NotImp,
            5 => Self::Refused,
            16 => Self::BadVers,
            other => Self::Other(other),
        }
    }

    /// The mnemonic, as dig prints it (`OTHER` for codes without one here).
    pub const fn name(self) -> &'static str {
        match self {
            Self::NoError => "NOERROR",
            Self::FormErr => "FORMERR",
            Self::ServFail => "SERVFAIL",
            Self::NxDomain => "NXDOMAIN",
            Self::NotImp => "NOTIMP",
            Self::Refused => "REFUSED",
            Self::BadVers => "BADVERS",
            Self::Other(_) => "OTHER",
        }
    }

    /// The four bits that go into the header.
    pub const fn header_bits(self) -> u8 {
        (self.code() & 0xf) as u8
    }

    /// The eight bits that go into an OPT record's TTL (the code above the header's bits).
    pub const fn extended_bits(self) -> u8 {
        (self.code() >> 4) as u8
    }
}

impl From<u16> for Rcode {
    fn from(code: u16) -> Self {
        Self::from_code(code)
    }
}

impl From<Rcode> for u16 {
    fn from(rcode: Rcode) -> Self {
        rcode.code()
    }
}

impl std::fmt::Display for Rcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Other(code) => write!(f, "RCODE{code}"),
            known => f.write_str(known.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_kept() {
        for code in 0..=4095 {
            assert_eq!(Rcode::from_code(code).code(), code);
        }
        assert_eq!(Rcode::from_code(16), Rcode::BadVers);
        assert_eq!(Rcode::from_code(9), Rcode::Other(9));
        assert_eq!(Rcode::BadVers.header_bits(), 0);
        assert_eq!(Rcode::BadVers.extended_bits(), 1);
        assert_eq!(Rcode::NxDomain.to_string(), "NXDOMAIN");
        assert_eq!(Rcode::Other(9).to_string(), "RCODE9");
    }
}
