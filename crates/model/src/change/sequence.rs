//! Which sequences of changes to one record set a batch may carry.
//!
//! Route 53 refuses a batch that changes one set (name, type, set identifier) more than
//! once, with `The request contains an invalid set of changes for a resource record set
//! 'CNAME ds01.example.com.'`, before it applies any change: two identical CREATEs of a new
//! set earn this message, not "already exists" (schwamster/serverless-certificate-creator
//! #28/#55: ACM validation records for a name and its wildcard are the same CNAME), and so
//! does a repeated DELETE + CREATE pair (barnybug/cli53#81). The one documented exception
//! is a DELETE followed by a CREATE of the same set (\[API:ChangeResourceRecordSets]); an
//! UPSERT after the DELETE is accepted on the same grounds (Cairn's reading).
//!
//! So "deleting the same set twice" (\[API:ChangeResourceRecordSets]: "InvalidChangeBatch")
//! gets this message too, rather than the per-change "…but it was not found" that applying
//! the second DELETE would give: the evidence shows the check runs before the changes are
//! applied, and nothing suggests DELETEs are exempt.

use crate::rrset::RrsetKey;

use super::{BatchProblem, ChangeAction, ChangeBatch, ChangeBatchError};

/// Refuses a batch that changes one set more than once (other than DELETE, then CREATE or
/// UPSERT), with one message per such set, in the order the sets first appear.
pub fn check_change_sequences(batch: &ChangeBatch) -> Result<(), ChangeBatchError> {
    let mut sequences: Vec<(RrsetKey, Vec<ChangeAction>)> = Vec::new();
    for change in &batch.changes {
        let key = change.record_set.key();
        match sequences.iter_mut().find(|(k, _)| *k == key) {
            Some((_, actions)) => actions.push(change.action),
            None => sequences.push((key, vec![change.action])),
        }
    }
    let problems: Vec<BatchProblem> = sequences
        .into_iter()
        .filter(|(_, actions)| !is_allowed(actions))
        .map(|(key, _)| BatchProblem::InvalidChangeSequence(key))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ChangeBatchError::InvalidChangeBatch(problems))
    }
}

/// One change, or a DELETE followed by a CREATE or an UPSERT.
fn is_allowed(actions: &[ChangeAction]) -> bool {
    matches!(
        actions,
        [_] | [
            ChangeAction::Delete,
            ChangeAction::Create | ChangeAction::Upsert
        ]
    )
}
