//! The modals, one file each: [`Modal`] is what sits on top of the screen, and [`key`] hands a
//! key to the one open. The error and the result of "Try it" close on any key.

use crossterm::event::KeyEvent;
use tui_input::Input;

use crate::auth::sources::{DeviceCodePrompt, SignIn};
use crate::report::{CheckResult, Operation, Report};
use crate::tui::app::{App, Effect, ExportFormat, Slot};
use crate::tui::token::SecretInput;

pub(super) mod confirm_try;
pub(super) mod explained;
pub(super) mod export;
pub(super) mod history;
pub(super) mod paste_error;
pub(super) mod paste_request;
pub(super) mod secret_prompt;
pub(super) mod sign_in_choose;
pub(super) mod sign_in_wait;
pub(super) mod try_result;

/// What sits on top of the screen and takes the keys.
#[derive(Debug, Clone)]
pub enum Modal {
    /// An error, in words that say what to do. Any key closes it.
    Error(String),
    /// Choose a sign-in method for a slot (Tab switches the slot).
    SignInChoose {
        slot: Slot,
        cursor: usize,
        /// A claims challenge to answer (decoded JSON), when re-signing in for `ca.claims`.
        claims: Option<String>,
    },
    /// A sign-in in flight: the device code, once issued, shown large.
    SignInWait {
        slot: Slot,
        method: SignIn,
        prompt: Option<DeviceCodePrompt>,
    },
    /// A multi-line paste area for the error the operator saw.
    PasteError {
        text: String,
    },
    /// "Paste a failing request": `METHOD URL`, and once looked up, the lines of the answer.
    PasteRequest {
        text: String,
        shown: Option<Vec<String>>,
    },
    /// What `explain` made of the pasted error.
    Explained {
        report: Box<Report>,
        /// The operation and ids the pasted request names, applied on Enter.
        hint: Option<Operation>,
    },
    Export {
        input: Input,
        format: ExportFormat,
    },
    /// "Try it": says what will change in the tenant, waits for `Y`.
    ConfirmTry {
        method: String,
        path: String,
    },
    /// The client secret for a client-credentials sign-in, typed masked.
    SecretPrompt {
        slot: Slot,
        input: SecretInput,
    },
    /// Recent diagnoses (the wizard's history), with the highlighted row.
    History {
        cursor: usize,
    },
    /// Graph's answer to the real write, classified.
    TryResult {
        status: Option<u16>,
        text: String,
        findings: Vec<CheckResult>,
    },
}

/// Hands a key to the open modal, taken off the model: each one puts itself back when it stays.
pub(super) fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(modal) = app.modal.take() else {
        return Vec::new();
    };
    match modal {
        Modal::Error(_) | Modal::TryResult { .. } => Vec::new(),
        Modal::SignInChoose {
            slot,
            cursor,
            claims,
        } => sign_in_choose::key(app, key, slot, cursor, claims),
        m @ Modal::SignInWait { .. } => sign_in_wait::key(app, key, m),
        Modal::PasteError { text } => paste_error::key(app, key, text),
        Modal::PasteRequest { text, shown } => paste_request::key(app, key, text, shown),
        Modal::Explained { hint, .. } => explained::key(app, key, hint),
        Modal::Export { input, format } => export::key(app, key, input, format),
        Modal::ConfirmTry { .. } => confirm_try::key(app, key),
        Modal::SecretPrompt { slot, input } => secret_prompt::key(app, key, slot, input),
        Modal::History { cursor } => history::key(app, key, cursor),
    }
}
