//! The operation a request named, passed out on its response for the metrics middleware
//! (`metrics::track`). A leaf module, so a service can name its operation without importing
//! the metrics module (which imports `dispatch`, which imports the services).
//!
//! Only protocols that carry the operation outside the path and the json-1.1 target set it:
//! EC2's query protocol names its action in the form body.

/// An operation's name, as the service documents it (`DescribeVpcs`). Always one of the
/// service's known operations, so the label's values stay bounded.
#[derive(Debug, Clone, Copy)]
pub struct OperationName(pub &'static str);
