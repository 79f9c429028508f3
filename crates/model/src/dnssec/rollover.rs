//! Scheduled zone-signing-key rollover by pre-publication (RFC 6781 §4.1.1.1), as pure
//! decisions over a zone's [`ZoneSigning`]; the background re-signer applies them.
//!
//! ```text
//!  A active ──(interval)──► A active, B published ──(publish_wait)──► B active, A retired
//!     ▲                                                                     │
//!     └──────────────────────────(retire_wait: A removed)───────────────────┘
//! ```
//!
//! * **Publish**: the new key enters the DNSKEY RRset, not yet signing, so that every
//!   validator's cached DNSKEY RRset holds it before any signature made with it is served:
//!   `publish_wait` is the DNSKEY TTL.
//! * **Activate**: the new key signs; the old one stays published, so answers cached with
//!   its signatures still validate: `retire_wait` is the longest TTL of the zone's data.
//! * **Remove**: the old key leaves the DNSKEY RRset.
//!
//! One rollover at a time: a new key is published only once the retired one is gone.

use super::{ZoneSigning, ZoneSigningKey};

/// The default time between ZSK rollovers: 30 days (RFC 6781 §4.1.1 suggests about a
/// month for a ZSK).
pub const DEFAULT_INTERVAL_SECS: i64 = 30 * 86_400;

/// The timing of a zone's ZSK rollovers, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloverPolicy {
    /// How long a ZSK signs before its successor is published.
    pub interval: i64,
    /// How long a published key waits before it signs (the DNSKEY TTL).
    pub publish_wait: i64,
    /// How long a retired key stays published (the longest TTL of the zone's records).
    pub retire_wait: i64,
}

/// The next step of a zone's rollover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    /// Publish a new ZSK (not signing yet).
    Publish,
    /// The published ZSK with this key tag signs from now on; the active one retires.
    Activate(u16),
    /// The retired ZSK with this key tag leaves the DNSKEY RRset.
    Remove(u16),
}

impl ZoneSigningKey {
    /// Published ahead of a rollover: in the DNSKEY RRset, never yet signing.
    pub fn is_published_only(&self) -> bool {
        !self.active && self.retired_at == 0
    }
}

impl ZoneSigning {
    /// Gives the keys stored before rollover existed (times 0) `now` as the time they
    /// were published and, for the active one, began signing; whether any changed.
    pub fn stamp_key_times(&mut self, now: i64) -> bool {
        let mut changed = false;
        for z in &mut self.zsks {
            if z.published_at == 0 {
                z.published_at = now;
                changed = true;
            }
            if z.active && z.activated_at == 0 {
                z.activated_at = now;
                changed = true;
            }
        }
        changed
    }

    /// The next rollover step and when (seconds since the epoch) it is due; `None` for a
    /// zone without an active ZSK.
    pub fn next_key_event(&self, policy: &RolloverPolicy) -> Option<(i64, KeyEvent)> {
        let active = self.zsks.iter().find(|z| z.active)?;
        if let Some(retired) = self.zsks.iter().find(|z| !z.active && z.retired_at != 0) {
            return Some((
                retired.retired_at + policy.retire_wait,
                KeyEvent::Remove(retired.key_tag),
            ));
        }
        if let Some(next) = self.zsks.iter().find(|z| z.is_published_only()) {
            return Some((
                next.published_at + policy.publish_wait,
                KeyEvent::Activate(next.key_tag),
            ));
        }
        Some((active.activated_at + policy.interval, KeyEvent::Publish))
    }

    /// Applies `event` at `now`: `new_key` is called for [`KeyEvent::Publish`] and must
    /// return a fresh key (it is stored published, not signing). Returns whether anything
    /// changed.
    pub fn apply_key_event(
        &mut self,
        event: KeyEvent,
        now: i64,
        new_key: impl FnOnce() -> ZoneSigningKey,
    ) -> bool {
        match event {
            KeyEvent::Publish => {
                let mut key = new_key();
                key.active = false;
                key.published_at = now;
                key.activated_at = 0;
                key.retired_at = 0;
                // A tag equal to a key's already there would make the two indistinguishable
                // to validators (RFC 4034 App. B): skip this turn, the next pass retries.
                if self.zsks.iter().any(|z| z.key_tag == key.key_tag) {
                    return false;
                }
                self.zsks.push(key);
                true
            }
            KeyEvent::Activate(tag) => {
                if !self
                    .zsks
                    .iter()
                    .any(|z| z.key_tag == tag && z.is_published_only())
                {
                    return false;
                }
                for z in &mut self.zsks {
                    if z.key_tag == tag {
                        z.active = true;
                        z.activated_at = now;
                    } else if z.active {
                        z.active = false;
                        z.retired_at = now;
                    }
                }
                true
            }
            KeyEvent::Remove(tag) => {
                let before = self.zsks.len();
                self.zsks.retain(|z| z.active || z.key_tag != tag);
                self.zsks.len() != before
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnssec::SigningStatus;

    const POLICY: RolloverPolicy = RolloverPolicy {
        interval: 1000,
        publish_wait: 100,
        retire_wait: 300,
    };

    fn key(tag: u16) -> ZoneSigningKey {
        ZoneSigningKey {
            key_tag: tag,
            public_key: vec![tag as u8; 64],
            sealed_private_key: vec![],
            active: true,
            published_at: 0,
            activated_at: 0,
            retired_at: 0,
        }
    }

    fn signing(first: ZoneSigningKey) -> ZoneSigning {
        ZoneSigning {
            status: SigningStatus::Signing,
            zsks: vec![first],
            ..ZoneSigning::default()
        }
    }

    fn state(s: &ZoneSigning) -> Vec<(u16, bool, bool)> {
        s.zsks
            .iter()
            .map(|z| (z.key_tag, z.active, z.retired_at != 0))
            .collect()
    }

    #[test]
    fn a_rollover_publishes_then_activates_then_removes_on_schedule() {
        let mut first = key(1);
        first.published_at = 5000;
        first.activated_at = 5000;
        let mut s = signing(first);
        assert_eq!(s.next_key_event(&POLICY), Some((6000, KeyEvent::Publish)));
        assert!(s.apply_key_event(KeyEvent::Publish, 6000, || key(2)));
        assert_eq!(state(&s), [(1, true, false), (2, false, false)]);
        assert_eq!(
            s.next_key_event(&POLICY),
            Some((6100, KeyEvent::Activate(2)))
        );
        assert!(s.apply_key_event(KeyEvent::Activate(2), 6100, || unreachable!()));
        assert_eq!(state(&s), [(1, false, true), (2, true, false)]);
        assert_eq!(s.next_key_event(&POLICY), Some((6400, KeyEvent::Remove(1))));
        assert!(s.apply_key_event(KeyEvent::Remove(1), 6400, || unreachable!()));
        assert_eq!(state(&s), [(2, true, false)]);
        // The next rollover counts from when key 2 began signing.
        assert_eq!(s.next_key_event(&POLICY), Some((7100, KeyEvent::Publish)));
    }

    #[test]
    fn a_key_stored_before_rollover_counts_from_when_it_was_first_seen() {
        let mut s = signing(key(1));
        assert!(s.stamp_key_times(42));
        assert!(!s.stamp_key_times(50));
        assert_eq!(s.next_key_event(&POLICY), Some((1042, KeyEvent::Publish)));
    }

    #[test]
    fn a_new_key_with_a_tag_already_in_use_is_not_published() {
        let mut s = signing(key(1));
        assert!(!s.apply_key_event(KeyEvent::Publish, 10, || key(1)));
        assert_eq!(state(&s), [(1, true, false)]);
    }

    #[test]
    fn no_active_key_no_event() {
        let mut s = signing(key(1));
        s.zsks[0].active = false;
        assert_eq!(s.next_key_event(&POLICY), None);
    }
}
