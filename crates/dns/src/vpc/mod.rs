//! The VPC resolver (DESIGN.md §2): each VPC's view answered on its "+2" address and on the
//! shared `--resolver-listen` addresses.
//!
//! - [`internal`]: EC2 hostnames and reverse names, Route 53's autodefined domains.
//! - [`answer`]: the query pipeline of one view (private zones, autodefined names, public
//!   resolution, CNAME chains, DNS64).
//! - [`listen`]: the resolver's answerer and sockets.
//! - [`addresses`]: the "+2" and inbound endpoint addresses, bound and closed as the
//!   snapshot says.
//! - [`dnssec`]: AD, CD, DO and SERVFAIL + EDE for VPCs that validate (issue 18).
//! - [`doh`]: DNS over HTTPS on inbound endpoints that ask for it (RFC 8484).
//! - [`public`]: public resolution and FORWARD rules (one forwarder and cache per rule).

pub mod addresses;
pub mod answer;
pub(crate) mod dnssec;
pub mod doh;
pub mod internal;
pub mod listen;
pub mod public;
