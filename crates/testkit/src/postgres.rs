//! A real PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` on a
//! free loopback port, one database per test.
//!
//! The binaries come from `CAIRN_PG_BIN` or the newest `/usr/lib/postgresql/*/bin` (Debian's
//! `postgresql` package). `initdb` refuses to run as root, so as root the cluster belongs to
//! the `postgres` user (`runuser -u postgres`) and its directory is handed to it. The
//! server's superuser is `cairn`, trusted on loopback, so URLs are
//! `postgres://cairn@127.0.0.1:PORT/DB`. It runs with `fsync=off`: tests kill Cairn, never
//! PostgreSQL, so the server's own crash safety is not what they measure.
//!
//! [`PostgresServer::start`] gives a server stopped (by PID) on drop; [`shared`] gives one
//! per test process, stopped by a watchdog when that process exits (statics are never
//! dropped). [`available`] decides whether tests run: with the binaries missing it panics
//! when `CI=true` and otherwise prints why the PostgreSQL tests are skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A PostgreSQL server in a temporary directory.
pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    pid: Option<u32>,
    child: Option<Child>,
    as_postgres_user: bool,
}

/// The directory holding `initdb` and `postgres`, if PostgreSQL is installed.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CAIRN_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").exists().then_some(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Whether PostgreSQL tests can run here. Missing binaries fail loudly on CI (`CI=true`)
/// and are a printed skip elsewhere.
pub fn available() -> bool {
    if bin_dir().is_some() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "PostgreSQL is not installed (no initdb in $CAIRN_PG_BIN or /usr/lib/postgresql/*/bin); \
         CI must run the PostgreSQL tests: apt-get install postgresql"
    );
    eprintln!("skipped: PostgreSQL is not installed (no initdb in $CAIRN_PG_BIN or /usr/lib/postgresql/*/bin); apt-get install postgresql");
    false
}

/// One server for the whole test process, started on first use and stopped when the
/// process exits.
///
/// # Panics
/// When the server cannot start.
pub fn shared() -> &'static PostgresServer {
    static SERVER: OnceLock<PostgresServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let server =
            PostgresServer::start().unwrap_or_else(|e| panic!("cannot start PostgreSQL: {e}"));
        server.watch_parent();
        server
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|uid| uid.trim() == "0")
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl PostgresServer {
    /// Initialises a cluster in a new temporary directory and starts it.
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir().ok_or("PostgreSQL is not installed")?;
        let dir = tempfile::Builder::new()
            .prefix("cairn-pg-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?
            .keep();
        let as_postgres_user = is_root();
        let mut server = Self {
            bin,
            dir,
            port: 0,
            pid: None,
            child: None,
            as_postgres_user,
        };
        if as_postgres_user {
            server.run(Command::new("chown").arg("postgres:").arg(&server.dir))?;
        }
        let data = server.dir.join("data");
        let mut initdb = server.command("initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "cairn",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        server.run(&mut initdb)?;
        let mut last_error = String::new();
        for _ in 0..5 {
            server.port = free_port().map_err(|e| format!("free port: {e}"))?;
            let log = std::fs::File::create(server.dir.join("postgres.log"))
                .map_err(|e| e.to_string())?;
            if as_postgres_user {
                server.run(
                    Command::new("chown")
                        .arg("postgres:")
                        .arg(server.dir.join("postgres.log")),
                )?;
            }
            let mut postgres = server.command("postgres");
            postgres
                .arg("-D")
                .arg(&data)
                .arg("-k")
                .arg(&server.dir)
                .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
                .args([
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=400",
                ])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log);
            server.child = Some(postgres.spawn().map_err(|e| format!("postgres: {e}"))?);
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    last_error = e;
                    server.stop();
                }
            }
        }
        Err(last_error)
    }

    /// `cmd` from the PostgreSQL bin directory, as the `postgres` user when we are root.
    fn command(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres_user {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn run(&self, cmd: &mut Command) -> Result<(), String> {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    let log =
                        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
                    return Err(format!("postgres exited ({status}): {log}"));
                }
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args([
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "cairn",
                ])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                self.pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
                    .ok()
                    .and_then(|text| text.lines().next()?.trim().parse().ok());
                if self.pid.is_some() {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err("postgres did not become ready within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://cairn@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a database with a fresh name and returns its URL.
    ///
    /// # Panics
    /// When `createdb` fails.
    pub fn create_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "cairn_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "cairn",
                &name,
            ])
            .stdin(Stdio::null())
            .output()
            .expect("run createdb");
        assert!(
            out.status.success(),
            "createdb {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.url(&name)
    }

    /// Stops the server when this process exits: a small shell watches our PID, then
    /// stops the postmaster by its PID and removes the directory.
    fn watch_parent(&self) {
        let Some(pid) = self.pid else { return };
        let script = format!(
            "while kill -0 {me} 2>/dev/null; do sleep 0.2; done; kill -INT {pid} 2>/dev/null; \
             for i in $(seq 100); do kill -0 {pid} 2>/dev/null || break; sleep 0.1; done; \
             kill -KILL {pid} 2>/dev/null; rm -rf '{dir}'",
            me = std::process::id(),
            dir = self.dir.display()
        );
        let _ = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    /// Stops the server (SIGINT to the postmaster: fast shutdown) and waits for it.
    pub fn stop(&mut self) {
        if let Some(pid) = self.pid.take() {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while !matches!(child.try_wait(), Ok(Some(_))) {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
