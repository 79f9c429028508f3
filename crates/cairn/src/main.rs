//! `cairn`: the binary. Parses the command line, then hands over to [`serve`] or [`zone`].
//!
//! Exit codes: 0 success; 1 a runtime failure (store, bind); 2 bad usage (from clap);
//! 3 invalid input (a zone file or name that was refused).

mod cli;
mod config;
mod control_plane;
mod credentials;
mod metrics;
mod serve;
mod zone;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, LogFormat};

/// A failure whose details were already printed; carries the exit code.
#[derive(Debug)]
pub(crate) enum ExitError {
    /// Exit 1.
    Runtime,
    /// Exit 3.
    InvalidInput,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.as_deref(), cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Zone(cmd) => zone::run(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(ExitError::Runtime) => ExitCode::from(1),
        Err(ExitError::InvalidInput) => ExitCode::from(3),
    }
}

fn init_logging(filter: Option<&str>, format: LogFormat) {
    let filter = filter
        .map(tracing_subscriber::EnvFilter::new)
        .unwrap_or_else(|| {
            tracing_subscriber::EnvFilter::try_from_env("CAIRN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Escape codes only for a person at a terminal: a log file or journald gets plain text.
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().init(),
    }
}
