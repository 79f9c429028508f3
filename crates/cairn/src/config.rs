//! Settings: command line and `CAIRN_*` environment (both through clap), then the `--config`
//! TOML file, then defaults. Unknown keys in the file are refused, so a typo cannot be
//! silently ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use cairn_model::DomainName;
use serde::Deserialize;

use crate::cli::{LimitArgs, ServeArgs, StoreArgs};

/// Default data directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "cairn-data";
/// Default API address.
pub(crate) const DEFAULT_API_LISTEN: &str = "127.0.0.1:8053";
/// The Prometheus exporter's default address (CoreDNS's metrics port).
pub(crate) const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9153";

/// Where the Prometheus exporter listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MetricsListen {
    /// The address.
    pub(crate) addr: SocketAddr,
    /// Whether it was asked for: an explicit address that cannot be bound stops the start,
    /// the default one only logs a warning (several nodes on one host share no port).
    pub(crate) explicit: bool,
}

/// `--metrics-listen`: an address, `none`, or the default.
fn metrics_listen(value: Option<String>) -> Result<Option<MetricsListen>, String> {
    match value.as_deref().map(str::trim) {
        Some("none") => Ok(None),
        Some(text) => text
            .parse()
            .map(|addr| {
                Some(MetricsListen {
                    addr,
                    explicit: true,
                })
            })
            .map_err(|_| {
                format!(
                    "--metrics-listen {text:?}: expected an address like 127.0.0.1:9153, or none"
                )
            }),
        None => Ok(Some(MetricsListen {
            addr: DEFAULT_METRICS_LISTEN
                .parse()
                .expect("the default address parses"),
            explicit: false,
        })),
    }
}
/// Default DNS address.
pub(crate) const DEFAULT_DNS_LISTEN: &str = "127.0.0.1:1053";
/// Default account id.
pub(crate) const DEFAULT_ACCOUNT_ID: &str = "111111111111";

/// Port of each VPC's own resolver address, as in AWS.
pub(crate) const DEFAULT_VPC_DNS_PORT: u16 = 53;
/// Route 53 Resolver's DoH port.
pub(crate) const DEFAULT_DOH_PORT: u16 = 443;

/// `--forwarder`: `IP`, `IP:PORT` or `[IPv6]:PORT`; port 53 when none is given.
pub(crate) fn parse_forwarder(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("--forwarder {text:?} is not an IP address or IP:PORT"))
}

/// The `--config` file: the same keys as the command line, in snake case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    data_dir: Option<PathBuf>,
    store: Option<String>,
    api_listen: Option<SocketAddr>,
    #[serde(default)]
    dns_listen: Vec<SocketAddr>,
    dns_workers: Option<usize>,
    #[serde(default)]
    resolver_listen: Vec<SocketAddr>,
    vpc_dns_port: Option<u16>,
    doh_port: Option<u16>,
    doh_cert: Option<PathBuf>,
    doh_key: Option<PathBuf>,
    #[serde(default)]
    forwarders: Vec<String>,
    root_hints: Option<PathBuf>,
    trust_anchor: Option<PathBuf>,
    zsk_rollover_days: Option<u32>,
    #[serde(default)]
    nameservers: Vec<String>,
    #[serde(default)]
    registry_tlds: Vec<String>,
    account_id: Option<String>,
    ready_file: Option<PathBuf>,
    metrics_listen: Option<String>,
    region: Option<String>,
    geoip_db: Option<PathBuf>,
    health_interval_ms: Option<u64>,
    change_poll_ms: Option<u64>,
    default_vpc: Option<bool>,
    #[serde(default)]
    allow_transfer: Vec<String>,
    #[serde(default)]
    notify: Vec<String>,
    #[serde(default)]
    tsig_keys: Vec<String>,
    rrl_rate: Option<u32>,
    rrl_slip: Option<u32>,
    #[serde(default)]
    trusted_networks: Vec<String>,
    rrl_exempt_loopback: Option<bool>,
    api_rate_limit: Option<u32>,
    api_rate_burst: Option<u32>,
    api_max_body_bytes: Option<usize>,
}

/// Everything `serve` runs with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Data directory.
    pub(crate) data_dir: PathBuf,
    /// Store URL.
    pub(crate) store_url: String,
    /// API address.
    pub(crate) api_listen: SocketAddr,
    /// DNS addresses.
    pub(crate) dns_listen: Vec<SocketAddr>,
    /// UDP workers per DNS address.
    pub(crate) dns_workers: usize,
    /// Shared VPC resolver addresses (VPC chosen by source address).
    pub(crate) resolver_listen: Vec<SocketAddr>,
    /// Port of each VPC's "+2" resolver address.
    pub(crate) vpc_dns_port: u16,
    /// Port of DNS over HTTPS on inbound endpoints.
    pub(crate) doh_port: u16,
    /// The DoH certificate and key (`None`: self-signed in the data directory).
    pub(crate) doh_identity: Option<(PathBuf, PathBuf)>,
    /// Forwarders for public names (empty: recursion from the root hints).
    pub(crate) forwarders: Vec<SocketAddr>,
    /// Root hints file (`None`: the built-in hints).
    pub(crate) root_hints: Option<PathBuf>,
    /// DNSSEC trust anchor file (`None`: the IANA root anchors).
    pub(crate) trust_anchor: Option<PathBuf>,
    /// Days between ZSK rollovers of signed zones (0 is refused).
    pub(crate) zsk_rollover_days: u32,
    /// Name servers of new zones.
    pub(crate) nameservers: Vec<DomainName>,
    /// TLDs this installation is the registry of (Route 53 Domains, issue 14).
    pub(crate) registry_tlds: Vec<DomainName>,
    /// Account id.
    pub(crate) account_id: String,
    /// Where to write bound addresses.
    pub(crate) ready_file: Option<PathBuf>,
    /// The Prometheus exporter's address (`None`: off).
    pub(crate) metrics_listen: Option<MetricsListen>,
    /// This node's region.
    pub(crate) region: String,
    /// MaxMind DB for geolocation and geoproximity routing (`None`: only `*` geolocation
    /// records answer; geoproximity measures from the region).
    pub(crate) geoip_db: Option<PathBuf>,
    /// Probe interval replacing every health check's RequestInterval (testing).
    pub(crate) health_interval_ms: Option<u64>,
    /// How often the follower polls the change log when not woken.
    pub(crate) change_poll: std::time::Duration,
    /// Make the account's default VPC in `region` at startup (once; `--no-default-vpc`).
    pub(crate) default_vpc: bool,
    /// DNS response-rate limiting (rate 0: off).
    pub(crate) rrl: cairn_dns::rrl::RrlConfig,
    /// API request limits.
    pub(crate) api_limits: cairn_api::limits::RequestLimits,
    /// Zone transfers to secondaries (`--allow-transfer`, `--notify`, `--tsig-key`).
    pub(crate) transfers: cairn_dns::xfr::TransferConfig,
}

/// Resolves `serve`'s settings.
pub(crate) fn resolve(args: &ServeArgs) -> Result<Settings, String> {
    let file = match &args.config {
        Some(path) => load_file(path)?,
        None => FileConfig::default(),
    };
    let rrl = resolve_rrl(&args.limits, &file)?;
    let transfers = resolve_transfers(args, &file)?;
    let api_limits = resolve_api_limits(&args.limits, &file)?;
    let data_dir = args
        .store
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let store_url = args
        .store
        .store
        .clone()
        .or(file.store)
        .unwrap_or_else(|| default_store_url(&data_dir));
    let dns_listen = if !args.dns_listen.is_empty() {
        args.dns_listen.clone()
    } else if !file.dns_listen.is_empty() {
        file.dns_listen
    } else {
        vec![DEFAULT_DNS_LISTEN
            .parse()
            .expect("the default address parses")]
    };
    let names = if !args.nameservers.is_empty() {
        args.nameservers.clone()
    } else {
        file.nameservers
    };
    let nameservers = parse_nameservers(&names)?;
    let tlds = if !args.registry_tlds.is_empty() {
        args.registry_tlds.clone()
    } else {
        file.registry_tlds
    };
    let registry_tlds = parse_registry_tlds(&tlds)?;
    let account_id = args
        .account_id
        .clone()
        .or(file.account_id)
        .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_string());
    if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("account id {account_id:?} is not 12 digits"));
    }
    let dns_workers = args
        .dns_workers
        .or(file.dns_workers)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if dns_workers == 0 {
        return Err("--dns-workers must be at least 1".into());
    }
    let resolver_listen = if !args.resolver_listen.is_empty() {
        args.resolver_listen.clone()
    } else {
        file.resolver_listen
    };
    let forwarder_names = if !args.forwarders.is_empty() {
        args.forwarders.clone()
    } else {
        file.forwarders
    };
    let forwarders = forwarder_names
        .iter()
        .map(|f| parse_forwarder(f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Settings {
        resolver_listen,
        vpc_dns_port: args
            .vpc_dns_port
            .or(file.vpc_dns_port)
            .unwrap_or(DEFAULT_VPC_DNS_PORT),
        doh_port: args.doh_port.or(file.doh_port).unwrap_or(DEFAULT_DOH_PORT),
        doh_identity: match (
            args.doh_cert.clone().or(file.doh_cert),
            args.doh_key.clone().or(file.doh_key),
        ) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => return Err("doh_cert and doh_key go together".into()),
        },
        forwarders,
        root_hints: args.root_hints.clone().or(file.root_hints),
        trust_anchor: args.trust_anchor.clone().or(file.trust_anchor),
        zsk_rollover_days: match args.zsk_rollover_days.or(file.zsk_rollover_days) {
            Some(0) => return Err("--zsk-rollover-days must be at least 1".into()),
            Some(days) => days,
            None => 30,
        },
        rrl,
        api_limits,
        transfers,
        data_dir,
        store_url,
        api_listen: args.api_listen.or(file.api_listen).unwrap_or_else(|| {
            DEFAULT_API_LISTEN
                .parse()
                .expect("the default address parses")
        }),
        dns_listen,
        dns_workers,
        nameservers,
        registry_tlds,
        account_id,
        ready_file: args.ready_file.clone().or(file.ready_file),
        metrics_listen: metrics_listen(args.metrics_listen.clone().or(file.metrics_listen))?,
        region: args
            .region
            .clone()
            .or(file.region)
            .unwrap_or_else(|| cairn_dns::snapshot::DEFAULT_REGION.to_string()),
        geoip_db: args.geoip_db.clone().or(file.geoip_db),
        health_interval_ms: match args.health_interval_ms.or(file.health_interval_ms) {
            Some(0) => return Err("--health-interval-ms must be at least 1".into()),
            other => other,
        },
        change_poll: match args.change_poll_ms.or(file.change_poll_ms) {
            Some(0) => return Err("--change-poll-ms must be at least 1".into()),
            Some(ms) => std::time::Duration::from_millis(ms),
            None => cairn_dns::follow::POLL_INTERVAL,
        },
        default_vpc: !args.no_default_vpc && file.default_vpc.unwrap_or(true),
    })
}

/// `--allow-transfer`, `--notify` and `--tsig-key` (each list from the command line, else
/// from the file).
fn resolve_transfers(
    args: &ServeArgs,
    file: &FileConfig,
) -> Result<cairn_dns::xfr::TransferConfig, String> {
    use cairn_dns::xfr::{notify::NotifyTarget, tsig::TsigKey, TransferConfig};
    let pick = |cli: &Vec<String>, file: &Vec<String>| {
        if cli.is_empty() {
            file.clone()
        } else {
            cli.clone()
        }
    };
    let allow = pick(&args.allow_transfer, &file.allow_transfer)
        .iter()
        .map(|text| cairn_dns::xfr::parse_allow(text.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let keys = pick(&args.tsig_keys, &file.tsig_keys)
        .iter()
        .map(|k| TsigKey::parse(k.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let notify = pick(&args.notify, &file.notify)
        .iter()
        .map(|t| NotifyTarget::parse(t.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    for target in &notify {
        if let (Some(name), None) = (&target.key, target.key(&keys)) {
            return Err(format!(
                "--notify {}: no --tsig-key is named {name:?}",
                target.addr
            ));
        }
    }
    Ok(TransferConfig {
        allow,
        notify,
        keys,
    })
}

fn resolve_rrl(args: &LimitArgs, file: &FileConfig) -> Result<cairn_dns::rrl::RrlConfig, String> {
    use cairn_dns::rrl::{Cidr, RrlConfig, DEFAULT_RATE, DEFAULT_SLIP};
    let names = if !args.trusted_networks.is_empty() {
        &args.trusted_networks
    } else {
        &file.trusted_networks
    };
    let mut exempt = Vec::new();
    if args
        .rrl_exempt_loopback
        .or(file.rrl_exempt_loopback)
        .unwrap_or(true)
    {
        exempt.extend(Cidr::loopback());
    }
    for name in names {
        exempt.push(
            name.parse::<Cidr>()
                .map_err(|e| format!("--trusted-network: {e}"))?,
        );
    }
    Ok(RrlConfig {
        rate: args.rrl_rate.or(file.rrl_rate).unwrap_or(DEFAULT_RATE),
        slip: args.rrl_slip.or(file.rrl_slip).unwrap_or(DEFAULT_SLIP),
        exempt,
    })
}

fn resolve_api_limits(
    args: &LimitArgs,
    file: &FileConfig,
) -> Result<cairn_api::limits::RequestLimits, String> {
    use cairn_api::limits::{
        RequestLimits, DEFAULT_BURST, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_PER_SECOND,
    };
    let rate = args
        .api_rate_limit
        .or(file.api_rate_limit)
        .unwrap_or(DEFAULT_RATE_PER_SECOND);
    let burst = match args.api_rate_burst.or(file.api_rate_burst) {
        Some(0) => return Err("--api-rate-burst must be at least 1".into()),
        Some(burst) => burst,
        None if rate == DEFAULT_RATE_PER_SECOND => DEFAULT_BURST,
        None => rate.saturating_mul(2).max(1),
    };
    let max_body_bytes = args
        .api_max_body_bytes
        .or(file.api_max_body_bytes)
        .unwrap_or(DEFAULT_MAX_BODY_BYTES);
    if max_body_bytes == 0 {
        return Err("--api-max-body-bytes must be at least 1".into());
    }
    Ok(RequestLimits {
        rate_per_second: rate,
        burst,
        max_body_bytes,
    })
}

/// The data directory and store URL for the `zone` commands.
pub(crate) fn resolve_store(args: &StoreArgs) -> (PathBuf, String) {
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let url = args
        .store
        .clone()
        .unwrap_or_else(|| default_store_url(&data_dir));
    (data_dir, url)
}

/// Name servers from text, or the defaults when none are given.
pub(crate) fn parse_nameservers(names: &[String]) -> Result<Vec<DomainName>, String> {
    if names.is_empty() {
        return Ok(cairn_model::defaults::default_name_servers());
    }
    names
        .iter()
        .map(|n| DomainName::from_route53(n).map_err(|e| format!("name server {n:?}: {e}")))
        .collect()
}

/// `--registry-tld` names: each a valid name other than the root, given once.
fn parse_registry_tlds(names: &[String]) -> Result<Vec<DomainName>, String> {
    let mut tlds: Vec<DomainName> = Vec::new();
    for text in names {
        let tld =
            DomainName::from_route53(text).map_err(|e| format!("registry TLD {text:?}: {e}"))?;
        if tld.is_root() {
            return Err("--registry-tld cannot be the root".into());
        }
        if !tlds.contains(&tld) {
            tlds.push(tld);
        }
    }
    Ok(tlds)
}

fn default_store_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("cairn.db").display())
}

fn load_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_config_keys_are_refused() {
        let err = toml::from_str::<FileConfig>("api_listen = \"127.0.0.1:1\"\nbogus = 1\n");
        assert!(err.is_err());
        let ok: FileConfig =
            toml::from_str("api_listen = \"127.0.0.1:1\"\ndns_listen = [\"127.0.0.1:2\"]\n")
                .unwrap();
        assert_eq!(ok.dns_listen.len(), 1);
    }
}
