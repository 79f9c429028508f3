//! What a request asks for, as policy evaluation sees it: the action, the resource ARN and
//! the condition keys with their values.

use std::collections::BTreeMap;

/// One request to authorize.
///
/// Condition key names are case-insensitive in IAM, so they are kept lowercased; values keep
/// their case. A key holds a list of values: single-valued keys (`aws:SourceIp`) hold one,
/// multivalued ones (`route53:ChangeResourceRecordSetsRecordTypes`) any number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// `service:Operation`, e.g. `route53:ChangeResourceRecordSets`.
    pub action: String,
    /// The resource's ARN, or `*` for actions without a resource (`route53:ListHostedZones`).
    pub resource: String,
    keys: BTreeMap<String, Vec<String>>,
}

impl RequestContext {
    /// A request for `action` on `resource`, with no condition keys yet.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            keys: BTreeMap::new(),
        }
    }

    /// Sets a single-valued key, replacing any earlier value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    /// Sets a multivalued key; duplicates are dropped, first occurrence kept, because the
    /// key is a set (a batch changing `A` twice has one record type).
    pub fn set_values<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut list: Vec<String> = Vec::new();
        for value in values {
            let value = value.into();
            if !list.contains(&value) {
                list.push(value);
            }
        }
        self.keys.insert(key.to_ascii_lowercase(), list);
        self
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.keys
            .get(&key.to_ascii_lowercase())
            .map(|values| values.as_slice())
    }

    /// The one value of a single-valued key; `None` when absent or multivalued (a policy
    /// variable cannot stand for a set).
    pub fn single(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some([one]) => Some(one),
            _ => None,
        }
    }
}
