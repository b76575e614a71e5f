//! The `?` overlay: the keys of the current screen, by what they do.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::Frame;

use crate::tui::app::{App, Screen};

use super::popup;

/// Every key, by what it does (the union of what [`keys_for`] lists screen by screen).
pub const HELP: &[(&str, &str)] = &[
    ("↑/↓  j/k", "move"),
    ("Home/End", "first / last row, or top / bottom of a check"),
    ("PgUp/PgDn", "a page up / down"),
    ("Enter  →", "open, choose, edit"),
    ("Esc  ←", "back (leaving a screen cancels its requests)"),
    ("Tab", "continue (Connect), run (Target), summary (Checks)"),
    ("r", "re-run the checks"),
    ("s", "summary of fails and warnings"),
    ("e", "export the report (Markdown or JSON) to a file"),
    ("y", "copy the selected check's fix (OSC 52)"),
    ("1-9", "copy one command (in a check)"),
    ("n / p", "next / previous check (in a check)"),
    ("c", "sign in again answering a claims challenge"),
    ("t", "try it: the real write, after a confirmation"),
    ("x", "forget a token or a chosen object"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

/// The keys that do something on `screen`: the `?` overlay lists only these.
pub fn keys_for(screen: Screen) -> Vec<(&'static str, &'static str)> {
    let run_keys = [
        ("r", "re-run the checks"),
        ("e", "export the report (Markdown or JSON) to a file"),
        ("y", "copy the selected check's fix (OSC 52)"),
        ("t", "try it: the real write, after a confirmation"),
        ("c", "sign in again answering a claims challenge"),
    ];
    let mut keys: Vec<(&str, &str)> = match screen {
        Screen::Scenarios => vec![
            ("letters", "filter the scenarios by name and summary"),
            ("Backspace", "undo a letter of the filter"),
            ("Esc  Ctrl-U", "clear the filter"),
            ("↑/↓", "move"),
            ("Home/End", "first / last scenario"),
            ("PgUp/PgDn", "ten scenarios up / down"),
            ("Enter", "start the simulated tenant and run the checks"),
        ],
        Screen::Connect => vec![
            ("↑/↓  j/k", "move"),
            ("Enter  →", "edit the row, or choose"),
            ("x", "forget the token on the row"),
            ("Tab", "continue to the target"),
            (
                "/",
                "explore the tenant: search any object by name, UPN, mail or id",
            ),
        ],
        Screen::Target => vec![
            ("↑/↓  j/k", "move"),
            (
                "Home/End",
                "first / last row; in a picker, first / last result",
            ),
            ("PgUp/PgDn", "in a picker, ten results up / down"),
            (
                "Enter  →",
                "open a picker (it lists the first page), choose, edit",
            ),
            ("x", "forget the chosen object"),
            ("Tab", "run the checks"),
            ("Esc  ←", "back to Connect (cancels the searches)"),
        ],
        Screen::Wizard => {
            let mut k = vec![
                ("↑/↓  j/k", "move"),
                ("Home/End  g/G", "first / last check"),
                ("PgUp/PgDn  J/K", "scroll the check's details"),
                ("Enter  →", "open the check"),
                ("s  Tab", "summary of fails and warnings"),
            ];
            k.extend(run_keys);
            k.push(("Esc  ←", "back to the target (cancels a run)"));
            k
        }
        Screen::Check => {
            let mut k = vec![
                ("↑/↓  j/k", "scroll"),
                ("PgUp/PgDn", "a page up / down"),
                ("Home/End  g/G", "top / bottom"),
                ("n / p", "next / previous check"),
                ("1-9", "copy one command"),
            ];
            k.extend(run_keys);
            k.push(("Esc  ←", "back"));
            k
        }
        Screen::Plan => vec![
            ("↑/↓  j/k", "move"),
            ("Home/End  g/G", "first / last row"),
            ("PgUp/PgDn", "ten rows up / down"),
            (
                "Enter  →",
                "open the row's diagnosis (Esc there comes back)",
            ),
            (
                "Esc  ←",
                "back to Connect (cancels the rows not yet diagnosed)",
            ),
        ],
        Screen::Summary => {
            let mut k = vec![("↑/↓  j/k", "move"), ("Enter  →", "open the check")];
            k.extend(run_keys);
            k.push(("Esc  ←", "back to the checks"));
            k
        }
        Screen::Explorer => vec![
            ("/", "search users, groups, devices, apps, AUs"),
            ("Enter", "search: done; results: open; page: follow the row"),
            ("↑/↓  j/k", "move (the next page is read as you scroll)"),
            ("PgUp/PgDn", "ten rows up / down"),
            ("Home/End  g/G", "first / last row"),
            ("Tab  →  l", "next tab (read when first shown)"),
            ("S-Tab  ←  h", "previous tab"),
            ("1-9", "tab by number"),
            ("r", "read the tab again"),
            ("d", "diagnose adding: this object and the selected row"),
            ("y", "copy the object's id"),
            ("o", "open (or print) its Entra admin center page"),
            ("Esc  Backspace", "back along the breadcrumb, then out"),
        ],
    };
    keys.push(("?", "this help"));
    keys.push(if screen == Screen::Scenarios {
        ("Ctrl-C", "quit")
    } else {
        ("q  Ctrl-C", "quit")
    });
    keys
}

pub(super) fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let keys = keys_for(app.screen);
    let key_w = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(10)
        + 2;
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:<key_w$}"), t.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        "In text fields keys type; Enter confirms, Esc cancels. Any key closes this.",
        t.dim(),
    )));
    popup(
        frame,
        area,
        &format!("Keys: {}", app.screen.name()),
        t,
        Text::from(lines),
        76,
    );
}
