//! The command line. Every `serve` option also reads a `CAIRN_*` environment variable and
//! a key of the same name in the `--config` TOML file (command line > environment > file).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `cairn --version`: the package version and the git commit it was built from (build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CAIRN_GIT_HASH"), ")");

/// Cairn: authoritative DNS and Route 53's API on your own machines.
#[derive(Debug, Parser)]
#[command(name = "cairn", version = VERSION, about, long_about = None)]
pub(crate) struct Cli {
    /// Log filter (tracing's env-filter syntax, e.g. `info`, `cairn_dns=debug`).
    #[arg(long, global = true, env = "CAIRN_LOG")]
    pub(crate) log: Option<String>,
    /// Log line format on stderr: `text` (colour only when stderr is a terminal) or `json`
    /// (one object per line: timestamp, level, target, fields).
    #[arg(long, global = true, env = "CAIRN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// What to do.
#[derive(Debug, Subcommand)]
// Parsed once at start-up: the size of `ServeArgs` costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    /// Run the API and the DNS server (embedded store by default).
    Serve(ServeArgs),
    /// Manage hosted zones from the command line, against the same store.
    #[command(subcommand)]
    Zone(ZoneCommand),
}

/// Where the store is: shared by `serve` and `zone`.
#[derive(Debug, Clone, Args)]
pub(crate) struct StoreArgs {
    /// Data directory: the SQLite store, the generated credentials, the node id and the
    /// master key that seals KMS keys (`master.key`, unless CAIRN_MASTER_KEY gives it).
    #[arg(long, env = "CAIRN_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Store URL: `sqlite://PATH` (default: `sqlite://<data-dir>/cairn.db`), or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` for several nodes sharing one PostgreSQL
    /// database (each node keeps its own --data-dir).
    #[arg(long, env = "CAIRN_STORE", value_name = "URL")]
    pub(crate) store: Option<String>,
}

/// `cairn serve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// TOML file with the same keys as these options (`api_listen = "…"`, …).
    #[arg(long, env = "CAIRN_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Address of the AWS-compatible HTTP API [default: 127.0.0.1:8053].
    #[arg(long, env = "CAIRN_API_LISTEN", value_name = "ADDR")]
    pub(crate) api_listen: Option<SocketAddr>,
    /// Public authoritative DNS address, UDP and TCP; repeat for more [default: 127.0.0.1:1053].
    #[arg(
        long,
        env = "CAIRN_DNS_LISTEN",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub(crate) dns_listen: Vec<SocketAddr>,
    /// VPC resolver address shared by every VPC, UDP and TCP; the VPC is chosen by the
    /// client's source address (longest VPC block), sources in no VPC are REFUSED. Repeatable.
    #[arg(
        long,
        env = "CAIRN_RESOLVER_LISTEN",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub(crate) resolver_listen: Vec<SocketAddr>,
    /// Port of each VPC's own resolver address (its block's base + 2, bound while the VPC
    /// exists when that address is local to this node) [default: 53].
    #[arg(long, env = "CAIRN_VPC_DNS_PORT", value_name = "PORT")]
    pub(crate) vpc_dns_port: Option<u16>,
    /// Port of DNS over HTTPS on inbound endpoints whose Protocols include DoH [default: 443].
    #[arg(long, env = "CAIRN_DOH_PORT", value_name = "PORT")]
    pub(crate) doh_port: Option<u16>,
    /// TLS certificate chain (PEM) for DNS over HTTPS; with --doh-key. Without both, a
    /// self-signed certificate is made once in the data directory (doh-cert.pem).
    #[arg(
        long,
        env = "CAIRN_DOH_CERT",
        value_name = "FILE",
        requires = "doh_key"
    )]
    pub(crate) doh_cert: Option<PathBuf>,
    /// Private key (PEM) of --doh-cert.
    #[arg(
        long,
        env = "CAIRN_DOH_KEY",
        value_name = "FILE",
        requires = "doh_cert"
    )]
    pub(crate) doh_key: Option<PathBuf>,
    /// Resolve public names by forwarding to this server (IP or IP:PORT) instead of recursing
    /// from the root hints. Repeatable.
    #[arg(
        long = "forwarder",
        env = "CAIRN_FORWARDERS",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub(crate) forwarders: Vec<String>,
    /// Root hints for recursion, BIND named.root format [default: the built-in IANA root servers].
    #[arg(long, env = "CAIRN_ROOT_HINTS", value_name = "FILE")]
    pub(crate) root_hints: Option<PathBuf>,
    /// DNSSEC trust anchors for VPCs that validate (UpdateResolverDnssecConfig): DS or
    /// DNSKEY records in zone-file syntax [default: the IANA root KSKs 20326 and 38696].
    #[arg(long, env = "CAIRN_TRUST_ANCHOR", value_name = "FILE")]
    pub(crate) trust_anchor: Option<PathBuf>,
    /// Days a signed zone's zone-signing key signs before the next one replaces it
    /// (pre-publish rollover, RFC 6781 §4.1.1.1) [default: 30].
    #[arg(long, env = "CAIRN_ZSK_ROLLOVER_DAYS", value_name = "DAYS")]
    pub(crate) zsk_rollover_days: Option<u32>,
    /// UDP worker threads per DNS address [default: one per core].
    #[arg(long, env = "CAIRN_DNS_WORKERS", value_name = "N")]
    pub(crate) dns_workers: Option<usize>,
    /// Name servers of new hosted zones, repeatable [default: ns-1…ns-4.cairn.invalid].
    #[arg(
        long = "nameserver",
        env = "CAIRN_NAMESERVERS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) nameservers: Vec<String>,
    /// A TLD this installation is the registry of, repeatable (config key `registry_tlds`):
    /// served as a zone (apex SOA and NS as for every zone, from --nameserver) delegating
    /// the domains Route 53 Domains registers under it (docs/domains.md).
    #[arg(
        long = "registry-tld",
        env = "CAIRN_REGISTRY_TLDS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) registry_tlds: Vec<String>,
    /// This node's region, for latency routing and for geoproximity clients the GeoIP
    /// database cannot place [default: us-east-1].
    #[arg(long, env = "CAIRN_REGION", value_name = "NAME")]
    pub(crate) region: Option<String>,
    /// MaxMind DB (GeoLite2/GeoIP2 Country or City) locating clients for geolocation and
    /// geoproximity routing (City for geoproximity); without it, geolocation records answer
    /// only through their `*` (default) location and geoproximity measures from `--region`.
    #[arg(long, env = "CAIRN_GEOIP_DB", value_name = "FILE")]
    pub(crate) geoip_db: Option<PathBuf>,
    /// The 12-digit account that owns what the root key creates [default: 111111111111].
    #[arg(long, env = "CAIRN_ACCOUNT_ID", value_name = "ID")]
    pub(crate) account_id: Option<String>,
    /// Once listening, write the bound addresses here as JSON (for scripts and tests).
    #[arg(long, env = "CAIRN_READY_FILE", value_name = "PATH")]
    pub(crate) ready_file: Option<PathBuf>,
    /// Do not make the default VPC (172.31.0.0/16, a default subnet per zone) that this
    /// node's account otherwise gets in its region at the first start, as on AWS.
    #[arg(long, env = "CAIRN_NO_DEFAULT_VPC")]
    pub(crate) no_default_vpc: bool,
    /// Prometheus metrics at `GET /metrics` on this address, or `none` for no exporter
    /// [default: 127.0.0.1:9153; if that default is taken, the server runs without it].
    #[arg(long, env = "CAIRN_METRICS_LISTEN", value_name = "ADDR|none")]
    pub(crate) metrics_listen: Option<String>,
    /// How often the change log is polled when nothing wakes the follower [default: 200].
    /// The in-process API and, on PostgreSQL, every other node's commit (LISTEN/NOTIFY) wake
    /// it at once; the poll is the fallback.
    #[arg(long, env = "CAIRN_CHANGE_POLL_MS", value_name = "N")]
    pub(crate) change_poll_ms: Option<u64>,
    /// Who may transfer public zones (AXFR/IXFR over TCP), as a CIDR; repeatable [default:
    /// nobody]. With this or --notify, SOA serials follow the change log (docs/secondaries.md).
    #[arg(
        long = "allow-transfer",
        env = "CAIRN_ALLOW_TRANSFER",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub(crate) allow_transfer: Vec<String>,
    /// Send NOTIFY for every change of a public zone to this secondary, ADDR[:PORT][/KEY]
    /// (port 53; signed with the --tsig-key named, else the first one); repeatable.
    #[arg(
        long = "notify",
        env = "CAIRN_NOTIFY",
        value_name = "ADDR[:PORT][/KEY]",
        value_delimiter = ','
    )]
    pub(crate) notify: Vec<String>,
    /// A TSIG key, NAME:ALGORITHM:BASE64 (hmac-sha256 or hmac-sha512); repeatable. When any
    /// is set, a transfer must be signed with one.
    #[arg(
        long = "tsig-key",
        env = "CAIRN_TSIG_KEYS",
        value_name = "NAME:ALGORITHM:BASE64",
        value_delimiter = ','
    )]
    pub(crate) tsig_keys: Vec<String>,
    /// For testing: probe every health check this often instead of its RequestInterval.
    #[arg(long, env = "CAIRN_HEALTH_INTERVAL_MS", value_name = "N")]
    pub(crate) health_interval_ms: Option<u64>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// Abuse limits of the public listeners and the API (docs/reliability.md).
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct LimitArgs {
    /// DNS response-rate limit: identical responses per second to one /24 (IPv6 /56); 0 turns it off [default: 20].
    #[arg(long, env = "CAIRN_RRL_RATE", value_name = "N")]
    pub(crate) rrl_rate: Option<u32>,
    /// Every Nth rate-limited response is sent truncated (TC=1) instead of dropped; 0 drops all [default: 2].
    #[arg(long, env = "CAIRN_RRL_SLIP", value_name = "N")]
    pub(crate) rrl_slip: Option<u32>,
    /// A network never rate-limited (CIDR, e.g. 10.0.0.0/8); repeatable. Loopback is exempt too unless --rrl-exempt-loopback false.
    #[arg(
        long = "trusted-network",
        env = "CAIRN_TRUSTED_NETWORKS",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub(crate) trusted_networks: Vec<String>,
    /// Whether loopback (127.0.0.0/8, ::1) is exempt from response-rate limiting [default: true].
    #[arg(long, env = "CAIRN_RRL_EXEMPT_LOOPBACK", value_name = "BOOL", action = clap::ArgAction::Set)]
    pub(crate) rrl_exempt_loopback: Option<bool>,
    /// API requests per second (AWS's Throttling error beyond it); 0 turns it off [default: 1000].
    #[arg(long, env = "CAIRN_API_RATE_LIMIT", value_name = "N")]
    pub(crate) api_rate_limit: Option<u32>,
    /// API requests allowed in a burst [default: twice --api-rate-limit].
    #[arg(long, env = "CAIRN_API_RATE_BURST", value_name = "N")]
    pub(crate) api_rate_burst: Option<u32>,
    /// Largest API request body in bytes (413 beyond it) [default: 10485760].
    #[arg(long, env = "CAIRN_API_MAX_BODY_BYTES", value_name = "N")]
    pub(crate) api_max_body_bytes: Option<usize>,
}

/// `cairn zone …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ZoneCommand {
    /// Import a BIND zone file: creates the zone, or replaces all its records in one change.
    Import {
        /// The zone file.
        file: PathBuf,
        /// The zone's name (default: the file's $ORIGIN).
        #[arg(long)]
        name: Option<String>,
        /// Import as a private hosted zone associated with this VPC (`vpc-…`, which must
        /// exist); replaces the records of that VPC's private zone of the name if there is one.
        #[arg(long, value_name = "VPC_ID")]
        private_vpc: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print a zone in BIND syntax.
    Export {
        /// Zone name or hosted zone id.
        zone: String,
        /// For a zone that signs (Route 53 DNSSEC): add its DNSKEY RRset, an RRSIG over
        /// every RRset and a full NSEC chain, signed now with the zone's active ZSK (opened
        /// with the master key), so that `dnssec-verify` can check the whole zone.
        #[arg(long)]
        signed: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List hosted zones.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create an empty public hosted zone (apex SOA and NS only).
    Create {
        /// The zone's name.
        name: String,
        /// Comment.
        #[arg(long)]
        comment: Option<String>,
        /// Name servers, repeatable [default: ns-1…ns-4.cairn.invalid].
        #[arg(long = "nameserver", value_delimiter = ',')]
        nameservers: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete a hosted zone that holds only its apex SOA and NS.
    Delete {
        /// Zone name or hosted zone id.
        zone: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}
