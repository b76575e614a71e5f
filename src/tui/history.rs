//! The wizard's history of recent diagnoses: each finished live run's target, verdict and report,
//! newest first, at most [`MAX_ENTRIES`], kept in one private (0600) JSON file so that a past
//! diagnosis can be reopened, or its target run again, in a later session.
//!
//! What is stored is the report, which never holds a token (claims such as upn and oid, yes:
//! hence the file's mode), and the report is scrubbed by [`crate::secret::redact`] once more
//! before it is written. The file lives beside the wizard's log (`GRAPH_DOCTOR_HISTORY` names
//! another; `off` keeps no history).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::{CheckId, Operation, Report, Verdict};

/// How many diagnoses the history keeps.
pub const MAX_ENTRIES: usize = 20;

/// The file format's version; a file from a newer graph-doctor is left alone, not overwritten.
pub const VERSION: u32 = 1;

/// One remembered diagnosis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// When the diagnosis finished (the report's `generated_at`, RFC 3339).
    pub at: String,
    /// Where it ran: the Graph host, or `demo: SCENARIO`.
    pub place: String,
    pub operation: Operation,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_cause: Option<CheckId>,
    pub report: Report,
}

impl Entry {
    /// The entry for a finished report.
    pub fn of(report: &Report, place: &str) -> Entry {
        Entry {
            at: report.generated_at.clone().unwrap_or_default(),
            place: place.to_string(),
            operation: report.operation.clone(),
            verdict: report.verdict,
            primary_cause: report.primary_cause,
            report: report.clone(),
        }
    }

    /// The target in words: "Sales DL ← Cara Helpdesk", names where the report has them, ids
    /// otherwise.
    pub fn target(&self) -> String {
        let names = &self.report.names;
        let pick = |name: &Option<String>, id: &Option<String>| name.clone().or_else(|| id.clone());
        let container = pick(&names.group, &self.operation.group)
            .or_else(|| pick(&names.au, &self.operation.au));
        let member = pick(&names.member, &self.operation.member);
        let request = self
            .operation
            .request
            .as_ref()
            .map(|r| format!("{} {}", r.method, r.path));
        match (container, member, request) {
            (_, _, Some(r)) => r,
            (Some(c), Some(m), None) => format!("{c} ← {m}"),
            (Some(c), None, None) => c,
            (None, Some(m), None) => m,
            (None, None, None) => String::from("(no target)"),
        }
    }

    /// The time without seconds' fraction and zone, for a list: "2026-12-03 17:29".
    pub fn short_time(&self) -> String {
        let t = self.at.replace('T', " ");
        t.get(..16).map(str::to_string).unwrap_or(t)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: Vec<Entry>,
}

/// Where the history is kept: `GRAPH_DOCTOR_HISTORY` (`off` or empty: nowhere), else
/// `history.json` beside the wizard's log ([`crate::logging::log_path`]).
pub fn path() -> Option<PathBuf> {
    match std::env::var_os("GRAPH_DOCTOR_HISTORY") {
        Some(p) if p.is_empty() || p == "off" => None,
        Some(p) => Some(PathBuf::from(p)),
        None => crate::logging::log_path()
            .parent()
            .map(|d| d.join("history.json")),
    }
}

/// The entries in the file, newest first. A missing file is an empty history; a corrupt one, or
/// one from a newer graph-doctor, is an error in words (and is not overwritten later).
pub fn load(path: &Path) -> Result<Vec<Entry>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not a history file ({e})"))?;
    let version = v.get("version").and_then(serde_json::Value::as_u64);
    match version {
        Some(n) if n > u64::from(VERSION) => {
            return Err(format!(
                "written by a newer graph-doctor (history version {n}; this one reads {VERSION})"
            ))
        }
        Some(_) => {}
        None => return Err("not a history file (no version)".into()),
    }
    // One entry this version cannot read (written by a newer build of the same format) is
    // skipped, not the whole history.
    let entries = v
        .get("entries")
        .and_then(serde_json::Value::as_array)
        .ok_or("not a history file (no entries)")?;
    Ok(entries
        .iter()
        .filter_map(|e| serde_json::from_value::<Entry>(e.clone()).ok())
        .collect())
}

/// `entry` first, then the older ones (a run of the same target at the same time is not
/// repeated), at most [`MAX_ENTRIES`].
pub fn with(entries: &[Entry], entry: Entry) -> Vec<Entry> {
    let mut out = vec![entry];
    for e in entries {
        if out.len() >= MAX_ENTRIES {
            break;
        }
        if !(e.at == out[0].at && e.operation == out[0].operation) {
            out.push(e.clone());
        }
    }
    out
}

/// The file's contents for `entries`, scrubbed of anything token-shaped.
pub fn render(entries: &[Entry]) -> String {
    let file = File {
        version: VERSION,
        entries: entries.to_vec(),
    };
    let text = serde_json::to_string_pretty(&file).unwrap_or_else(|_| String::from("{}"));
    crate::secret::redact(&text)
}

/// Adds `entry` to the history in `path` (re-read first: another wizard may have added to it)
/// and writes it back, owner-only. Returns the entries now in the file.
///
/// Saves are one at a time in this process, and each writes a private temporary file beside
/// the history and renames it over the old one, so a crash or a full disk never leaves half a
/// file (which would otherwise be refused as corrupt from then on).
pub fn remember(path: &Path, entry: Entry) -> Result<Vec<Entry>, String> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let old = load(path)?;
    let entries = with(&old, entry);
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    let temp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    crate::tui::write_private_file(&temp, render(&entries).as_bytes()).map_err(shown)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        shown(e)
    })?;
    Ok(entries)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Status};

    const GROUP: &str = "2a000000-0000-4000-8000-000000000001";
    const MEMBER: &str = "1a000000-0000-4000-8000-000000000001";

    fn scratch() -> PathBuf {
        std::env::temp_dir().join(format!("gd-history-{}", uuid::Uuid::new_v4()))
    }

    fn report(at: &str) -> Report {
        let op = Operation {
            group: Some(GROUP.into()),
            member: Some(MEMBER.into()),
            ..Operation::default()
        };
        let mut r = crate::checks::report(
            op,
            vec![CheckResult::new(
                CheckId::UserRole,
                Status::Fail,
                "Cara holds no role.",
            )],
        );
        r.generated_at = Some(at.into());
        r.names.group = Some("Sales DL".into());
        r
    }

    #[test]
    fn an_entry_names_its_target_and_time() {
        let e = Entry::of(&report("2026-12-03T17:29:41Z"), "graph.microsoft.com");
        assert_eq!(e.target(), format!("Sales DL ← {MEMBER}"));
        assert_eq!(e.short_time(), "2026-12-03 17:29");
        assert_eq!(e.verdict, Verdict::Fail);
        assert_eq!(e.primary_cause, Some(CheckId::UserRole));
    }

    #[test]
    fn the_newest_comes_first_and_the_list_is_capped() {
        let mut entries = Vec::new();
        for i in 0..(MAX_ENTRIES + 5) {
            let e = Entry::of(&report(&format!("2026-12-03T17:{i:02}:00Z")), "demo: x");
            entries = with(&entries, e);
        }
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert_eq!(entries[0].at, "2026-12-03T17:24:00Z");
        // The same run remembered twice is kept once.
        let again = with(&entries, entries[0].clone());
        assert_eq!(again.len(), MAX_ENTRIES);
        assert_ne!(again[1].at, again[0].at);
    }

    #[test]
    fn the_file_round_trips_private_and_without_a_token() {
        let dir = scratch();
        let path = dir.join("sub").join("history.json");
        let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
        let mut r = report("2026-12-03T17:29:41Z");
        // Even if a token slipped into a summary, the file would not hold it.
        r.checks[0].summary = format!("Cara holds no role (token {jwt}).");
        let entries = remember(&path, Entry::of(&r, "demo: x")).expect("written");
        assert_eq!(entries.len(), 1);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains(jwt), "{text}");
        assert!(!text.contains("c2lnbmF0dXJl"), "{text}");
        let back = load(&path).expect("loads");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].target(), format!("Sales DL ← {MEMBER}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_corrupt_or_newer_file_is_refused_in_words_and_left_alone() {
        let dir = scratch();
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("history.json");
        assert_eq!(load(&path).expect("missing is empty"), Vec::new());
        std::fs::write(&path, "{not json").expect("write");
        let e = load(&path).expect_err("corrupt");
        assert!(e.contains("not a history file"), "{e}");
        std::fs::write(&path, r#"{"version": 9, "entries": []}"#).expect("write");
        let e = load(&path).expect_err("newer");
        assert!(e.contains("newer graph-doctor"), "{e}");
        let e = remember(&path, Entry::of(&report("t"), "x")).expect_err("kept");
        assert!(e.contains("newer"), "{e}");
        assert!(std::fs::read_to_string(&path)
            .expect("read")
            .contains("\"version\": 9"));
    }

    #[test]
    fn an_unreadable_entry_is_skipped_and_no_temporary_file_is_left() {
        let dir = scratch();
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("history.json");
        remember(&path, Entry::of(&report("2026-12-03T17:00:00Z"), "x")).expect("written");
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        if let Some(a) = v["entries"].as_array_mut() {
            a.push(serde_json::json!({"at": "later", "verdict": "a-new-verdict"}));
        }
        std::fs::write(&path, v.to_string()).expect("write");
        assert_eq!(load(&path).expect("loads").len(), 1);
        remember(&path, Entry::of(&report("2026-12-03T18:00:00Z"), "x")).expect("written");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(left, vec!["history.json".to_string()], "{left:?}");
        assert_eq!(load(&path).expect("loads").len(), 2);
    }
}
