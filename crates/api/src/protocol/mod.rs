//! Wire codecs of the AWS protocols the API speaks, independent of any service.
//!
//! - [`rest_xml`]: Route 53's protocol: XML bodies in, XML bodies out, `<ErrorResponse>`.
//! - [`ec2_query`]: EC2's query protocol: form bodies in, EC2 XML out, `<Response><Errors>`.
//! - [`query`]: URI query strings and percent-encoding, shared with SigV4.

pub mod ec2_query;
pub mod query;
pub mod rest_xml;
