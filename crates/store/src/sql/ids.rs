//! Fresh ids and timestamps, in the shapes AWS hands out.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

/// Now, in ms since the epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A Route 53-shaped id: the prefix letter and 20 characters from `[A-Z0-9]`
/// (`Z…` zones, `C…` changes, `N…` delegation sets).
pub(crate) fn new_route53_id(prefix: char) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(21);
    id.push(prefix);
    for _ in 0..20 {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// `prefix` and 17 hex digits: Resolver's ids (`rslvr-in-0123…`, `rni-…`, `rp-…`).
pub(crate) fn new_hex_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let digits: String = (0..17)
        .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
        .collect();
    format!("{prefix}{digits}")
}

/// An EC2-shaped id: `prefix-` and 17 hex digits (`vpc-…`, `subnet-…`, `sg-…`).
pub(crate) fn new_ec2_id(prefix: &str) -> String {
    new_hex_id(&format!("{prefix}-"))
}

/// A random (version 4) UUID, lowercase: health checks' and CIDR collections' ids.
pub(crate) fn new_uuid() -> String {
    let mut bytes: [u8; 16] = rand::thread_rng().gen();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_aws_shapes() {
        let zone = new_route53_id('Z');
        assert_eq!(zone.len(), 21);
        assert!(zone.starts_with('Z'));
        assert!(zone[1..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        let vpc = new_ec2_id("vpc");
        assert_eq!(vpc.len(), "vpc-".len() + 17);
        assert!(vpc[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        let uuid = new_uuid();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&uuid[14..15], "4", "version 4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"), "{uuid}");
    }
}
