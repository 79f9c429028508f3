#!/usr/bin/env python3
"""VPC resolver throughput and latency: Cairn against Unbound, same upstream, same names.

    bench/resolver_vs_unbound.py [--duration 10] [--lat-duration 5] [--rate 20000]
                                 [--hit-names 20000] [--cold-names 40000] [--cold-rate 5000]
                                 [--cairn NAME=PATH ...] [--rounds 1] [--callgrind DIR]
                                 [--setups plain,firewall,query-log,public,validate]

The upstream: one Knot (1 UDP worker, pinned to core 0 with dnsperf) serves bench/gen_zone.py's
100k-record zone `bench.example.` authoritatively on 127.0.0.1. Both resolvers forward that
zone to it and nothing else to anything live (never the real root):

- Cairn, set up as a user with a Route 53 Resolver forwarding rule has it: a VPC
  (127.10.0.0/16) with an OUTBOUND endpoint (127.10.1.10), a FORWARD rule for
  `bench.example` whose target is the Knot, associated with the VPC; clients ask the VPC's
  "+2" address (127.10.0.2 on --vpc-dns-port), as an instance in the VPC does. Public
  names (`--forwarder`) go to a dead loopback port, so every answer proves the rule path.
- Unbound 1.17 (`num-threads: 1`, `module-config: "iterator"`, 256 MiB message and RRset
  caches so nothing is evicted), `forward-zone: bench.example` to the same Knot; "." to a
  dead loopback port.

Each resolver is started fresh per round, pinned to core 1 (taskset); dnsperf runs on core 0.
In order, on the fresh server:
  1. cold cache, throughput: --cold-names (name, type) pairs no one has asked before (every
     name of the query mix distinct), sent once at full speed (`-n 1 -c 4 -q 200`); QPS per
     server core-second = completed / server CPU-seconds (utime+stime of the whole process,
     /proc/PID/stat) over that pass;
  2. cold cache, latency: a second, disjoint set of new names sent once at --cold-rate
     (`-Q`, `-v`); p50/p99/p99.9 from the per-query latencies;
  3. warm-up: the --hit-names first lines of gen_zone's query file (its mix: 70% A/AAAA/
     TXT/MX hits, 10% NXDOMAIN, 10% wildcard, 10% CNAME) sent once;
  4. cache hits, throughput: dnsperf over that same file at full speed for --duration s
     (`-c 4 -q 200`); every answer now comes from the cache; QPS per server core-second;
  5. cache hits, latency: the same file at --rate for --lat-duration s;
  6. memory: VmRSS, VmHWM.
Negative answers are cached for 60 s (the zone's SOA MINIMUM), longer than steps 3-5 take.
`--setups` (comma-separated) measures each Cairn binary once per setup, interleaved, as
column `cairn:NAME+SETUP` (issue 13's speed targets):
  - `plain`: the forwarding rule only (the default);
  - `firewall`: also 3 DNS Firewall rule groups associated with the VPC (priorities 101, 200,
    300), each one BLOCK rule over its own domain list, 100,000 domains in all (a third exact
    names, the rest `*.` wildcards) that none of the bench's names match, so every query is
    checked against all three groups and resolved; the bench waits until a name of the
    last list is blocked (the follower has applied every firewall write) before measuring;
  - `query-log`: also a Resolver query log config associated with the VPC, so every query
    writes a JSON record to a file under the data dir (the writer thread's CPU counts);
  - `firewall+query-log`: both;
  - `public`: no rule; the bench zone is resolved as a public name (`--forwarder` to the
    Knot, which then signs the zone: `dnssec-signing: on`), validation off;
  - `validate`: the same with the VPC's DNSSEC validation ENABLED and `--trust-anchor` the
    zone's DS, so every answer is validated (issue 18's speed target: cache hits within 10%
    of `public`).
Then the Cairn/Unbound ratios. `--cairn NAME=PATH` (repeatable) and `--rounds N` work as in
bench/dns_vs_knot.py (servers interleaved per round, medians reported). Results also go to
bench/out/resolver_vs_unbound.json.

`--callgrind DIR` instead runs only the (first) Cairn binary under
`valgrind --tool=callgrind --instr-atstart=no`, warms its cache with the hit file, counts
instructions over one more pass of it (`callgrind_control -i on/off`), and writes
DIR/callgrind.hits.out*: the cache-hit path's instructions per query (user space only).
With `--callgrind-part cold` it counts the first pass over the cold file instead
(DIR/callgrind.cold.out*: every name new, the upstream exchange included). With
`--dnssec-ok` every counted query sets DO, as in the timed runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

import harness  # noqa: E402
from dns_vs_knot import _cpu_model, _version, cpu_seconds, dnsperf, mem_kib  # noqa: E402
from gen_zone import ZONE, generate  # noqa: E402

VPC_CIDR = "127.10.0.0/16"
VPC_DNS = "127.10.0.2"
OUTBOUND_IPS = ["127.10.1.10", "127.10.2.10"]


# ---------------------------------------------------------------- query files

def write_cold_files(out: Path, records: int, n_a: int, n_b: int, seed: int) -> tuple[Path, Path]:
    """Two disjoint files of distinct (name, type) pairs in gen_zone's mix; no pair repeats."""
    # gen_zone's record counts (its own arithmetic).
    n_host = records * 60 // 100
    n_aaaa = records * 15 // 100
    n_cname = records * 10 // 100
    n_txt = records * 10 // 100
    n_mx = records * 4 // 100
    n_wild = max(1, records - n_host - n_aaaa - n_cname - n_txt - n_mx)
    rng = random.Random(seed)
    pools = {
        "A": [f"h{i}.{ZONE} A" for i in range(n_host)],
        "AAAA": [f"h{i}.{ZONE} AAAA" for i in range(n_aaaa)],
        "TXT": [f"t{i}.{ZONE} TXT" for i in range(n_txt)],
        "MX": [f"m{i}.{ZONE} MX" for i in range(n_mx)],
        "CNAME": [f"c{i}.{ZONE} A" for i in range(n_cname)],
    }
    for pool in pools.values():
        rng.shuffle(pool)
    total = n_a + n_b
    lines: list[str] = []
    seen: set[str] = set()
    while len(lines) < total:
        r = rng.random()
        if r < 0.70:
            k = rng.random()
            kind = "A" if k < 0.6 else "AAAA" if k < 0.8 else "TXT" if k < 0.95 else "MX"
            line = pools[kind].pop() if pools[kind] else None
        elif r < 0.80:
            line = f"cold{rng.getrandbits(48):x}.nx.{ZONE} A"
        elif r < 0.90:
            line = f"cold{rng.getrandbits(48):x}.w{rng.randrange(n_wild)}.{ZONE} A"
        else:
            line = pools["CNAME"].pop() if pools["CNAME"] else None
        if line is None or line in seen:
            continue
        seen.add(line)
        lines.append(line)
    a, b = out / "cold_a.txt", out / "cold_b.txt"
    a.write_text("\n".join(lines[:n_a]) + "\n")
    b.write_text("\n".join(lines[n_a:]) + "\n")
    return a, b


# ---------------------------------------------------------------- servers

UNBOUND_CONF = """\
server:
    interface: {host}@{port}
    port: {port}
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-ip6: no
    module-config: "iterator"
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    msg-cache-size: 256m
    rrset-cache-size: 256m
    num-queries-per-thread: 4096
    outgoing-range: 8192
forward-zone:
    name: "{zone}"
    forward-addr: 127.0.0.1@{upstream}
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@{dead}
remote-control:
    control-enable: no
"""


def start_unbound(workdir: Path, upstream_port: int, cpu: int) -> harness.Server:
    workdir.mkdir(parents=True, exist_ok=True)
    port = harness.free_port("127.0.0.1")
    conf = workdir / "unbound.conf"
    conf.write_text(UNBOUND_CONF.format(host="127.0.0.1", port=port, dir=workdir, zone=ZONE,
                                        upstream=upstream_port,
                                        dead=harness.free_port("127.0.0.1")))
    log = workdir / "unbound.log"
    cmd = ["taskset", "-c", str(cpu), "unbound", "-d", "-c", str(conf)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    srv = harness.Server("unbound", proc, [("127.0.0.1", port)], workdir, log)
    wait_resolves(srv, f"ns1.{ZONE}")
    return srv


def unbound_version() -> str:
    out = subprocess.run(["unbound", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"Version (\S+)", out)
    return m.group(1) if m else "?"


def wait_resolves(srv: harness.Server, name: str, timeout: float = 20.0) -> None:
    """Until `name` A resolves NOERROR through `srv` (its upstream path works)."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if srv.proc.poll() is not None:
            raise RuntimeError(f"{srv.name} exited:\n{srv.log()[-3000:]}")
        try:
            resp = dns.query.udp(dns.message.make_query(name, "A"), srv.addr[0], port=srv.addr[1],
                                 timeout=0.5)
            last = dns.rcode.to_text(resp.rcode())
            if resp.rcode() == dns.rcode.NOERROR and resp.answer:
                return
        except (dns.exception.Timeout, OSError) as e:
            last = repr(e)
        time.sleep(0.1)
    srv.stop()
    raise TimeoutError(f"{srv.name} does not resolve {name} (last: {last}):\n{srv.log()[-3000:]}")


def cairn_cmd_extra(vpc_port: int, forwarder: tuple[str, int] | None = None) -> list[str]:
    # public names: a dead loopback forwarder, never the internet (or the Knot itself for
    # the `public` and `validate` setups)
    target = f"{forwarder[0]}:{forwarder[1]}" if forwarder else \
        f"127.0.0.1:{harness.free_port('127.0.0.1')}"
    return ["--vpc-dns-port", str(vpc_port), "--forwarder", target]


def upstream_trust_anchor(upstream: tuple[str, int], path: Path) -> Path:
    """The signed bench zone's DS, as a `--trust-anchor` file."""
    import dns.dnssec
    import dns.message
    import dns.name
    import dns.query
    resp = dns.query.tcp(dns.message.make_query(ZONE, "DNSKEY"), upstream[0], port=upstream[1],
                         timeout=5)
    keys = [rrset for rrset in resp.answer if rrset.rdtype == 48]
    if not keys:
        raise RuntimeError(f"{ZONE} is not signed: {resp}")
    name = dns.name.from_text(ZONE)
    path.write_text("".join(f"{ZONE} IN DS {dns.dnssec.make_ds(name, k, 'SHA256').to_text()}\n"
                            for k in keys[0] if k.flags & 1))
    return path


def setup_forwarding_rule(srv: harness.Server, upstream: tuple[str, int]) -> str:
    """A VPC, an outbound endpoint and a FORWARD rule for the bench zone, through the API;
    returns the VPC's id."""
    ec2 = harness.route53_client(srv, "ec2")
    resolver = harness.route53_client(srv, "route53resolver")
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
               for cidr in ("127.10.1.0/24", "127.10.2.0/24")]
    sg = ec2.create_security_group(GroupName="dns", Description="resolver endpoint",
                                   VpcId=vpc)["GroupId"]
    outbound = resolver.create_resolver_endpoint(
        CreatorRequestId=uuid.uuid4().hex, Name="outbound", SecurityGroupIds=[sg],
        Direction="OUTBOUND",
        IpAddresses=[{"SubnetId": s, "Ip": ip} for s, ip in zip(subnets, OUTBOUND_IPS)],
    )["ResolverEndpoint"]["Id"]
    rule = resolver.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, Name="bench", RuleType="FORWARD",
        DomainName=ZONE.rstrip("."), TargetIps=[{"Ip": upstream[0], "Port": upstream[1]}],
        ResolverEndpointId=outbound)["ResolverRule"]["Id"]
    resolver.associate_resolver_rule(ResolverRuleId=rule, VPCId=vpc, Name="bench")
    return vpc


FIREWALL_DOMAINS = 100_000
FIREWALL_GROUPS = 3


def setup_firewall(srv: harness.Server, vpc: str) -> None:
    """3 rule groups over 100k domains, none matching the bench's names (see the docstring)."""
    resolver = harness.route53_client(srv, "route53resolver")
    per_list = FIREWALL_DOMAINS // FIREWALL_GROUPS
    for g in range(FIREWALL_GROUPS):
        list_id = resolver.create_firewall_domain_list(
            CreatorRequestId=uuid.uuid4().hex, Name=f"bench-{g}")["FirewallDomainList"]["Id"]
        domains = [f"blocked-{g}-{i}.example.net" if i % 3 == 0 else f"*.bad-{g}-{i}.example.org"
                   for i in range(per_list)]
        for start in range(0, len(domains), 1000):
            resolver.update_firewall_domains(FirewallDomainListId=list_id, Operation="ADD",
                                             Domains=domains[start:start + 1000])
        group = resolver.create_firewall_rule_group(
            CreatorRequestId=uuid.uuid4().hex, Name=f"bench-{g}")["FirewallRuleGroup"]["Id"]
        resolver.create_firewall_rule(
            CreatorRequestId=uuid.uuid4().hex, FirewallRuleGroupId=group,
            FirewallDomainListId=list_id, Priority=100, Action="BLOCK", BlockResponse="NXDOMAIN",
            Name="block")
        resolver.associate_firewall_rule_group(
            CreatorRequestId=uuid.uuid4().hex, FirewallRuleGroupId=group, VpcId=vpc,
            Priority=(101, 200, 300)[g], Name=f"bench-{g}")


def wait_blocked(srv: harness.Server, name: str, timeout: float) -> float:
    """Until `name` is answered NXDOMAIN (a BLOCK rule of the last association made): the
    follower has applied every firewall write, so no recompile runs while measuring.
    Returns the seconds waited."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    started = time.monotonic()
    host, port = srv.dns[0]
    while time.monotonic() - started < timeout:
        try:
            resp = dns.query.udp(dns.message.make_query(name, "A"), host, port=port, timeout=0.5)
            if resp.rcode() == dns.rcode.NXDOMAIN:
                return time.monotonic() - started
        except (dns.exception.Timeout, OSError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the firewall is not applied after {timeout}s ({name} not blocked)")


def setup_query_log(srv: harness.Server, vpc: str) -> None:
    """Every query of the VPC logged to <data-dir>/query-logs/logs/bench.jsonl."""
    resolver = harness.route53_client(srv, "route53resolver")
    config = resolver.create_resolver_query_log_config(
        Name="bench", CreatorRequestId=uuid.uuid4().hex,
        DestinationArn="arn:aws:logs:us-east-1:111111111111:log-group:bench")
    resolver.associate_resolver_query_log_config(
        ResolverQueryLogConfigId=config["ResolverQueryLogConfig"]["Id"], ResourceId=vpc)


SETUPS = ("plain", "firewall", "query-log", "firewall+query-log", "public", "validate")
# Setups that resolve the bench zone as a public name (and need it signed upstream).
PUBLIC_SETUPS = ("public", "validate")


def start_cairn_resolver(binary: Path, workdir: Path, upstream: tuple[str, int], cpu: int | None,
                         wrap: list[str] | None = None, timeout: float = 60.0,
                         setup: str = "plain") -> harness.Server:
    os.environ["CAIRN_BIN"] = str(binary)
    vpc_port = harness.free_port("127.0.0.1")
    public = setup in PUBLIC_SETUPS
    extra = cairn_cmd_extra(vpc_port, upstream if public else None)
    if public:
        workdir.mkdir(parents=True, exist_ok=True)
        anchor = upstream_trust_anchor(upstream, workdir / "anchor.ds")
        extra += ["--trust-anchor", str(anchor)]
    if wrap:
        srv = start_wrapped(binary, workdir / "data", extra, wrap, timeout)
    else:
        srv = harness.start_cairn(workdir / "data", workers=1, extra_args=extra, cpu=cpu,
                                  timeout=timeout)
    try:
        set_up = time.monotonic()
        if public:
            vpc = harness.route53_client(srv, "ec2").create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
            if setup == "validate":
                harness.route53_client(srv, "route53resolver").update_resolver_dnssec_config(
                    ResourceId=vpc, Validation="ENABLE")
        else:
            vpc = setup_forwarding_rule(srv, upstream)
        if "firewall" in setup:
            setup_firewall(srv, vpc)
        if "query-log" in setup:
            setup_query_log(srv, vpc)
        srv.dns = [(VPC_DNS, vpc_port)]
        if "firewall" in setup:
            last = FIREWALL_DOMAINS // FIREWALL_GROUPS // 3 * 3 - 3
            waited = wait_blocked(srv, f"blocked-{FIREWALL_GROUPS - 1}-{last}.example.net", timeout)
            print(f"  firewall applied {waited:.1f}s after the last write "
                  f"({time.monotonic() - set_up:.1f}s after setup began)")
        wait_resolves(srv, f"ns1.{ZONE}", timeout)
        if setup == "validate":
            wait_validates(srv, f"ns1.{ZONE}", timeout)
    except Exception:
        srv.stop()
        raise
    return srv


def wait_validates(srv: harness.Server, name: str, timeout: float) -> None:
    """Waits until the VPC answers `name` with AD=1 to a DO query: validation is on and the
    chain from the trust anchor holds (else the `validate` numbers would measure nothing)."""
    import dns.flags
    import dns.message
    import dns.query
    deadline = time.monotonic() + timeout
    host, port = srv.dns[0]
    while time.monotonic() < deadline:
        q = dns.message.make_query(name, "A", want_dnssec=True)
        try:
            if dns.query.udp(q, host, port=port, timeout=2).flags & dns.flags.AD:
                return
        except Exception:
            pass
        time.sleep(0.2)
    srv.stop()
    raise TimeoutError(f"{srv.name} never validated {name}:\n{srv.log()[-3000:]}")


def start_wrapped(binary: Path, data: Path, extra: list[str], wrap: list[str],
                  timeout: float) -> harness.Server:
    """`cairn serve` under a wrapper (valgrind), ready file as in harness.start_cairn."""
    data.mkdir(parents=True, exist_ok=True)
    ready = data.parent / "ready.json"
    cmd = [*wrap, str(binary), "serve", "--data-dir", str(data), "--api-listen", "127.0.0.1:0",
           "--dns-listen", "127.0.0.1:0", "--dns-workers", "1", "--ready-file", str(ready), *extra]
    log = data.parent / "cairn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=harness.cairn_env())
    srv = harness.Server("cairn", proc, [], data, log)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            srv.stop()
            raise RuntimeError(f"cairn not ready:\n{srv.log()[-3000:]}")
        time.sleep(0.2)
    time.sleep(0.2)
    info = json.loads(ready.read_text())
    srv.api = harness.split_hostport(info["api"])
    return srv


# ---------------------------------------------------------------- measuring

def measure(srv: harness.Server, files: dict, args) -> dict:
    pid, cpu = srv.pid, args.client_cpu
    # --dnssec-ok: every query carries DO=1 (dnsperf -D), as a validating stub's do, so a
    # validating VPC answers with RRSIGs and AD (the hit path issue 18's 10% target is about).
    dnssec_ok = ["-D"] if args.dnssec_ok else []
    full = [*dnssec_ok, "-c", "4", "-q", "200"]
    # 1-2: cold cache.
    c0 = cpu_seconds(pid)
    cold = dnsperf(srv.addr, files["cold_a"], duration=600, cpu=cpu, extra=["-n", "1", *full])
    cold_cpu = cpu_seconds(pid) - c0
    cold_lat = dnsperf(srv.addr, files["cold_b"], duration=600, cpu=cpu,
                       extra=[*dnssec_ok, "-n", "1", "-Q", str(args.cold_rate), "-c", "4"], verbose=True)
    # 3-5: cache hits.
    warm = dnsperf(srv.addr, files["hits"], duration=600, cpu=cpu, extra=["-n", "1", *full])
    c0 = cpu_seconds(pid)
    hits = dnsperf(srv.addr, files["hits"], duration=args.duration, cpu=cpu, extra=full)
    hits_cpu = cpu_seconds(pid) - c0
    hits_lat = dnsperf(srv.addr, files["hits"], duration=args.lat_duration, cpu=cpu,
                       extra=[*dnssec_ok, "-Q", str(args.rate), "-c", "4"], verbose=True)
    mem = mem_kib(pid)

    def per_core(run, cpu_s):
        return (run["completed"] or 0) / cpu_s if cpu_s > 0 else None

    return {
        "cold": {"throughput": cold, "cpu_seconds": cold_cpu,
                 "qps_per_core_second": per_core(cold, cold_cpu), "latency": cold_lat},
        "warm_up": warm,
        "hits": {"throughput": hits, "cpu_seconds": hits_cpu,
                 "qps_per_core_second": per_core(hits, hits_cpu), "latency": hits_lat},
        "rss_kib": mem.get("VmRSS"),
        "hwm_kib": mem.get("VmHWM"),
    }


def median_of(runs: list[dict]) -> dict:
    """Each number the median over the rounds (nested), other values from the first."""
    import statistics

    def merge(values: list):
        first = values[0]
        if isinstance(first, dict):
            return {k: merge([v.get(k) for v in values]) for k in first}
        nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if isinstance(first, (int, float)) and nums:
            return statistics.median(nums)
        return first

    return merge(runs)


def report(r: dict) -> None:
    def lat(part, key):
        return lambda s: s[part]["latency"].get(key)
    rows = [
        ("cold: QPS (dnsperf, full speed)", lambda s: s["cold"]["throughput"]["qps"], "{:,.0f}"),
        ("cold: server CPU-seconds", lambda s: s["cold"]["cpu_seconds"], "{:.2f}"),
        ("cold: QPS per server core-second", lambda s: s["cold"]["qps_per_core_second"], "{:,.0f}"),
        ("cold: queries lost", lambda s: s["cold"]["throughput"]["lost"], "{:,}"),
        (f"cold: p50 ms @ {r['args']['cold_rate']} qps", lat("cold", "p50_ms"), "{:.3f}"),
        (f"cold: p99 ms @ {r['args']['cold_rate']} qps", lat("cold", "p99_ms"), "{:.3f}"),
        (f"cold: p99.9 ms @ {r['args']['cold_rate']} qps", lat("cold", "p999_ms"), "{:.3f}"),
        ("hits: QPS (dnsperf, full speed)", lambda s: s["hits"]["throughput"]["qps"], "{:,.0f}"),
        ("hits: server CPU-seconds", lambda s: s["hits"]["cpu_seconds"], "{:.2f}"),
        ("hits: QPS per server core-second", lambda s: s["hits"]["qps_per_core_second"], "{:,.0f}"),
        ("hits: queries lost", lambda s: s["hits"]["throughput"]["lost"], "{:,}"),
        (f"hits: p50 ms @ {r['args']['rate']} qps", lat("hits", "p50_ms"), "{:.3f}"),
        (f"hits: p99 ms @ {r['args']['rate']} qps", lat("hits", "p99_ms"), "{:.3f}"),
        (f"hits: p99.9 ms @ {r['args']['rate']} qps", lat("hits", "p999_ms"), "{:.3f}"),
        ("RSS MiB (VmRSS)", lambda s: s["rss_kib"] / 1024 if s["rss_kib"] else None, "{:.1f}"),
        ("peak RSS MiB (VmHWM)", lambda s: s["hwm_kib"] / 1024 if s["hwm_kib"] else None, "{:.1f}"),
    ]
    names = r["servers"]
    cairns = [n for n in names if n != "unbound"]
    ratios = [n for n in cairns if "unbound" in names]
    print(f"\n{r['date']} — {r['machine']}; medians of {r['args']['rounds']} round(s)")
    print(f"{'':40}" + "".join(f"{n:>14}" for n in names)
          + "".join(f"{n + '/unbound':>20}" for n in ratios))
    for label, get, fmt in rows:
        vals = {}
        for n in names:
            try:
                vals[n] = get(r[n])
            except (KeyError, TypeError):
                vals[n] = None
        line = f"{label:40}" + "".join(
            f"{fmt.format(vals[n]) if vals[n] is not None else '-':>14}" for n in names)
        base = vals.get("unbound")
        for n in ratios:
            ok = isinstance(base, (int, float)) and base and isinstance(vals[n], (int, float))
            line += f"{vals[n] / base:20.2f}" if ok else f"{'-':>20}"
        print(line)
    for n in cairns[1:]:
        for part in ("hits", "cold"):
            a, b = r[cairns[0]][part]["qps_per_core_second"], r[n][part]["qps_per_core_second"]
            if a and b:
                print(f"{n} / {cairns[0]}: {part} QPS per server core-second {b / a:.3f}")
    for n in names:
        print(f"{n} rcodes: cold {r[n]['cold']['throughput']['rcodes']}, "
              f"hits {r[n]['hits']['throughput']['rcodes']}")
    print("commands (last server):")
    last = r[names[-1]]
    for part in ("cold", "hits"):
        print(f"  {last[part]['throughput']['command']}\n  {last[part]['latency']['command']}")

    def mix(rc):
        tot = sum(rc.values()) or 1
        return {k: v / tot for k, v in rc.items()}
    for part in ("cold", "hits"):
        base = mix(r[names[0]][part]["throughput"]["rcodes"])
        for n in names[1:]:
            other = mix(r[n][part]["throughput"]["rcodes"])
            worst = max((abs(base.get(k, 0) - other.get(k, 0)) for k in set(base) | set(other)),
                        default=0)
            if worst > 0.01:
                print(f"WARNING: {part}: response-code mix differs between {names[0]} and {n} "
                      f"(by {worst:.1%})")


def callgrind(binary: Path, work: Path, upstream: tuple[str, int], files: dict, out: Path,
              part: str, setup: str = "plain", dnssec_ok: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cg_out = out / f"callgrind.{part}.out"
    wrap = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={cg_out}"]
    srv = start_cairn_resolver(binary, work / "cg", upstream, None, wrap=wrap, timeout=600,
                               setup=setup)
    slow = [*(["-D"] if dnssec_ok else []), "-n", "1", "-c", "1", "-q", "20", "-t", "30"]
    counted = files["hits"] if part == "hits" else files["cold_a"]
    try:
        if part == "hits":
            dnsperf(srv.addr, files["hits"], duration=3600, cpu=None, extra=slow)
        subprocess.run(["callgrind_control", "-i", "on", str(srv.pid)], check=True,
                       capture_output=True, timeout=60)
        run = dnsperf(srv.addr, counted, duration=3600, cpu=None, extra=slow)
        subprocess.run(["callgrind_control", "-i", "off", str(srv.pid)], check=True,
                       capture_output=True, timeout=60)
        subprocess.run(["callgrind_control", "-d", str(srv.pid)], check=True, capture_output=True,
                       timeout=120)
    finally:
        srv.stop(timeout=60)
    dumps = sorted(out.glob(f"callgrind.{part}.out*"), key=lambda p: p.stat().st_mtime)
    total = 0
    for dump in dumps:
        text = subprocess.run(["callgrind_annotate", str(dump)], capture_output=True,
                              text=True).stdout
        m = re.search(r"^([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", text, re.M)
        if m:
            total += int(m.group(1).replace(",", ""))
    done = run["completed"] or 1
    print(f"{binary}: {done} {part} queries counted, {total:,} Ir, {total / done:,.0f} Ir/query")
    print(f"dumps: {', '.join(str(d) for d in dumps)}")
    print(f"callgrind_annotate --inclusive=yes {dumps[-1] if dumps else cg_out} | head -60")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--lat-duration", type=float, default=5)
    p.add_argument("--rate", type=int, default=20000, help="fixed rate of the cache-hit latency run")
    p.add_argument("--cold-rate", type=int, default=5000, help="fixed rate of the cold latency run")
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--hit-names", type=int, default=20_000,
                   help="lines of gen_zone's query file used for the cache-hit runs")
    p.add_argument("--cold-names", type=int, default=40_000,
                   help="new (name, type) pairs for the cold throughput pass (half as many "
                        "more for the cold latency run)")
    p.add_argument("--only", choices=["unbound", "cairn"], help="run one kind of server only")
    p.add_argument("--dnssec-ok", action="store_true",
                   help="send every query with DO=1 (dnsperf -D), as a validating client does")
    p.add_argument("--out", type=Path, default=HERE / "out")
    p.add_argument("--cairn", action="append", metavar="NAME=PATH",
                   help="a Cairn binary to measure, as column cairn:NAME (repeatable)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--callgrind", type=Path, metavar="DIR",
                   help="profile the (first) Cairn under callgrind instead")
    p.add_argument("--callgrind-part", choices=["hits", "cold"], default="hits",
                   help="what --callgrind counts: a pass over the warmed hit file, or the "
                        "first pass over the cold file (every name new)")
    p.add_argument("--setups", default="plain",
                   help=f"comma-separated Cairn setups to measure, of {', '.join(SETUPS)} "
                        "(--callgrind uses the first)")
    args = p.parse_args()
    setups = args.setups.split(",")
    for setup in setups:
        if setup not in SETUPS:
            sys.exit(f"--setups: {setup!r} is not one of {', '.join(SETUPS)}")
    cairns = []
    for spec in args.cairn or []:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            sys.exit(f"--cairn {spec}: expected NAME=PATH to a binary")
        cairns.append((f"cairn:{name}", Path(path).resolve()))
    if not cairns:
        cairns = [("cairn", harness.cairn_bin())]
    for tool in ("dnsperf", "taskset", "unbound", "knotd"):
        if not shutil.which(tool) and not (tool == "knotd" and harness.knotd_path()):
            sys.exit(f"{tool} not found")
    ncpu = os.cpu_count() or 1
    args.server_cpu, args.client_cpu = (1, 0) if ncpu >= 2 else (0, 0)

    info = generate(args.out, args.records, 200_000, seed=1)
    hits = args.out / "resolver_hits.txt"
    with open(info["queries"]) as src:
        hits.write_text("".join(line for _, line in zip(range(args.hit_names), src)))
    cold_a, cold_b = write_cold_files(args.out, args.records, args.cold_names,
                                      args.cold_names // 2, seed=2)
    files = {"hits": hits, "cold_a": cold_a, "cold_b": cold_b}
    work = Path(tempfile.mkdtemp(prefix="bench-resolver-"))
    signed = any(s in PUBLIC_SETUPS for s in setups)
    upstream = harness.start_knot({ZONE: info["zone"]}, workdir=work / "knot", workers=1,
                                  cpu=args.client_cpu, timeout=120,
                                  zone_options={ZONE: "dnssec-signing: on"} if signed else None)
    print(f"upstream: knot {_version(['knotd', '--version'])} on {upstream.addr} "
          f"(core {args.client_cpu}), {info['records']} records")
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": f"{platform.node()} {platform.machine()} {ncpu} cores "
                   f"{platform.processor() or _cpu_model()}",
        "load_before": os.getloadavg()[0],
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    runs: dict[str, list[dict]] = {}
    servers = [upstream]
    try:
        if args.callgrind:
            callgrind(cairns[0][1], work, upstream.addr, files, args.callgrind,
                      args.callgrind_part, setups[0], args.dnssec_ok)
            return 0
        for round_no in range(args.rounds):
            if args.only in (None, "unbound"):
                ub = start_unbound(work / f"unbound{round_no}", upstream.addr[1], args.server_cpu)
                servers.append(ub)
                print(f"unbound {unbound_version()}: pid {ub.pid}, core {args.server_cpu}")
                runs.setdefault("unbound", []).append(measure(ub, files, args))
                ub.stop()
            if args.only in (None, "cairn"):
                for (base, binary), setup in [(c, s) for c in cairns for s in setups]:
                    name = base if setups == ["plain"] else f"{base}+{setup}"
                    srv = start_cairn_resolver(binary, work / f"{name.replace(':', '-')}{round_no}",
                                               upstream.addr, args.server_cpu, setup=setup,
                                               timeout=300)
                    servers.append(srv)
                    print(f"{name} ({binary}): pid {srv.pid}, core {args.server_cpu}, "
                          f"asked at {srv.addr}")
                    m = measure(srv, files, args)
                    m["binary"] = str(binary)
                    runs.setdefault(name, []).append(m)
                    srv.stop()
    finally:
        for s in servers:
            s.stop()
    results["load_after"] = os.getloadavg()[0]
    results["servers"] = list(runs)
    for name, measured in runs.items():
        results[name] = median_of(measured)
        results[name]["rounds"] = measured
    report(results)
    print(f"load average: {results['load_before']:.2f} before, {results['load_after']:.2f} after")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "resolver_vs_unbound.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
