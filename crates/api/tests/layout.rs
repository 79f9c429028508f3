//! The crate's module layout as a test: the services are siblings that import no other
//! service, and no two top-level modules import each other, directly or around a loop
//! (issue 16). Reads the sources; `crate::x` paths in code (not comments, not unit tests)
//! count as imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SERVICES: [&str; 4] = ["route53", "resolver", "profiles", "ec2"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module of each file, and the top-level modules its code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name")
            .trim_end_matches(".rs")
            .to_string();
        if first == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let deps = graph.entry(first.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != first {
                    deps.insert(name);
                }
            }
            // `use crate::{a, b}` in one line.
            if let Some(group) = line.trim().strip_prefix("use crate::{") {
                for name in group.trim_end_matches("};").split(',') {
                    let name = name.trim().split("::").next().unwrap_or_default();
                    if !name.is_empty() && name != first {
                        deps.insert(name.to_string());
                    }
                }
            }
        }
    }
    graph
}

#[test]
fn services_import_no_other_service() {
    let graph = imports();
    for service in SERVICES {
        let deps = graph.get(service).expect("service module");
        for other in SERVICES.iter().filter(|s| **s != service) {
            assert!(!deps.contains(*other), "{service} imports {other}");
        }
    }
}

/// KMS is a service too and imports none of the others; Route 53's DNSSEC signing may use
/// its `ksk` module (one way, as Route 53 uses KMS on AWS: the cycle test keeps it one way).
#[test]
fn kms_imports_no_other_service() {
    let graph = imports();
    let deps = graph.get("kms").expect("kms module");
    for other in SERVICES {
        assert!(!deps.contains(other), "kms imports {other}");
    }
}

/// Route 53 Domains is a service too and imports none of the others; Route 53 uses its
/// `registry` to keep the TLD zones out of its calls (one way: the cycle test keeps it so).
#[test]
fn domains_imports_no_other_service() {
    let graph = imports();
    let deps = graph.get("domains").expect("domains module");
    for other in SERVICES.iter().chain(&["kms"]) {
        assert!(!deps.contains(*other), "domains imports {other}");
    }
}

/// IAM (and STS) is a service too; every other service is authorized through `authz`,
/// never by importing it, so IAM imports none of them.
#[test]
fn iam_imports_no_other_service() {
    let graph = imports();
    let deps = graph.get("iam").expect("iam module");
    for other in SERVICES.iter().chain(&["kms", "domains", "logs"]) {
        assert!(!deps.contains(*other), "iam imports {other}");
    }
}

/// CloudWatch Logs is a service too and imports none of the others (it reads the query-log
/// files, not the Resolver's or Route 53's configs).
#[test]
fn logs_imports_no_other_service() {
    let graph = imports();
    let deps = graph.get("logs").expect("logs module");
    for other in SERVICES.iter().chain(&["kms", "domains", "iam"]) {
        assert!(!deps.contains(*other), "logs imports {other}");
    }
}

#[test]
fn no_import_cycle_between_modules() {
    let graph = imports();
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|n| *n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    assert!(graph.contains_key("dispatch") && graph["router"].contains("ec2"));
}
