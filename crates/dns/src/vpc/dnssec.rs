//! What a client of a validating VPC sees (issue 18; DESIGN.md §7, as Unbound answers):
//! a bogus answer becomes SERVFAIL with an Extended DNS Error unless the client set CD; AD
//! is set on secure answers when the client set DO or AD (RFC 6840 §5.7–5.8); RRSIG, NSEC
//! and NSEC3 records reach only clients that set DO (RFC 4035 §3.2.1).

use cairn_wire::{rtype, Query, Rcode};

use crate::resolver::validate::Security;
use crate::vpc::answer::Found;

/// RRSIG, NSEC, NSEC3: the records only DO clients get.
const DNSSEC_TYPES: [u16; 3] = [46, 47, 50];

/// Applies validation's verdict to `found` for `query`; nothing for answers that were not
/// validated (private zones, forwarded names, VPCs with validation off).
pub(crate) fn finish(query: &Query<'_>, found: &mut Found) {
    let Some(security) = found.security.take() else {
        return;
    };
    let dnssec_ok = query.edns.is_some_and(|e| e.dnssec_ok);
    match security {
        Security::Bogus(ede) if !query.cd => {
            tracing::debug!(code = ede.code, text = %ede.text, "DNSSEC validation failed");
            found.rcode = Rcode::ServFail;
            found.answer.clear();
            found.authority.clear();
            found.authoritative = false;
            found.ede = Some(ede);
            return;
        }
        Security::Secure => found.ad = dnssec_ok || query.ad,
        Security::Bogus(_) | Security::Insecure => {}
    }
    if !dnssec_ok {
        let qtype = query.qtype;
        let shown = |t: u16| t == qtype || qtype == rtype::ANY || !DNSSEC_TYPES.contains(&t);
        found.answer.retain(|r| shown(r.rtype));
        found.authority.retain(|r| !DNSSEC_TYPES.contains(&r.rtype));
    }
}
