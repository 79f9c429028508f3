//! Why a record value was refused: one variant per failure, each knowing Route 53's problem
//! code and the detail it puts in brackets ([ROUTE53.md §2.2]).

use crate::name::NameError;
use crate::rrtype::RrType;

use super::escape::EscapeError;

//------------ RdataError -------------------------------------------------------

/// A refused value. Route 53 reports it as
/// `Invalid Resource Record: FATAL problem: <code> (<detail>) encountered with '<value>'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid Resource Record: FATAL problem: {problem} encountered with '{value}'")]
pub struct RdataError {
    /// What is wrong with it.
    pub problem: RdataProblem,
    /// The offending value.
    pub value: String,
}

impl RdataError {
    /// `problem` found in `value`.
    pub fn new(problem: RdataProblem, value: &str) -> Self {
        Self {
            problem,
            value: value.to_string(),
        }
    }

    /// Route 53's problem code, e.g. `ARRDATAIllegalIPv4Address`.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    /// The error for a bad escape or an unclosed quote in `value`.
    pub(crate) fn from_escape(error: EscapeError, value: &str) -> Self {
        let problem = match error {
            EscapeError::InvalidEscape => RdataProblem::InvalidEscape,
            EscapeError::UnterminatedQuote => RdataProblem::UnterminatedQuote,
        };
        Self::new(problem, value)
    }

    /// The error for a bad name in `value`.
    pub(crate) fn from_name(error: &NameError, value: &str) -> Self {
        let problem = match error {
            NameError::Empty => RdataProblem::DomainNameEmpty,
            NameError::EmptyLabel => RdataProblem::DomainLabelEmpty,
            NameError::LabelTooLong => RdataProblem::DomainLabelTooLong,
            NameError::NameTooLong => RdataProblem::DomainNameTooLong,
            NameError::BadEscape => RdataProblem::InvalidEscape,
        };
        Self::new(problem, value)
    }
}

//------------ RdataProblem -----------------------------------------------------

/// The kinds of refusal. `Display` gives `<code> (<detail>)`, the middle of Route 53's
/// message; the codes are also listed in [`codes`].
///
/// Route 53's own (seen in its answers): the two address kinds, `CharacterStringTooLong`,
/// `Unquoted` and `DomainNameEmpty`. The rest are Cairn's choice, in the same shape, where
/// Route 53's code is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdataProblem {
    /// An A value that is not a dotted-quad IPv4 address.
    IllegalIpv4,
    /// An AAAA value that is not an IPv6 address.
    IllegalIpv6,
    /// A character-string over 255 bytes.
    CharacterStringTooLong,
    /// A TXT/SPF string (or CAA value) without double quotes.
    Unquoted,
    /// A name field that is empty.
    DomainNameEmpty,
    /// A name with an empty label (`a..b`).
    DomainLabelEmpty,
    /// A name with a label over 63 bytes.
    DomainLabelTooLong,
    /// A name over 255 bytes.
    DomainNameTooLong,
    /// A backslash escape that is neither `\ooo` nor `\X`.
    InvalidEscape,
    /// A `"` never closed.
    UnterminatedQuote,
    /// CAA flags other than 0 and 128.
    CaaIllegalFlags,
    /// RDATA over 65535 bytes.
    RdataTooLong,
    /// Any other malformed value of `rtype`, for `reason`.
    Invalid {
        /// The record type the value was read as.
        rtype: RrType,
        /// What the scanner objected to.
        reason: String,
    },
    /// Wire RDATA that does not parse as `rtype` (decoding only).
    InvalidWire {
        /// The record type the data was read as.
        rtype: RrType,
    },
}

impl RdataProblem {
    /// Route 53's problem code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::IllegalIpv4 => codes::A_ILLEGAL_IPV4,
            Self::IllegalIpv6 => codes::AAAA_ILLEGAL_IPV6,
            Self::CharacterStringTooLong => codes::CHARACTER_STRING_TOO_LONG,
            Self::Unquoted => codes::INVALID_CHARACTER_STRING,
            Self::DomainNameEmpty => codes::DOMAIN_NAME_EMPTY,
            Self::DomainLabelEmpty => codes::DOMAIN_LABEL_EMPTY,
            Self::DomainLabelTooLong => codes::DOMAIN_LABEL_TOO_LONG,
            Self::DomainNameTooLong => codes::DOMAIN_NAME_TOO_LONG,
            Self::InvalidEscape => codes::INVALID_ESCAPE,
            Self::UnterminatedQuote => codes::UNTERMINATED_QUOTE,
            Self::CaaIllegalFlags => codes::CAA_ILLEGAL_FLAGS,
            Self::RdataTooLong => codes::RDATA_TOO_LONG,
            Self::Invalid { .. } => codes::INVALID_RDATA,
            Self::InvalidWire { .. } => codes::INVALID_RDATA_WIRE,
        }
    }

    /// The short reason Route 53 puts in brackets after the code.
    pub fn detail(&self) -> String {
        match self {
            Self::IllegalIpv4 => "Value is not a valid IPv4 address".into(),
            Self::IllegalIpv6 => "Value is not a valid IPv6 address".into(),
            Self::CharacterStringTooLong | Self::RdataTooLong => "Value is too long".into(),
            Self::Unquoted => "Value should be enclosed in quotation marks".into(),
            // The name kinds say what `NameError` says.
            Self::DomainNameEmpty => NameError::Empty.to_string(),
            Self::DomainLabelEmpty => NameError::EmptyLabel.to_string(),
            Self::DomainLabelTooLong => NameError::LabelTooLong.to_string(),
            Self::DomainNameTooLong => NameError::NameTooLong.to_string(),
            Self::InvalidEscape => {
                "Escape must be \\ooo (three octal digits) or \\ and one printable character".into()
            }
            Self::UnterminatedQuote => "Value has an unclosed quotation mark".into(),
            Self::CaaIllegalFlags => "CAA flags must be 0 or 128".into(),
            Self::Invalid { rtype, reason } => format!("{rtype} value is not valid: {reason}"),
            Self::InvalidWire { rtype } => format!("RDATA is not valid {rtype} data"),
        }
    }
}

impl std::fmt::Display for RdataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.code(), self.detail())
    }
}

//------------ codes --------------------------------------------------------------

/// The problem codes of [`RdataProblem`], as text.
pub mod codes {
    /// An A value that is not a dotted-quad IPv4 address.
    pub const A_ILLEGAL_IPV4: &str = "ARRDATAIllegalIPv4Address";
    /// An AAAA value that is not an IPv6 address.
    pub const AAAA_ILLEGAL_IPV6: &str = "AAAARRDATAIllegalIPv6Address";
    /// A character-string over 255 bytes.
    pub const CHARACTER_STRING_TOO_LONG: &str = "CharacterStringTooLong";
    /// A TXT/SPF string (or CAA value) without double quotes.
    pub const INVALID_CHARACTER_STRING: &str = "InvalidCharacterString";
    /// A name field that is empty.
    pub const DOMAIN_NAME_EMPTY: &str = "DomainNameEmpty";
    /// A name with an empty label (`a..b`).
    pub const DOMAIN_LABEL_EMPTY: &str = "DomainLabelEmpty";
    /// A name with a label over 63 bytes.
    pub const DOMAIN_LABEL_TOO_LONG: &str = "DomainLabelTooLong";
    /// A name over 255 bytes.
    pub const DOMAIN_NAME_TOO_LONG: &str = "DomainNameTooLong";
    /// A backslash escape that is neither `\ooo` nor `\X`.
    pub const INVALID_ESCAPE: &str = "InvalidEscapeSequence";
    /// A `"` never closed.
    pub const UNTERMINATED_QUOTE: &str = "UnterminatedQuotation";
    /// CAA flags other than 0 and 128.
    pub const CAA_ILLEGAL_FLAGS: &str = "CAARRDATAIllegalFlags";
    /// RDATA over 65535 bytes.
    pub const RDATA_TOO_LONG: &str = "RDATATooLong";
    /// Any other malformed value; the detail names the type and the reason.
    pub const INVALID_RDATA: &str = "InvalidRDATA";
    /// Wire RDATA that does not parse as its type (decoding only).
    pub const INVALID_RDATA_WIRE: &str = "InvalidRDATAWireFormat";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_route53s_with_code_and_detail() {
        let err = RdataError::new(RdataProblem::IllegalIpv4, "192.0.2.300");
        assert_eq!(
            err.to_string(),
            "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address \
             (Value is not a valid IPv4 address) encountered with '192.0.2.300'"
        );
        let invalid = RdataProblem::Invalid {
            rtype: RrType::Mx,
            reason: "missing data".into(),
        };
        assert_eq!(
            invalid.to_string(),
            "InvalidRDATA (MX value is not valid: missing data)"
        );
        assert_eq!(
            RdataProblem::InvalidWire { rtype: RrType::A }.to_string(),
            "InvalidRDATAWireFormat (RDATA is not valid A data)"
        );
        assert_eq!(
            RdataProblem::DomainLabelTooLong.to_string(),
            "DomainLabelTooLong (Domain label is too long)"
        );
    }
}
