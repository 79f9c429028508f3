//! The rules Route 53 Resolver and Route 53 Profiles apply to writes ([ROUTE53.md §6]).
//!
//! Every function here is pure: it takes the current [`NetworkContents`] and a request, and
//! returns the resource as it must be stored, or a [`ResolverError`] saying which rule the
//! request breaks, with the values involved (the API words it and picks the exception).
//! The store runs them inside its write transaction, so a check and the write it guards
//! see the same state; the control plane only parses and renders.
//!
//! # Layout
//! - `error`: [`ResolverError`], one variant per rule, and its kinds;
//! - this module: the quotas, and the checks every resource shares (names, domain names,
//!   addresses, EC2 id shapes);
//! - `config`: the autodefined Internet Resolver rule and each VPC's resolver config
//!   (UpdateResolverConfig);
//! - `dnssec`: each VPC's DNSSEC validation config (UpdateResolverDnssecConfig);
//! - `endpoints`: Resolver endpoints and their addresses;
//! - `rules`: forwarding and system rules and their VPC associations;
//! - `profiles`: Route 53 Profiles, their VPC associations and resources.
//!
//! Everything public is re-exported here, so callers name `resolver_validate::…` whatever
//! file it lives in.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::DomainName;

mod config;
mod dnssec;
mod endpoints;
mod error;
mod profiles;
mod rules;
#[cfg(test)]
mod tests;

pub use config::{
    internet_resolver_association, internet_resolver_rule, parse_autodefined_reverse_flag,
    resolver_config, resolver_config_id, update_config,
};
pub use dnssec::{
    dnssec_config, dnssec_config_id, parse_dnssec_validation_flag, update_dnssec_config,
};
pub use endpoints::{
    associate_endpoint_ip, check_protocols, create_endpoint, delete_endpoint,
    disassociate_endpoint_ip, find_endpoint, parse_direction, update_endpoint, EndpointUpdate,
    IpRequest, IpSelector, NewEndpoint,
};
pub use error::{Enumeration, ResolverError, ResolverErrorKind};
pub use profiles::{
    associate_profile, associate_profile_resource, create_profile, delete_profile,
    disassociate_profile, disassociate_profile_resource, find_profile, parse_resource_arn,
    update_profile_resource, NewProfile, NewProfileAssociation, NewProfileResource, ResourceArn,
};
pub use rules::{
    associate_rule, create_rule, delete_rule, disassociate_rule, find_rule, update_rule, NewRule,
    RuleUpdate, TargetRequest,
};

/// Shorthand.
pub type ResolverResult<T> = Result<T, ResolverError>;

/// Makes a fresh id with the given prefix (`rslvr-in-`, `rni-`, …); the store supplies it.
pub type IdSource<'a> = &'a mut dyn FnMut(&str) -> String;

//------------ constants ------------------------------------------------------------------

/// At most this many addresses per endpoint (Route 53's quota).
pub const MAX_ENDPOINT_ADDRESSES: usize = 6;
/// At least this many addresses per endpoint.
pub const MIN_ENDPOINT_ADDRESSES: usize = 2;
/// At most this many targets per rule (Route 53's quota).
pub const MAX_RULE_TARGETS: usize = 6;
/// The autodefined "Internet Resolver" rule's id.
pub const INTERNET_RESOLVER_ID: &str = "rslvr-autodefined-rr-internet-resolver";
/// The owner Route 53 reports for autodefined rules.
pub const AUTODEFINED_OWNER: &str = "Route 53 Resolver";

//------------ shared checks ----------------------------------------------------------------

/// Checks a `Name` against the model's pattern `(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)`, 64 at most.
pub fn check_name(name: &str, kind: ResolverErrorKind) -> ResolverResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        && !name.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ResolverError::InvalidName {
            name: name.to_string(),
            kind,
        })
    }
}

/// A rule's `DomainName` as Resolver stores it: lowercase, trailing dot; `.` for every name.
pub fn normalize_domain(text: &str) -> ResolverResult<String> {
    let invalid = || ResolverError::InvalidDomainName(text.to_string());
    let name = DomainName::from_route53(text.trim()).map_err(|_| invalid())?;
    let out = name.to_route53();
    if out.contains('\\') {
        return Err(invalid());
    }
    Ok(out)
}

fn parse_ipv4(text: &str) -> ResolverResult<Ipv4Addr> {
    text.parse()
        .map_err(|_| ResolverError::InvalidIpv4(text.to_string()))
}

fn parse_ipv6(text: &str) -> ResolverResult<Ipv6Addr> {
    text.parse()
        .map_err(|_| ResolverError::InvalidIpv6(text.to_string()))
}
