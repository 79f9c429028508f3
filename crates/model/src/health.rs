//! Health checks: [`HealthCheckConfig`] as Route 53 defines it, its validation, updates, and
//! the status rules (ROUTE53.md §4) the store and the checker share.
//!
//! - [`HealthCheckConfig::validate`]: Route 53's rules, with one deliberate difference:
//!   private and loopback addresses are allowed (Cairn's checkers live inside the user's
//!   network, DESIGN.md §7).
//! - [`ProbeState::record`]: `FailureThreshold` consecutive results flip the raw status.
//! - [`effective_status`]: what routing uses, with `Disabled`, `Inverted` and an operator
//!   override applied; [`calculated_status`] for `CALCULATED` checks.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::id::HealthCheckId;

/// `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HealthCheckType {
    /// `HTTP`.
    Http,
    /// `HTTPS` (certificates are not validated).
    Https,
    /// `HTTP_STR_MATCH`.
    HttpStrMatch,
    /// `HTTPS_STR_MATCH`.
    HttpsStrMatch,
    /// `TCP`.
    Tcp,
    /// `CALCULATED`: healthy when at least `HealthThreshold` children are.
    Calculated,
}

impl HealthCheckType {
    /// Parses Route 53's name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "HTTP" => Self::Http,
            "HTTPS" => Self::Https,
            "HTTP_STR_MATCH" => Self::HttpStrMatch,
            "HTTPS_STR_MATCH" => Self::HttpsStrMatch,
            "TCP" => Self::Tcp,
            "CALCULATED" => Self::Calculated,
            _ => return None,
        })
    }

    /// Route 53's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "HTTP",
            Self::Https => "HTTPS",
            Self::HttpStrMatch => "HTTP_STR_MATCH",
            Self::HttpsStrMatch => "HTTPS_STR_MATCH",
            Self::Tcp => "TCP",
            Self::Calculated => "CALCULATED",
        }
    }

    /// HTTPS or HTTPS_STR_MATCH.
    pub fn is_https(self) -> bool {
        matches!(self, Self::Https | Self::HttpsStrMatch)
    }

    /// One of the HTTP(S) types.
    pub fn is_http(self) -> bool {
        matches!(
            self,
            Self::Http | Self::Https | Self::HttpStrMatch | Self::HttpsStrMatch
        )
    }

    /// A string-matching type.
    pub fn is_str_match(self) -> bool {
        matches!(self, Self::HttpStrMatch | Self::HttpsStrMatch)
    }
}

impl fmt::Display for HealthCheckType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The regions Route 53 checks from (`HealthCheckRegion`).
pub const REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// The number of bytes of a body a string match looks at.
pub const SEARCH_WINDOW: usize = 5120;

/// `HealthCheckConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckConfig {
    /// `Type` (cannot be changed).
    pub check_type: HealthCheckType,
    /// `IPAddress`.
    pub ip_address: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// `FullyQualifiedDomainName`.
    pub fqdn: Option<String>,
    /// `ResourcePath`.
    pub resource_path: Option<String>,
    /// `SearchString`.
    pub search_string: Option<String>,
    /// `RequestInterval`: 10 or 30 seconds (cannot be changed).
    pub request_interval: u32,
    /// `FailureThreshold`: 1–10.
    pub failure_threshold: u32,
    /// `MeasureLatency` (cannot be changed).
    pub measure_latency: bool,
    /// `Inverted`.
    pub inverted: bool,
    /// `Disabled`: no probes, always healthy (unhealthy when also inverted).
    pub disabled: bool,
    /// `HealthThreshold` (CALCULATED).
    pub health_threshold: Option<u32>,
    /// `ChildHealthChecks` (CALCULATED).
    pub child_health_checks: Vec<HealthCheckId>,
    /// `EnableSNI`.
    pub enable_sni: Option<bool>,
    /// `Regions`; empty means all.
    pub regions: Vec<String>,
}

impl HealthCheckConfig {
    /// A config of `check_type` with Route 53's defaults and nothing else set.
    pub fn new(check_type: HealthCheckType) -> Self {
        Self {
            check_type,
            ip_address: None,
            port: None,
            fqdn: None,
            resource_path: None,
            search_string: None,
            request_interval: 30,
            failure_threshold: 3,
            measure_latency: false,
            inverted: false,
            disabled: false,
            health_threshold: None,
            child_health_checks: Vec::new(),
            enable_sni: None,
            regions: Vec::new(),
        }
    }

    /// Fills in what Route 53 fills in when it is omitted: the port (80 or 443 for HTTP(S))
    /// and `EnableSNI` (on for HTTPS).
    pub fn with_defaults(mut self) -> Self {
        if self.port.is_none() {
            self.port = match self.check_type {
                t if t.is_https() => Some(443),
                t if t.is_http() => Some(80),
                _ => None,
            };
        }
        if self.enable_sni.is_none() && self.check_type != HealthCheckType::Calculated {
            self.enable_sni = Some(self.check_type.is_https());
        }
        self
    }

    /// The interval between probes, in seconds.
    pub fn interval_secs(&self) -> u64 {
        u64::from(self.request_interval)
    }

    /// Route 53's rules, with private and loopback addresses allowed.
    pub fn validate(&self) -> Result<(), HealthCheckError> {
        use ConfigProblem as P;
        let t = self.check_type;
        if self.request_interval != 10 && self.request_interval != 30 {
            return Err(P::RequestInterval(self.request_interval).into());
        }
        if !(1..=10).contains(&self.failure_threshold) {
            return Err(P::FailureThreshold(self.failure_threshold).into());
        }
        let too_long = |field, text: &Option<String>| match text {
            Some(text) if text.len() > 255 => Err(P::TooLong(field)),
            _ => Ok(()),
        };
        too_long(ConfigField::ResourcePath, &self.resource_path)?;
        too_long(ConfigField::SearchString, &self.search_string)?;
        if let Some(fqdn) = &self.fqdn {
            if fqdn.is_empty() || fqdn.len() > 255 {
                return Err(P::TooLong(ConfigField::FullyQualifiedDomainName).into());
            }
        }
        if let Some(ip) = &self.ip_address {
            if ip.parse::<IpAddr>().is_err() {
                return Err(P::IpAddress(ip.clone()).into());
            }
        }
        if !self.regions.is_empty() {
            if self.regions.len() < 3 {
                return Err(P::TooFewRegions.into());
            }
            for region in &self.regions {
                if !REGIONS.contains(&region.as_str()) {
                    return Err(P::UnknownRegion(region.clone()).into());
                }
            }
        }
        if t == HealthCheckType::Calculated {
            if self.ip_address.is_some() || self.fqdn.is_some() || self.port.is_some() {
                return Err(P::TargetOfCalculated.into());
            }
            if self.child_health_checks.len() > 256 {
                return Err(P::TooLong(ConfigField::ChildHealthChecks).into());
            }
            match self.health_threshold {
                None => return Err(P::HealthThresholdRequired.into()),
                Some(n) if n > 256 => return Err(P::HealthThreshold(n).into()),
                Some(_) => {}
            }
            return Ok(());
        }
        if !self.child_health_checks.is_empty() || self.health_threshold.is_some() {
            return Err(P::CalculatedOnly(t).into());
        }
        if self.ip_address.is_none() && self.fqdn.is_none() {
            return Err(P::TargetRequired.into());
        }
        match self.port {
            None => return Err(P::PortRequired(t).into()),
            Some(0) => return Err(P::PortZero.into()),
            Some(_) => {}
        }
        if t.is_str_match() {
            if self.search_string.as_deref().is_none_or(str::is_empty) {
                return Err(P::SearchStringRequired(t).into());
            }
        } else if self.search_string.is_some() {
            return Err(P::SearchStringNotAllowed(t).into());
        }
        if t == HealthCheckType::Tcp && self.resource_path.is_some() {
            return Err(P::ResourcePathOfTcp.into());
        }
        Ok(())
    }

    /// The `Host` header Route 53 sends: the FQDN (with `:port` unless 80/443), else the IP.
    pub fn host_header(&self) -> Option<String> {
        let port = self.port.unwrap_or(80);
        match (&self.fqdn, &self.ip_address) {
            (Some(fqdn), _) => {
                let fqdn = fqdn.trim_end_matches('.');
                if port == 80 || port == 443 {
                    Some(fqdn.to_string())
                } else {
                    Some(format!("{fqdn}:{port}"))
                }
            }
            (None, Some(ip)) => Some(ip.clone()),
            (None, None) => None,
        }
    }
}

/// A health check as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// A UUID; health-check ids carry no prefix.
    pub id: HealthCheckId,
    /// `CallerReference`.
    pub caller_reference: String,
    /// `HealthCheckVersion`, 1 at creation, bumped by every update.
    pub version: u64,
    /// The configuration.
    pub config: HealthCheckConfig,
}

/// Why a health-check request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthCheckError {
    /// A config the rules refuse (Route 53's `InvalidInput`), by the rule it breaks.
    #[error(transparent)]
    InvalidInput(#[from] ConfigProblem),
    /// A CALCULATED check names this CALCULATED check as a child.
    #[error("health check {0} is calculated and cannot be a child")]
    CalculatedChild(HealthCheckId),
    /// No health check with this id.
    #[error("no health check {0}")]
    NoSuchHealthCheck(HealthCheckId),
    /// The caller reference is used by another (or a deleted) health check.
    #[error("caller reference {0} already used by another health check")]
    AlreadyExists(String),
    /// The request's `HealthCheckVersion` is not this check's current version.
    #[error("stale version of health check {0}")]
    VersionMismatch(HealthCheckId),
}

/// A CALCULATED check's child `id` (whose config is `child`) may not be CALCULATED itself.
pub fn check_child(id: &HealthCheckId, child: &HealthCheckConfig) -> Result<(), HealthCheckError> {
    if child.check_type == HealthCheckType::Calculated {
        return Err(HealthCheckError::CalculatedChild(id.clone()));
    }
    Ok(())
}

/// An update that names a version must name the check's current one.
pub fn check_version(check: &HealthCheck, requested: Option<u64>) -> Result<(), HealthCheckError> {
    if requested.is_some_and(|v| v != check.version) {
        return Err(HealthCheckError::VersionMismatch(check.id.clone()));
    }
    Ok(())
}

/// A create that reuses caller reference `reference` of `existing` (`None`: the check
/// was deleted) returns that check when the config is the same, and is refused otherwise.
pub fn check_reused_reference(
    reference: &str,
    existing: Option<HealthCheck>,
    config: &HealthCheckConfig,
) -> Result<HealthCheck, HealthCheckError> {
    match existing {
        Some(check) if &check.config == config => Ok(check),
        _ => Err(HealthCheckError::AlreadyExists(reference.to_string())),
    }
}

/// A health-check config field with a length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigField {
    /// `ResourcePath` (255 characters).
    ResourcePath,
    /// `SearchString` (255 characters).
    SearchString,
    /// `FullyQualifiedDomainName` (1–255 characters).
    FullyQualifiedDomainName,
    /// `ChildHealthChecks` (256 ids).
    ChildHealthChecks,
}

/// What is wrong with a health-check config: one variant per rule, carrying the values
/// involved (Route 53's sentences are the API's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// `RequestInterval` other than 10 or 30.
    #[error("request interval {0} is not 10 or 30")]
    RequestInterval(u32),
    /// `FailureThreshold` outside 1–10.
    #[error("failure threshold {0} is outside 1-10")]
    FailureThreshold(u32),
    /// A field over its length limit (or an empty FQDN).
    #[error("{0:?} is too long")]
    TooLong(ConfigField),
    /// `IPAddress` that is not an address.
    #[error("{0} is not an IP address")]
    IpAddress(String),
    /// Fewer than 3 `Regions`.
    #[error("fewer than 3 regions")]
    TooFewRegions,
    /// A region outside [`REGIONS`].
    #[error("unknown region {0}")]
    UnknownRegion(String),
    /// A CALCULATED check with an address, a name or a port.
    #[error("a calculated check has no target")]
    TargetOfCalculated,
    /// A CALCULATED check without `HealthThreshold`.
    #[error("a calculated check needs a health threshold")]
    HealthThresholdRequired,
    /// `HealthThreshold` above 256.
    #[error("health threshold {0} is above 256")]
    HealthThreshold(u32),
    /// Children or a threshold on a check of this (not CALCULATED) type.
    #[error("children and threshold are for calculated checks, not {0}")]
    CalculatedOnly(HealthCheckType),
    /// Neither `IPAddress` nor `FullyQualifiedDomainName`.
    #[error("no address or domain name")]
    TargetRequired,
    /// No `Port` for a check of this type.
    #[error("{0} needs a port")]
    PortRequired(HealthCheckType),
    /// `Port` 0.
    #[error("port 0")]
    PortZero,
    /// A string-matching check of this type without `SearchString`.
    #[error("{0} needs a search string")]
    SearchStringRequired(HealthCheckType),
    /// `SearchString` on a check of this type, which does not match strings.
    #[error("{0} takes no search string")]
    SearchStringNotAllowed(HealthCheckType),
    /// `ResourcePath` on a TCP check.
    #[error("a TCP check has no resource path")]
    ResourcePathOfTcp,
}

//------------ updates --------------------------------------------------------------

/// An element `ResetElements` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResettableElement {
    /// `FullyQualifiedDomainName`.
    FullyQualifiedDomainName,
    /// `Regions`.
    Regions,
    /// `ResourcePath`.
    ResourcePath,
    /// `ChildHealthChecks`.
    ChildHealthChecks,
}

impl ResettableElement {
    /// Parses Route 53's name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "FullyQualifiedDomainName" => Self::FullyQualifiedDomainName,
            "Regions" => Self::Regions,
            "ResourcePath" => Self::ResourcePath,
            "ChildHealthChecks" => Self::ChildHealthChecks,
            _ => return None,
        })
    }
}

/// `UpdateHealthCheck`: the fields given; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheckUpdate {
    /// `HealthCheckVersion`: the update applies only to this version.
    pub version: Option<u64>,
    /// `IPAddress`.
    pub ip_address: Option<String>,
    /// `Port`.
    pub port: Option<u16>,
    /// `ResourcePath`.
    pub resource_path: Option<String>,
    /// `FullyQualifiedDomainName`.
    pub fqdn: Option<String>,
    /// `SearchString`.
    pub search_string: Option<String>,
    /// `FailureThreshold`.
    pub failure_threshold: Option<u32>,
    /// `Inverted`.
    pub inverted: Option<bool>,
    /// `Disabled`.
    pub disabled: Option<bool>,
    /// `HealthThreshold`.
    pub health_threshold: Option<u32>,
    /// `ChildHealthChecks`.
    pub child_health_checks: Option<Vec<HealthCheckId>>,
    /// `EnableSNI`.
    pub enable_sni: Option<bool>,
    /// `Regions`.
    pub regions: Option<Vec<String>>,
    /// `ResetElements`.
    pub reset: Vec<ResettableElement>,
}

impl HealthCheckUpdate {
    /// The config after this update, validated.
    pub fn apply(
        &self,
        current: &HealthCheckConfig,
    ) -> Result<HealthCheckConfig, HealthCheckError> {
        let mut c = current.clone();
        for element in &self.reset {
            match element {
                ResettableElement::FullyQualifiedDomainName => c.fqdn = None,
                ResettableElement::Regions => c.regions.clear(),
                ResettableElement::ResourcePath => c.resource_path = None,
                ResettableElement::ChildHealthChecks => c.child_health_checks.clear(),
            }
        }
        macro_rules! set {
            ($field:ident) => {
                if let Some(value) = &self.$field {
                    c.$field = Some(value.clone());
                }
            };
        }
        set!(ip_address);
        set!(port);
        set!(resource_path);
        set!(fqdn);
        set!(search_string);
        set!(health_threshold);
        set!(enable_sni);
        if let Some(n) = self.failure_threshold {
            c.failure_threshold = n;
        }
        if let Some(b) = self.inverted {
            c.inverted = b;
        }
        if let Some(b) = self.disabled {
            c.disabled = b;
        }
        if let Some(children) = &self.child_health_checks {
            c.child_health_checks = children.clone();
        }
        if let Some(regions) = &self.regions {
            c.regions = regions.clone();
        }
        c.validate()?;
        Ok(c)
    }
}

//------------ status ---------------------------------------------------------------

/// The raw result of probing, before `Inverted`/`Disabled`: what `FailureThreshold`
/// consecutive observations decided. A new check is healthy until data arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeState {
    /// The raw status.
    pub healthy: bool,
    /// Consecutive successes, up to the threshold that matters.
    pub consecutive_ok: u32,
    /// Consecutive failures.
    pub consecutive_fail: u32,
}

impl Default for ProbeState {
    fn default() -> Self {
        Self {
            healthy: true,
            consecutive_ok: 0,
            consecutive_fail: 0,
        }
    }
}

impl ProbeState {
    /// Adds one observation; returns whether the raw status flipped.
    pub fn record(&mut self, ok: bool, failure_threshold: u32) -> bool {
        let threshold = failure_threshold.max(1);
        if ok {
            self.consecutive_ok = self.consecutive_ok.saturating_add(1);
            self.consecutive_fail = 0;
            if !self.healthy && self.consecutive_ok >= threshold {
                self.healthy = true;
                return true;
            }
        } else {
            self.consecutive_fail = self.consecutive_fail.saturating_add(1);
            self.consecutive_ok = 0;
            if self.healthy && self.consecutive_fail >= threshold {
                self.healthy = false;
                return true;
            }
        }
        false
    }
}

/// The status routing uses. `raw` is the probed (or, for CALCULATED, the computed) status;
/// an operator override wins over everything; a disabled check is healthy; `Inverted`
/// flips the result (so disabled + inverted is unhealthy).
pub fn effective_status(
    config: &HealthCheckConfig,
    raw: bool,
    override_status: Option<bool>,
) -> bool {
    if let Some(forced) = override_status {
        return forced;
    }
    let base = if config.disabled { true } else { raw };
    base != config.inverted
}

/// A CALCULATED check's raw status from its children's statuses: healthy when at least
/// `HealthThreshold` are healthy (0 ⇒ always healthy; more than the children ⇒ never).
pub fn calculated_status(
    health_threshold: u32,
    children_healthy: impl IntoIterator<Item = bool>,
) -> bool {
    let healthy = children_healthy.into_iter().filter(|h| *h).count();
    healthy >= health_threshold as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> HealthCheckConfig {
        let mut c = HealthCheckConfig::new(HealthCheckType::Http);
        c.ip_address = Some("127.0.0.1".into());
        c.with_defaults()
    }

    #[test]
    fn threshold_needs_consecutive_results() {
        let mut s = ProbeState::default();
        assert!(s.healthy, "a new check is healthy until data arrives");
        assert!(!s.record(false, 3));
        assert!(!s.record(false, 3));
        assert!(!s.record(true, 3), "a success resets the failure count");
        assert!(!s.record(false, 3));
        assert!(!s.record(false, 3));
        assert!(s.record(false, 3));
        assert!(!s.healthy);
        assert!(!s.record(true, 3));
        assert!(!s.record(true, 3));
        assert!(s.record(true, 3));
        assert!(s.healthy);
        let mut one = ProbeState::default();
        assert!(one.record(false, 1));
        assert!(one.record(true, 1));
    }

    #[test]
    fn inverted_disabled_and_override() {
        let mut c = http();
        assert!(effective_status(&c, true, None));
        assert!(!effective_status(&c, false, None));
        c.inverted = true;
        assert!(
            !effective_status(&c, true, None),
            "a new inverted check is unhealthy"
        );
        assert!(effective_status(&c, false, None));
        c.disabled = true;
        assert!(
            !effective_status(&c, true, None),
            "disabled + inverted is unhealthy"
        );
        c.inverted = false;
        assert!(effective_status(&c, false, None), "disabled is healthy");
        assert!(
            !effective_status(&c, true, Some(false)),
            "the override wins"
        );
        assert!(effective_status(&http(), false, Some(true)));
    }

    #[test]
    fn calculated() {
        assert!(calculated_status(0, []));
        assert!(calculated_status(0, [false, false]));
        assert!(calculated_status(1, [false, true]));
        assert!(!calculated_status(2, [false, true]));
        assert!(
            !calculated_status(3, [true, true]),
            "more than the children is never healthy"
        );
    }

    #[test]
    fn validation() {
        assert_eq!(http().port, Some(80));
        assert!(http().validate().is_ok(), "loopback targets are allowed");
        let mut c = http();
        c.request_interval = 20;
        assert!(c.validate().is_err());
        let mut c = http();
        c.failure_threshold = 11;
        assert!(c.validate().is_err());
        let mut c = HealthCheckConfig::new(HealthCheckType::HttpStrMatch).with_defaults();
        c.fqdn = Some("example.com".into());
        assert!(c.validate().is_err(), "string match needs a search string");
        c.search_string = Some("ok".into());
        assert!(c.validate().is_ok());
        let mut calc = HealthCheckConfig::new(HealthCheckType::Calculated).with_defaults();
        assert!(calc.validate().is_err(), "HealthThreshold is required");
        calc.health_threshold = Some(1);
        assert!(calc.validate().is_ok());
        calc.port = Some(80);
        assert!(calc.validate().is_err());
        let tcp = HealthCheckConfig::new(HealthCheckType::Tcp).with_defaults();
        assert!(tcp.validate().is_err(), "TCP needs a target and a port");
    }

    #[test]
    fn update_and_reset() {
        let mut c = http();
        c.fqdn = Some("www.example.com".into());
        c.resource_path = Some("/health".into());
        let update = HealthCheckUpdate {
            failure_threshold: Some(5),
            reset: vec![ResettableElement::ResourcePath],
            ..Default::default()
        };
        let after = update.apply(&c).expect("valid");
        assert_eq!(after.failure_threshold, 5);
        assert_eq!(after.resource_path, None);
        assert_eq!(after.fqdn.as_deref(), Some("www.example.com"));
        assert!(HealthCheckUpdate {
            failure_threshold: Some(0),
            ..Default::default()
        }
        .apply(&c)
        .is_err());
    }

    #[test]
    fn host_header() {
        let mut c = http();
        assert_eq!(c.host_header().as_deref(), Some("127.0.0.1"));
        c.fqdn = Some("www.example.com.".into());
        assert_eq!(c.host_header().as_deref(), Some("www.example.com"));
        c.port = Some(8080);
        assert_eq!(c.host_header().as_deref(), Some("www.example.com:8080"));
    }
}
