//! Table-driven policy evaluation and validation.
//!
//! `tests/cases/eval/*.txt` hold policies and one request per line:
//!
//! ```text
//! policy NAME            then the policy's JSON, up to a line `end`
//! resource-policy NAME   the same for a resource policy (may name principals)
//! use NAME [NAME…]       the policies the following requests are evaluated against
//! EXPECT ACTION RESOURCE [KEY=V1|V2 …]   EXPECT is allow, deny (explicit) or implicit
//! ```
//!
//! `KEY=` gives the key with no values; `@r53names=N1|N2` sets
//! `route53:ChangeResourceRecordSetsNormalizedRecordNames` from Route 53 names through
//! `route53::normalized_record_name`, so the normalisation is tested with the rules.
//!
//! `tests/cases/validation.txt` holds documents separated by lines `---`; each starts with
//! `expect: ok` or `expect: <MalformedPolicyDocument message>` and an optional
//! `kind: resource` line, then the JSON.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use cairn_iam::route53::{normalized_record_name, NORMALIZED_RECORD_NAMES};
use cairn_iam::{evaluate, parse, Decision, Kind, Policy, RequestContext};
use cairn_model::DomainName;

fn cases_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases"))
}

/// Runs one eval file; returns how many requests it checked and the failures.
fn run_eval_file(path: &Path) -> (usize, Vec<String>) {
    let text = fs::read_to_string(path).expect("read case file");
    let file = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    let mut policies: BTreeMap<String, Policy> = BTreeMap::new();
    let mut in_use: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let line = raw.trim();
        let at = format!("{file}:{}", index + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let header = line
            .strip_prefix("policy ")
            .map(|name| (name, Kind::Identity))
            .or_else(|| {
                line.strip_prefix("resource-policy ")
                    .map(|name| (name, Kind::Resource))
            });
        if let Some((name, kind)) = header {
            let mut json = String::new();
            for (_, body) in lines.by_ref() {
                if body.trim() == "end" {
                    break;
                }
                json.push_str(body);
                json.push('\n');
            }
            match parse(&json, kind) {
                Ok(policy) => {
                    policies.insert(name.trim().to_string(), policy);
                }
                Err(e) => failures.push(format!("{at}: policy {name} refused: {e}")),
            }
            continue;
        }
        if let Some(names) = line.strip_prefix("use") {
            in_use = names.split_whitespace().map(str::to_string).collect();
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(expect), Some(action), Some(resource)) =
            (fields.next(), fields.next(), fields.next())
        else {
            failures.push(format!("{at}: malformed case line"));
            continue;
        };
        let expected = match expect {
            "allow" => Decision::Allow,
            "deny" => Decision::ExplicitDeny,
            "implicit" => Decision::ImplicitDeny,
            other => {
                failures.push(format!("{at}: unknown expectation {other}"));
                continue;
            }
        };
        let mut ctx = RequestContext::new(action, resource);
        for pair in fields {
            let Some((key, values)) = pair.split_once('=') else {
                failures.push(format!("{at}: key without '=': {pair}"));
                continue;
            };
            let values: Vec<&str> = if values.is_empty() {
                Vec::new()
            } else {
                values.split('|').collect()
            };
            if key == "@r53names" {
                let names = values.iter().map(|n| {
                    let name = DomainName::from_route53(n).expect("route 53 name");
                    normalized_record_name(&name)
                });
                ctx.set_values(NORMALIZED_RECORD_NAMES, names);
            } else {
                ctx.set_values(key, values);
            }
        }
        let mut chosen = Vec::new();
        for name in &in_use {
            match policies.get(name) {
                Some(policy) => chosen.push(policy),
                None => failures.push(format!("{at}: no policy named {name}")),
            }
        }
        let got = evaluate(chosen, &ctx);
        checked += 1;
        if got != expected {
            failures.push(format!(
                "{at}: [{}] {line}: expected {expected:?}, got {got:?}",
                in_use.join(" ")
            ));
        }
    }
    (checked, failures)
}

#[test]
fn evaluation_table() {
    let mut files: Vec<_> = fs::read_dir(cases_dir().join("eval"))
        .expect("eval dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    for file in &files {
        let (checked, mut failed) = run_eval_file(file);
        assert!(checked > 0, "{} has no cases", file.display());
        total += checked;
        failures.append(&mut failed);
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The table is the point of this test: guard against a file silently not being read.
    assert!(total >= 200, "only {total} evaluation cases were read");
}

#[test]
fn validation_table() {
    let text = fs::read_to_string(cases_dir().join("validation.txt")).expect("validation.txt");
    let mut failures = Vec::new();
    let mut total = 0;
    for (index, block) in text.split("\n---\n").enumerate() {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        let mut expect = None;
        let mut kind = Kind::Identity;
        let mut json = String::new();
        for line in block.lines() {
            if let Some(e) = line.strip_prefix("expect: ") {
                expect = Some(e.to_string());
            } else if line.trim() == "kind: resource" {
                kind = Kind::Resource;
            } else if !line.starts_with('#') {
                json.push_str(line);
                json.push('\n');
            }
        }
        let Some(expect) = expect else {
            failures.push(format!("block {}: no expect line", index + 1));
            continue;
        };
        total += 1;
        let got = match parse(&json, kind) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.0,
        };
        if got != expect {
            failures.push(format!(
                "block {}: expected {expect:?}, got {got:?}\n{json}",
                index + 1
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 50, "only {total} validation cases were read");
}
