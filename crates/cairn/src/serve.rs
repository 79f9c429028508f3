//! `cairn serve`: open the store, load the first snapshot, bind every listener, then run
//! until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cairn_api::Credentials;
use cairn_dns::follow::Follower;
use cairn_dns::pipeline::{self, bind::UdpSockets, Hooks};
use cairn_dns::Snapshot;
use cairn_store::ChangeFeed;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::cli::ServeArgs;
use crate::{config, control_plane, credentials, ExitError};

/// Runs the server.
pub(crate) async fn run(args: ServeArgs) -> Result<(), ExitError> {
    let settings = config::resolve(&args).map_err(|e| {
        tracing::error!("{e}");
        ExitError::InvalidInput
    })?;
    std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
        tracing::error!(dir = %settings.data_dir.display(), error = %e, "cannot create the data directory");
        ExitError::Runtime
    })?;
    // A node on a shared store that cannot reach it at start serves its saved snapshot
    // (issue 15, static stability) and waits for the store in the background.
    let (store, feed): (Option<Arc<dyn cairn_store::Store>>, Arc<dyn ChangeFeed>) =
        match cairn_store::open(&settings.store_url).await {
            Ok(store) => (Some(store.clone()), store),
            Err(e) => {
                tracing::error!(store = %redact(&settings.store_url), error = %e, "cannot open the store");
                let Some(saved) = control_plane::saved_for_outage(&settings) else {
                    return Err(ExitError::Runtime);
                };
                tracing::warn!(
                seq = saved.seq.0,
                saved_at_ms = saved.saved_at_ms,
                "serving the saved snapshot until the store returns; the API refuses requests with ServiceUnavailable meanwhile"
            );
                (None, Arc::new(cairn_store::SavedFeed::new(saved)))
            }
        };
    let key = credentials::load_or_create(&settings.data_dir).map_err(|e| {
        tracing::error!("{e}");
        ExitError::Runtime
    })?;
    // Seals KMS keys (and zone-signing keys) at rest; every node of a shared store needs
    // the same one, so a malformed CAIRN_MASTER_KEY stops the node rather than making a key.
    let master_key = Arc::new(
        cairn_crypto::MasterKey::load(&settings.data_dir).map_err(|e| {
            tracing::error!(
                "cannot load the master key ({} or {}/{}): {e}",
                cairn_crypto::master_key::MASTER_KEY_ENV,
                settings.data_dir.display(),
                cairn_crypto::master_key::MASTER_KEY_FILE
            );
            ExitError::InvalidInput
        })?,
    );
    let node_id = node_id(&settings.data_dir).map_err(|e| {
        tracing::error!(error = %e, "cannot read or write the node id");
        ExitError::Runtime
    })?;

    // As on AWS, the account has a default VPC in its region (made once: one the user
    // deleted stays deleted).
    if let Some(store) = &store {
        if !control_plane::ensure_default_vpc(&settings, &**store).await {
            return Err(ExitError::Runtime);
        }
    }

    // Data plane: first snapshot before any listener answers.
    let shared: cairn_dns::SharedSnapshot = Arc::new(arc_swap::ArcSwap::from_pointee(
        Snapshot::for_region(&settings.region),
    ));
    let poke = store
        .as_ref()
        .and_then(|store| store.commit_notifier())
        .unwrap_or_else(|| Arc::new(Notify::new()));
    // Secondaries (issue 15): serials follow the change log, NOTIFY goes out, AXFR/IXFR on TCP.
    let transfers = Arc::new(cairn_dns::xfr::Transfers::new(settings.transfers.clone()));
    if transfers.config.is_on() {
        tracing::info!(
            allow = ?transfers.config.allow,
            notify = transfers.config.notify.len(),
            tsig_keys = transfers.config.keys.len(),
            "zone transfers on"
        );
    }
    let mut follower = Follower::new(feed, shared.clone(), node_id.clone(), poke)
        .with_master_key(master_key.clone())
        .with_poll_interval(settings.change_poll)
        .with_transfers(transfers.clone());
    follower.load_initial().await.map_err(|e| {
        tracing::error!(error = %e, "cannot load the zones");
        ExitError::Runtime
    })?;
    let store_reachable = follower.store_reachable();
    let progress = follower.progress();
    store_reachable.store(store.is_some(), std::sync::atomic::Ordering::Relaxed);

    let geoip = open_geoip(settings.geoip_db.as_deref())?;
    // One token stops everything: listeners, UDP worker threads, the follower, the API.
    let shutdown = CancellationToken::new();
    let mut udp_threads = Vec::new();
    let mut dns_addrs: Vec<SocketAddr> = Vec::new();
    let rrl = cairn_dns::rrl::Rrl::new(settings.rrl.clone()).map(Arc::new);
    match &rrl {
        Some(rrl) => tracing::info!(
            rate = rrl.config().rate,
            slip = rrl.config().slip,
            exempt = %rrl.config().exempt.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
            "dns response-rate limiting on"
        ),
        None => tracing::info!("dns response-rate limiting off"),
    }
    // Metrics: the DNS counters observe every listener; off with `--metrics-listen none`.
    let dns_metrics = settings
        .metrics_listen
        .map(|_| Arc::new(cairn_dns::metrics::DnsMetrics::default()));
    // Query logs (issue 13) under <data-dir>/query-logs, beside the metrics when those are on.
    let query_logger = Arc::new(
        cairn_dns::query_log::QueryLogger::start(
            shared.clone(),
            settings.data_dir.join("query-logs"),
            node_id.clone(),
        )
        .map_err(|e| {
            tracing::error!(error = %e, "cannot start the query log writer");
            ExitError::Runtime
        })?,
    );
    let observer: Arc<dyn cairn_dns::pipeline::observe::Observer> = match dns_metrics.clone() {
        Some(m) => Arc::new(cairn_dns::pipeline::observe::Both(m, query_logger.clone())),
        None => query_logger.clone(),
    };
    let observer = Some(observer);
    let mut public_tcp_slots = Vec::new();
    // One DNS COOKIE secret per node and run (docs/dns.md): shared by every listener.
    let cookies = Some(Arc::new(pipeline::cookie::Cookies::random()));
    let authoritative = cairn_dns::respond::Authoritative::with_transfers(
        shared.clone(),
        geoip.clone(),
        Hooks {
            rrl: rrl.clone(),
            observer: observer.clone(),
            cookies: cookies.clone(),
        },
        transfers.config.is_on().then(|| transfers.clone()),
    );
    for addr in &settings.dns_listen {
        let bound = pipeline::bind::bind(*addr, UdpSockets::PerWorker(settings.dns_workers))
            .map_err(|e| {
                tracing::error!(%addr, error = %e, "cannot bind the DNS address");
                ExitError::Runtime
            })?;
        dns_addrs.push(bound.local);
        let tcp = tokio::net::TcpListener::from_std(bound.tcp).map_err(|e| {
            tracing::error!(%addr, error = %e, "cannot use the DNS TCP listener");
            ExitError::Runtime
        })?;
        let slots = pipeline::tcp::Slots::new(pipeline::tcp::MAX_CONNECTIONS);
        public_tcp_slots.push(slots.clone());
        tokio::spawn(pipeline::tcp::serve(
            tcp,
            authoritative.clone(),
            slots,
            shutdown.clone(),
        ));
        let workers =
            pipeline::udp::spawn_workers(bound.udp, authoritative.clone(), shutdown.clone());
        udp_threads.extend(workers.map_err(|e| {
            tracing::error!(error = %e, "cannot start UDP workers");
            ExitError::Runtime
        })?);
        tracing::info!(addr = %bound.local, workers = settings.dns_workers, "dns listening (udp, tcp)");
    }

    // VPC resolver: shared addresses, and each VPC's "+2" address.
    let public = public_resolver(&settings)?;
    let anchors = trust_anchors(&settings)?;
    let public_dns: Arc<dyn cairn_dns::vpc::answer::PublicResolver> = Arc::new(
        cairn_dns::vpc::public::PublicDns::with_trust_anchors(public.clone(), anchors),
    );
    let resolver = cairn_dns::vpc::listen::ResolverService::with(
        shared.clone(),
        Some(public_dns),
        None,
        Hooks {
            rrl: None,
            observer,
            cookies,
        },
    );
    let mut resolver_addrs: Vec<SocketAddr> = Vec::new();
    for addr in &settings.resolver_listen {
        let choice = cairn_dns::vpc::listen::ViewChoice::BySource;
        let local = cairn_dns::vpc::listen::bind_resolver(*addr)
            .and_then(|bound| {
                cairn_dns::vpc::listen::serve(bound, resolver.answerer(choice), &shutdown)
            })
            .map_err(|e| {
                tracing::error!(%addr, error = %e, "cannot bind the resolver address");
                ExitError::Runtime
            })?;
        tracing::info!(addr = %local, "vpc resolver listening (udp, tcp; view by source address)");
        resolver_addrs.push(local);
    }
    // Each VPC's "+2" address and each inbound endpoint's, bound after the fixed listeners
    // (which win an address both want) and from now on by the follower with each snapshot.
    let vpc_listeners = cairn_dns::vpc::addresses::VpcListenerStatus::default();
    let doh = open_doh(&settings)?;
    follower
        .follow_addresses(cairn_dns::vpc::addresses::VpcAddresses::new(
            resolver.clone(),
            settings.vpc_dns_port,
            Some(doh),
            vpc_listeners.clone(),
            shutdown.clone(),
        ))
        .await;
    let served = follower.served();

    // Control plane.
    let api_listener = tokio::net::TcpListener::bind(settings.api_listen)
        .await
        .map_err(|e| {
            tracing::error!(addr = %settings.api_listen, error = %e, "cannot bind the API address");
            ExitError::Runtime
        })?;
    let api_addr = api_listener.local_addr().map_err(|_| ExitError::Runtime)?;
    let readiness: control_plane::Readiness = {
        let shared = shared.clone();
        let dns: Vec<String> = dns_addrs.iter().map(ToString::to_string).collect();
        let resolvers: Vec<String> = resolver_addrs.iter().map(ToString::to_string).collect();
        let vpc_listeners = vpc_listeners.clone();
        let public = public.clone();
        let node_id = node_id.clone();
        let store_reachable = store_reachable.clone();
        Arc::new(move || {
            let snapshot = shared.load();
            let vpc_resolvers = vpc_listeners.lock().map(|m| m.clone()).unwrap_or_default();
            let (status, writable) = control_plane::store_readiness(&store_reachable);
            serde_json::json!({
                "status": status,
                "writable": writable,
                "api": api_addr.to_string(),
                "dns": dns,
                "resolvers": resolvers,
                "vpc_resolvers": vpc_resolvers,
                "resolver_stats": resolver_stats(&public.stats()),
                "node_id": node_id,
                "applied_seq": snapshot.seq.0,
                "zones": snapshot.zones.len(),
            })
        })
    };
    let api_metrics = dns_metrics
        .as_ref()
        .map(|_| Arc::new(cairn_api::metrics::ApiMetrics::default()));
    let control = control_plane::ControlPlane {
        settings: settings.clone(),
        credentials: Credentials {
            access_key_id: key.access_key_id.clone(),
            secret_access_key: key.secret_access_key.clone(),
        },
        master_key: master_key.clone(),
        readiness: readiness.clone(),
        location_base: format!("http://{api_addr}"),
        dns: Arc::new(DataPlaneAnswers(shared.clone(), geoip.clone(), served)),
        api_metrics: api_metrics.clone(),
        shutdown: shutdown.clone(),
    };
    let api: control_plane::ApiRouter = Arc::new(arc_swap::ArcSwap::from_pointee(
        cairn_api::router::unavailable(readiness),
    ));
    match store {
        Some(store) => {
            if control_plane::is_shared_store(&settings.store_url) {
                tokio::spawn(control_plane::keep_saved(
                    store.clone(),
                    follower.served(),
                    cairn_store::SavedSnapshot::path_in(&settings.data_dir),
                    shutdown.clone(),
                ));
            }
            tokio::spawn(follower.run(shutdown.clone()));
            let router = control.start(store).await.map_err(|e| {
                tracing::error!("{e}");
                ExitError::Runtime
            })?;
            api.store(Arc::new(router));
        }
        None => {
            tokio::spawn(control.recover(follower, api.clone()));
        }
    }
    // The web console (`/console/`) shares the API port and calls the same router.
    let app = cairn_console::with_console(control_plane::follow(api), master_key.clone());
    let api_task = tokio::spawn(control_plane::serve_api(
        api_listener,
        app,
        shutdown.clone(),
    ));
    tracing::info!(addr = %api_addr, "api listening (web console at /console/)");
    let mut metrics_addr = None;
    if let (Some(listen), Some(dns), Some(api)) =
        (settings.metrics_listen, dns_metrics, api_metrics)
    {
        let bound = crate::metrics::bind(listen).await.map_err(|e| {
            tracing::error!(addr = %listen.addr, error = %e, "cannot bind the metrics address");
            ExitError::Runtime
        })?;
        if let Some((listener, local)) = bound {
            let sources = crate::metrics::Sources {
                dns,
                api,
                resolver: public.clone(),
                shared: shared.clone(),
                public_tcp: public_tcp_slots,
                resolver_tcp: resolver.tcp_slots().clone(),
                query_log: query_logger.clone(),
                progress: progress.clone(),
                node_id: node_id.clone(),
            };
            tokio::spawn(crate::metrics::serve(
                listener,
                Arc::new(sources),
                shutdown.clone(),
            ));
            tracing::info!(addr = %local, "metrics listening (GET /metrics)");
            metrics_addr = Some(local.to_string());
        }
    }

    if let Some(path) = &settings.ready_file {
        let ready = serde_json::json!({
            "api": api_addr.to_string(),
            "dns": dns_addrs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "resolvers": resolver_addrs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "metrics": metrics_addr,
        });
        write_atomically(path, ready.to_string().as_bytes()).map_err(|e| {
            tracing::error!(path = %path.display(), error = %e, "cannot write the ready file");
            ExitError::Runtime
        })?;
    }

    wait_for_signal().await;
    tracing::info!("shutting down");
    shutdown.cancel();
    match tokio::time::timeout(Duration::from_secs(5), api_task).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "api ended with an error"),
        _ => tracing::warn!("api did not stop in time"),
    }
    for thread in udp_threads {
        let _ = thread.join();
    }
    Ok(())
}

/// Public resolution for the VPC resolver: forwarding when `--forwarder` is given, else
/// recursion from the root hints.
fn public_resolver(
    settings: &config::Settings,
) -> Result<Arc<cairn_dns::resolver::Resolver>, ExitError> {
    use cairn_dns::resolver::{parse_root_hints, Resolver, ResolverConfig, Upstream};
    let upstream = if !settings.forwarders.is_empty() {
        tracing::info!(forwarders = ?settings.forwarders, "public names are forwarded");
        Upstream::Forwarders(settings.forwarders.clone())
    } else {
        let (text, source) = match &settings.root_hints {
            Some(path) => (
                std::fs::read_to_string(path).map_err(|e| {
                    tracing::error!(path = %path.display(), error = %e, "cannot read the root hints");
                    ExitError::InvalidInput
                })?,
                path.display().to_string(),
            ),
            None => (cairn_dns::resolver::IANA_ROOT_HINTS.to_string(), "built-in".to_string()),
        };
        let hints = parse_root_hints(&text).map_err(|e| {
            tracing::error!(root_hints = %source, error = %e, "cannot use the root hints");
            ExitError::InvalidInput
        })?;
        tracing::info!(root_hints = %source, servers = hints.len(), "public names are resolved from the root");
        Upstream::RootHints(hints)
    };
    Ok(Arc::new(Resolver::new(ResolverConfig::new(upstream))))
}

/// The DNSSEC trust anchors of validating VPCs: `--trust-anchor`, else IANA's root KSKs.
fn trust_anchors(
    settings: &config::Settings,
) -> Result<cairn_dns::resolver::validate::TrustAnchors, ExitError> {
    use cairn_dns::resolver::validate::TrustAnchors;
    let Some(path) = &settings.trust_anchor else {
        return Ok(TrustAnchors::iana());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "cannot read the trust anchors");
        ExitError::InvalidInput
    })?;
    let anchors = TrustAnchors::parse(&text).map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "cannot use the trust anchors");
        ExitError::InvalidInput
    })?;
    tracing::info!(path = %path.display(), zones = anchors.anchors().len(), "DNSSEC trust anchors loaded");
    Ok(anchors)
}

/// The public resolver's counters, for `/_cairn/health`.
fn resolver_stats(stats: &cairn_dns::resolver::ResolverStats) -> serde_json::Value {
    serde_json::json!({
        "cache_hits": stats.cache_hits,
        "cache_misses": stats.cache_misses,
        "negative_hits": stats.negative_hits,
        "upstream_queries": stats.upstream_queries,
        "ignored_replies": stats.ignored_replies,
        "tcp_retries": stats.tcp_retries,
        "servfails": stats.servfails,
        "cache_entries": stats.cache_entries,
        "cache_evictions": stats.cache_evictions,
        "reply_hits": stats.reply_hits,
        "reply_entries": stats.reply_entries,
    })
}

/// Opens `--geoip-db`, if given; a file that is missing or not a MaxMind DB stops the start.
/// The DNS-over-HTTPS settings: the given certificate, or the self-signed one in the data
/// directory (made on first start).
fn open_doh(
    settings: &crate::config::Settings,
) -> Result<cairn_dns::vpc::doh::DohConfig, ExitError> {
    use cairn_dns::vpc::doh::{DohConfig, DohTls};
    let tls = match &settings.doh_identity {
        Some((cert, key)) => DohTls::load(cert, key),
        None => DohTls::self_signed_in(
            &settings.data_dir,
            &["localhost".to_string(), "cairn.invalid".to_string()],
        ),
    }
    .map_err(|e| {
        tracing::error!("DNS over HTTPS: {e}");
        ExitError::InvalidInput
    })?;
    Ok(DohConfig {
        port: settings.doh_port,
        tls: Arc::new(tls),
    })
}

fn open_geoip(path: Option<&Path>) -> Result<Option<Arc<cairn_dns::geoip::GeoIp>>, ExitError> {
    let Some(path) = path else {
        tracing::info!(
            "no --geoip-db: geolocation records answer through their default (*) location only"
        );
        return Ok(None);
    };
    let geoip = cairn_dns::geoip::GeoIp::open(path).map_err(|e| {
        tracing::error!("{e}");
        ExitError::InvalidInput
    })?;
    tracing::info!(path = %path.display(), database_type = geoip.database_type(), "geoip database loaded");
    Ok(Some(Arc::new(geoip)))
}

/// The API's view of this node's data plane: TestDNSAnswer, and the sequence it serves.
struct DataPlaneAnswers(
    cairn_dns::SharedSnapshot,
    Option<Arc<cairn_dns::geoip::GeoIp>>,
    tokio::sync::watch::Receiver<cairn_model::ChangeSeq>,
);

impl cairn_api::DnsAnswers for DataPlaneAnswers {
    fn test_answer(
        &self,
        zone: &cairn_model::HostedZoneId,
        name: &cairn_model::DomainName,
        rtype: cairn_model::RrType,
        client: Option<std::net::IpAddr>,
    ) -> Option<cairn_api::TestAnswer> {
        let snapshot = self.0.load();
        let (code, records) = cairn_dns::respond::test_answer(
            &snapshot,
            zone,
            name,
            rtype,
            client,
            self.1.as_deref(),
        )?;
        Some(cairn_api::TestAnswer {
            response_code: code.to_string(),
            record_data: records,
        })
    }

    fn served(
        &self,
        seq: cairn_model::ChangeSeq,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        let mut served = self.2.clone();
        Box::pin(async move {
            // Err: the follower is gone (shutting down); nothing more will be served.
            let _ = served.wait_for(|s| *s >= seq).await;
        })
    }
}

async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler cannot fail on Unix");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// A node id kept in the data dir, so a restarted node is the same node to the store.
fn node_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("node-id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() {
            return Ok(id.to_string());
        }
    }
    let id = format!(
        "node-{:x}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
        std::process::id()
    );
    write_atomically(&path, id.as_bytes())?;
    Ok(id)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A store URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => {
                    format!("{}://{}:***{}", &url[..scheme], &creds[..colon], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
