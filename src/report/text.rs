//! The text report for a terminal. To be written.

use super::Report;

pub fn render(report: &Report, color: bool) -> String {
    let _ = color;
    super::json::render(report)
}
