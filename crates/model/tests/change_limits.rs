//! Quotas on one batch and on a zone (ROUTE53.md §2.1, §7), and the TTL range.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::change::BatchSize;
use cairn_model::{ChangeBatchError, HostedZoneId, Limits, ResourceRecordSet, RrType};
use change_support::*;

fn txt(owner: &str, chars: usize) -> ResourceRecordSet {
    // A quoted string of `chars` characters in all.
    let value = format!("\"{}\"", "x".repeat(chars - 2));
    set(owner, RrType::Txt, &[value.as_str()])
}

fn refused_with(
    changes: Vec<(cairn_model::ChangeAction, ResourceRecordSet)>,
    limits: &Limits,
) -> Vec<BatchProblem> {
    match apply_with(&apex(), changes, limits) {
        Err(ChangeBatchError::InvalidChangeBatch(problems)) => problems,
        other => panic!("expected InvalidChangeBatch, got {other:?}"),
    }
}

#[test]
fn upserts_count_twice_toward_the_record_limit() {
    let limits = Limits {
        max_records_per_batch: 3,
        ..Limits::default()
    };
    let three = vec![
        (Create, a("a.example.com", "192.0.2.1")),
        (
            Create,
            set("b.example.com", RrType::A, &["192.0.2.1", "192.0.2.2"]),
        ),
    ];
    assert!(apply_with(&apex(), three, &limits).is_ok());
    let four = vec![
        (Upsert, a("a.example.com", "192.0.2.1")),
        (Upsert, a("b.example.com", "192.0.2.1")),
    ];
    assert_eq!(
        refused_with(four, &limits),
        [BatchProblem::TooManyRecords(3)]
    );
}

#[test]
fn an_alias_counts_as_one_record() {
    let batch = batch(vec![
        (Upsert, alias("al.example.com", "t.example.com")),
        (Create, a("t.example.com", "192.0.2.1")),
    ]);
    assert_eq!(
        BatchSize::of(&batch),
        BatchSize {
            records: 3,
            value_chars: 9
        }
    );
}

#[test]
fn upserts_count_twice_toward_the_character_limit() {
    // 16,200 characters, UPSERTed: 32,400 > 32,000.
    let changes = vec![
        (Upsert, txt("t.example.com", 200)),
        (Upsert, txt("u.example.com", 16_000)),
    ];
    assert_eq!(
        refused_with(changes, &Limits::default()),
        [BatchProblem::TooManyValueChars(32_000)]
    );
    let changes = vec![
        (Create, txt("t.example.com", 200)),
        (Create, txt("u.example.com", 255)),
        (Create, txt("v.example.com", 255)),
    ];
    assert!(apply_with(&apex(), changes, &Limits::default()).is_ok());
}

#[test]
fn a_quota_is_reported_alone_before_any_change_is_looked_at() {
    let limits = Limits {
        max_records_per_batch: 1,
        ..Limits::default()
    };
    let changes = vec![
        (Create, a("www.other.org", "192.0.2.1")),
        (Create, a("b.example.com", "192.0.2.1")),
    ];
    assert_eq!(
        refused_with(changes, &limits),
        [BatchProblem::TooManyRecords(1)]
    );
}

#[test]
fn the_zone_record_set_cap_counts_the_net_change() {
    let limits = Limits {
        max_rrsets_per_zone: 3,
        ..Limits::default()
    };
    // Two stored sets, one added: 3 is fine.
    assert!(apply_with(
        &apex(),
        vec![(Create, a("a.example.com", "192.0.2.1"))],
        &limits
    )
    .is_ok());
    assert_eq!(
        refused_with(
            vec![
                (Create, a("a.example.com", "192.0.2.1")),
                (Create, a("b.example.com", "192.0.2.1"))
            ],
            &limits
        ),
        [BatchProblem::TooManyRecordSets(HostedZoneId::new("ZTEST"))]
    );
    // A deletion makes room within the same batch.
    let existing = with(vec![a("old.example.com", "192.0.2.1")]);
    let changes = vec![
        (Create, a("new.example.com", "192.0.2.1")),
        (Delete, a("old.example.com", "192.0.2.1")),
    ];
    assert!(apply_with(&existing, changes, &limits).is_ok());
}

#[test]
fn ttl_is_0_to_2147483647() {
    let mut zero = a("z.example.com", "192.0.2.1");
    zero.ttl = Some(0);
    let mut max = a("m.example.com", "192.0.2.1");
    max.ttl = Some(2_147_483_647);
    assert!(accepted(&apex(), vec![(Create, zero), (Create, max)]));
    let mut over = a("o.example.com", "192.0.2.1");
    over.ttl = Some(2_147_483_648);
    assert_eq!(
        invalid_input(&apex(), vec![(Create, over)]),
        InputProblem::TtlTooLarge(2_147_483_648)
    );
}

#[test]
fn input_problems_come_before_everything_else() {
    let mut over = a("o.example.com", "192.0.2.1");
    over.ttl = Some(u32::MAX);
    let limits = Limits {
        max_records_per_batch: 0,
        ..Limits::default()
    };
    assert!(matches!(
        apply_with(
            &apex(),
            vec![(Create, a("www.other.org", "x")), (Create, over)],
            &limits
        ),
        Err(ChangeBatchError::InvalidInput(_))
    ));
}
