//! The Connect screen: the cloud, the tokens (pasted, from a file, or signed in for), the pasted
//! error; and the answer of a token file read in the background.

use crossterm::event::{KeyCode, KeyEvent};

use crate::auth::Cloud;
use crate::secret::Secret;
use crate::tui::app::keymap::{insert_str, is_back, is_down, is_open, is_up};
use crate::tui::app::{input_request, resolve_chosen, App, Effect, Modal, Screen, Slot};
use crate::tui::token::SecretInput;

/// The rows of the Connect screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectRow {
    Cloud,
    Token,
    TokenFile,
    Reader,
    SignIn,
    PasteError,
    PasteRequest,
    Continue,
    Plan,
    Recent,
}

impl ConnectRow {
    pub const ALL: [ConnectRow; 10] = [
        ConnectRow::Cloud,
        ConnectRow::Token,
        ConnectRow::TokenFile,
        ConnectRow::Reader,
        ConnectRow::SignIn,
        ConnectRow::PasteError,
        ConnectRow::PasteRequest,
        ConnectRow::Continue,
        ConnectRow::Plan,
        ConnectRow::Recent,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ConnectRow::Cloud => "Cloud",
            ConnectRow::Token => "Token",
            ConnectRow::TokenFile => "Token file",
            ConnectRow::Reader => "Reader token",
            ConnectRow::SignIn => "Sign in",
            ConnectRow::PasteError => "Paste the error",
            ConnectRow::PasteRequest => "Paste a request",
            ConnectRow::Continue => "Continue",
            ConnectRow::Plan => "Plan file",
            ConnectRow::Recent => "Recent",
        }
    }

    /// The one-line help under the form.
    pub fn help(self) -> &'static str {
        match self {
            ConnectRow::Cloud => "Enter cycles: global, usgov, usgov-dod, china (decides where a token may be sent).",
            ConnectRow::Token => "Enter, then paste the access token under diagnosis (shown masked). Also --token-file or GRAPH_DOCTOR_TOKEN.",
            ConnectRow::TokenFile => "Enter, type the path of a file holding the token, Enter to load it.",
            ConnectRow::Reader => "Optional: an administrator's token used only to read evidence the diagnosed token cannot.",
            ConnectRow::SignIn => "Sign in to get a token: device code, client secret, certificate or the Azure CLI.",
            ConnectRow::PasteError => "Paste the failing response you saw: explained at once, then checked live.",
            ConnectRow::PasteRequest => "Type or paste METHOD URL: the permissions it needs; with a token, the app's grants and token judged.",
            ConnectRow::Continue => "Go on to choose the operation, group, administrative unit and member.",
            ConnectRow::Plan => "Enter, type the path of a CSV plan (operation,target,member): every row is diagnosed, verdicts fill in as they finish.",
            ConnectRow::Recent => "Past diagnoses (kept without tokens): reopen one as it was, or take its target again.",
        }
    }
}

/// A key on the Connect screen: moving, editing a row, or what Enter on a row does.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(row) = app.connect_editing {
        match key.code {
            KeyCode::Esc => {
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
            }
            KeyCode::Enter | KeyCode::Tab => {
                let value = app.connect_input.value().trim().to_string();
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
                if value.is_empty() {
                    return Vec::new();
                }
                match row {
                    ConnectRow::Token => {
                        app.set_token(Slot::Diagnosed, Secret::new(value), "pasted");
                        app.info(
                            "Token kept in memory only; its claims are summarised on the right.",
                        );
                    }
                    ConnectRow::Reader => {
                        app.set_token(Slot::Reader, Secret::new(value), "pasted");
                        app.info("Reader token kept in memory only.");
                    }
                    ConnectRow::TokenFile => {
                        return vec![Effect::ReadTokenFile {
                            slot: Slot::Diagnosed,
                            path: value,
                        }]
                    }
                    ConnectRow::Plan => return super::plan::load(app, value),
                    _ => {}
                }
            }
            KeyCode::Up | KeyCode::Down => {
                app.connect_editing = None;
                app.connect_input = SecretInput::default();
            }
            _ => {
                if let Some(req) = input_request(&key) {
                    app.connect_input.handle(req);
                }
            }
        }
        return Vec::new();
    }
    let n = ConnectRow::ALL.len();
    if is_up(&key) {
        app.connect_focus = app.connect_focus.saturating_sub(1);
        return Vec::new();
    }
    if is_down(&key) {
        app.connect_focus = (app.connect_focus + 1).min(n - 1);
        return Vec::new();
    }
    if matches!(key.code, KeyCode::Tab) {
        return go_target(app);
    }
    if key.code == KeyCode::Char('/') {
        return super::explorer::open(app);
    }
    if is_back(&key) {
        if !app.scenarios.is_empty() {
            app.screen = Screen::Scenarios;
        }
        return Vec::new();
    }
    if key.code == KeyCode::Char('x') {
        match ConnectRow::ALL[app.connect_focus] {
            ConnectRow::Token | ConnectRow::TokenFile => {
                app.token = None;
                app.info("Token forgotten.");
            }
            ConnectRow::Reader => {
                app.reader = None;
                app.info("Reader token forgotten.");
            }
            _ => {}
        }
        return Vec::new();
    }
    if !is_open(&key) {
        return Vec::new();
    }
    match ConnectRow::ALL[app.connect_focus] {
        ConnectRow::Cloud => {
            let i = Cloud::ALL.iter().position(|c| *c == app.cloud).unwrap_or(0);
            app.cloud = Cloud::ALL[(i + 1) % Cloud::ALL.len()];
            app.sign_in.cloud = app.cloud;
            return app.check_endpoint();
        }
        row @ (ConnectRow::Token
        | ConnectRow::TokenFile
        | ConnectRow::Reader
        | ConnectRow::Plan) => {
            app.connect_editing = Some(row);
            app.connect_input = SecretInput::default();
        }
        ConnectRow::SignIn => {
            app.modal = Some(Modal::SignInChoose {
                slot: Slot::Diagnosed,
                cursor: 0,
                claims: None,
            })
        }
        ConnectRow::PasteError => {
            app.modal = Some(Modal::PasteError {
                text: String::new(),
            })
        }
        ConnectRow::PasteRequest => {
            app.modal = Some(Modal::PasteRequest {
                text: String::new(),
                shown: None,
            })
        }
        ConnectRow::Continue => return go_target(app),
        ConnectRow::Recent => {
            if app.history.is_empty() {
                app.info(if app.history_on {
                    "No diagnoses yet: each finished run is remembered here (without its token)."
                } else {
                    "The history is off (GRAPH_DOCTOR_HISTORY=off)."
                });
            } else {
                app.modal = Some(Modal::History { cursor: 0 });
            }
        }
    }
    Vec::new()
}

/// A paste on the Connect screen: a token on a token row, the error on its row, or text into
/// the field being edited.
pub(super) fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    let row = app
        .connect_editing
        .unwrap_or(ConnectRow::ALL[app.connect_focus]);
    match row {
        ConnectRow::Token | ConnectRow::Reader if app.connect_editing.is_none() => {
            // A paste on a token row needs no Enter first: it is the token.
            let slot = if row == ConnectRow::Token {
                Slot::Diagnosed
            } else {
                Slot::Reader
            };
            let trimmed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            app.set_token(slot, Secret::new(trimmed), "pasted");
            app.info(format!(
                "The {} was pasted (kept in memory only).",
                slot.label()
            ));
        }
        ConnectRow::PasteError if app.connect_editing.is_none() => {
            app.modal = Some(Modal::PasteError {
                text: text.to_string(),
            });
        }
        ConnectRow::PasteRequest if app.connect_editing.is_none() => {
            let mut t = String::new();
            super::modals::paste_request::paste(&mut t, text);
            app.modal = Some(Modal::PasteRequest {
                text: t,
                shown: None,
            });
        }
        _ if app.connect_editing.is_some() => {
            let keep = matches!(row, ConnectRow::TokenFile | ConnectRow::Plan);
            insert_str(&mut app.connect_input, text, keep);
        }
        _ => {}
    }
    Vec::new()
}

/// A token file was read (or not).
pub(super) fn on_token_file(
    app: &mut App,
    slot: Slot,
    path: String,
    result: Result<String, String>,
) -> Vec<Effect> {
    match result {
        Ok(mut text) => {
            let secret = Secret::new(text.trim().to_string());
            // Only the Secret keeps the token: wipe the plain copy read from the file.
            zeroize::Zeroize::zeroize(&mut text);
            if secret.is_empty() {
                app.error(format!("{path} is empty: it should hold one access token"));
            } else {
                app.set_token(slot, secret, format!("file {path}"));
                app.info(format!("Loaded the {} from {path}.", slot.label()));
            }
        }
        Err(e) => app.error(format!("Cannot read {path}: {e}")),
    }
    Vec::new()
}

/// On to the Target screen, once there is a token to diagnose.
fn go_target(app: &mut App) -> Vec<Effect> {
    if app.token.is_none() {
        app.error("Give the token under diagnosis first: paste it, load a file or sign in.");
        return Vec::new();
    }
    app.request = None;
    app.screen = Screen::Target;
    app.target_focus = 0;
    resolve_chosen(app)
}
