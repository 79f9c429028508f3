"""Process and wire helpers for the end-to-end suite.

Everything here talks to real processes over loopback sockets: the `cairn`
binary, `knotd`, and raw DNS messages built with dnspython (or by hand, for
malformed ones). conftest.py turns these into pytest fixtures; test modules
may import this module directly (`import harness`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# ---------------------------------------------------------------- ports


# Ports handed out by free_port come from below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, 32768-60999 by default), so a port the kernel picks for a
# `bind(…:0)` or a client socket never takes one between free_port() and the bind that
# follows. Under pytest-xdist each worker draws from its own slice of the range, so two
# workers never hand out the same port either; one process never hands out a port twice.
PORT_RANGE = (20000, 32768)
_handed_out: set[int] = set()


def _port_slice() -> range:
    lo, hi = PORT_RANGE
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    size = (hi - lo) // max(count, 1)
    start = lo + (index % max(count, 1)) * size
    return range(start, start + size)


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free for both UDP and TCP on `host` right now (see PORT_RANGE)."""
    import random

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ports = _port_slice()
    if len(_handed_out) > len(ports) // 2:
        _handed_out.clear()
    for _ in range(200):
        port = random.choice(ports)
        if port in _handed_out:
            continue
        tcp = socket.socket(family, socket.SOCK_STREAM)
        udp = socket.socket(family, socket.SOCK_DGRAM)
        try:
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((host, port))
            udp.bind((host, port))
        except OSError:
            continue
        finally:
            tcp.close()
            udp.close()
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port found in {ports} on {host}")


def split_hostport(addr: str) -> tuple[str, int]:
    """'127.0.0.1:53' or '[::1]:53' -> (host, port)."""
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


# ---------------------------------------------------------------- raw DNS


def send_udp(server: tuple[str, int], wire: bytes, timeout: float = 2.0) -> bytes:
    """Send one datagram and return the first reply whose ID matches."""
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(wire, server)
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            data, _ = s.recvfrom(65535)
            if len(wire) < 2 or data[:2] == wire[:2]:
                return data


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def send_tcp(server: tuple[str, int], wires: list[bytes] | bytes, timeout: float = 3.0) -> list[bytes]:
    """Send one or more (pipelined) queries on one TCP connection; return the replies in arrival order."""
    if isinstance(wires, bytes):
        wires = [wires]
    with socket.create_connection(server, timeout=timeout) as s:
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in wires))
        out = []
        for _ in wires:
            (n,) = struct.unpack("!H", _recv_exact(s, 2))
            out.append(_recv_exact(s, n))
        return out


def make_query(qname: str, qtype: str | int = "A", *, qid: int = 0x1234, edns: int | None = None,
               payload: int = 1232, rd: bool = False, edns_flags: int = 0) -> bytes:
    """A standard query in wire form; `edns=None` means no OPT record."""
    q = dns.message.make_query(qname, qtype, use_edns=edns if edns is not None else False,
                               payload=payload, ednsflags=edns_flags)
    q.id = qid
    q.flags = dns.flags.RD if rd else 0
    return q.to_wire()


def query(server: tuple[str, int], qname: str, qtype: str | int = "A", *, tcp: bool = False,
          **kw) -> dns.message.Message:
    """Send a standard query and parse the reply."""
    wire = make_query(qname, qtype, **kw)
    data = send_tcp(server, wire)[0] if tcp else send_udp(server, wire)
    return dns.message.from_wire(data)


def ask_ecs(server: tuple[str, int], qname: str, subnet: str | None = None, prefix: int | None = None,
            qtype: str = "A") -> dns.message.Message:
    """Asks over UDP with EDNS (payload 1232) and, when `subnet` is given, an EDNS Client
    Subnet option for `subnet`/`prefix`; returns the parsed reply."""
    import dns.edns
    options = [dns.edns.ECSOption(subnet, prefix)] if subnet is not None else []
    q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232, options=options)
    return dns.message.from_wire(send_udp(server, q.to_wire()))


def wait_answers(server: tuple[str, int], zone: str, timeout: float = 10.0,
                 proc: subprocess.Popen | None = None) -> None:
    """Wait until `server` answers the SOA of `zone` authoritatively."""
    deadline = time.monotonic() + timeout
    last = "no reply"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        try:
            r = query(server, zone, "SOA", edns=0)
            if r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA and r.answer:
                return
            last = f"rcode {dns.rcode.to_text(r.rcode())}, answer {len(r.answer)} RRsets"
        except (OSError, dns.exception.DNSException) as e:
            last = repr(e)
        time.sleep(0.1)
    raise TimeoutError(f"{server} did not answer {zone} SOA within {timeout}s ({last})")


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    """A running DNS server process we started (and only we stop)."""

    name: str
    proc: subprocess.Popen
    dns: list[tuple[str, int]]
    workdir: Path
    log_path: Path
    api: tuple[str, int] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def addr(self) -> tuple[str, int]:
        return self.dns[0]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM our own process by PID, then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


# -- Knot DNS


def knotd_path() -> str | None:
    return shutil.which("knotd") or (("/usr/sbin/knotd") if os.path.exists("/usr/sbin/knotd") else None)


KNOT_CONF = """\
# Generated by tests/e2e/harness.py. Knot 3.x defaults that matter here:
# - minimal responses: no NS RRset in the authority section of positive answers
#   (not configurable), glue/A/AAAA for NS, MX, SRV targets in additional;
# - udp-max-payload defaults to 1232; raised to 4096 here because Route 53
#   answers up to 4096 bytes over UDP with EDNS (ROUTE53.md section 2.7);
# - no NSID, no cookies, no RRL, answer rotation off: none is configured.
server:
    rundir: "{dir}"
    listen: {listen}
    udp-max-payload: 4096
    udp-workers: {workers}
    tcp-workers: {workers}
    background-workers: 1
{user}
database:
    storage: "{dir}/db"

log:
  - target: stderr
    any: info

control:
    listen: "{dir}/knot.sock"

template:
  - id: default
    storage: "{dir}/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off

{extra}
zone:
{zones}
"""


def start_knot(zones: dict[str, Path], *, workdir: Path | None = None, port: int | None = None,
               host: str = "127.0.0.1", workers: int = 1, cpu: int | None = None,
               timeout: float = 10.0, zone_options: dict[str, str] | None = None,
               extra_conf: str = "") -> Server:
    """Start knotd serving `zones` ({origin: zone file}) on host:port (a free port when None).
    `zone_options` adds configuration lines to a zone ({origin: "dnssec-signing: on"});
    `extra_conf` adds top-level sections (a `policy:` for them)."""
    knotd = knotd_path()
    if knotd is None:
        raise FileNotFoundError("knotd not found (apt-get install knot)")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="knot-"))
    (workdir / "zones").mkdir(parents=True, exist_ok=True)
    (workdir / "db").mkdir(exist_ok=True)
    port = port or free_port(host)
    zone_lines = []
    for origin, path in zones.items():
        origin = origin.rstrip(".") + "."
        fname = origin + "zone"
        shutil.copyfile(path, workdir / "zones" / fname)
        zone_lines.append(f"  - domain: {origin}\n    file: {fname}")
        for option in (zone_options or {}).get(origin, "").splitlines():
            zone_lines.append(f"    {option.strip()}")
    user = ""
    if os.geteuid() == 0:
        # knotd as root keeps root unless told otherwise; say so explicitly.
        user = "    user: root:root"
    conf = KNOT_CONF.format(dir=workdir, listen=f"{host}@{port}", workers=workers,
                            user=user, zones="\n".join(zone_lines), extra=extra_conf)
    conf_path = workdir / "knot.conf"
    conf_path.write_text(conf)
    log_path = workdir / "knotd.log"
    cmd = [knotd, "-c", str(conf_path)]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    srv = Server("knot", proc, [(host, port)], workdir, log_path)
    try:
        for origin in zones:
            wait_answers((host, port), origin, timeout, proc)
    except Exception:
        srv.stop()
        raise RuntimeError(f"knotd failed to serve:\n{srv.log()[-4000:]}")
    return srv


# -- Cairn


def cairn_bin() -> Path:
    return Path(os.environ.get("CAIRN_BIN", REPO / "target" / "release" / "cairn"))


CAIRN_ENV = {
    "CAIRN_ACCESS_KEY_ID": "AKIDCAIRNTEST0000001",
    "CAIRN_SECRET_ACCESS_KEY": "cairn-test-secret-key-0000000000000000000",
}


def cairn_env() -> dict:
    env = dict(os.environ)
    env.update(CAIRN_ENV)
    env.setdefault("RUST_BACKTRACE", "1")
    return env


def cairn(*args: str, check: bool = True, timeout: float = 60.0, **kw) -> subprocess.CompletedProcess:
    """Run a cairn CLI command and capture its output."""
    res = subprocess.run([str(cairn_bin()), *args], capture_output=True, text=True, env=cairn_env(),
                         timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    if check and res.returncode != 0:
        raise AssertionError(f"cairn {' '.join(args)} exited {res.returncode}\n"
                             f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}")
    return res


def import_zone(data_dir: Path, zone_file: Path, name: str, **kw) -> subprocess.CompletedProcess:
    """`cairn zone import FILE --name ZONE --data-dir DIR`."""
    return cairn("zone", "import", str(zone_file), "--name", name, "--data-dir", str(data_dir), **kw)


def export_zone(data_dir: Path, name: str, **kw) -> subprocess.CompletedProcess:
    return cairn("zone", "export", name, "--data-dir", str(data_dir), **kw)


def start_cairn(data_dir: Path, *, dns_listen: list[str] | None = None, workers: int | None = None,
                extra_args: list[str] | None = None, cpu: int | None = None,
                timeout: float = 10.0) -> Server:
    """Start `cairn serve` on ephemeral ports and wait (<= timeout) for its ready file."""
    binary = cairn_bin()
    if not binary.exists():
        raise FileNotFoundError(f"{binary} not built (cargo build --release -p cairn)")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    ready = data_dir.parent / f"{data_dir.name}.ready.json"
    if ready.exists():
        ready.unlink()
    cmd = [str(binary), "serve", "--data-dir", str(data_dir), "--api-listen", "127.0.0.1:0",
           "--ready-file", str(ready)]
    for addr in dns_listen or ["127.0.0.1:0"]:
        cmd += ["--dns-listen", addr]
    if workers is not None:
        cmd += ["--dns-workers", str(workers)]
    cmd += extra_args or []
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    log_path = data_dir.parent / f"{data_dir.name}.stderr.log"
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=cairn_env())
    srv = Server("cairn", proc, [], data_dir, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"cairn serve exited with {proc.returncode}:\n{srv.log()[-4000:]}")
        if ready.exists():
            try:
                info = json.loads(ready.read_text())
                srv.dns = [split_hostport(a) for a in info["dns"]]
                srv.api = split_hostport(info["api"])
                srv.extra["ready"] = info
                return srv
            except (ValueError, KeyError):
                pass  # partially written; retry
        if time.monotonic() > deadline:
            srv.stop()
            raise TimeoutError(f"cairn serve not ready within {timeout}s:\n{srv.log()[-4000:]}")
        time.sleep(0.05)


def http_get_json(srv: Server, path: str, timeout: float = 5.0) -> dict:
    """GET an unauthenticated JSON endpoint of the API (e.g. /_cairn/health)."""
    import urllib.request
    host, port = srv.api
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as resp:
        return json.loads(resp.read())


class OkBackend:
    """A local HTTP server answering 200 "ok" to every GET: the target of health checks
    that should start healthy (their status is then forced with `health_override`)."""

    def __init__(self):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def health_check(self, r53) -> str:
        """Creates an HTTP health check of this backend; returns its id."""
        import uuid
        return r53.create_health_check(CallerReference=uuid.uuid4().hex, HealthCheckConfig={
            "IPAddress": "127.0.0.1", "Port": self.port, "Type": "HTTP", "ResourcePath": "/",
            "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(what, predicate, timeout: float = 8.0):
    """Calls `what()` every 0.1 s until `predicate` holds for its result (returned), or fails
    after `timeout` seconds naming the last result."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = what()
        if predicate(last):
            return last
        time.sleep(0.1)
    raise AssertionError(f"not reached within {timeout}s; last: {last}")


def wait_insync(r53, change: dict, timeout: float = 8.0) -> None:
    """Waits until the change a ChangeResourceRecordSets call returned is INSYNC, which Cairn
    reports once it is served. A zone's SOA can be served (its create) before a later change
    to its records is, so waiting for the SOA alone does not cover the records."""
    change_id = change["ChangeInfo"]["Id"]
    wait_for(lambda: r53.get_change(Id=change_id)["ChangeInfo"]["Status"],
             lambda status: status == "INSYNC", timeout)


def health_override(srv: Server, check_id: str, status) -> dict:
    """Forces a health check's status through Cairn's signed admin endpoint
    (`POST /_cairn/healthcheck/{id}/override`); `None` clears the override."""
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    host, port = srv.api
    url = f"http://{host}:{port}/_cairn/healthcheck/{check_id}/override"
    body = json.dumps({"status": status})
    req = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(CAIRN_ENV["CAIRN_ACCESS_KEY_ID"], CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"]),
              "route53", "us-east-1").add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(url, data=body.encode(), method="POST", headers=dict(prepared.headers))
    with urllib.request.urlopen(r, timeout=5) as resp:
        return json.loads(resp.read())


def describe_log(srv: Server, limit: int = 6000) -> str:
    text = srv.log()
    return textwrap.indent(text[-limit:], "    | ")


# ---------------------------------------------------------------- pytest helpers


def require_cairn() -> Path:
    """Skip (outside CI) or fail (in CI) when the cairn binary has not been built."""
    binary = cairn_bin()
    if not binary.exists():
        msg = f"{binary} not built: run `cargo build --release -p cairn` (or set CAIRN_BIN)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return binary


def require_knot() -> str:
    path = knotd_path()
    if path is None:
        msg = "knotd not installed (apt-get install knot); ./run-tests installs it"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def dump_log(srv: Server, why: str) -> None:
    sys.stderr.write(f"\n---- {srv.name} (pid {srv.pid}) log, {why} ----\n{describe_log(srv)}\n")




def route53_client(srv, service: str = "route53", region: str = "us-east-1"):
    """A boto3 client for `service` pointed at a running Cairn's API with the test key,
    signing for `region` (the region EC2 and Resolver resources are made in)."""
    import boto3
    from botocore.config import Config

    host, port = srv.api
    return boto3.client(
        service,
        endpoint_url=f"http://{host}:{port}",
        region_name=region,
        aws_access_key_id=CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
        aws_secret_access_key=CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}),
    )


def aws_env(srv, scratch: Path) -> dict:
    """The environment for an AWS tool run as a child process against a running Cairn: this
    process's environment without any AWS_ settings, plus the endpoint, the test key and
    config/credential files under `scratch` (so the user's own ~/.aws is never read)."""
    host, port = srv.api
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(scratch / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "aws-credentials"),
    })
    return env
