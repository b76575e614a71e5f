//! graph-doctor: diagnose Microsoft Graph 401/403 errors when adding members to groups and
//! administrative units. One engine ([`engine`]) behind several faces: the TUI ([`tui`]),
//! `check` and `explain` ([`cli`]), and a simulated tenant ([`sim`]) to try it all without an account.

pub mod auth;
pub mod checks;
pub mod cli;
pub mod engine;
pub mod explain;
pub mod graph;
pub mod knowledge;
pub mod logging;
pub mod plan;
pub mod record;
pub mod report;
pub mod secret;
pub mod sim;
pub mod tui;
