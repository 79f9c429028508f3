//! Request-size quotas of one batch (\[DG:DNSLimitations], ROUTE53.md §2.1): `ResourceRecord`
//! elements and value characters, each UPSERT counted twice. Route 53 reports an exceeded
//! quota alone, before it looks at any change.

use super::{BatchProblem, ChangeAction, ChangeBatch, ChangeBatchError, Limits};

/// How much of the request-size quotas a batch uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchSize {
    /// `ResourceRecord` elements; an alias counts as one, an UPSERT twice.
    pub records: usize,
    /// Characters across every `Value` (spaces included), an UPSERT twice.
    pub value_chars: usize,
}

impl BatchSize {
    /// Measures `batch`.
    pub fn of(batch: &ChangeBatch) -> Self {
        let mut size = Self::default();
        for change in &batch.changes {
            let weight = if change.action == ChangeAction::Upsert {
                2
            } else {
                1
            };
            let set = &change.record_set;
            let elements = if set.alias_target.is_some() {
                1
            } else {
                set.records.len()
            };
            size.records += weight * elements;
            size.value_chars += weight
                * set
                    .records
                    .iter()
                    .map(|value| value.chars().count())
                    .sum::<usize>();
        }
        size
    }
}

/// Refuses a batch over either quota ([`BatchProblem::TooManyRecords`], then
/// [`BatchProblem::TooManyValueChars`]: the record count is checked first).
pub fn check_batch_size(batch: &ChangeBatch, limits: &Limits) -> Result<(), ChangeBatchError> {
    let size = BatchSize::of(batch);
    if size.records > limits.max_records_per_batch {
        return Err(ChangeBatchError::InvalidChangeBatch(vec![
            BatchProblem::TooManyRecords(limits.max_records_per_batch),
        ]));
    }
    if size.value_chars > limits.max_value_chars_per_batch {
        return Err(ChangeBatchError::InvalidChangeBatch(vec![
            BatchProblem::TooManyValueChars(limits.max_value_chars_per_batch),
        ]));
    }
    Ok(())
}
