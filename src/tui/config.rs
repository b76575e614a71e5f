//! How the wizard starts, as plain values. The command line builds a [`WizardConfig`] from its
//! options (reading the token files they name, checking ids and URLs); the TUI never sees an
//! option struct.

use crate::auth::sources::SignIn;
use crate::report::OperationKind;
use crate::secret::Secret;

use super::app::{Config, Slot};

/// Everything `graph-doctor`, `graph-doctor tui` and `graph-doctor demo` tell the wizard.
#[derive(Debug, Clone, Default)]
pub struct WizardConfig {
    /// The model's settings: cloud, Graph URL, timeout, operation and ids, tenant, the parsed
    /// `--error-file`, the sign-in settings.
    pub app: Config,
    /// Tokens found before the wizard opens, in the order they are taken (diagnosed, reader).
    pub tokens: Vec<StartToken>,
    /// `--sign-in`: the flow for the token under diagnosis, run inside the wizard.
    pub sign_in: Option<SignIn>,
    /// `--reader-sign-in`: the flow for the reader token.
    pub reader_sign_in: Option<SignIn>,
    /// The ids and operation as given, which replace a demo scenario's own target.
    pub target: TargetOverride,
}

/// A token the command line looked for before the wizard opened.
#[derive(Debug, Clone)]
pub enum StartToken {
    /// Found: the token and where it came from (`file PATH`, `env VAR`).
    Loaded {
        slot: Slot,
        secret: Secret,
        source: String,
    },
    /// A token option that could not be honoured, said in the status line; the Connect screen
    /// asks for the token instead.
    Problem(String),
}

/// The operation and ids given on the command line, as typed. Each one given replaces the
/// scenario's own in a demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetOverride {
    pub kind: Option<OperationKind>,
    pub group: Option<String>,
    pub member: Option<String>,
    pub au: Option<String>,
}

/// Why the wizard could not run (no terminal, a simulated tenant that did not start): one line,
/// which the command line prints as a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WizardError(pub String);

impl WizardError {
    pub fn new(msg: impl Into<String>) -> Self {
        WizardError(msg.into())
    }
}
