"""On-premises DNS software for the hybrid tests: Unbound and BIND from Debian, on loopback.

Each starter writes its own config into a work directory, starts the daemon in the
foreground, waits until it answers, and returns a `harness.Server` (stop() kills it by PID).
Neither ever recurses to the internet: BIND forwards everything it does not know to a dead
loopback port, and Unbound only serves its local data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import harness


def unbound_path() -> str | None:
    return shutil.which("unbound") or ("/usr/sbin/unbound" if os.path.exists("/usr/sbin/unbound") else None)


def named_path() -> str | None:
    return shutil.which("named") or ("/usr/sbin/named" if os.path.exists("/usr/sbin/named") else None)


def _wait(srv: harness.Server, probe: str, timeout: float, source: str | None = None) -> None:
    import dns.message
    import dns.query
    import dns.exception
    deadline = time.monotonic() + timeout
    host, port = srv.addr
    while True:
        if srv.proc.poll() is not None:
            raise RuntimeError(f"{srv.name} exited {srv.proc.returncode}:\n{srv.log()[-3000:]}")
        try:
            dns.query.udp(dns.message.make_query(probe, "SOA"), host, port=port, timeout=0.3, source=source)
            return
        except (dns.exception.Timeout, OSError):
            pass
        if time.monotonic() > deadline:
            srv.stop()
            raise TimeoutError(f"{srv.name} not answering within {timeout}s:\n{srv.log()[-3000:]}")
        time.sleep(0.05)


def start_unbound(workdir: Path, host: str, port: int, *, allow: list[str], local_zone: str,
                  local_data: list[str], timeout: float = 10.0) -> harness.Server:
    """Unbound answering `local_data` for `local_zone` (static) to the `allow` sources only;
    every other source is REFUSED (`access-control`). An IPv6 `host` makes it an IPv6 server
    (`allow` then holds IPv6 prefixes; `ip-freebind` lets it bind an address routed local)."""
    binary = unbound_path()
    if binary is None:
        raise FileNotFoundError("unbound not found (apt-get install unbound)")
    workdir.mkdir(parents=True, exist_ok=True)
    ipv6 = ":" in host
    lines = [
        "server:",
        f"    interface: {host}@{port}",
        f"    port: {port}",
        "    do-daemonize: no",
        '    username: ""',
        '    chroot: ""',
        f'    directory: "{workdir}"',
        f'    pidfile: "{workdir}/unbound.pid"',
        "    use-syslog: no",
        '    logfile: ""',
        "    verbosity: 1",
        *(["    do-ip6: yes", "    ip-freebind: yes"] if ipv6 else ["    do-ip6: no"]),
        '    module-config: "iterator"',
        "    access-control: 0.0.0.0/0 refuse",
        # Unbound allows 127.0.0.0/8 by default; the lab's networks all live there.
        "    access-control: 127.0.0.0/8 refuse",
        # ... and ::1; with IPv6 on, refuse every IPv6 source not allowed below.
        *(["    access-control: ::0/0 refuse", "    access-control: ::1 refuse"] if ipv6 else []),
        *[f"    access-control: {cidr} allow" for cidr in allow],
        f'    local-zone: "{local_zone}" static',
        *[f'    local-data: "{rr}"' for rr in local_data],
        "remote-control:",
        "    control-enable: no",
    ]
    conf = workdir / "unbound.conf"
    conf.write_text("\n".join(lines) + "\n")
    log = workdir / "unbound.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    srv = harness.Server("unbound", proc, [(host, port)], workdir, log)
    # Probe from an allowed source so the answer proves it is up.
    probe_source = allow[0].split("/")[0]
    _wait(srv, local_zone, timeout, source=probe_source)
    return srv


def start_unbound_validator(workdir: Path, host: str, port: int, *, root_hints: Path,
                            trust_anchor: Path, timeout: float = 10.0) -> harness.Server:
    """Unbound as a validating recursive resolver (`validator iterator`) from `root_hints`
    with `trust_anchor` (DS or DNSKEY lines), answering 127.0.0.0/8: the reference Cairn's
    DNSSEC validation is compared with (issue 18)."""
    binary = unbound_path()
    if binary is None:
        raise FileNotFoundError("unbound not found (apt-get install unbound)")
    workdir.mkdir(parents=True, exist_ok=True)
    lines = [
        "server:",
        f"    interface: {host}@{port}",
        f"    port: {port}",
        "    do-daemonize: no",
        '    username: ""',
        '    chroot: ""',
        f'    directory: "{workdir}"',
        f'    pidfile: "{workdir}/unbound.pid"',
        "    use-syslog: no",
        '    logfile: ""',
        "    verbosity: 1",
        "    do-ip6: no",
        '    module-config: "validator iterator"',
        f'    root-hints: "{root_hints}"',
        f'    trust-anchor-file: "{trust_anchor}"',
        "    access-control: 127.0.0.0/8 allow",
        # The loopback tree lives on 127.53.0.x: let Unbound ask it.
        "    do-not-query-localhost: no",
        # Unbound answers the RFC 6761 name test. itself (static, NXDOMAIN); the lab uses it.
        '    local-zone: "test." nodefault',
        "    ede: yes",
        "    val-log-level: 2",
        "remote-control:",
        "    control-enable: no",
    ]
    conf = workdir / "unbound.conf"
    conf.write_text("\n".join(lines) + "\n")
    log = workdir / "unbound.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    srv = harness.Server("unbound", proc, [(host, port)], workdir, log)
    _wait(srv, ".", timeout)
    return srv


def start_named(workdir: Path, host: str, port: int, *, forward_zones: dict[str, list[tuple[str, int]]],
                timeout: float = 15.0) -> harness.Server:
    """BIND 9 as an on-premises resolver on 127.0.0.1:`port`: `forward only` for each of
    `forward_zones` ({zone: [(ip, port), ...]}), its queries leaving from `host`; anything else
    goes to a dead loopback port (so never to the internet). An IPv6 `host` makes it IPv6
    only: it listens on [::1]:`port` and its queries leave from `host` (which must be
    bindable: an interface address, or routed local with net.ipv6.ip_nonlocal_bind=1)."""
    binary = named_path()
    if binary is None:
        raise FileNotFoundError("named not found (apt-get install bind9)")
    workdir.mkdir(parents=True, exist_ok=True)
    ipv6 = ":" in host
    loopback = "::1" if ipv6 else "127.0.0.1"
    dead = harness.free_port(loopback)
    zones = []
    for zone, targets in forward_zones.items():
        fwd = " ".join(f"{ip} port {p};" for ip, p in targets)
        zones.append(f'zone "{zone}" {{ type forward; forward only; forwarders {{ {fwd} }}; }};')
    if ipv6:
        listen = f"listen-on {{ none; }};\n    listen-on-v6 port {port} {{ ::1; }};"
    else:
        listen = f"listen-on port {port} {{ 127.0.0.1; }};\n    listen-on-v6 {{ none; }};"
    conf = workdir / "named.conf"
    conf.write_text(f"""\
options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    {listen}
    recursion yes;
    allow-query {{ any; }};
    allow-recursion {{ any; }};
    dnssec-validation no;
    {"query-source-v6" if ipv6 else "query-source"} address {host};
    forward only;
    forwarders {{ {loopback} port {dead}; }};
}};
controls {{ }};
{chr(10).join(zones)}
""")
    log = workdir / "named.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-g", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    # BIND listens only on interface addresses (lo has 127.0.0.1); its queries still leave
    # from `host`, which is what the other side sees.
    srv = harness.Server("named", proc, [(loopback, port)], workdir, log)
    deadline = time.monotonic() + timeout
    while "running" not in srv.log():
        if proc.poll() is not None or time.monotonic() > deadline:
            srv.stop()
            raise RuntimeError(f"named did not start:\n{srv.log()[-3000:]}")
        time.sleep(0.05)
    return srv


def start_named_authoritative(workdir: Path, port: int, *, zone: str, zone_text: str,
                              allow_query: list[str], timeout: float = 15.0) -> harness.Server:
    """BIND 9 as an on-premises authoritative server for `zone` on 127.0.0.1:`port`, answering
    only the `allow_query` sources (everyone else gets REFUSED). No recursion."""
    binary = named_path()
    if binary is None:
        raise FileNotFoundError("named not found (apt-get install bind9)")
    workdir.mkdir(parents=True, exist_ok=True)
    zone_file = workdir / "zone.db"
    zone_file.write_text(zone_text)
    allowed = " ".join(f"{a};" for a in allow_query)
    conf = workdir / "named.conf"
    conf.write_text(f"""\
options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-query {{ {allowed} }};
    dnssec-validation no;
}};
controls {{ }};
zone "{zone}" {{ type primary; file "{zone_file}"; }};
""")
    log = workdir / "named.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "-g", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    srv = harness.Server("named-authoritative", proc, [("127.0.0.1", port)], workdir, log)
    deadline = time.monotonic() + timeout
    while "running" not in srv.log():
        if proc.poll() is not None or time.monotonic() > deadline:
            srv.stop()
            raise RuntimeError(f"named did not start:\n{srv.log()[-3000:]}")
        time.sleep(0.05)
    return srv
