//! Logging: to stderr for command-line faces (off unless RUST_LOG says otherwise), to a file for
//! the TUI (never to the terminal the UI owns). Every line passes through token redaction at its
//! source: nothing logs a `Secret` other than as `[redacted]`.
//!
//! Every file graph-doctor writes (this log, a report the TUI exports) holds claims (upn, oid,
//! tid), so it is opened through [`open_private`]: readable and writable by its owner only.

use std::path::{Path, PathBuf};

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
        // Directories it creates are the owner's only (0700), like the file.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        let _ = builder.create(dir);
    }
    let file = open_private(&path, true).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("graph_doctor=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Some(path)
}

/// Opens `path` for writing (appending, or truncated), owner-only on unix: a new file is created
/// 0600, and an existing one with wider permissions is narrowed to 0600 before anything is
/// written to it.
pub fn open_private(path: &Path, append: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if append {
        options.append(true);
    } else {
        options.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        let mut perms = file.metadata()?.permissions();
        if perms.mode() & 0o077 != 0 {
            perms.set_mode(0o600);
            file.set_permissions(perms)?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Writes `contents` to `path` (replacing it) through [`open_private`].
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = open_private(path, false)?;
    file.write_all(contents)?;
    file.flush()
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn files_are_owner_only_new_or_existing() {
        let dir = std::env::temp_dir().join(format!("gd-private-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let new = dir.join("report.json");
        write_private(&new, b"{}").expect("write");
        assert_eq!(mode(&new), 0o600);
        assert_eq!(std::fs::read(&new).expect("read"), b"{}");

        let old = dir.join("old.log");
        std::fs::write(&old, "first\n").expect("write");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        {
            use std::io::Write;
            let mut f = open_private(&old, true).expect("open");
            f.write_all(b"second\n").expect("append");
        }
        assert_eq!(mode(&old), 0o600);
        assert_eq!(
            std::fs::read_to_string(&old).expect("read"),
            "first\nsecond\n"
        );
        write_private(&old, b"replaced").expect("rewrite");
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "replaced");
        let _ = std::fs::remove_dir_all(dir);
    }
}
