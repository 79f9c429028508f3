//! The store's logic, written once over both SQL backends.
//!
//! [`SqlStore`] implements every store trait; each call runs synchronous store logic on
//! tokio's blocking pool against a [`conn::Conn`] (a small rusqlite-shaped API) that the
//! backend supplies: `sqlite` (one file, WAL) or `postgres` (a shared database for several
//! nodes). Every write is one transaction; most have one shape, [`SqlStore::logged`]: load
//! what the write depends on, check, write, append one change-log row. The backend makes
//! writers take turns (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's transaction-scoped advisory
//! lock), so change-log sequence numbers are handed out in commit order and a follower
//! reading `seq > last` never skips one.
//!
//! Layers (each module uses only those above it):
//!
//! ```text
//!   error, ids                       driver errors → StoreError; fresh ids and clocks
//!   conn                             Conn: statements on SQLite or PostgreSQL
//!   sqlite, postgres                 the backends: connections, transactions, migrations
//!   json, tags, change_log, nodes    shared rows: JSON bodies, tags, the log, the nodes
//!   store                            SqlStore: run / read / write / logged
//!   zone_rows, network_rows          rows of zones, record sets, VPCs, subnets, groups
//!   health, cidr                     health checks and CIDR collections (their traits)
//!   batch_view                       what the change-batch rules read (the model's BatchView)
//!   private_zones                    zones' VPC associations and authorizations
//!   zones, networks, resolver,       one trait implementation each
//!   profiles, query_logs, firewall,
//!   dnssec, feed, kms, iam, domains,
//!   log_groups
//! ```

mod batch_view;
mod change_log;
mod cidr;
pub(crate) mod conn;
mod default_vpc;
mod dnssec;
mod domains;
mod error;
mod feed;
mod firewall;
mod health;
mod iam;
mod ids;
mod json;
mod kms;
mod log_groups;
mod network_rows;
mod networks;
mod nodes;
mod pg_connect;
mod postgres;
mod private_zones;
mod profiles;
mod query_logs;
mod resolver;
mod security_rules;
mod sqlite;
mod store;
mod tags;
mod zone_rows;
mod zones;

pub use nodes::NODE_LIVENESS;
pub use store::SqlStore;
