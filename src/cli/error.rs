//! The CLI's one error type: every command returns `Result<(), CliError>`, [`CliError::exit_code`]
//! maps it to the documented exit code, and [`report`] is the one place that prints it
//! (diagnostics with spans through miette, everything else as one `error: ...` line).

use std::path::Path;

use iotlabel::FileError;
use iotlabel::criteria::LoadDirError;
use iotlabel::diag::Diagnostics;
use iotlabel::issue::ledger::LedgerError;
use iotlabel::keys::KeyError;
use iotlabel::profile::ProfileError;
use iotlabel::registry::StoreError;
use iotlabel::status::{ApplyError, StateFileError, StatusListError};
use iotlabel::trust::TrustError;

use super::{EXIT_INVALID, EXIT_IO, EXIT_USAGE};

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Input that is not valid (exit 1).
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read or written (exit 3).
    #[error(transparent)]
    Io(#[from] FileError),
    /// Problems with file:line:col (criteria, profiles, templates), exit 1.
    #[error("{} problem(s)", .0.error_count())]
    Diagnostics(Diagnostics),
    /// A library error, with what it is about (a file, an option).
    #[error("{context}: {source}")]
    Context {
        /// What the error is about.
        context: String,
        /// The error.
        #[source]
        source: Box<CliError>,
    },
    /// An error and what to do about it.
    #[error("{source}\n  help: {help}")]
    Help {
        /// The error.
        #[source]
        source: Box<CliError>,
        /// What to do.
        help: String,
    },
    /// A device profile.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A criteria directory.
    #[error(transparent)]
    Criteria(#[from] LoadDirError),
    /// A key could not be read or written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The issuer ledger.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A status state file.
    #[error(transparent)]
    StateFile(#[from] StateFileError),
    /// A trust list.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// A revocation statement or status state.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// A status list.
    #[error(transparent)]
    StatusList(#[from] StatusListError),
    /// The registry's database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The command ran and has reported its result itself (a verify verdict, refused profiles,
    /// rejected statements); only the exit code is left.
    #[error("exit code {0}")]
    Reported(u8),
}

impl CliError {
    /// The exit code (see the module doc of `cli`).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Io(_) => EXIT_IO,
            CliError::Context { source, .. } | CliError::Help { source, .. } => source.exit_code(),
            CliError::Key(KeyError::Write { .. }) => EXIT_IO,
            CliError::Ledger(LedgerError::Io { .. })
            | CliError::StateFile(StateFileError::Io(_))
            | CliError::Profile(ProfileError::Io(..))
            | CliError::Criteria(LoadDirError::Io(..)) => EXIT_IO,
            CliError::Store(_) => EXIT_IO,
            CliError::Reported(code) => *code,
            CliError::Invalid(_)
            | CliError::Diagnostics(_)
            | CliError::Profile(_)
            | CliError::Criteria(_)
            | CliError::Key(_)
            | CliError::Ledger(_)
            | CliError::StateFile(_)
            | CliError::Trust(_)
            | CliError::Apply(_)
            | CliError::StatusList(_) => EXIT_INVALID,
        }
    }

    /// The error, said to be about `context` (`error: CONTEXT: ERROR`).
    pub fn context(self, context: impl Into<String>) -> CliError {
        CliError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The error, with what to do about it (`  help: ...` on the next line).
    pub fn help(self, help: impl Into<String>) -> CliError {
        CliError::Help {
            source: Box::new(self),
            help: help.into(),
        }
    }

    /// A file that could not be read.
    pub fn read(path: &Path, source: std::io::Error) -> CliError {
        CliError::Io(FileError::on("read", path)(source))
    }

    /// Usage error.
    pub fn usage(m: impl Into<String>) -> CliError {
        CliError::Usage(m.into())
    }

    /// Invalid input.
    pub fn invalid(m: impl std::fmt::Display) -> CliError {
        CliError::Invalid(m.to_string())
    }
}

impl From<Diagnostics> for CliError {
    fn from(d: Diagnostics) -> CliError {
        CliError::Diagnostics(d)
    }
}

impl CliError {
    /// The diagnostics this error carries, if it is one with spans.
    fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            CliError::Diagnostics(d)
            | CliError::Profile(ProfileError::Invalid(d))
            | CliError::Criteria(LoadDirError::Invalid(d)) => Some(d),
            CliError::Context { source, .. } => source.diagnostics(),
            _ => None,
        }
    }
}

/// Prints an error to stderr: diagnostics with their source snippets, anything else as
/// `error: ...` (a command's own report has been printed already).
pub fn report(e: &CliError) {
    match e {
        CliError::Reported(_) => {}
        e => match e.diagnostics() {
            Some(d) => super::print_diagnostics(d),
            None => eprintln!("error: {e}"),
        },
    }
}
