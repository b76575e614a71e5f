//! Keys and pastes: which screen or modal takes them (each one's own file says what it does
//! with them). The key groups and text-field editing they share are [`super::keymap`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::app::keymap::insert_str;
use crate::tui::app::{quit, App, Effect, Modal, Screen};

/// A bracketed paste: into the open modal's field, else to the screen.
pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    // Terminals send a paste's line breaks as CR (or CRLF): make them plain newlines.
    let text = &text.replace("\r\n", "\n").replace('\r', "\n");
    match &mut app.modal {
        Some(Modal::PasteError { text: t }) => {
            super::modals::paste_error::paste(t, text);
            return Vec::new();
        }
        Some(Modal::PasteRequest { text: t, shown }) => {
            super::modals::paste_request::paste(t, text);
            *shown = None;
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
    // The Scenario screen types into its filter, but `?` (in no scenario's name) is still help.
    if app.screen == Screen::Scenarios && key.code == KeyCode::Char('?') && app.modal.is_none() {
        app.help = true;
        return Vec::new();
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
        Screen::Plan => super::plan::key(app, key),
        Screen::Explorer => super::explorer::key(app, key),
    }
}
