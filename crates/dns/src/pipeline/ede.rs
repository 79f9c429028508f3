//! The Extended DNS Error codes (RFC 8914 §4) Cairn sends, besides DNSSEC validation's
//! (`resolver::validate::Ede`). Each goes only into replies to queries with EDNS: the
//! writer adds it to the OPT record, and a query without one gets no OPT.
//!
//! | code | when |
//! |---|---|
//! | 15 Blocked | a DNS Firewall BLOCK rule answered (NODATA, NXDOMAIN or OVERRIDE), or the firewall failed closed (SERVFAIL) |
//! | 18 Prohibited | REFUSED to a source no VPC is for (the shared resolver addresses), or by the VPC's query policy |
//! | 20 Not Authoritative | REFUSED on the public listener for a name in no hosted zone (as Knot sends it) |
//! | 22 No Reachable Authority | SERVFAIL when public resolution or a FORWARD rule's targets gave no answer |

/// 15: Blocked by the operator's policy (here: the VPC owner's DNS Firewall).
pub const BLOCKED: u16 = 15;
/// 18: Prohibited: the client is not authorized.
pub const PROHIBITED: u16 = 18;
/// 20: Not Authoritative.
pub const NOT_AUTHORITATIVE: u16 = 20;
/// 22: No Reachable Authority.
pub const NO_REACHABLE_AUTHORITY: u16 = 22;
