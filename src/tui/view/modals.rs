//! The modals, one file each, drawn over the screen: [`draw`] picks the one the model holds.

use ratatui::layout::Rect;
use ratatui::Frame;

use crate::tui::app::{App, Modal};

mod confirm_try;
mod error;
mod explained;
mod export;
mod history;
mod paste_error;
mod paste_request;
mod secret_prompt;
mod sign_in_choose;
mod sign_in_wait;
mod try_result;

#[cfg(test)]
pub(super) use paste_error::paste_tail;

/// Draws `modal` over `area`.
pub(super) fn draw(app: &App, modal: &Modal, frame: &mut Frame, area: Rect) {
    match modal {
        Modal::Error(e) => error::draw(app, frame, area, e),
        Modal::SignInChoose {
            slot,
            cursor,
            claims,
        } => sign_in_choose::draw(app, frame, area, slot, cursor, claims),
        Modal::SignInWait {
            slot,
            method,
            prompt,
        } => sign_in_wait::draw(app, frame, area, slot, method, prompt),
        Modal::PasteError { text } => paste_error::draw(app, frame, area, text),
        Modal::PasteRequest { text, shown } => paste_request::draw(app, frame, area, text, shown),
        Modal::Explained { report, hint } => explained::draw(app, frame, area, report, hint),
        Modal::Export { input, format } => export::draw(app, frame, area, input, format),
        Modal::SecretPrompt { slot, input } => secret_prompt::draw(app, frame, area, slot, input),
        Modal::ConfirmTry { method, path } => confirm_try::draw(app, frame, area, method, path),
        Modal::History { cursor } => history::draw(app, frame, area, cursor),
        Modal::TryResult {
            status,
            text,
            findings,
        } => try_result::draw(app, frame, area, status, text, findings),
    }
}

/// The width most modals take: the terminal's less a margin, at most 90 columns.
fn wide(area: Rect) -> u16 {
    area.width.saturating_sub(4).min(90)
}
