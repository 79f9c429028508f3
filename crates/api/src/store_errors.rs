//! Store errors an API request met, by kind, for the Prometheus exporter (issue 15): a
//! process-wide count, since a store error becomes an AWS error far from any state (see
//! `impl From<StoreError> for AwsError`). A leaf module, so `error` can count without
//! importing the metrics module (which imports `dispatch`, which imports `error`).

use std::sync::atomic::{AtomicU64, Ordering};

static STORE_ERRORS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// The kinds of store error counted.
#[derive(Debug, Clone, Copy)]
pub enum StoreErrorKind {
    /// The store could not be reached (503 ServiceUnavailable).
    Unavailable = 0,
    /// The store failed or returned corrupt data (500 InternalFailure).
    Failure = 1,
}

/// Counts one store error.
pub fn count_store_error(kind: StoreErrorKind) {
    STORE_ERRORS[kind as usize].fetch_add(1, Ordering::Relaxed);
}

/// The count of `kind` so far.
pub fn store_errors(kind: StoreErrorKind) -> u64 {
    STORE_ERRORS[kind as usize].load(Ordering::Relaxed)
}
