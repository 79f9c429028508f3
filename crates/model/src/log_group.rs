//! CloudWatch Logs log groups (issue 13): the named destinations query logs go to. The
//! events themselves are the query-log files the DNS data plane appends to; a group is the
//! record that it exists, with its retention and tags.

use serde::{Deserialize, Serialize};

/// The retention periods CloudWatch Logs accepts (`Days` in botocore's model).
pub const RETENTION_DAYS: [i64; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A log group of one account in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroup {
    /// The 12-digit account that owns it.
    pub account: String,
    /// The region it was made in.
    pub region: String,
    /// `logGroupName`: 1 to 512 of `.-_/#` and ASCII letters and digits.
    pub name: String,
    /// `creationTime`, ms since the epoch.
    pub created_ms: i64,
    /// `retentionInDays`; `None` keeps events for ever.
    pub retention_days: Option<i64>,
    /// Tags, in the order first given.
    pub tags: Vec<(String, String)>,
}

impl LogGroup {
    /// `logGroupArn`: `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            self.region, self.account, self.name
        )
    }

    /// Replaces the values of keys already present and adds the others.
    pub fn tag(&mut self, tags: Vec<(String, String)>) {
        for (key, value) in tags {
            match self.tags.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => self.tags.push((key, value)),
            }
        }
    }

    /// Removes the tags with these keys.
    pub fn untag(&mut self, keys: &[String]) {
        self.tags.retain(|(k, _)| !keys.contains(k));
    }
}

/// Whether `name` is a valid `logGroupName` (botocore: 1–512 of `[.\-_/#A-Za-z0-9]`).
pub fn valid_name(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/#".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_replace_and_remove() {
        let mut group = LogGroup {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            name: "/aws/route53/example.com".into(),
            created_ms: 0,
            retention_days: None,
            tags: vec![],
        };
        group.tag(vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        group.tag(vec![("a".into(), "3".into())]);
        group.untag(&["b".into()]);
        assert_eq!(group.tags, vec![("a".to_string(), "3".to_string())]);
        assert_eq!(
            group.arn(),
            "arn:aws:logs:us-east-1:111111111111:log-group:/aws/route53/example.com"
        );
        assert!(valid_name("/aws/route53/example.com") && !valid_name("a b") && !valid_name(""));
    }
}
