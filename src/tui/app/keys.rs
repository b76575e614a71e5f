//! Keys and pastes: which screen or modal takes them (each one's own file says what it does
//! with them), the key groups every list shares, and text-field editing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

use crate::tui::app::{quit, App, Effect, Modal, Screen};

pub(super) fn insert_str(input: &mut Input, text: &str, keep_spaces: bool) {
    for c in text.chars() {
        if c == '\n' || c == '\r' || (!keep_spaces && c.is_whitespace()) {
            continue;
        }
        input.handle(InputRequest::InsertChar(c));
    }
}

pub(super) fn is_up(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Up | KeyCode::Char('k'))
}

pub(super) fn is_down(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Down | KeyCode::Char('j'))
}

pub(super) fn is_open(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Enter | KeyCode::Right | KeyCode::Char('l'))
}

pub(super) fn is_back(k: &KeyEvent) -> bool {
    matches!(
        k.code,
        KeyCode::Esc | KeyCode::Left | KeyCode::Backspace | KeyCode::Char('h')
    )
}

/// A bracketed paste: into the open modal's field, else to the screen.
pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    // Terminals send a paste's line breaks as CR (or CRLF): make them plain newlines.
    let text = &text.replace("\r\n", "\n").replace('\r', "\n");
    match &mut app.modal {
        Some(Modal::PasteError { text: t }) => {
            super::modals::paste_error::paste(t, text);
            return Vec::new();
        }
        Some(Modal::Export { input, .. }) => {
            insert_str(input, text, true);
            return Vec::new();
        }
        Some(Modal::SecretPrompt { input, .. }) => {
            insert_str(input, text.trim(), true);
            return Vec::new();
        }
        Some(_) => return Vec::new(),
        None => {}
    }
    match app.screen {
        Screen::Connect => super::connect::paste(app, text),
        Screen::Target => super::target::paste(app, text),
        _ => Vec::new(),
    }
}

/// A key: Ctrl-C quits anywhere, the help overlay and a modal take it first, then the screen.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return quit(app);
    }
    if app.help {
        app.help = false;
        return Vec::new();
    }
    if app.modal.is_some() {
        return super::modals::key(app, key);
    }
    if !app.editing() {
        match key.code {
            KeyCode::Char('q') => return quit(app),
            KeyCode::Char('?') => {
                app.help = true;
                return Vec::new();
            }
            _ => {}
        }
    }
    match app.screen {
        Screen::Scenarios => super::scenarios::key(app, key),
        Screen::Connect => super::connect::key(app, key),
        Screen::Target => super::target::key(app, key),
        Screen::Wizard => super::wizard::key(app, key),
        Screen::Check => super::check::key(app, key),
        Screen::Summary => super::summary::key(app, key),
    }
}

/// Maps a key to a text-field edit (tui-input's requests), for every single-line field.
pub fn input_request(key: &KeyEvent) -> Option<InputRequest> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('u') if ctrl => InputRequest::DeleteLine,
        KeyCode::Char('w') if ctrl => InputRequest::DeletePrevWord,
        KeyCode::Char('a') if ctrl => InputRequest::GoToStart,
        KeyCode::Char('e') if ctrl => InputRequest::GoToEnd,
        KeyCode::Char(_) if ctrl => return None,
        KeyCode::Char(c) => InputRequest::InsertChar(c),
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        _ => return None,
    })
}
