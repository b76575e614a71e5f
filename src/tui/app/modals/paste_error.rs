//! The paste area for the error the operator saw: typing and pasting into it, Tab or Ctrl-D to
//! have it explained.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::app::{App, Effect, Modal};

/// A key while the modal is open (it has been taken off the model; put it back to keep it).
pub(in crate::tui::app) fn key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Char('d') if ctrl => return explain_paste(app, text),
        KeyCode::Tab => return explain_paste(app, text),
        KeyCode::Enter => {
            text.push('\n');
            app.modal = Some(Modal::PasteError { text });
        }
        KeyCode::Backspace => {
            text.pop();
            app.modal = Some(Modal::PasteError { text });
        }
        KeyCode::Char('u') if ctrl => {
            app.modal = Some(Modal::PasteError {
                text: String::new(),
            })
        }
        KeyCode::Char(c) if !ctrl => {
            text.push(c);
            app.modal = Some(Modal::PasteError { text });
        }
        _ => app.modal = Some(Modal::PasteError { text }),
    }
    Vec::new()
}

/// A paste into the error area. explain reads at most MAX_INPUT; a pasted multi-megabyte log
/// stops there.
pub(in crate::tui::app) fn paste(t: &mut String, text: &str) {
    let room = crate::explain::parse::MAX_INPUT.saturating_sub(t.len());
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    t.push_str(&text[..end]);
}

fn explain_paste(app: &mut App, text: String) -> Vec<Effect> {
    if text.trim().is_empty() {
        app.error("Nothing was pasted.");
        return Vec::new();
    }
    let observed = crate::explain::parse(&text);
    let report = crate::explain::explain(&observed);
    let hint = crate::explain::extract::pasted_operation(&text);
    app.observed = Some(observed);
    app.modal = Some(Modal::Explained {
        report: Box::new(report),
        hint,
    });
    Vec::new()
}
