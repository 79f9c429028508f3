//! Health checks: their configs, probe results and the status routing uses.

use async_trait::async_trait;
use cairn_model::health::{HealthCheck, HealthCheckConfig, HealthCheckUpdate};
use cairn_model::HealthCheckId;

use crate::error::StoreResult;

/// One probe's result, as the checker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// Healthy by the probe's rules.
    pub ok: bool,
    /// Route 53-style text: `Success: HTTP Status Code 200, OK`, `Failure: …`.
    pub status: String,
    /// The address probed.
    pub ip_address: String,
    /// The checker's region (the node's `--region`).
    pub region: String,
    /// When, in ms since the epoch.
    pub checked_at_ms: i64,
}

/// One observation, as GetHealthCheckStatus reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthObservation {
    /// The checker's region.
    pub region: String,
    /// The address probed.
    pub ip_address: String,
    /// The status text.
    pub status: String,
    /// When, in ms since the epoch.
    pub checked_at_ms: i64,
}

/// A check's status and what the checker last saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckState {
    /// The status routing uses.
    pub healthy: bool,
    /// The forced status, if an operator set one.
    pub override_status: Option<bool>,
    /// The last probe.
    pub last: Option<HealthObservation>,
    /// The last failed probe.
    pub last_failure: Option<HealthObservation>,
}

/// Health checks and their status. A status transition is logged as a
/// `ChangeSubject::HealthCheck` change in the transaction that causes it.
#[async_trait]
pub trait HealthStore: Send + Sync + 'static {
    /// Creates a health check, or returns the existing one when `caller_reference` was used
    /// with the same config (`false` then); another config, or a deleted check, is
    /// `HealthCheckError::AlreadyExists` (a [`StoreError::Rejected`](crate::StoreError::Rejected)).
    async fn create_health_check(
        &self,
        caller_reference: &str,
        config: HealthCheckConfig,
    ) -> StoreResult<(HealthCheck, bool)>;

    /// One health check.
    async fn get_health_check(&self, id: &HealthCheckId) -> StoreResult<HealthCheck>;

    /// Every health check, ordered by id.
    async fn list_health_checks(&self) -> StoreResult<Vec<HealthCheck>>;

    /// Applies an update (checking `HealthCheckVersion`) and bumps the version.
    async fn update_health_check(
        &self,
        id: &HealthCheckId,
        update: HealthCheckUpdate,
    ) -> StoreResult<HealthCheck>;

    /// Deletes a health check (even while records use it); its caller reference stays used.
    async fn delete_health_check(&self, id: &HealthCheckId) -> StoreResult<()>;

    /// Records one probe result; a status transition is logged as a
    /// [`ChangeSubject::HealthCheck`](crate::ChangeSubject::HealthCheck) change in the same transaction.
    async fn record_health_probe(&self, id: &HealthCheckId, result: ProbeResult)
        -> StoreResult<()>;

    /// Forces the status routing uses (`None` clears the override).
    async fn set_health_override(
        &self,
        id: &HealthCheckId,
        status: Option<bool>,
    ) -> StoreResult<()>;

    /// The check's status and last observations.
    async fn health_check_state(&self, id: &HealthCheckId) -> StoreResult<HealthCheckState>;
}
