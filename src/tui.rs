//! The interactive wizard (ratatui + crossterm). To be written.

use crate::cli::{DemoOpts, DiagnoseOpts, UsageError};

/// `graph-doctor` / `graph-doctor tui`.
pub async fn run_wizard(
    opts: DiagnoseOpts,
    demo: Option<crate::sim::SimServer>,
) -> Result<i32, UsageError> {
    let _ = (opts, demo);
    Err(UsageError::new("the wizard is not built yet"))
}

/// `graph-doctor demo`.
pub async fn run_demo(opts: DemoOpts) -> Result<i32, UsageError> {
    let _ = opts;
    Err(UsageError::new("the demo is not built yet"))
}
