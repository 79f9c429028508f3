//! The control plane of `cairn serve`: the API, the health checker and the DNSSEC re-signer,
//! which need the store, and static stability (issue 15) for when the store is not there.
//!
//! The data plane never needs the store to answer: it serves its snapshot. A node on a shared
//! store (PostgreSQL) also keeps that snapshot's inputs in its data directory
//! ([`keep_saved`]); a node that starts while the store cannot be reached serves the saved
//! snapshot, its API answers `ServiceUnavailable` at once, and [`ControlPlane::recover`]
//! waits for the store, reloads from it and swaps the real API in, without a restart.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use cairn_api::{ApiConfig, AppState, Credentials};
use cairn_dns::follow::Follower;
use cairn_model::ChangeSeq;
use cairn_store::{ChangeFeed, SavedSnapshot, Store};
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::Settings;

/// How often an unreachable store is tried again.
const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// The least time between two saves of the snapshot: under a stream of changes the saved
/// copy trails the applied one by at most this (plus one save).
pub(crate) const SAVE_INTERVAL: Duration = Duration::from_secs(5);

/// The body of `GET /_cairn/health`.
pub(crate) type Readiness = Arc<dyn Fn() -> serde_json::Value + Send + Sync>;

/// The API router the listener serves now: [`cairn_api::router::unavailable`] until the
/// store is reachable, then the whole API.
pub(crate) type ApiRouter = Arc<ArcSwap<Router>>;

/// What starting the control plane needs, besides the store.
pub(crate) struct ControlPlane {
    pub(crate) settings: Settings,
    pub(crate) credentials: Credentials,
    pub(crate) master_key: Arc<cairn_crypto::MasterKey>,
    pub(crate) readiness: Readiness,
    pub(crate) location_base: String,
    pub(crate) dns: Arc<dyn cairn_api::DnsAnswers>,
    pub(crate) api_metrics: Option<Arc<cairn_api::metrics::ApiMetrics>>,
    pub(crate) shutdown: CancellationToken,
}

impl ControlPlane {
    /// Makes the registry TLD zones, starts the health checker and the DNSSEC re-signer on
    /// `store`; returns the API (an error when the registry zones cannot be made).
    pub(crate) async fn start(&self, store: Arc<dyn Store>) -> Result<Router, String> {
        let settings = &self.settings;
        tokio::spawn(cairn_health::run(
            store.clone(),
            cairn_health::CheckerConfig {
                region: settings.region.clone(),
                interval_override: settings.health_interval_ms.map(Duration::from_millis),
            },
            self.shutdown.clone(),
        ));
        let state = AppState {
            store,
            credentials: self.credentials.clone(),
            config: ApiConfig {
                account_id: settings.account_id.clone(),
                name_servers: settings.nameservers.clone(),
                limits: cairn_model::Limits::default(),
                location_base: self.location_base.clone(),
                data_dir: Some(settings.data_dir.clone()),
                registry_tlds: settings.registry_tlds.clone(),
            },
            readiness: self.readiness.clone(),
            dns: Some(self.dns.clone()),
            master_key: self.master_key.clone(),
        };
        // Route 53 Domains: a zone for each registry TLD, before the API answers.
        cairn_api::domains::registry::ensure_zones(&state)
            .await
            .map_err(|e| format!("cannot create the registry TLD zones: {}", e.message))?;
        // Route 53 DNSSEC: renews the DNSKEY signatures of signing zones before they expire,
        // and rolls their ZSKs.
        tokio::spawn(cairn_api::route53::dnssec::resign::run(
            state.clone(),
            cairn_api::route53::dnssec::rollover::Rollover {
                interval: Duration::from_secs(u64::from(settings.zsk_rollover_days) * 86_400),
            },
            self.shutdown.clone().cancelled_owned(),
        ));
        // CloudWatch Logs: deletes query-log files past their log group's retention.
        tokio::spawn(cairn_api::logs::retention::run(
            state.clone(),
            self.shutdown.clone().cancelled_owned(),
        ));
        Ok(cairn_api::router_with_metrics(
            state,
            settings.api_limits,
            self.api_metrics.clone(),
        ))
    }

    /// For a node that started from its saved snapshot: waits until the store can be opened,
    /// reloads the data plane from it, starts following its log and swaps the whole API in.
    pub(crate) async fn recover(self, mut follower: Follower, api: ApiRouter) {
        let url = self.settings.store_url.clone();
        let store = loop {
            match cairn_store::open(&url).await {
                Ok(store) => break store,
                Err(e) => tracing::debug!(error = %e, "store still unreachable"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RETRY_INTERVAL) => {}
                _ = self.shutdown.cancelled() => return,
            }
        };
        tracing::info!("the store is reachable again: reloading from it");
        ensure_default_vpc(&self.settings, &*store).await;
        let poke = store
            .commit_notifier()
            .unwrap_or_else(|| Arc::new(Notify::new()));
        follower.switch_feed(store.clone(), poke);
        loop {
            match follower.load_initial().await {
                Ok(_) => break,
                Err(e) => tracing::warn!(error = %e, "cannot load from the store yet; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RETRY_INTERVAL) => {}
                _ = self.shutdown.cancelled() => return,
            }
        }
        follower.store_reachable().store(true, Ordering::Relaxed);
        tokio::spawn(keep_saved(
            store.clone(),
            follower.served(),
            SavedSnapshot::path_in(&self.settings.data_dir),
            self.shutdown.clone(),
        ));
        tokio::spawn(follower.run(self.shutdown.clone()));
        match self.start(store).await {
            Ok(router) => {
                api.store(Arc::new(router));
                tracing::info!("api ready for writes");
            }
            // The data plane serves on; the API keeps answering ServiceUnavailable.
            Err(e) => tracing::error!("{e}"),
        }
    }
}

/// Makes the account's default VPC in the node's region, once (`--no-default-vpc` skips it);
/// a failure is logged, and the node serves on.
pub(crate) async fn ensure_default_vpc(settings: &Settings, store: &dyn Store) -> bool {
    if !settings.default_vpc {
        return true;
    }
    let zones = cairn_api::ec2::subnet::zone_names(&settings.region);
    match store
        .ensure_default_vpc(&settings.account_id, &settings.region, &zones)
        .await
    {
        Ok(Some(vpc)) => {
            tracing::info!(vpc = %vpc.id, region = %settings.region, "default vpc created");
            true
        }
        Ok(None) => true,
        Err(e) => {
            tracing::error!(error = %e, "cannot create the default vpc");
            false
        }
    }
}

/// The saved snapshot to serve when the store at `settings.store_url` could not be opened:
/// only for a shared (PostgreSQL) store, whose nodes keep one ([`keep_saved`]); an embedded
/// SQLite store is itself the node's data.
pub(crate) fn saved_for_outage(settings: &Settings) -> Option<SavedSnapshot> {
    if !is_shared_store(&settings.store_url) {
        return None;
    }
    let path = SavedSnapshot::path_in(&settings.data_dir);
    if !path.exists() {
        tracing::error!(path = %path.display(), "no saved snapshot to serve from either");
        return None;
    }
    match SavedSnapshot::read(&path) {
        Ok(saved) => Some(saved),
        Err(e) => {
            tracing::error!("cannot serve the saved snapshot: {e}");
            None
        }
    }
}

/// Whether the store is shared by several nodes (and so may be unreachable while this node
/// is not): a PostgreSQL URL.
pub(crate) fn is_shared_store(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Keeps the saved snapshot at `path` in step with what this node applied: after each newly
/// served change (at most every [`SAVE_INTERVAL`]) it reads the state from `feed` and writes
/// it atomically. A failed read or write is logged and tried again at the next interval.
pub(crate) async fn keep_saved(
    feed: Arc<dyn ChangeFeed>,
    mut served: watch::Receiver<ChangeSeq>,
    path: PathBuf,
    shutdown: CancellationToken,
) {
    let mut saved: Option<ChangeSeq> = None;
    loop {
        let seq = *served.borrow_and_update();
        if saved != Some(seq) {
            match save(&*feed, &path).await {
                Ok(at) => {
                    tracing::debug!(seq = at.0, path = %path.display(), "snapshot saved");
                    saved = Some(seq);
                }
                Err(e) => tracing::warn!(path = %path.display(), "cannot save the snapshot: {e}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(SAVE_INTERVAL) => {}
                _ = shutdown.cancelled() => return,
            }
            continue;
        }
        tokio::select! {
            changed = served.changed() => if changed.is_err() { return },
            _ = shutdown.cancelled() => return,
        }
    }
}

async fn save(feed: &dyn ChangeFeed, path: &std::path::Path) -> Result<ChangeSeq, String> {
    let snapshot = SavedSnapshot::load(feed).await.map_err(|e| e.to_string())?;
    let seq = snapshot.seq;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || snapshot.write(&path))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(seq)
}

/// A router that hands each request to whichever router `api` holds at that moment.
pub(crate) fn follow(api: ApiRouter) -> Router {
    let service = tower::service_fn(move |request: axum::extract::Request| {
        let router = Router::clone(&api.load());
        router.oneshot(request)
    });
    Router::new().fallback_service(service)
}

/// Serves `app` (the API, and the console in front of it) on `listener` until `shutdown`.
pub(crate) async fn serve_api(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// The store fields of the readiness report: `status` is "ok" when the store answers and
/// "serving" when the node answers DNS from what it has but cannot take writes.
pub(crate) fn store_readiness(reachable: &AtomicBool) -> (&'static str, bool) {
    if reachable.load(Ordering::Relaxed) {
        ("ok", true)
    } else {
        ("serving", false)
    }
}
