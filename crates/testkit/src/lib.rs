//! Test-only helpers: run the real `cairn` binary on ephemeral ports and talk to it.
//!
//! `Cairn::start` spawns `cairn serve` with `--api-listen 127.0.0.1:0 --dns-listen
//! 127.0.0.1:0` and a data directory, waits for the `--ready-file` it writes, and kills the
//! process on drop. Tests keep the data directory to restart a node on the same store.
#![warn(missing_docs)]

pub mod postgres;

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The access key tests run the server with.
pub const ACCESS_KEY_ID: &str = "AKIDCAIRNTEST0000001";
/// The secret tests run the server with.
pub const SECRET_ACCESS_KEY: &str = "cairn-test-secret-key-000000000000000000";

/// A running `cairn serve`.
pub struct Cairn {
    bin: PathBuf,
    child: Option<Child>,
    data_dir: PathBuf,
    stderr_path: PathBuf,
    /// The API address.
    pub api: SocketAddr,
    /// The first DNS address (UDP and TCP).
    pub dns: SocketAddr,
    /// Every DNS address, in `--dns-listen` order.
    pub dns_addrs: Vec<SocketAddr>,
}

impl Cairn {
    /// Starts `bin serve` on a fresh port pair with `data_dir` as its data directory.
    pub fn start(bin: &Path, data_dir: &Path) -> Self {
        Self::start_with(bin, data_dir, &["--dns-listen", "127.0.0.1:0"])
    }

    /// Like [`Cairn::start`], with `extra` arguments (these must include at least one
    /// `--dns-listen`); [`Cairn::dns_addrs`] lists every bound DNS address.
    pub fn start_with(bin: &Path, data_dir: &Path, extra: &[&str]) -> Self {
        std::fs::create_dir_all(data_dir).expect("data dir can be created");
        let ready = data_dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let stderr_path = data_dir.join(format!("stderr-{}.log", std::process::id()));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr log can be created");
        let child = Command::new(bin)
            .args(["serve", "--api-listen", "127.0.0.1:0"])
            .args(extra)
            .args(["--dns-workers", "2", "--data-dir"])
            .arg(data_dir)
            .arg("--ready-file")
            .arg(&ready)
            .env("CAIRN_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("CAIRN_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the cairn binary starts");
        let mut cairn = Self {
            bin: bin.to_path_buf(),
            child: Some(child),
            data_dir: data_dir.to_path_buf(),
            stderr_path,
            api: "0.0.0.0:0".parse().expect("static address"),
            dns: "0.0.0.0:0".parse().expect("static address"),
            dns_addrs: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                    cairn.api = json["api"]
                        .as_str()
                        .expect("api address")
                        .parse()
                        .expect("addr");
                    cairn.dns_addrs = json["dns"]
                        .as_array()
                        .expect("dns addresses")
                        .iter()
                        .map(|a| a.as_str().expect("an address").parse().expect("addr"))
                        .collect();
                    cairn.dns = cairn.dns_addrs[0];
                    return cairn;
                }
            }
            if let Some(status) = cairn
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "cairn exited with {status} before it was ready:\n{}",
                    cairn.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cairn was not ready in 20 s:\n{}",
                cairn.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the server has logged so far.
    pub fn stderr(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.stderr_path) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server with SIGTERM and waits for it; returns whether it exited cleanly.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        // SAFETY-free: `kill` is a plain syscall on our own child's pid.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Runs `cairn <args> --data-dir <this server's dir>` (the `zone` commands).
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .output()
            .expect("the cairn binary runs")
    }
}

impl Drop for Cairn {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Sends one UDP message and returns the reply (or `None` after `timeout`).
pub fn udp_exchange(addr: SocketAddr, msg: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    let local = if addr.is_ipv6() {
        "[::1]:0"
    } else {
        "127.0.0.1:0"
    };
    let socket = UdpSocket::bind(local).expect("a local UDP port");
    socket
        .set_read_timeout(Some(timeout))
        .expect("timeouts are supported");
    socket.send_to(msg, addr).expect("loopback send works");
    let mut buf = vec![0u8; 65_535];
    let (len, _) = socket.recv_from(&mut buf).ok()?;
    buf.truncate(len);
    Some(buf)
}
