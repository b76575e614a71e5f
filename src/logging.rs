//! Logging: to stderr for command-line faces (off unless RUST_LOG says otherwise), to a file for
//! the TUI (never to the terminal the UI owns). Every line passes through token redaction at its
//! source: nothing logs a `Secret` other than as `[redacted]`.

use std::path::PathBuf;

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings from graph-doctor only).
pub fn init_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("graph_doctor=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Where the TUI's log goes: `GRAPH_DOCTOR_LOG`, else `$XDG_STATE_HOME/graph-doctor/graph-doctor.log`,
/// else `~/.local/state/graph-doctor/graph-doctor.log`, else the temp dir.
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("GRAPH_DOCTOR_LOG") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("graph-doctor").join("graph-doctor.log")
}

/// Logs to [`log_path`] (info level unless `RUST_LOG` says otherwise). Returns the path used.
pub fn init_file() -> Option<PathBuf> {
    let path = log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("graph_doctor=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Some(path)
}
