//! Root hints in BIND's `named.root` format.

use std::net::IpAddr;

use super::name;

/// A line of a root hints file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("root hints line {line}: {reason}")]
pub struct RootHintsError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// One root server: its name (uncompressed wire form, lowercased) and one of its addresses.
pub type RootHint = (Vec<u8>, IpAddr);

/// IANA's `named.root` (as shipped by Debian's `dns-root-data`), the default hints.
pub const IANA_ROOT_HINTS: &str = include_str!("named.root");

/// The IANA root servers, parsed from [`IANA_ROOT_HINTS`].
pub fn iana_root_hints() -> Vec<RootHint> {
    parse_root_hints(IANA_ROOT_HINTS).expect("the bundled named.root parses (unit-tested)")
}

/// Parses BIND's `named.root`: `. 3600000 NS A.ROOT-SERVERS.NET.` lines name the root
/// servers, `A.ROOT-SERVERS.NET. 3600000 A 198.41.0.4` (and `AAAA`) lines give their
/// addresses. Comments (`;`) and blank lines are skipped; the class `IN` and the TTL are
/// optional. Returns one entry per address of a server named by a root NS line, in file
/// order; an error when a line is malformed or no server has an address.
pub fn parse_root_hints(text: &str) -> Result<Vec<RootHint>, RootHintsError> {
    let mut servers: Vec<Vec<u8>> = Vec::new();
    let mut addresses: Vec<(usize, Vec<u8>, IpAddr)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |reason| RootHintsError { line, reason };
        let content = raw.split(';').next().unwrap_or_default();
        let mut fields: Vec<&str> = content.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if fields.len() < 3 {
            return Err(error("expected `owner [ttl] [IN] type data`"));
        }
        let owner = name::from_text(fields[0]).ok_or_else(|| error("bad owner name"))?;
        fields.remove(0);
        if fields[0].bytes().all(|b| b.is_ascii_digit()) {
            fields.remove(0);
        }
        if fields.first().is_some_and(|f| f.eq_ignore_ascii_case("IN")) {
            fields.remove(0);
        }
        let [rtype, data] = fields[..] else {
            return Err(error("expected `type data`"));
        };
        match rtype.to_ascii_uppercase().as_str() {
            "NS" => {
                if owner != name::ROOT {
                    return Err(error("NS record for a name other than the root"));
                }
                let target = name::from_text(data).ok_or_else(|| error("bad NS target"))?;
                servers.push(name::to_lowercase(&target));
            }
            "A" | "AAAA" => {
                let addr: IpAddr = data.parse().map_err(|_| error("bad address"))?;
                if addr.is_ipv4() != (rtype.eq_ignore_ascii_case("A")) {
                    return Err(error("address family does not match the type"));
                }
                addresses.push((line, name::to_lowercase(&owner), addr));
            }
            _ => return Err(error("only NS, A and AAAA records belong in root hints")),
        }
    }
    let hints: Vec<RootHint> = addresses
        .into_iter()
        .filter(|(_, owner, _)| servers.contains(owner))
        .map(|(_, owner, addr)| (owner, addr))
        .collect();
    if hints.is_empty() {
        return Err(RootHintsError {
            line: text.lines().count(),
            reason: "no root server with an address",
        });
    }
    Ok(hints)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
;       This file holds the information on root name servers needed to
;       initialize cache of Internet domain name servers
;
.                        3600000      NS    A.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
;
; FORMERLY NS1.ISI.EDU
;
.                        3600000      NS    B.ROOT-SERVERS.NET.
B.ROOT-SERVERS.NET.      3600000  IN  A     170.247.170.2
UNRELATED.EXAMPLE.       3600000      A     192.0.2.1
; End of file";

    #[test]
    fn named_root_is_parsed() {
        let hints = parse_root_hints(SAMPLE).expect("parses");
        let a = name::from_text("a.root-servers.net.").expect("name");
        let b = name::from_text("b.root-servers.net.").expect("name");
        assert_eq!(
            hints,
            vec![
                (a.clone(), "198.41.0.4".parse().expect("ip")),
                (a, "2001:503:ba3e::2:30".parse().expect("ip")),
                (b, "170.247.170.2".parse().expect("ip")),
            ]
        );
    }

    #[test]
    fn bundled_iana_hints_name_thirteen_servers() {
        let hints = iana_root_hints();
        assert_eq!(hints.len(), 26);
        assert_eq!(
            hints[0],
            (
                name::from_text("a.root-servers.net").expect("name"),
                "198.41.0.4".parse().expect("ip")
            )
        );
        assert_eq!(hints.iter().filter(|(_, addr)| addr.is_ipv4()).count(), 13);
    }

    #[test]
    fn malformed_hints_are_rejected_with_a_line_number() {
        let bad = ".  3600000 NS a.root.\na.root. 3600000 A 300.1.1.1\n";
        assert_eq!(parse_root_hints(bad).map_err(|e| e.line), Err(2));
        let wrong_family = ".  NS a.root.\na.root. A ::1\n";
        assert!(parse_root_hints(wrong_family).is_err());
        let no_address = ".  3600000 NS a.root.\n";
        assert!(parse_root_hints(no_address).is_err());
        let mx = ". 3600 MX 10 a.root.\n";
        assert!(parse_root_hints(mx).is_err());
        assert!(parse_root_hints("").is_err());
    }
}
