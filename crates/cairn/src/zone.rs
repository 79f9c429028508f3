//! `cairn zone …`: the common zone operations from the command line. They go through the
//! same `Store` calls as the API, so a running server picks each change up from the change
//! log within a second.

use std::sync::Arc;

use cairn_model::{DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrType};
use cairn_store::{NewHostedZone, RecordSetPage, Store, StoreError};

use crate::cli::{StoreArgs, ZoneCommand};
use crate::{config, ExitError};

/// Runs one `zone` subcommand.
pub(crate) async fn run(command: ZoneCommand) -> Result<(), ExitError> {
    match command {
        ZoneCommand::Import {
            file,
            name,
            private_vpc,
            store,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                eprintln!("error: cannot read {}: {e}", file.display());
                ExitError::InvalidInput
            })?;
            let origin = name.as_deref().map(parse_name).transpose()?;
            let label = file.display().to_string();
            let parsed = cairn_model::zonefile::parse_zone_file(&text, &label, origin.as_ref())
                .map_err(|e| {
                    eprintln!("error: {e}\nnothing was imported");
                    ExitError::InvalidInput
                })?;
            let store = open(&store).await?;
            match private_vpc {
                Some(vpc) => {
                    import_private(&*store, parsed.origin, parsed.record_sets, &label, &vpc).await
                }
                None => import(&*store, parsed.origin, parsed.record_sets, &label).await,
            }
        }
        ZoneCommand::Export {
            zone,
            signed,
            store: args,
        } => {
            let store = open(&args).await?;
            let zone = find_zone(&*store, &zone).await?;
            let sets = all_record_sets(&*store, &zone.id).await?;
            let mut text = cairn_model::zonefile::write_zone_file(&zone.name, &sets);
            if signed {
                text.push_str(&signed_records(&*store, &args, &zone).await?);
            }
            print!("{text}");
            Ok(())
        }
        ZoneCommand::List { store } => {
            let store = open(&store).await?;
            let zones = store.list_hosted_zones().await.map_err(runtime)?;
            for zone in zones {
                println!(
                    "{}\t{}\t{}\t{} record sets",
                    zone.id,
                    zone.name,
                    if zone.private_zone {
                        "private"
                    } else {
                        "public"
                    },
                    zone.record_set_count
                );
            }
            Ok(())
        }
        ZoneCommand::Create {
            name,
            comment,
            nameservers,
            store,
        } => {
            let apex = parse_name(&name)?;
            let name_servers = config::parse_nameservers(&nameservers).map_err(|e| {
                eprintln!("error: {e}");
                ExitError::InvalidInput
            })?;
            let store = open(&store).await?;
            let initial = cairn_model::defaults::apex_records(&apex, &name_servers);
            let (zone, change) = store
                .create_hosted_zone(NewHostedZone {
                    name: apex,
                    caller_reference: caller_reference(),
                    comment: comment.clone(),
                    has_config: comment.is_some(),
                    private_zone: false,
                    delegation_set_id: None,
                    name_servers,
                    initial_record_sets: initial,
                })
                .await
                .map_err(runtime)?;
            println!(
                "created {} {} (change {} {})",
                zone.id,
                zone.name,
                change.id,
                change.status.as_str()
            );
            Ok(())
        }
        ZoneCommand::Delete { zone, store } => {
            let store = open(&store).await?;
            let zone = find_zone(&*store, &zone).await?;
            let change = store.delete_hosted_zone(&zone.id).await.map_err(runtime)?;
            println!("deleted {} {} (change {})", zone.id, zone.name, change.id);
            Ok(())
        }
    }
}

/// The DNSSEC records of a signing zone in zone-file syntax (`zone export --signed`),
/// after a comment line.
async fn signed_records(
    store: &dyn Store,
    args: &StoreArgs,
    zone: &HostedZone,
) -> Result<String, ExitError> {
    let (data_dir, _) = config::resolve_store(args);
    let master_key = cairn_crypto::MasterKey::load(&data_dir).map_err(|e| {
        eprintln!("error: cannot load the master key: {e}");
        ExitError::InvalidInput
    })?;
    let contents = store
        .load_zone(&zone.id)
        .await
        .map_err(runtime)?
        .ok_or_else(|| {
            eprintln!("error: zone {} no longer exists", zone.id);
            ExitError::InvalidInput
        })?;
    let now = cairn_dns::dnssec::signer::now();
    let records =
        cairn_dns::dnssec::export::dnssec_records(&contents, &master_key, now).map_err(|e| {
            eprintln!("error: {} cannot be exported signed: {e}", zone.name);
            ExitError::InvalidInput
        })?;
    let mut out = String::from("; DNSSEC: DNSKEY, RRSIGs and the NSEC chain\n");
    for record in &records {
        out.push_str(&cairn_dns::dnssec::export::record_text(record));
        out.push('\n');
    }
    Ok(out)
}

/// Creates the zone, or replaces every record set of the one public zone of that name.
async fn import(
    store: &dyn Store,
    apex: DomainName,
    mut sets: Vec<ResourceRecordSet>,
    label: &str,
) -> Result<(), ExitError> {
    let existing: Vec<HostedZone> = store
        .list_hosted_zones()
        .await
        .map_err(runtime)?
        .into_iter()
        .filter(|z| z.name == apex && !z.private_zone)
        .collect();
    let count = sets.len();
    let comment = Some(format!("imported from {label}"));
    match existing.as_slice() {
        [] => {
            let name_servers = apex_name_servers(&apex, &mut sets);
            let (zone, change) = store
                .create_hosted_zone(NewHostedZone {
                    name: apex,
                    caller_reference: caller_reference(),
                    comment: comment.clone(),
                    has_config: true,
                    private_zone: false,
                    delegation_set_id: None,
                    name_servers,
                    initial_record_sets: sets,
                })
                .await
                .map_err(runtime)?;
            println!(
                "created zone {} {} with {count} record sets (change {} {})",
                zone.id,
                zone.name,
                change.id,
                change.status.as_str()
            );
        }
        [zone] => {
            let change = store
                .replace_record_sets(&zone.id, sets, comment)
                .await
                .map_err(runtime)?;
            println!(
                "replaced zone {} {} with {count} record sets (change {} {})",
                zone.id,
                zone.name,
                change.id,
                change.status.as_str()
            );
        }
        several => {
            eprintln!(
                "error: {} public hosted zones are named {apex}: {}; delete the extra ones first",
                several.len(),
                several
                    .iter()
                    .map(|z| z.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(ExitError::InvalidInput);
        }
    }
    Ok(())
}

/// Creates a private zone associated with `vpc_id`, or replaces every record set of the
/// private zone of that name the VPC already has (a VPC sees one private zone per name).
async fn import_private(
    store: &dyn Store,
    apex: DomainName,
    mut sets: Vec<ResourceRecordSet>,
    label: &str,
    vpc_id: &str,
) -> Result<(), ExitError> {
    let vpcs = store.list_vpcs().await.map_err(runtime)?;
    let Some(vpc) = vpcs.iter().find(|v| v.id == vpc_id) else {
        eprintln!("error: there is no VPC {vpc_id} (create it first: aws ec2 create-vpc …)\nnothing was imported");
        return Err(ExitError::InvalidInput);
    };
    let vpc_ref = cairn_store::VpcRef {
        vpc_id: vpc.id.clone(),
        region: vpc.region.clone(),
    };
    let mut existing = Vec::new();
    for zone in store.hosted_zones_by_vpc(&vpc_ref).await.map_err(runtime)? {
        if zone.name == apex && zone.private_zone {
            existing.push(zone);
        }
    }
    let count = sets.len();
    let comment = Some(format!("imported from {label}"));
    if let Some(zone) = existing.first() {
        let change = store
            .replace_record_sets(&zone.id, sets, comment)
            .await
            .map_err(runtime)?;
        println!(
            "replaced private zone {} {} ({vpc_id}) with {count} record sets (change {} {})",
            zone.id,
            zone.name,
            change.id,
            change.status.as_str()
        );
        return Ok(());
    }
    let name_servers = apex_name_servers(&apex, &mut sets);
    let new_zone = NewHostedZone {
        name: apex,
        caller_reference: caller_reference(),
        comment,
        has_config: true,
        private_zone: true,
        delegation_set_id: None,
        name_servers,
        initial_record_sets: sets,
    };
    let (zone, change) = store
        .create_private_hosted_zone(new_zone, vpc_ref, &vpc.owner_account)
        .await
        .map_err(runtime)?;
    println!(
        "created private zone {} {} ({vpc_id}) with {count} record sets (change {} {})",
        zone.id,
        zone.name,
        change.id,
        change.status.as_str()
    );
    Ok(())
}

/// The name servers of a zone made from `sets`: the file's apex NS, or, since Route 53 zones
/// (public and private) always carry apex NS, the defaults, added to `sets`.
fn apex_name_servers(apex: &DomainName, sets: &mut Vec<ResourceRecordSet>) -> Vec<DomainName> {
    let from_file: Vec<DomainName> = sets
        .iter()
        .filter(|s| s.name == *apex && s.rtype == RrType::Ns)
        .flat_map(|s| s.records.iter())
        .filter_map(|v| DomainName::from_route53(v).ok())
        .collect();
    if !from_file.is_empty() {
        return from_file;
    }
    let name_servers = cairn_model::defaults::default_name_servers();
    let defaults = cairn_model::defaults::apex_records(apex, &name_servers);
    sets.extend(defaults.into_iter().filter(|s| s.rtype == RrType::Ns));
    name_servers
}

/// A zone by id (`Z…`, `/hostedzone/Z…`) or by name.
async fn find_zone(store: &dyn Store, text: &str) -> Result<HostedZone, ExitError> {
    let id = HostedZoneId::parse(text);
    if let Ok(zone) = store.get_hosted_zone(&id).await {
        return Ok(zone);
    }
    let name = parse_name(text)?;
    let matches: Vec<HostedZone> = store
        .list_hosted_zones()
        .await
        .map_err(runtime)?
        .into_iter()
        .filter(|z| z.name == name)
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one match")),
        0 => {
            eprintln!("error: no hosted zone named or with id {text}");
            Err(ExitError::InvalidInput)
        }
        _ => {
            eprintln!("error: several hosted zones are named {name}; give the zone id instead");
            Err(ExitError::InvalidInput)
        }
    }
}

async fn all_record_sets(
    store: &dyn Store,
    id: &HostedZoneId,
) -> Result<Vec<ResourceRecordSet>, ExitError> {
    let mut sets = Vec::new();
    let mut page = RecordSetPage {
        max_items: 1000,
        ..RecordSetPage::default()
    };
    loop {
        let listing = store.list_record_sets(id, &page).await.map_err(runtime)?;
        sets.extend(listing.record_sets);
        match listing.next {
            Some(next) => {
                page.start_name = Some(next.name);
                page.start_type = Some(next.rtype);
                page.start_identifier = next.set_identifier;
            }
            None => return Ok(sets),
        }
    }
}

async fn open(args: &StoreArgs) -> Result<Arc<dyn Store>, ExitError> {
    let (data_dir, url) = config::resolve_store(args);
    if url.starts_with("sqlite://") {
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            eprintln!("error: cannot create {}: {e}", data_dir.display());
            ExitError::Runtime
        })?;
    }
    cairn_store::open(&url).await.map_err(runtime)
}

fn parse_name(text: &str) -> Result<DomainName, ExitError> {
    DomainName::from_route53(text).map_err(|e| {
        eprintln!("error: {text:?} is not a valid domain name: {e}");
        ExitError::InvalidInput
    })
}

fn caller_reference() -> String {
    format!(
        "cairn-cli-{}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
        std::process::id()
    )
}

/// Prints a store error as the command line always has: a refusal in the API's words (the
/// EC2 edge's, which word a missing VPC as EC2 does and every other refusal as its own
/// service), a storage failure as the store describes it.
fn runtime(e: StoreError) -> ExitError {
    let message = match e {
        StoreError::Rejected(_) => cairn_api::error::ec2_error(e).message,
        other => other.to_string(),
    };
    eprintln!("error: {message}");
    ExitError::Runtime
}
