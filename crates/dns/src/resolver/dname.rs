//! DNAME in the resolver (RFC 6672 §3.4): a DNAME in a reply is kept in the answer, before
//! the CNAME synthesised from it, and cached, so that another name below it is answered by
//! synthesis from the cache without asking again.
//!
//! The CNAME is always synthesised here from the DNAME (owner = the name being followed,
//! TTL = the DNAME's, target = the name with the DNAME's owner replaced by its target), never
//! taken from the reply nor cached: the DNAME stands for every CNAME below it, and a cached
//! CNAME would be served later without its DNAME.

use cairn_wire::Rdata;

use super::cache::{Hit, Rank};
use super::message::{self, rtype, Message, Rr};
use super::{name, End, Record, Resolver, Step};

/// A DNAME and the CNAME it makes for one name.
pub(super) struct Redirect {
    pub(super) dname: Record,
    pub(super) cname: Record,
    /// The CNAME's target, lowercase.
    pub(super) target: Vec<u8>,
}

/// The DNAME in `reply`'s answer section, inside `bailiwick`, whose owner lies strictly above
/// `current`: the one that redirects it.
pub(super) fn in_reply<'m>(reply: &'m Message, current: &[u8], bailiwick: &[u8]) -> Option<&'m Rr> {
    reply.answer.iter().find(|rr| {
        rr.rtype == rtype::DNAME
            && rr.class == message::CLASS_IN
            && rr.owner.len() < current.len()
            && name::is_at_or_below(&rr.owner, bailiwick)
            && name::is_at_or_below(current, &rr.owner)
    })
}

/// The CNAME `dname` synthesises for `current` (strictly below its owner); `None` when the
/// new name would be too long (a server answers YXDOMAIN) or the DNAME does not read.
pub(super) fn redirect(dname: Record, current: &[u8]) -> Option<Redirect> {
    let target = name::replace_suffix(current, &dname.owner, dname.rdata.bytes())?;
    let target = name::to_lowercase(&target);
    let cname = Record {
        owner: current.to_vec(),
        rtype: rtype::CNAME,
        ttl: dname.ttl,
        rdata: Rdata::new(rtype::CNAME, target.clone()).ok()?,
    };
    Some(Redirect {
        dname,
        cname,
        target,
    })
}

impl Resolver {
    /// The step a cached DNAME above `owner` gives (RFC 6672 §3.4): the DNAME and the CNAME
    /// synthesised from it, continuing at the CNAME's target (or ending with the CNAME when
    /// CNAME was asked). Looked for only when the cache has no answer at `owner` itself.
    pub(super) fn dname_from_cache(
        &self,
        owner: &[u8],
        qtype: u16,
        now: std::time::Instant,
    ) -> Option<Step> {
        for ancestor in name::ancestors(owner).skip(1) {
            // With DO, the DNAME's RRSIGs (and a wildcard's proof) come with it: they
            // prove the CNAME synthesised here (RFC 6672 §5.3.1).
            let Some(Hit::Rrset {
                mut records,
                rank: Rank::Answer,
                sigs,
                proof,
            }) = self.cache.lookup(ancestor, rtype::DNAME, now)
            else {
                continue;
            };
            // A DNAME RRset holds one record (RFC 6672 §2.4).
            if records.len() != 1 {
                return None;
            }
            let found = redirect(records.remove(0), owner)?;
            return Some(step_of(found, sigs, proof, qtype));
        }
        None
    }
}

/// The chain a redirect adds, and where it ends: at the CNAME when CNAME was asked (the
/// CNAME is then the data), else at the CNAME's target, which is resolved next.
/// `sigs` and `proof` are the DNAME's DNSSEC records (empty without DO).
fn step_of(found: Redirect, sigs: Vec<Record>, proof: Vec<Record>, qtype: u16) -> Step {
    let mut chain = vec![found.dname];
    chain.extend(sigs);
    if qtype == rtype::CNAME {
        return Step {
            chain,
            end: End::Data(vec![found.cname]),
            proof,
        };
    }
    chain.push(found.cname);
    Step {
        chain,
        end: End::Cname(found.target),
        proof,
    }
}
