"""A real PostgreSQL server for the end-to-end suite (the Python twin of
crates/testkit/src/postgres.rs).

`initdb` into a temporary directory, `postgres -D dir -k dir -h 127.0.0.1 -p PORT` on a free
port, a database, and a stop by the postmaster's PID. The binaries come from `CAIRN_PG_BIN`
or the newest /usr/lib/postgresql/*/bin (Debian's `postgresql` package; ./run-tests installs
it). initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
(`runuser -u postgres`). The superuser is `cairn`, trusted on loopback. fsync is off: the
tests kill Cairn, never PostgreSQL (the failover test stops a primary with a fast shutdown
and relies on synchronous replication, not on fsync).

TLS (`enable_tls`) and a streaming standby (`start_standby`, `promote`) are for the issue-15
tests of TLS and failover.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import harness


def bin_dir() -> Path | None:
    env = os.environ.get("CAIRN_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found = []
    for d in Path("/usr/lib/postgresql").glob("*/bin"):
        if (d / "initdb").exists() and d.parent.name.isdigit():
            found.append((int(d.parent.name), d))
    return max(found)[1] if found else None


def require_postgres() -> Path:
    """Skip (outside CI) or fail (in CI) when PostgreSQL is not installed."""
    found = bin_dir()
    if found is None:
        msg = "PostgreSQL not installed (no /usr/lib/postgresql/*/bin/initdb); apt-get install postgresql"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return found


class PostgresServer:
    """A PostgreSQL server in a temporary directory, started by us and stopped by PID."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="cairn-pg-"))
        self.as_postgres_user = os.geteuid() == 0
        self.port = 0
        self.pid: int | None = None
        self.proc: subprocess.Popen | None = None
        self.settings: list[str] = []  # more `-c name=value` for the postmaster

    def _cmd(self, name: str, *args: str) -> list[str]:
        cmd = [str(self.bin / name), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_postgres_user else cmd

    def start(self, configure=None) -> "PostgresServer":
        """initdb, then `configure(self)` if given (e.g. `enable_tls`), then start."""
        self._own(self.dir)
        data = self.dir / "data"
        subprocess.run(self._cmd("initdb", "-D", str(data), "-U", "cairn", "-A", "trust", "-E", "UTF8",
                                 "--locale=C", "--no-sync"),
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)
        if configure is not None:
            configure(self)
        self.port = harness.free_port()
        return self._launch()

    def _own(self, path: Path) -> None:
        if self.as_postgres_user:
            shutil.chown(path, "postgres", "postgres")

    def enable_tls(self, cert_pem: bytes, key_pem: bytes, *, require: bool = False) -> None:
        """`ssl=on` with this certificate and key; with `require`, pg_hba accepts TCP clients
        only over TLS (`hostssl`). Call before the server starts (`start(configure=…)`)."""
        data = self.dir / "data"
        for name, pem in (("server.crt", cert_pem), ("server.key", key_pem)):
            path = data / name
            path.write_bytes(pem)
            path.chmod(0o600)  # PostgreSQL refuses a key others can read
            self._own(path)
        self.settings += ["-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key"]
        if require:
            hba = data / "pg_hba.conf"
            lines = hba.read_text().splitlines()
            hba.write_text("\n".join("hostssl" + line[4:] if line.startswith("host ") else line
                                     for line in lines) + "\n")

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Runs SQL as the superuser; its output, unaligned."""
        res = subprocess.run([str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "cairn",
                              "-d", database, "-Atc", sql],
                             check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        return res.stdout.strip()

    def start_standby(self) -> "PostgresServer":
        """A streaming standby of this server (`pg_basebackup -R`), started on a port of its
        own. Stop it with `stop()` like any server."""
        standby = PostgresServer(self.bin)
        standby._own(standby.dir)
        subprocess.run(standby._cmd("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "cairn",
                                    "-D", str(standby.dir / "data"), "-R", "-X", "stream", "--no-sync"),
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)
        standby.settings = list(self.settings)
        standby.port = harness.free_port()
        return standby._launch()

    def promote(self) -> None:
        """Promotes a standby to a primary (`pg_ctl promote`, waiting until it is done)."""
        subprocess.run(self._cmd("pg_ctl", "promote", "-w", "-D", str(self.dir / "data")),
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)

    def _launch(self) -> "PostgresServer":
        data = self.dir / "data"
        log = open(self.dir / "postgres.log", "ab")
        self.proc = subprocess.Popen(
            self._cmd("postgres", "-D", str(data), "-k", str(self.dir), "-h", "127.0.0.1", "-p", str(self.port),
                      "-c", "fsync=off", "-c", "full_page_writes=off", *self.settings),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited {self.proc.returncode}: {self.log()}")
            ready = subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                                    "-U", "cairn"], stdin=subprocess.DEVNULL).returncode == 0
            pid_file = data / "postmaster.pid"
            if ready and pid_file.exists():
                self.pid = int(pid_file.read_text().split()[0])
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"postgres not ready within 30 s: {self.log()}")
            time.sleep(0.05)

    def halt(self) -> None:
        """Stops the server (fast shutdown, by PID) but keeps its data: an outage.
        `resume` starts it again on the same port."""
        self._terminate()

    def resume(self) -> "PostgresServer":
        """Starts a halted server again, with its data, on the same port."""
        return self._launch()

    def _terminate(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            self.pid = None
        if self.proc is not None:
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def log(self) -> str:
        try:
            return (self.dir / "postgres.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def create_database(self, name: str) -> str:
        """Creates database `name`; returns its postgres:// URL."""
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "cairn", name],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)
        return f"postgres://cairn@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """SIGINT (fast shutdown) to the postmaster by its PID, then wait; removes the directory."""
        self._terminate()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres_server():
    """A running PostgreSQL for one test; stopped (by PID) when it ends."""
    server = PostgresServer(require_postgres()).start()
    try:
        yield server
    finally:
        server.stop()
