//! Parsing and validating a policy document, with IAM's `MalformedPolicyDocument` messages.
//!
//! The checks run in the order IAM reports them (as moto's recordings of AWS show): JSON and
//! element syntax ("Syntax errors in policy."), the version, legacy parsing (case-sensitive
//! Effect, ARN shapes, dates), unique Sids, actions present, resource formats, action vendor
//! prefixes, then what an identity policy must and must not have.

use serde_json::{Map, Value};

use crate::condition::{parse_date, Condition, OperatorName};

/// Which kind of policy a document is: an identity policy (attached to a user) must name
/// resources and must not name a principal; a resource policy names principals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Identity,
    Resource,
}

/// IAM's MalformedPolicyDocument, with the message IAM gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedPolicy(pub String);

/// A parsed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `2012-10-17` or `2008-10-17`; policy variables only work in the former.
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Targets,
    /// `None` only in resource policies that leave the resource implicit.
    pub resource: Option<Targets>,
    pub principal: Option<Principals>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`Resource` (listed patterns match) or `NotAction`/`NotResource` (everything but).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    Listed(Vec<String>),
    AllBut(Vec<String>),
}

/// `Principal` (listed) or `NotPrincipal`; `*` is everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    Listed(Vec<String>),
    AllBut(Vec<String>),
}

const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];
const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];
const IAM_RESOURCE_PREFIXES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

fn malformed(message: impl Into<String>) -> MalformedPolicy {
    MalformedPolicy(message.into())
}

fn syntax() -> MalformedPolicy {
    malformed("Syntax errors in policy.")
}

fn legacy() -> MalformedPolicy {
    malformed("The policy failed legacy parsing")
}

/// Parses and validates `text` as a policy of `kind`.
pub fn parse(text: &str, kind: Kind) -> Result<Policy, MalformedPolicy> {
    let value: Value = serde_json::from_str(text).map_err(|_| syntax())?;
    let top = value.as_object().ok_or_else(syntax)?;
    let statements = check_syntax(top)?;
    let version = top
        .get("Version")
        .and_then(Value::as_str)
        .map(str::to_string);
    if kind == Kind::Identity && version.as_deref() != Some("2012-10-17") {
        return Err(malformed(
            "Policy document must be version 2012-10-17 or greater.",
        ));
    }
    if kind == Kind::Identity
        && statements
            .iter()
            .any(|s| s.contains_key("Principal") || s.contains_key("NotPrincipal"))
    {
        return Err(malformed("Policy document should not specify a principal."));
    }
    let resource_error = legacy_parse(&statements)?;
    let mut sids: Vec<&str> = Vec::new();
    for sid in statements.iter().filter_map(|s| s.get("Sid")?.as_str()) {
        if !sid.is_empty() && sids.contains(&sid) {
            return Err(malformed(
                "Statement IDs (SID) in a single policy must be unique.",
            ));
        }
        sids.push(sid);
    }
    for statement in &statements {
        if strings_of(statement, "Action")
            .or_else(|| strings_of(statement, "NotAction"))
            .is_none_or(|list| list.is_empty())
        {
            return Err(malformed("Policy statement must contain actions."));
        }
    }
    if let Some(message) = resource_error {
        return Err(malformed(message));
    }
    for statement in &statements {
        for key in ["Action", "NotAction"] {
            for action in strings_of(statement, key).unwrap_or_default() {
                check_action(&action)?;
            }
        }
    }
    if kind == Kind::Identity {
        for statement in &statements {
            if strings_of(statement, "Resource")
                .or_else(|| strings_of(statement, "NotResource"))
                .is_none_or(|list| list.is_empty())
            {
                return Err(malformed("Policy statement must contain resources."));
            }
        }
    }
    let statements = statements
        .iter()
        .map(|s| build_statement(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy {
        version,
        statements,
    })
}

/// The element-level checks whose failure IAM reports as "Syntax errors in policy.".
fn check_syntax(top: &Map<String, Value>) -> Result<Vec<&Map<String, Value>>, MalformedPolicy> {
    if top.keys().any(|k| !TOP_ELEMENTS.contains(&k.as_str())) {
        return Err(syntax());
    }
    if let Some(version) = top.get("Version") {
        if !version.as_str().is_some_and(|v| VERSIONS.contains(&v)) {
            return Err(syntax());
        }
    }
    if top.get("Id").is_some_and(|id| !id.is_string()) {
        return Err(syntax());
    }
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err(syntax()),
    };
    if statements.is_empty() {
        return Err(syntax());
    }
    let mut out = Vec::with_capacity(statements.len());
    for statement in statements {
        let statement = statement.as_object().ok_or_else(syntax)?;
        if statement
            .keys()
            .any(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
        {
            return Err(syntax());
        }
        let both = |a: &str, b: &str| statement.contains_key(a) && statement.contains_key(b);
        if both("Action", "NotAction")
            || both("Resource", "NotResource")
            || both("Principal", "NotPrincipal")
        {
            return Err(syntax());
        }
        let effect_ok = statement
            .get("Effect")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("Allow") || e.eq_ignore_ascii_case("Deny"));
        if !effect_ok {
            return Err(syntax());
        }
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            match statement.get(key) {
                None | Some(Value::String(_)) => {}
                Some(Value::Array(list)) if list.iter().all(Value::is_string) => {}
                Some(_) => return Err(syntax()),
            }
        }
        if statement.get("Sid").is_some_and(|sid| !sid.is_string()) {
            return Err(syntax());
        }
        for key in ["Principal", "NotPrincipal"] {
            if let Some(principal) = statement.get(key) {
                principal_values(principal).ok_or_else(syntax)?;
            }
        }
        if let Some(condition) = statement.get("Condition") {
            check_condition_syntax(condition)?;
        }
        out.push(statement);
    }
    Ok(out)
}

fn check_condition_syntax(condition: &Value) -> Result<(), MalformedPolicy> {
    let block = condition.as_object().ok_or_else(syntax)?;
    for (operator, entries) in block {
        let entries = entries.as_object().ok_or_else(syntax)?;
        for value in entries.values() {
            let ok = match value {
                Value::Array(list) => list.iter().all(|v| scalar_text(v).is_some()),
                other => scalar_text(other).is_some(),
            };
            if !ok {
                return Err(syntax());
            }
        }
        // An unknown operator is only tolerated with nothing under it.
        if OperatorName::parse(operator).is_none() && !entries.is_empty() {
            return Err(syntax());
        }
    }
    Ok(())
}

/// Checks IAM runs under "legacy parsing": the Effect's exact case, Date condition values,
/// and ARN shapes. Returns the first resource-format error, which IAM reports only after the
/// Sid and action checks.
fn legacy_parse(statements: &[&Map<String, Value>]) -> Result<Option<String>, MalformedPolicy> {
    for statement in statements {
        let effect = statement.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow") | Some("Deny")) {
            return Err(legacy());
        }
        if let Some(Value::Object(block)) = statement.get("Condition") {
            for (operator, entries) in block {
                let is_date = OperatorName::parse(operator).is_some_and(|o| o.operator.is_date());
                if !is_date {
                    continue;
                }
                for value in entries.as_object().into_iter().flat_map(|e| e.values()) {
                    if values_of(value).iter().any(|v| parse_date(v).is_none()) {
                        return Err(legacy());
                    }
                }
            }
        }
    }
    let mut first_error: Option<String> = None;
    for key in ["Resource", "NotResource"] {
        for statement in statements {
            let Some(resources) = strings_of(statement, key) else {
                continue;
            };
            for resource in &resources {
                if first_error.is_none() {
                    first_error = resource_format_error(resource);
                }
            }
            if first_error.is_none() {
                for resource in resources.iter().filter(|r| r.as_str() != "*") {
                    let fields: Vec<&str> = resource.split(':').collect();
                    let too_short = resource.contains("::") && fields.len() < 6;
                    if too_short || fields.get(2).is_none_or(|s| s.is_empty()) {
                        return Err(legacy());
                    }
                }
            }
        }
    }
    Ok(first_error)
}

/// IAM's complaint about a resource that is not a usable ARN, if any.
fn resource_format_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let Some((_, after_arn)) = resource.split_once(':') else {
        return Some(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        ));
    };
    let (partition, rest) = match after_arn.split_once(':') {
        Some((partition, rest)) => (partition, Some(rest)),
        None => (after_arn, None),
    };
    if partition != "*" && !PARTITIONS.contains(&partition) {
        let fields: Vec<&str> = rest.unwrap_or("").split(':').collect();
        let field = |i: usize| match fields.get(i) {
            Some(f) if !(i == 0 && f.is_empty() && fields.len() == 1) => f.to_string(),
            _ => "*".to_string(),
        };
        let tail = if fields.len() > 3 {
            fields[3..].join(":")
        } else {
            "*".to_string()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{}:{}:{}:{tail}\".",
            field(0),
            field(1),
            field(2)
        ));
    }
    let rest = rest?;
    let Some((service, after_service)) = rest.split_once(':') else {
        return Some("Resource vendor must be fully qualified and cannot contain regexes.".into());
    };
    let (region, after_region) = after_service.split_once(':').unwrap_or((after_service, ""));
    let resource_id = after_region.split_once(':').map(|(_, id)| id).unwrap_or("");
    match service {
        "iam" if !region.is_empty() => Some(format!(
            "IAM resource {resource} cannot contain region information."
        )),
        "s3" if !region.is_empty() && !resource_id.starts_with("accesspoint/") => Some(format!(
            "Resource {resource} can not contain region information."
        )),
        "iam"
            if !IAM_RESOURCE_PREFIXES
                .iter()
                .any(|p| resource_id.starts_with(p)) =>
        {
            Some(format!(
                "IAM resource path must either be \"*\" or start with {}.",
                IAM_RESOURCE_PREFIXES.join(", ")
            ))
        }
        _ => None,
    }
}

fn check_action(action: &str) -> Result<(), MalformedPolicy> {
    let parts: Vec<&str> = action.split(':').collect();
    if parts.len() == 1 && parts[0] != "*" {
        return Err(malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ));
    }
    if parts.len() > 2 {
        return Err(malformed("Actions/Condition can contain only one colon."));
    }
    let vendor = parts[0];
    let vendor_ok = vendor == "*"
        || vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !vendor_ok {
        return Err(malformed(format!("Vendor {vendor} is not valid")));
    }
    Ok(())
}

fn build_statement(statement: &Map<String, Value>) -> Result<Statement, MalformedPolicy> {
    let effect = match statement.get("Effect").and_then(Value::as_str) {
        Some("Deny") => Effect::Deny,
        _ => Effect::Allow,
    };
    let targets = |listed: &str, all_but: &str| {
        strings_of(statement, listed)
            .map(Targets::Listed)
            .or_else(|| strings_of(statement, all_but).map(Targets::AllBut))
    };
    let principal = match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(p), _) => Some(Principals::Listed(principal_values(p).ok_or_else(syntax)?)),
        (None, Some(p)) => Some(Principals::AllBut(principal_values(p).ok_or_else(syntax)?)),
        (None, None) => None,
    };
    let mut conditions = Vec::new();
    if let Some(Value::Object(block)) = statement.get("Condition") {
        for (operator, entries) in block {
            let Some(name) = OperatorName::parse(operator) else {
                continue; // an unknown operator with an empty body: nothing to test
            };
            for (key, value) in entries.as_object().into_iter().flatten() {
                conditions.push(Condition {
                    qualifier: name.qualifier,
                    operator: name.operator,
                    if_exists: name.if_exists,
                    key: key.to_ascii_lowercase(),
                    values: values_of(value),
                });
            }
        }
    }
    Ok(Statement {
        sid: statement
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_string),
        effect,
        action: targets("Action", "NotAction").unwrap_or(Targets::Listed(Vec::new())),
        resource: targets("Resource", "NotResource"),
        principal,
        conditions,
    })
}

/// A string element or list of strings; `None` when the element is absent.
fn strings_of(statement: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match statement.get(key)? {
        Value::String(one) => Some(vec![one.clone()]),
        Value::Array(list) => Some(
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// A condition value (scalar or list) as text.
fn values_of(value: &Value) -> Vec<String> {
    match value {
        Value::Array(list) => list.iter().filter_map(scalar_text).collect(),
        other => scalar_text(other).into_iter().collect(),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `"*"`, or `{"AWS": "…" | [...], "Service": …, "Federated": …}`, flattened to the listed
/// identifiers (account ids, ARNs, service names).
fn principal_values(principal: &Value) -> Option<Vec<String>> {
    match principal {
        Value::String(s) if s == "*" => Some(vec!["*".into()]),
        Value::Object(map) if !map.is_empty() => {
            let mut out = Vec::new();
            for (kind, value) in map {
                if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&kind.as_str()) {
                    return None;
                }
                match value {
                    Value::String(s) => out.push(s.clone()),
                    Value::Array(list) => {
                        for item in list {
                            out.push(item.as_str()?.to_string());
                        }
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}
