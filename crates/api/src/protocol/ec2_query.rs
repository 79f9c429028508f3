//! EC2's query protocol: `POST /` with a form body (`Action=CreateVpc&Version=2016-11-15&…`),
//! XML responses in EC2's namespace, and `<Response><Errors>…` errors.
//!
//! Lists arrive flattened and numbered from 1, as botocore's EC2 serializer writes them:
//! `VpcId.1=…`, `Filter.1.Name=…&Filter.1.Value.1=…`, `IpPermissions.1.IpRanges.1.CidrIp=…`.
//! [`FormParams::list`] reads scalar lists and [`FormParams::members`] lists of structures.

use axum::http::StatusCode;

use super::query::parse_pairs;
use super::rest_xml::{escape_into, XmlWriter};
use crate::error::AwsError;

/// EC2's XML namespace (API version 2016-11-15).
pub const EC2_NAMESPACE: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
/// The API version clients send.
pub const EC2_VERSION: &str = "2016-11-15";

/// The decoded form parameters of a request (or of one member of a list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
}

impl FormParams {
    /// Parses a form body (`application/x-www-form-urlencoded`).
    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: parse_pairs(&String::from_utf8_lossy(body)),
        }
    }

    /// Parameters from pairs already decoded.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A required value, or EC2's `MissingParameter`.
    pub fn required(&self, name: &str) -> Result<&str, AwsError> {
        self.get(name).ok_or_else(|| missing_parameter(name))
    }

    /// The values of `prefix.1`, `prefix.2`, … in index order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, String)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let index = k
                    .strip_prefix(prefix)?
                    .strip_prefix('.')?
                    .parse::<u32>()
                    .ok()?;
                Some((index, v.clone()))
            })
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// The members of a list of structures: for `prefix.N.Field=…`, one [`FormParams`] per
    /// `N` (in index order) holding `Field=…`.
    pub fn members(&self, prefix: &str) -> Vec<FormParams> {
        let mut members: std::collections::BTreeMap<u32, Vec<(String, String)>> =
            Default::default();
        for (key, value) in &self.pairs {
            let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
                continue;
            };
            let Some((index, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(index) = index.parse::<u32>() else {
                continue;
            };
            members
                .entry(index)
                .or_default()
                .push((field.to_string(), value.clone()));
        }
        members.into_values().map(Self::from_pairs).collect()
    }

    /// A boolean, as EC2 reads `true`/`false`; `InvalidParameterValue` otherwise.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(invalid_parameter_value(format!(
                    "Value ({text}) for parameter {name} is invalid. Expected: 'true' or 'false'."
                ))),
            },
        }
    }

    /// An integer, or `InvalidParameterValue`.
    pub fn int(&self, name: &str) -> Result<Option<i32>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text.trim().parse::<i32>().map(Some).map_err(|_| {
                invalid_parameter_value(format!(
                    "Invalid value '{text}' for {name}. It must be an integer."
                ))
            }),
        }
    }
}

/// `MissingParameter` for a required parameter.
pub fn missing_parameter(name: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "MissingParameter",
        format!("The request must contain the parameter {name}"),
    )
}

/// `InvalidParameterValue` with this message.
pub fn invalid_parameter_value(message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "InvalidParameterValue", message)
}

/// Starts the response document of `action`: `<{Action}Response xmlns=…><requestId>…`.
pub fn response(action: &str, request_id: &str) -> XmlWriter {
    let mut w = XmlWriter::with_namespace(&format!("{action}Response"), EC2_NAMESPACE);
    w.leaf("requestId", request_id);
    w
}

/// The error document EC2 sends (and botocore's EC2 parser reads).
pub fn error_body(error: &AwsError, request_id: &str) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push_str("\n<Response><Errors><Error><Code>");
    escape_into(&mut out, &error.code);
    out.push_str("</Code><Message>");
    escape_into(&mut out, &error.message);
    out.push_str("</Message></Error></Errors><RequestID>");
    escape_into(&mut out, request_id);
    out.push_str("</RequestID></Response>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flattened_lists_in_index_order() {
        let p = FormParams::parse(
            b"Action=DescribeVpcs&VpcId.2=vpc-b&VpcId.1=vpc-a&Filter.1.Name=tag%3AName&Filter.1.Value.1=web&Filter.1.Value.2=db&Filter.2.Name=cidr&Filter.2.Value.1=10.0.0.0%2F16",
        );
        assert_eq!(p.get("Action"), Some("DescribeVpcs"));
        assert_eq!(p.list("VpcId"), ["vpc-a", "vpc-b"]);
        let filters = p.members("Filter");
        assert_eq!(filters.len(), 2);
        assert_eq!(filters[0].get("Name"), Some("tag:Name"));
        assert_eq!(filters[0].list("Value"), ["web", "db"]);
        assert_eq!(filters[1].list("Value"), ["10.0.0.0/16"]);
    }

    #[test]
    fn reads_nested_members() {
        let p = FormParams::parse(
            b"IpPermissions.1.IpProtocol=udp&IpPermissions.1.FromPort=53&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8&IpPermissions.1.IpRanges.2.CidrIp=192.168.0.0%2F16",
        );
        let perms = p.members("IpPermissions");
        assert_eq!(perms.len(), 1);
        assert_eq!(perms[0].int("FromPort").expect("int"), Some(53));
        let ranges: Vec<_> = perms[0]
            .members("IpRanges")
            .iter()
            .filter_map(|r| r.get("CidrIp").map(str::to_string))
            .collect();
        assert_eq!(ranges, ["10.0.0.0/8", "192.168.0.0/16"]);
        assert!(p.bool("IpPermissions.1.FromPort").is_err());
    }

    #[test]
    fn writes_ec2_errors() {
        let error = AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-1' does not exist",
        );
        let body = error_body(&error, "req-1");
        assert!(body.contains("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;vpc-1&apos; does not exist</Message></Error></Errors><RequestID>req-1</RequestID></Response>"), "{body}");
    }
}
