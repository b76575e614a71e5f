//! The key groups every list shares (up, down, open, back) and single-line text-field editing:
//! what the screens and modals read keys with. Knows no screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::{Input, InputRequest};

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
