//! Iterative resolution (RFC 1034 §5.3.3): from the closest cached zone cut down through
//! referrals, glueless name servers and the answering server's reply, with the bailiwick
//! rules that decide what is cached (see the parent module's anti-poisoning notes).

use super::*;

impl Resolver {
    /// Resolves one name iteratively (RFC 1034 §5.3.3) from the closest known zone cut.
    pub(super) async fn iterate(
        &self,
        qname: &[u8],
        qtype: u16,
        budget: &Budget,
        depth: u32,
    ) -> Result<Step, Failed> {
        // DS lives in the parent zone (RFC 4035 §3.1.4.1): start above the name.
        let start = if qtype == rtype::DS {
            name::parent(qname).unwrap_or(name::ROOT)
        } else {
            qname
        };
        let (mut zone, mut servers) = self.closest_servers(start);
        for _ in 0..MAX_REFERRALS {
            match self
                .ask_zone(&zone, &servers, qname, qtype, budget, depth)
                .await?
            {
                Outcome::Step(step) => return Ok(step),
                Outcome::Referral {
                    child,
                    servers: next,
                } => {
                    zone = child;
                    servers = next;
                }
            }
        }
        Err(Failed)
    }

    /// The deepest zone cut above `start` whose servers are known (cached NS with addresses,
    /// or out-of-zone names that can be looked up), else the root from the hints.
    fn closest_servers(&self, start: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let now = Instant::now().into_std();
        for zone in name::ancestors(start) {
            if zone == name::ROOT {
                break;
            }
            let Some(Hit::Rrset { records, .. }) = self.cache.lookup(zone, rtype::NS, now) else {
                continue;
            };
            let servers: Vec<Vec<u8>> = records
                .iter()
                .map(|r| name::to_lowercase(r.rdata.bytes()))
                .collect();
            let usable = servers.iter().any(|ns| {
                !name::is_at_or_below(ns, zone) || !self.known_addresses(ns, zone).is_empty()
            });
            if usable {
                return (zone.to_vec(), servers);
            }
        }
        let mut roots: Vec<Vec<u8>> = Vec::new();
        if let Upstream::RootHints(hints) = &self.config.upstream {
            for (ns, _) in hints {
                if !roots.contains(ns) {
                    roots.push(ns.clone());
                }
            }
        }
        (name::ROOT.to_vec(), roots)
    }

    /// Addresses of `ns` known without a query: root hints for the root's servers, else
    /// cached A and AAAA (IPv4 first).
    fn known_addresses(&self, ns: &[u8], zone: &[u8]) -> Vec<IpAddr> {
        let mut addrs = Vec::new();
        if zone == name::ROOT {
            if let Upstream::RootHints(hints) = &self.config.upstream {
                addrs.extend(
                    hints
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case(ns))
                        .map(|(_, a)| *a),
                );
            }
        }
        let now = Instant::now().into_std();
        for qtype in [rtype::A, rtype::AAAA] {
            if let Some(Hit::Rrset { records, .. }) = self.cache.lookup(ns, qtype, now) {
                addrs.extend(
                    records
                        .iter()
                        .filter_map(|r| address(r.rtype, r.rdata.bytes())),
                );
            }
        }
        addrs.sort_by_key(|a| a.is_ipv6());
        addrs.dedup();
        addrs
    }

    /// Asks the servers of `zone` in turn until one gives an answer or a referral.
    async fn ask_zone(
        &self,
        zone: &[u8],
        servers: &[Vec<u8>],
        qname: &[u8],
        qtype: u16,
        budget: &Budget,
        depth: u32,
    ) -> Result<Outcome, Failed> {
        let mut known = Vec::new();
        let mut glueless = Vec::new();
        for ns in servers {
            let addrs = self.known_addresses(ns, zone);
            if addrs.is_empty() {
                glueless.push(ns.clone());
            } else {
                known.push(addrs);
            }
        }
        {
            use rand::seq::SliceRandom;
            known.shuffle(&mut rand::thread_rng());
        }
        for addrs in known {
            for addr in addrs {
                if let Some(outcome) = self.ask_server(addr, zone, qname, qtype, budget).await? {
                    return Ok(outcome);
                }
            }
        }
        for ns in glueless {
            // A server named inside the zone needs glue; without it, it cannot be reached.
            if name::is_at_or_below(&ns, zone) || depth >= MAX_GLUELESS_DEPTH {
                continue;
            }
            for addr in self.lookup_addresses(&ns, budget, depth + 1).await {
                if let Some(outcome) = self.ask_server(addr, zone, qname, qtype, budget).await? {
                    return Ok(outcome);
                }
            }
        }
        tracing::debug!(zone = %name::to_text(zone), qname = %name::to_text(qname), "no server of the zone answered");
        Err(Failed)
    }

    /// Resolves the IPv4 addresses of a glueless name server (boxed: it recurses).
    fn lookup_addresses<'a>(
        &'a self,
        ns: &'a [u8],
        budget: &'a Budget,
        depth: u32,
    ) -> Pin<Box<dyn Future<Output = Vec<IpAddr>> + Send + 'a>> {
        Box::pin(async move {
            match self.resolve_chain(ns, rtype::A, budget, depth).await {
                Ok(resolution) => resolution
                    .answer
                    .iter()
                    .filter_map(|r| address(r.rtype, r.rdata.bytes()))
                    .collect(),
                Err(Failed) => Vec::new(),
            }
        })
    }

    /// Asks one server; `None` when it is lame, unresponsive or says something unusable.
    async fn ask_server(
        &self,
        addr: IpAddr,
        zone: &[u8],
        qname: &[u8],
        qtype: u16,
        budget: &Budget,
    ) -> Result<Option<Outcome>, Failed> {
        let Some(deadline) = budget.take_query() else {
            return Err(Failed);
        };
        let server = SocketAddr::new(addr, self.config.port);
        let ask = Ask {
            recursion_desired: false,
            dnssec_ok: self.config.dnssec_ok,
        };
        match exchange(
            server,
            qname,
            qtype,
            ask,
            None,
            query_deadline(self.config.query_timeout, deadline),
            &self.transport,
        )
        .await
        {
            Ok(reply) => {
                let outcome = self.classify(&reply, zone, qname, qtype);
                if outcome.is_none() {
                    tracing::debug!(%server, zone = %name::to_text(zone), rcode = %reply.rcode(), "lame or unusable reply");
                }
                Ok(outcome)
            }
            Err(error) => {
                tracing::debug!(%server, ?error, "name server did not answer");
                Ok(None)
            }
        }
    }

    /// Reads a reply from a server of `zone`: a referral further down, or an answer.
    fn classify(&self, reply: &Message, zone: &[u8], qname: &[u8], qtype: u16) -> Option<Outcome> {
        if !matches!(reply.rcode(), Rcode::NoError | Rcode::NxDomain) {
            return None;
        }
        let answers_qname = reply.answer.iter().any(|rr| {
            rr.class == message::CLASS_IN
                && name::is_at_or_below(&rr.owner, zone)
                && rr.owner == qname
        });
        if reply.rcode() == Rcode::NoError && !answers_qname {
            // A referral: NS for a zone strictly below this one and at or above the qname.
            let child = reply.authority.iter().find(|rr| {
                rr.rtype == rtype::NS
                    && rr.class == message::CLASS_IN
                    && rr.owner != zone
                    && name::is_at_or_below(&rr.owner, zone)
                    && name::is_at_or_below(qname, &rr.owner)
            });
            if let Some(child) = child {
                return Some(self.take_referral(reply, zone, child.owner.clone()));
            }
        }
        self.digest(reply, qname, qtype, zone).map(Outcome::Step)
    }

    /// Caches a referral's NS RRset and the glue for its servers that lies inside `zone`
    /// (the bailiwick of the server that sent it); everything else in it is ignored.
    fn take_referral(&self, reply: &Message, zone: &[u8], child: Vec<u8>) -> Outcome {
        let now = Instant::now().into_std();
        let ns: Vec<&Rr> = reply
            .authority
            .iter()
            .filter(|rr| {
                rr.rtype == rtype::NS && rr.class == message::CLASS_IN && rr.owner == child
            })
            .collect();
        let servers: Vec<Vec<u8>> = ns.iter().map(|rr| name::to_lowercase(&rr.rdata)).collect();
        self.cache_rrset(&ns, Rank::Referral, now);
        for server in &servers {
            if !name::is_at_or_below(server, zone) {
                continue;
            }
            for glue_type in [rtype::A, rtype::AAAA] {
                let glue: Vec<&Rr> = reply
                    .additional
                    .iter()
                    .filter(|rr| {
                        rr.rtype == glue_type
                            && rr.class == message::CLASS_IN
                            && rr.owner == *server
                    })
                    .collect();
                self.cache_rrset(&glue, Rank::Referral, now);
            }
        }
        Outcome::Referral { child, servers }
    }

    //--- Reading answers

    /// Follows the answer section from `qname` through DNAMEs and CNAMEs, using and caching
    /// only records inside `bailiwick`, and decides what the reply says about the chain's end.
    pub(super) fn digest(
        &self,
        reply: &Message,
        qname: &[u8],
        qtype: u16,
        bailiwick: &[u8],
    ) -> Option<Step> {
        let now = Instant::now().into_std();
        let usable =
            |rr: &&Rr| rr.class == message::CLASS_IN && name::is_at_or_below(&rr.owner, bailiwick);
        let mut chain = Vec::new();
        let mut proof = Vec::new();
        let mut current = qname.to_vec();
        loop {
            // A DNAME above the name redirects it: kept before the CNAME made from it, and
            // whatever the reply holds below it is occluded (RFC 6672 §2.3, §3.4).
            if let Some(rr) = dname::in_reply(reply, &current, bailiwick) {
                if chain.len() >= MAX_CNAME_HOPS {
                    break;
                }
                let dnssec = self.dnssec_of(reply, &rr.owner, rtype::DNAME, bailiwick);
                let mut records = self.cache_signed_rrset(&[rr], Rank::Answer, dnssec.clone(), now);
                let found = dname::redirect(records.pop()?, &current)?;
                let (owner, ttl) = (found.dname.owner.clone(), found.dname.ttl);
                chain.push(found.dname);
                // The DNAME's RRSIGs prove the CNAME made from it (RFC 6672 §5.3.1).
                if let Some(dnssec) = dnssec {
                    chain.extend(sig_records(&owner, ttl, &dnssec));
                    proof.extend(proof_records(ttl, &dnssec));
                }
                if qtype == rtype::CNAME {
                    return Some(Step {
                        chain,
                        end: End::Data(vec![found.cname]),
                        proof,
                    });
                }
                chain.push(found.cname);
                current = found.target;
                continue;
            }
            let data: Vec<&Rr> = reply
                .answer
                .iter()
                .filter(usable)
                .filter(|rr| rr.rtype == qtype && rr.owner == current)
                .collect();
            if !data.is_empty() {
                let dnssec = self.dnssec_of(reply, &current, qtype, bailiwick);
                let mut records = self.cache_signed_rrset(&data, Rank::Answer, dnssec.clone(), now);
                if records.is_empty() {
                    return None;
                }
                let ttl = records[0].ttl;
                if let Some(dnssec) = dnssec {
                    records.extend(sig_records(&current, ttl, &dnssec));
                    proof.extend(proof_records(ttl, &dnssec));
                }
                return Some(Step {
                    chain,
                    end: End::Data(records),
                    proof,
                });
            }
            if qtype == rtype::CNAME || chain.len() >= MAX_CNAME_HOPS {
                break;
            }
            let cname: Vec<&Rr> = reply
                .answer
                .iter()
                .filter(usable)
                .filter(|rr| rr.rtype == rtype::CNAME && rr.owner == current)
                .collect();
            // A CNAME RRset has exactly one record (RFC 2181 §10.1).
            let [cname] = cname[..] else { break };
            let dnssec = self.dnssec_of(reply, &current, rtype::CNAME, bailiwick);
            let mut records = self.cache_signed_rrset(&[cname], Rank::Answer, dnssec.clone(), now);
            let record = records.pop()?;
            let owner = std::mem::replace(&mut current, name::to_lowercase(record.rdata.bytes()));
            let ttl = record.ttl;
            chain.push(record);
            if let Some(dnssec) = dnssec {
                chain.extend(sig_records(&owner, ttl, &dnssec));
                proof.extend(proof_records(ttl, &dnssec));
            }
        }
        if !chain.is_empty() && !name::is_at_or_below(&current, bailiwick) {
            return Some(Step {
                chain,
                end: End::Cname(current),
                proof,
            });
        }
        let soa = reply
            .authority
            .iter()
            .filter(usable)
            .find(|rr| rr.rtype == rtype::SOA && name::is_at_or_below(&current, &rr.owner));
        let kind = match reply.rcode() {
            Rcode::NxDomain => Negative::NxDomain,
            _ if !reply.answer.iter().any(|rr| rr.owner == current) && soa.is_some() => {
                Negative::NoData(qtype)
            }
            // A CNAME into a part of the zone this server delegates away: resolve the target.
            _ if !chain.is_empty() => {
                return Some(Step {
                    chain,
                    end: End::Cname(current),
                    proof,
                })
            }
            // NODATA without SOA (RFC 2308 §2.2 type 3) from an authoritative server: not cached.
            _ if reply.flags & 0x0400 != 0 && reply.answer.is_empty() => {
                return Some(Step {
                    chain,
                    end: End::NoData(Vec::new()),
                    proof,
                })
            }
            _ => return None,
        };
        let authority = match soa
            .and_then(|soa| Some((soa, Rdata::new(rtype::SOA, soa.rdata.clone()).ok()?)))
        {
            Some((soa, rdata)) => {
                let dnssec = self.negative_proof(reply, bailiwick);
                self.cache.insert_signed_negative(
                    &current,
                    kind,
                    (&soa.owner, soa.ttl, &rdata),
                    dnssec.clone(),
                    now,
                );
                let ttl = negative_ttl(soa.ttl, &rdata).min(self.config.max_negative_ttl);
                let mut records = vec![Record {
                    owner: soa.owner.clone(),
                    rtype: rtype::SOA,
                    ttl,
                    rdata,
                }];
                if let Some(dnssec) = dnssec {
                    records.extend(proof_records(ttl, &dnssec));
                }
                records
            }
            None => Vec::new(),
        };
        Some(match kind {
            Negative::NxDomain => Step {
                chain,
                end: End::NxDomain(authority),
                proof,
            },
            Negative::NoData(_) => Step {
                chain,
                end: End::NoData(authority),
                proof,
            },
        })
    }

    /// Caches records of one RRset (same owner and type) and returns them as [`Record`]s
    /// with the RRset's TTL (its smallest, capped). Records whose RDATA is malformed are
    /// dropped.
    fn cache_rrset(&self, rrs: &[&Rr], rank: Rank, now: std::time::Instant) -> Vec<Record> {
        self.cache_signed_rrset(rrs, rank, None, now)
    }

    /// [`cache_rrset`](Self::cache_rrset) with the RRset's DNSSEC records.
    fn cache_signed_rrset(
        &self,
        rrs: &[&Rr],
        rank: Rank,
        dnssec: Option<Arc<Dnssec>>,
        now: std::time::Instant,
    ) -> Vec<Record> {
        let Some(first) = rrs.first() else {
            return Vec::new();
        };
        let ttl = rrs
            .iter()
            .map(|rr| rr.ttl)
            .min()
            .unwrap_or(0)
            .min(self.config.max_ttl);
        let mut rdatas: Vec<Rdata> = Vec::with_capacity(rrs.len());
        for rr in rrs {
            if let Ok(rdata) = Rdata::new(rr.rtype, rr.rdata.clone()) {
                if !rdatas.contains(&rdata) {
                    rdatas.push(rdata);
                }
            }
        }
        self.cache.insert_signed_rrset(
            &first.owner,
            first.rtype,
            ttl,
            rdatas.clone(),
            rank,
            dnssec,
            now,
        );
        rdatas
            .into_iter()
            .map(|rdata| Record {
                owner: first.owner.clone(),
                rtype: first.rtype,
                ttl,
                rdata,
            })
            .collect()
    }
}

//--- DNSSEC records (only when the resolver sets DO)

impl Resolver {
    /// The RRSIGs over `owner`/`rtype` in the reply's answer and, when they show a wildcard
    /// expansion, the authority's NSEC/NSEC3 proof; `None` without DO or signatures.
    fn dnssec_of(
        &self,
        reply: &Message,
        owner: &[u8],
        rtype: u16,
        bailiwick: &[u8],
    ) -> Option<Arc<Dnssec>> {
        if !self.config.dnssec_ok {
            return None;
        }
        let sigs: Vec<Rdata> = reply
            .answer
            .iter()
            .filter(|rr| {
                rr.rtype == rtype::RRSIG
                    && rr.class == message::CLASS_IN
                    && rr.owner == owner
                    && covered(&rr.rdata) == Some(rtype)
            })
            .filter_map(|rr| Rdata::new(rr.rtype, rr.rdata.clone()).ok())
            .collect();
        if sigs.is_empty() {
            return None;
        }
        let labels = cairn_crypto::dnssec::label_count(owner);
        let expanded = sigs
            .iter()
            .any(|s| s.bytes().get(3).is_some_and(|&l| l < labels));
        let proof = if expanded {
            denial_records(reply, bailiwick)
        } else {
            Vec::new()
        };
        Some(Arc::new(Dnssec { sigs, proof }))
    }

    /// A negative answer's DNSSEC records (NSEC/NSEC3, RRSIGs), when DO is set.
    fn negative_proof(&self, reply: &Message, bailiwick: &[u8]) -> Option<Arc<Dnssec>> {
        if !self.config.dnssec_ok {
            return None;
        }
        let proof = denial_records(reply, bailiwick);
        (!proof.is_empty()).then(|| {
            Arc::new(Dnssec {
                sigs: Vec::new(),
                proof,
            })
        })
    }
}

/// The type an RRSIG's RDATA covers.
fn covered(rdata: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*rdata.first()?, *rdata.get(1)?]))
}

/// The reply's authority records that deny existence: NSEC, NSEC3 and RRSIGs (over them or
/// the SOA), inside the bailiwick.
fn denial_records(reply: &Message, bailiwick: &[u8]) -> Vec<(Vec<u8>, u16, Rdata)> {
    reply
        .authority
        .iter()
        .filter(|rr| rr.class == message::CLASS_IN && name::is_at_or_below(&rr.owner, bailiwick))
        .filter(|rr| match rr.rtype {
            rtype::NSEC | rtype::NSEC3 => true,
            rtype::RRSIG => matches!(
                covered(&rr.rdata),
                Some(rtype::NSEC | rtype::NSEC3 | rtype::SOA)
            ),
            _ => false,
        })
        .filter_map(|rr| {
            Some((
                rr.owner.clone(),
                rr.rtype,
                Rdata::new(rr.rtype, rr.rdata.clone()).ok()?,
            ))
        })
        .collect()
}

/// An RRset's RRSIGs as records.
fn sig_records<'a>(
    owner: &[u8],
    ttl: u32,
    dnssec: &'a Dnssec,
) -> impl Iterator<Item = Record> + 'a {
    let owner = owner.to_vec();
    dnssec.sigs.iter().map(move |rdata| Record {
        owner: owner.clone(),
        rtype: rtype::RRSIG,
        ttl,
        rdata: rdata.clone(),
    })
}

/// A proof's records.
fn proof_records(ttl: u32, dnssec: &Dnssec) -> impl Iterator<Item = Record> + '_ {
    dnssec
        .proof
        .iter()
        .map(move |(owner, rtype, rdata)| Record {
            owner: owner.clone(),
            rtype: *rtype,
            ttl,
            rdata: rdata.clone(),
        })
}
