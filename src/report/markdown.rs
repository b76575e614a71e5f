//! The Markdown report, to paste into a ticket. To be written.

use super::Report;

pub fn render(report: &Report) -> String {
    super::json::render(report)
}
