//! The seam where every answered query is reported once, after the answer (query logs and
//! metrics attach here): a [`QueryRecord`] handed to an [`Observer`]. With no observer
//! attached the pipeline builds no record at all.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cairn_wire::Rcode;

use super::Transport;
use crate::firewall::FirewallLog;

/// Which view answered a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewLabel<'a> {
    /// None: the query was refused, malformed or failed before a view was chosen.
    None,
    /// The public authoritative view.
    Public,
    /// A VPC's view (its id).
    Vpc(&'a str),
}

impl ViewLabel<'_> {
    /// An owned copy (allocates for a VPC id only).
    pub fn to_owned(self) -> ViewLabelOwned {
        match self {
            Self::None => ViewLabelOwned::None,
            Self::Public => ViewLabelOwned::Public,
            Self::Vpc(id) => ViewLabelOwned::Vpc(id.to_string()),
        }
    }
}

/// [`ViewLabel`], owned, to outlive the view it was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewLabelOwned {
    /// See [`ViewLabel::None`].
    None,
    /// See [`ViewLabel::Public`].
    Public,
    /// See [`ViewLabel::Vpc`].
    Vpc(String),
}

impl ViewLabelOwned {
    /// Borrowed again.
    pub fn as_label(&self) -> ViewLabel<'_> {
        match self {
            Self::None => ViewLabel::None,
            Self::Public => ViewLabel::Public,
            Self::Vpc(id) => ViewLabel::Vpc(id),
        }
    }
}

/// Which kind of listener answered a query (the answerer's, not the view's: a VPC's view
/// answers on the shared resolver address, its "+2" address and its inbound endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// The public authoritative listener (`--dns-listen`).
    Public,
    /// The shared VPC resolver address (`--resolver-listen`), view by source.
    Resolver,
    /// A VPC's "+2" resolver address.
    Vpc,
    /// A Route 53 Resolver inbound endpoint (Do53 or DoH).
    InboundEndpoint,
}

impl ListenerKind {
    /// Every kind, in index order.
    pub const ALL: [Self; 4] = [
        Self::Public,
        Self::Resolver,
        Self::Vpc,
        Self::InboundEndpoint,
    ];

    /// The position in [`Self::ALL`] (for counters kept in fixed arrays).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The metric label value.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Resolver => "resolver",
            Self::Vpc => "vpc",
            Self::InboundEndpoint => "inbound_endpoint",
        }
    }
}

/// One answered query, as the pipeline saw it.
#[derive(Debug, Clone, Copy)]
pub struct QueryRecord<'a> {
    /// The kind of listener that answered.
    pub kind: ListenerKind,
    /// The listener's address.
    pub listener: SocketAddr,
    /// The client's address, when known.
    pub source: Option<IpAddr>,
    /// The client's port (0 when unknown).
    pub port: u16,
    /// How the query came.
    pub transport: Transport,
    /// The question name as received (uncompressed wire form, case kept); empty when the
    /// question could not be read.
    pub qname: &'a [u8],
    /// The question type (0 when unreadable).
    pub qtype: u16,
    /// The response code answered.
    pub rcode: Rcode,
    /// The view that answered.
    pub view: ViewLabel<'a>,
    /// Whether the reply went out (response-rate limiting may drop it).
    pub sent: bool,
    /// The query as received (query logs read its EDNS Client Subnet).
    pub query: &'a [u8],
    /// The reply as sent (query logs list its answers); empty when nothing was sent.
    pub response: &'a [u8],
    /// The DNS Firewall rule that blocked or alerted on the query, if one did.
    pub firewall: Option<FirewallLog<'a>>,
    /// When the pipeline took the query (for the latency histogram), if anyone observes.
    pub started: Option<std::time::Instant>,
}

/// Receives a [`QueryRecord`] for every answered query. Called on the answering thread (a
/// UDP worker or a task): it must not block.
pub trait Observer: Send + Sync {
    /// Takes note of one query.
    fn record(&self, record: &QueryRecord<'_>);
}

/// Two observers as one (metrics and query logs): each sees every record, in order.
pub struct Both(pub Arc<dyn Observer>, pub Arc<dyn Observer>);

impl Observer for Both {
    #[inline]
    fn record(&self, record: &QueryRecord<'_>) {
        self.0.record(record);
        self.1.record(record);
    }
}
