//! Wire codecs of the AWS protocols the API speaks, independent of any service.
//!
//! - [`rest_xml`]: Route 53's protocol: XML bodies in, XML bodies out, `<ErrorResponse>`.
//! - [`ec2_query`]: EC2's query protocol: form bodies in, EC2 XML out, `<Response><Errors>`.
//! - [`json`]: Route 53 Resolver's json-1.1 and Route 53 Profiles' rest-json bodies.
//! - [`query`]: URI query strings and percent-encoding, shared with SigV4.

pub mod ec2_query;
pub mod json;
pub mod query;
pub mod rest_xml;
