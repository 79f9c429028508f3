//! What every handler shares: the store, the root credentials and the API configuration.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use cairn_model::{ChangeSeq, DomainName, Limits};

/// Everything the API needs, cloned cheaply into each request.
#[derive(Clone)]
pub struct AppState {
    /// The single source of truth.
    pub store: Arc<dyn cairn_store::Store>,
    /// The key pair requests are signed with.
    pub credentials: Credentials,
    /// Account, name servers, quotas and the `Location` base.
    pub config: ApiConfig,
    /// Builds the body of `GET /_cairn/health`.
    pub readiness: Arc<dyn Fn() -> serde_json::Value + Send + Sync>,
    /// The DNS data plane of this node, for TestDNSAnswer; `None` where there is none.
    pub dns: Option<Arc<dyn DnsAnswers>>,
    /// The node master key: KMS keys' private halves are sealed with it before the store
    /// sees them (every node of a shared store holds the same one).
    pub master_key: Arc<cairn_crypto::MasterKey>,
}

/// Asks the running data plane what it would answer (TestDNSAnswer), and waits for it to
/// serve a change.
pub trait DnsAnswers: Send + Sync {
    /// The answer zone `zone` gives for `name` and `rtype` to a client at `client` (the
    /// address geolocation routing locates: the ECS subnet's, else the resolver's; `None`
    /// for one of unknown location): `None` when this node does not serve that zone.
    fn test_answer(
        &self,
        zone: &cairn_model::HostedZoneId,
        name: &DomainName,
        rtype: cairn_model::RrType,
        client: Option<std::net::IpAddr>,
    ) -> Option<TestAnswer>;

    /// Resolves once this node serves the store as of `seq`: its snapshot swapped in, and
    /// its listeners (VPC and inbound endpoint addresses) bound and closed to match.
    fn served(&self, seq: ChangeSeq) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// How long a call that adds or removes listeners waits for this node to serve it. The
/// follower applies a change in milliseconds; this bounds the wait when it cannot (the
/// store is unreachable), and the call then answers as it did before it waited.
const SERVED_WAIT: Duration = Duration::from_secs(5);

impl AppState {
    /// After a write that adds or removes DNS listeners (a VPC's "+2" address, an inbound
    /// endpoint's addresses): waits until this node's data plane has bound or closed them,
    /// so that what the answer reports is what is served.
    pub async fn wait_served(&self) {
        let Some(dns) = &self.dns else {
            return;
        };
        // The latest sequence covers the write just committed (and perhaps later ones).
        let seq = match self.store.latest_seq().await {
            Ok(seq) => seq,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the change log; answering without waiting for the data plane");
                return;
            }
        };
        if tokio::time::timeout(SERVED_WAIT, dns.served(seq))
            .await
            .is_err()
        {
            tracing::warn!(
                seq = seq.0,
                "the data plane did not serve the change in time; answering anyway"
            );
        }
    }
}

/// What TestDNSAnswer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAnswer {
    /// `NOERROR`, `NXDOMAIN`, …
    pub response_code: String,
    /// The answer's records of the asked type, in Route 53's value form.
    pub record_data: Vec<String>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The API's configuration, decided by the binary.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The 12-digit account that owns what the root key creates.
    pub account_id: String,
    /// Name servers of new hosted zones and delegation sets.
    pub name_servers: Vec<DomainName>,
    /// Quotas enforced on zones and change batches.
    pub limits: Limits,
    /// Scheme, host and port that `Location` headers start with, e.g.
    /// `http://127.0.0.1:8053` (no trailing slash).
    pub location_base: String,
    /// The server's data directory: ImportFirewallDomains reads `file://` URLs under it
    /// only (`None`: imports are refused).
    pub data_dir: Option<std::path::PathBuf>,
    /// The TLDs this installation is the registry of (`--registry-tld`): each is served as
    /// a zone, and Route 53 Domains registers names under them.
    pub registry_tlds: Vec<DomainName>,
}

/// An access key pair. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}
