//! Exporting the report: the format and file name, the contents (every token scrubbed), and
//! the answer of the write.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::tui::app::{input_request, App, Effect, Modal};

/// The export's format (Tab switches it in the prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
    /// The whole session (`docs/record-format.md`): what the diagnosis saw, for a colleague
    /// to `graph-doctor open` or `check --replay`.
    Session,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
            ExportFormat::Session => "session.json",
        }
    }
}

/// The file name the prompt starts with: timestamped (UTC, to the second), so a second export
/// never lands on the first; the runtime refuses to overwrite a file that exists anyway.
pub fn default_name(now: i64, format: ExportFormat) -> String {
    let stamp = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_else(|| now.to_string());
    format!("graph-doctor-report-{stamp}.{}", format.extension())
}

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(
    app: &mut App,
    key: KeyEvent,
    mut input: Input,
    format: ExportFormat,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Tab => {
            let next = match format {
                ExportFormat::Markdown => ExportFormat::Json,
                ExportFormat::Json => ExportFormat::Session,
                ExportFormat::Session => ExportFormat::Markdown,
            };
            let path = input.value().to_string();
            let stem = path
                .strip_suffix(&format!(".{}", format.extension()))
                .unwrap_or(&path);
            input = Input::new(format!("{stem}.{}", next.extension()));
            app.modal = Some(Modal::Export {
                input,
                format: next,
            });
        }
        KeyCode::Enter => {
            let path = input.value().trim().to_string();
            if path.is_empty() {
                app.modal = Some(Modal::Export { input, format });
                return Vec::new();
            }
            if format == ExportFormat::Session {
                // The runtime holds what the diagnosis saw; the model holds the report.
                return match app.current_report() {
                    Some(report) => vec![Effect::SaveSession {
                        path,
                        report: Box::new(report),
                    }],
                    None => {
                        app.error("Nothing to save yet.");
                        Vec::new()
                    }
                };
            }
            return match export_contents(app, format) {
                Some(contents) => vec![Effect::Export { path, contents }],
                None => {
                    app.error("Nothing to export yet.");
                    Vec::new()
                }
            };
        }
        _ => {
            if let Some(req) = input_request(&key) {
                input.handle(req);
            }
            app.modal = Some(Modal::Export { input, format });
        }
    }
    Vec::new()
}

/// The export, with every token the wizard holds scrubbed from it (the report never holds one;
/// this is the second lock on that door).
fn export_contents(app: &App, format: ExportFormat) -> Option<String> {
    let report = app.current_report()?;
    let mut text = match format {
        ExportFormat::Markdown => crate::report::markdown::render(&report),
        ExportFormat::Json | ExportFormat::Session => crate::report::json::render(&report),
    };
    for t in [&app.token, &app.reader].into_iter().flatten() {
        let raw = t.secret.expose().trim();
        if raw.len() >= 8 {
            text = text.replace(raw, "[redacted]");
        }
    }
    Some(crate::secret::redact(&text))
}

/// The export was written (the path) or not (why).
pub(in crate::tui::app) fn on_exported(
    app: &mut App,
    result: Result<String, String>,
) -> Vec<Effect> {
    match result {
        Ok(path) => app.info(format!("Report written to {path} (no token in it).")),
        Err(e) => app.modal = Some(Modal::Error(format!("Export failed: {e}"))),
    }
    Vec::new()
}
