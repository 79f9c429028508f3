//! Property: a batch Route 53 accepts has the effect of its changes applied one by one, in
//! order, each as a batch of its own; and changes each accepted one by one, with no set
//! changed twice (other than DELETE then CREATE/UPSERT), are accepted as one batch with the
//! same effect.
//!
//! The zone record-set cap is left at its default (far above these zones): it is counted
//! on a batch's net effect, so a batch may pass where a one-by-one step would not.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::change::apply_change_batch;
use cairn_model::{ChangeAction, Limits, ResourceRecordSet, RrType, RrsetKey};
use change_support::*;
use proptest::prelude::*;

/// A change drawn from a small universe, so that changes often meet.
#[derive(Debug, Clone, Copy)]
struct Draw {
    action: u8,
    kind: u8,
    owner: u8,
    variant: u8,
}

fn draws(max: usize) -> impl Strategy<Value = Vec<Draw>> {
    prop::collection::vec(
        (0u8..3, 0u8..6, 0u8..3, 0u8..4).prop_map(|(action, kind, owner, variant)| Draw {
            action,
            kind,
            owner,
            variant,
        }),
        0..max,
    )
}

const OWNERS: [&str; 3] = ["a.example.com", "b.example.com", "example.com"];

fn record_set_of(draw: Draw) -> ResourceRecordSet {
    let owner = OWNERS[usize::from(draw.owner)];
    let v = usize::from(draw.variant);
    let mut s = match draw.kind {
        0 => a(
            owner,
            ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"][v],
        ),
        1 => set(
            owner,
            RrType::Txt,
            &[["\"one\"", "\"two\"", "\"three\"", "\"four\""][v]],
        ),
        2 => set(
            owner,
            RrType::Cname,
            &[[
                "x.example.net.",
                "y.example.net.",
                "z.example.net.",
                "w.example.net.",
            ][v]],
        ),
        3 => alias(owner, OWNERS[v % 3]),
        4 => weighted(owner, ["w1", "w2", "w3", "w1"][v], [0, 1, 255, 7][v]),
        _ => set(
            owner,
            RrType::Mx,
            &[[
                "10 mx.example.net.",
                "20 mx.example.net.",
                "10 mx2.example.net.",
                "0 .",
            ][v]],
        ),
    };
    if draw.kind == 0 && v == 3 {
        s.ttl = Some(60);
    }
    s
}

fn action_of(draw: Draw) -> ChangeAction {
    [Create, Upsert, Delete][usize::from(draw.action)]
}

/// The change a draw stands for against `state`: a DELETE repeats the stored set when
/// there is one (so it usually matches), as a client that listed the zone would.
fn change_against(state: &[ResourceRecordSet], draw: Draw) -> (ChangeAction, ResourceRecordSet) {
    let action = action_of(draw);
    let mut record_set = record_set_of(draw);
    if action == Delete && draw.variant != 3 {
        if let Some(stored) = state.iter().find(|s| s.key() == record_set.key()) {
            record_set = stored.clone();
        }
    }
    (action, record_set)
}

/// Applies a batch to a whole zone's sets, returning the new sets in key order.
fn apply_to(
    state: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Option<Vec<ResourceRecordSet>> {
    let edit = apply_change_batch(
        &zone(),
        state,
        state.len() as u64,
        &batch(changes),
        &Limits::default(),
    )
    .ok()?;
    let mut next: Vec<ResourceRecordSet> = state
        .iter()
        .filter(|s| {
            !edit.deleted.contains(&s.key()) && !edit.written.iter().any(|w| w.key() == s.key())
        })
        .cloned()
        .collect();
    next.extend(edit.written);
    next.sort_by_key(ResourceRecordSet::key);
    Some(next)
}

/// Applies changes one at a time; `None` as soon as one is refused.
fn apply_one_by_one(
    state: &[ResourceRecordSet],
    changes: &[(ChangeAction, ResourceRecordSet)],
) -> Option<Vec<ResourceRecordSet>> {
    let mut current = sorted(state.to_vec());
    for change in changes {
        current = apply_to(&current, vec![change.clone()])?;
    }
    Some(current)
}

fn sorted(mut sets: Vec<ResourceRecordSet>) -> Vec<ResourceRecordSet> {
    sets.sort_by_key(ResourceRecordSet::key);
    sets
}

/// A zone reached from the apex by changes accepted one by one.
fn grown_zone(draws: &[Draw]) -> Vec<ResourceRecordSet> {
    let mut state = sorted(apex());
    for draw in draws {
        let change = change_against(&state, *draw);
        if let Some(next) = apply_to(&state, vec![change]) {
            state = next;
        }
    }
    state
}

/// Whether a further change of `key` keeps the batch's changes to it allowed.
fn may_add(used: &[(RrsetKey, Vec<ChangeAction>)], key: &RrsetKey, action: ChangeAction) -> bool {
    match used.iter().find(|(k, _)| k == key) {
        None => true,
        Some((_, actions)) => actions.as_slice() == [Delete] && action != Delete,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

    /// Whatever a random batch does, if it is accepted, one by one does the same.
    #[test]
    fn an_accepted_batch_equals_its_changes_one_by_one(setup in draws(12), batch_draws in draws(5)) {
        let start = grown_zone(&setup);
        // Mostly changes to distinct sets, so that batches are often accepted; the rule
        // about repeated changes is covered by its own tests.
        let mut used: Vec<(RrsetKey, Vec<ChangeAction>)> = Vec::new();
        let mut changes = Vec::new();
        for (i, draw) in batch_draws.iter().enumerate() {
            let change = change_against(&start, *draw);
            let key = change.1.key();
            if i % 4 != 3 && !may_add(&used, &key, change.0) {
                continue;
            }
            match used.iter_mut().find(|(k, _)| *k == key) {
                Some((_, actions)) => actions.push(change.0),
                None => used.push((key, vec![change.0])),
            }
            changes.push(change);
        }
        if let Some(as_batch) = apply_to(&start, changes.clone()) {
            let one_by_one = apply_one_by_one(&start, &changes);
            prop_assert_eq!(Some(as_batch), one_by_one, "changes: {:?}", changes);
        }
    }

    /// Changes picked because each is accepted after the ones before it make a batch that
    /// is accepted whole, with the same result.
    #[test]
    fn changes_accepted_one_by_one_are_accepted_as_one_batch(setup in draws(12), candidates in draws(16)) {
        let start = grown_zone(&setup);
        let mut state = start.clone();
        let mut changes = Vec::new();
        let mut used: Vec<(RrsetKey, Vec<ChangeAction>)> = Vec::new();
        for draw in candidates {
            let change = change_against(&state, draw);
            let key = change.1.key();
            if !may_add(&used, &key, change.0) {
                continue;
            }
            let Some(next) = apply_to(&state, vec![change.clone()]) else { continue };
            state = next;
            match used.iter_mut().find(|(k, _)| *k == key) {
                Some((_, actions)) => actions.push(change.0),
                None => used.push((key, vec![change.0])),
            }
            changes.push(change);
        }
        if !changes.is_empty() {
            prop_assert_eq!(apply_to(&start, changes.clone()), Some(state), "changes: {:?}", changes);
        }
    }
}
