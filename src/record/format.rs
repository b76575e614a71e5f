//! The recording file (`docs/record-format.md`): one JSON object, versioned, written owner-only
//! and redacted twice (each string as it is kept on the tape, then the whole text), read back
//! with a one-line refusal when it is corrupt or from a newer version.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::jwt::TokenInfo;
use crate::auth::Cloud;
use crate::engine::{DiagnoseInput, Stats};
use crate::explain::Observed;
use crate::graph::tape::Exchange;
use crate::report::{Operation, Report};
use crate::secret::Secret;

/// The `format` member every recording starts with.
pub const FORMAT: &str = "graph-doctor/record";
/// The newest version this build writes and reads. Older versions are read; newer are refused.
pub const VERSION: u32 = 1;
/// The largest recording read (a diagnosis's answers are a few hundred KiB at most; paged
/// listings of a large tenant a few MiB).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Why a recording could not be written or read: one line, exit code 2 at the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    Io(String),
    #[error("{path} is not a graph-doctor recording ({why})")]
    NotARecording { path: String, why: String },
    #[error("{path} is a corrupt graph-doctor recording: {why}")]
    Corrupt { path: String, why: String },
    #[error("{path} was recorded by graph-doctor {by} in record format version {version}; this graph-doctor {ours} reads versions up to {VERSION}: upgrade graph-doctor to open it")]
    Newer {
        path: String,
        version: u64,
        by: String,
        ours: String,
    },
}

/// What the token said, decoded: never the token, never its signature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The JOSE header (`alg`, `kid`, `typ`...), when the token decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Map<String, Value>>,
    /// Every claim, when the token decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Map<String, Value>>,
    /// Whether it carried a signature (which is never kept).
    #[serde(default)]
    pub signed: bool,
    /// Why it did not decode (`token.format` says the rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undecodable: Option<String>,
}

impl TokenRecord {
    pub fn of(token: &Secret) -> TokenRecord {
        match TokenInfo::decode(token.expose()) {
            Ok(info) => TokenRecord {
                header: Some(info.header),
                claims: Some(info.claims),
                signed: info.signed,
                undecodable: None,
            },
            Err(e) => TokenRecord {
                undecodable: Some(e.to_string()),
                ..TokenRecord::default()
            },
        }
    }

    /// A token with the recorded header and claims and a placeholder signature (`replayed`), for
    /// the engine to decode as it decoded the original. An undecodable one stays undecodable.
    pub fn rebuild(&self) -> Secret {
        match (&self.header, &self.claims) {
            (Some(h), Some(c)) => {
                let enc = |m: &Map<String, Value>| {
                    URL_SAFE_NO_PAD.encode(serde_json::to_vec(m).unwrap_or_default())
                };
                let sig = if self.signed {
                    URL_SAFE_NO_PAD.encode(b"replayed")
                } else {
                    String::new()
                };
                Secret::new(format!("{}.{}.{sig}", enc(h), enc(c)))
            }
            _ => Secret::new("recorded-token-was-not-a-decodable-jwt"),
        }
    }
}

/// How much talking the recorded diagnosis took ([`Stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsRecord {
    pub http_requests: usize,
    pub round_trips: usize,
    pub reads: usize,
    pub deadline_passed: bool,
}

impl From<Stats> for StatsRecord {
    fn from(s: Stats) -> Self {
        StatsRecord {
            http_requests: s.http_requests,
            round_trips: s.round_trips,
            reads: s.reads,
            deadline_passed: s.deadline_passed,
        }
    }
}

/// One recorded diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// Always [`FORMAT`].
    pub format: String,
    /// The record format version ([`VERSION`] when written by this build).
    pub version: u32,
    /// The graph-doctor version that recorded it.
    pub graph_doctor: String,
    /// When the diagnosis ran (RFC 3339, UTC) and the same in unix seconds (the instant a
    /// replay judges the token's lifetime at).
    pub recorded_at: String,
    pub recorded_at_unix: i64,
    /// The face that recorded it: `check` or `tui`.
    pub source: String,
    /// `global`, `usgov`, `usgov-dod`, `china`.
    pub cloud: String,
    /// The Graph base URL the requests went to.
    pub graph_url: String,
    pub operation: Operation,
    #[serde(default)]
    pub expected_tenant: Option<String>,
    /// The `--error-file` response, parsed (redacted).
    #[serde(default)]
    pub observed: Option<Observed>,
    /// `diagnosed` and, when one was given, `reader`.
    pub tokens: BTreeMap<String, TokenRecord>,
    pub timeout_secs: u64,
    pub deadline_secs: u64,
    /// Wall time of the whole diagnosis.
    pub duration_ms: u64,
    pub stats: StatsRecord,
    /// Every HTTP exchange, in the order the answers came.
    pub exchanges: Vec<Exchange>,
    /// The report as the recording graph-doctor made it.
    pub report: Report,
}

/// The tokens a replay sends: rebuilt from the recorded claims.
#[derive(Debug, Clone)]
pub struct ReplayTokens {
    pub diagnosed: Secret,
    pub reader: Option<Secret>,
}

/// What a recording is made of besides the tape: the diagnosis's input and outcome.
pub struct Made<'a> {
    pub input: &'a DiagnoseInput,
    pub source: &'a str,
    pub started_unix: i64,
    pub deadline_secs: u64,
    pub duration_ms: u64,
    pub stats: Stats,
    pub exchanges: Vec<Exchange>,
    pub report: &'a Report,
}

impl Recording {
    /// The recording of a finished diagnosis.
    pub fn new(m: Made<'_>) -> Recording {
        let mut tokens = BTreeMap::new();
        tokens.insert("diagnosed".to_string(), TokenRecord::of(&m.input.token));
        if let Some(r) = m.input.reader_token.as_ref().filter(|r| !r.is_empty()) {
            tokens.insert("reader".to_string(), TokenRecord::of(r));
        }
        let observed = m.input.observed.clone().map(|mut o| {
            o.body = crate::secret::redact(&o.body);
            for (_, v) in &mut o.headers {
                *v = crate::secret::redact(v);
            }
            o
        });
        Recording {
            format: FORMAT.into(),
            version: VERSION,
            graph_doctor: env!("CARGO_PKG_VERSION").into(),
            recorded_at: chrono::DateTime::from_timestamp(m.started_unix, 0)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            recorded_at_unix: m.started_unix,
            source: m.source.into(),
            cloud: m.input.cloud.as_str().into(),
            graph_url: m.input.client.base().as_str().to_string(),
            operation: m.input.operation.clone(),
            expected_tenant: m.input.expected_tenant.clone(),
            observed,
            tokens,
            timeout_secs: m.input.client.timeout().as_secs(),
            deadline_secs: m.deadline_secs,
            duration_ms: m.duration_ms,
            stats: m.stats.into(),
            exchanges: m.exchanges,
            report: m.report.clone(),
        }
    }

    pub fn cloud(&self) -> Cloud {
        Cloud::parse(&self.cloud).unwrap_or_default()
    }

    /// The tokens a replay sends (rebuilt from the recorded claims, placeholder signatures).
    pub fn rebuilt_tokens(&self) -> ReplayTokens {
        ReplayTokens {
            diagnosed: self
                .tokens
                .get("diagnosed")
                .map(TokenRecord::rebuild)
                .unwrap_or_else(|| TokenRecord::default().rebuild()),
            reader: self.tokens.get("reader").map(TokenRecord::rebuild),
        }
    }

    /// The file's text: pretty JSON, with every string redacted once more as a whole.
    pub fn to_text(&self) -> Result<String, RecordError> {
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| RecordError::Io(format!("cannot write the recording: {e}")))?;
        let redacted = crate::secret::redact(&text);
        // Redaction replaces values inside quotes, so the text stays JSON; should it ever not,
        // the per-string redaction of the tape stands alone rather than writing broken JSON.
        if serde_json::from_str::<Value>(&redacted).is_ok() {
            Ok(redacted + "\n")
        } else {
            Ok(text + "\n")
        }
    }

    /// Writes the recording to `path`, readable and writable by its owner only.
    pub fn write(&self, path: &Path) -> Result<(), RecordError> {
        let text = self.to_text()?;
        let mut f = crate::logging::open_private(path, false)
            .map_err(|e| RecordError::Io(format!("cannot write {}: {e}", path.display())))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.flush())
            .map_err(|e| RecordError::Io(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads a recording, refusing (one line) a file that is too large, not JSON, not a
    /// recording, from a newer version, or missing what this version needs.
    pub fn read(path: &Path) -> Result<Recording, RecordError> {
        let name = path.display().to_string();
        let len = std::fs::metadata(path)
            .map_err(|e| RecordError::Io(format!("{name}: {e}")))?
            .len();
        if len > MAX_FILE {
            return Err(RecordError::NotARecording {
                path: name,
                why: format!("larger than {} MiB", MAX_FILE / (1024 * 1024)),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| RecordError::Io(format!("{name}: {e}")))?;
        Recording::parse(&bytes, &name)
    }

    /// [`Recording::read`] of bytes already read; `name` names them in messages.
    pub fn parse(bytes: &[u8], name: &str) -> Result<Recording, RecordError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| RecordError::NotARecording {
                path: name.into(),
                why: format!("not JSON: {e}"),
            })?;
        if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(RecordError::NotARecording {
                path: name.into(),
                why: format!("no \"format\": \"{FORMAT}\" member"),
            });
        }
        let version = value.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version > u64::from(VERSION) {
            return Err(RecordError::Newer {
                path: name.into(),
                version,
                by: value
                    .get("graph_doctor")
                    .and_then(Value::as_str)
                    .unwrap_or("(unknown)")
                    .chars()
                    .take(40)
                    .collect(),
                ours: env!("CARGO_PKG_VERSION").into(),
            });
        }
        if version == 0 {
            return Err(RecordError::Corrupt {
                path: name.into(),
                why: "its \"version\" is missing or not a positive number".into(),
            });
        }
        serde_path_to_error::deserialize::<_, Recording>(value).map_err(|e| RecordError::Corrupt {
            path: name.into(),
            why: format!("at {}: {}", e.path(), e.inner()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Recording {
        let token = Secret::new(crate::auth::jwt::mint(
            &serde_json::json!({"aud": "https://graph.microsoft.com", "tid": "t", "exp": 2}),
        ));
        let client = crate::graph::GraphClient::new(
            Cloud::Global,
            Some("http://127.0.0.1:9"),
            std::time::Duration::from_secs(3),
        )
        .expect("client");
        let input = DiagnoseInput {
            operation: Operation::default(),
            token,
            reader_token: None,
            expected_tenant: None,
            cloud: Cloud::Global,
            client,
            observed: None,
        };
        let report = Report::from_checks(Operation::default(), Vec::new());
        Recording::new(Made {
            input: &input,
            source: "check",
            started_unix: 1_700_000_000,
            deadline_secs: 45,
            duration_ms: 5,
            stats: Stats::default(),
            exchanges: Vec::new(),
            report: &report,
        })
    }

    #[test]
    fn a_recording_round_trips_and_its_token_decodes_the_same() {
        let r = sample();
        let text = r.to_text().expect("text");
        let back = Recording::parse(text.as_bytes(), "f").expect("parses");
        assert_eq!(back, r);
        let rebuilt = back.rebuilt_tokens().diagnosed;
        let info = TokenInfo::decode(rebuilt.expose()).expect("decodes");
        assert_eq!(Some(&info.claims), r.tokens["diagnosed"].claims.as_ref());
        assert!(info.signed);
        assert_eq!(r.recorded_at, "2023-11-14T22:13:20Z");
    }

    #[test]
    fn newer_corrupt_and_foreign_files_are_refused_in_one_line() {
        let mut v: Value = serde_json::to_value(sample()).expect("value");
        v["version"] = Value::from(VERSION + 1);
        let e = Recording::parse(v.to_string().as_bytes(), "f.json").expect_err("newer");
        assert!(matches!(e, RecordError::Newer { .. }), "{e}");
        assert!(e.to_string().contains("upgrade graph-doctor"), "{e}");
        v["version"] = Value::from(VERSION);
        v["exchanges"] = Value::from("nope");
        let e = Recording::parse(v.to_string().as_bytes(), "f.json").expect_err("corrupt");
        assert!(e.to_string().contains("exchanges"), "{e}");
        for bad in [
            &b"{\"truncated\": "[..],
            b"[]",
            b"{\"format\": \"other\"}",
            b"\xff",
        ] {
            let e = Recording::parse(bad, "f.json").expect_err("refused");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
