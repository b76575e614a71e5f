//! Colours and glyphs of the wizard, in one place.
//!
//! Every status carries a glyph as well as a colour, so the wizard reads the same for colour-blind
//! operators and under `NO_COLOR` (<https://no-color.org>): without colour, emphasis falls back to
//! bold and reversed video, which every terminal renders.

use ratatui::style::{Color, Modifier, Style};

use crate::report::Status;

/// Spinner frames for a check whose evidence is still being read.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Glyph of a check that has not started yet.
pub const PENDING: &str = "·";

/// The palette: a value in the model, so views stay pure and tests choose colour or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False under `NO_COLOR`: only modifiers (bold, dim, reversed) are used.
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme { color: true }
    }
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The style of a status glyph and, for failures, of the whole row.
    pub fn status(self, s: Status) -> Style {
        match s {
            Status::Pass => self.fg(Color::Green),
            Status::Fail => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::Warn => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Status::Unknown => self.fg(Color::Magenta),
            Status::Skipped => self.dim(),
        }
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Titles and headings.
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The highlighted row of a list.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A text field being edited.
    pub fn editing(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Errors in the status line and modals.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    /// Keys in hints ("q quit").
    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// The device code, shown large and unmissable.
    pub fn code(self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    /// Copyable commands.
    pub fn command(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Type badges in pickers.
    pub fn badge(self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }
}
