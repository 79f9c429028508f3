//! Record values: Route 53's text form ⇄ wire RDATA.
//!
//! TO BE WRITTEN (helper task): built on `domain`'s presentation-format parsers.

use crate::rrtype::RrType;

/// Why a value was refused. Route 53 reports it as
/// `Invalid Resource Record: FATAL problem: <code> (<detail>) encountered with '<value>'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid Resource Record: FATAL problem: {code} ({detail}) encountered with '{value}'")]
pub struct RdataError {
    /// Route 53's problem code, e.g. `ARRDATAIllegalIPv4Address`, `CharacterStringTooLong`.
    pub code: &'static str,
    /// The short reason Route 53 puts in brackets.
    pub detail: String,
    /// The offending value.
    pub value: String,
}

/// Encodes one value, in Route 53's text form, as uncompressed wire RDATA.
pub fn encode_route53_value(rtype: RrType, value: &str) -> Result<Vec<u8>, RdataError> {
    let _ = (rtype, value);
    unimplemented!("rdata helper")
}
