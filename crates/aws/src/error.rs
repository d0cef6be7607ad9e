//! The live engine's errors.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Why a call or a run failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// AWS answered a call with an error (after the SDK's retries).
    #[error("{op}: {code}: {message}")]
    Aws {
        /// The API operation, e.g. `CreateVpc`.
        op: &'static str,
        /// AWS's error code, e.g. `InvalidParameterValue`.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The journal could not be read or written.
    #[error("journal: {0}")]
    Journal(#[from] rusqlite::Error),
    /// The desired state cannot be expressed (a missing attribute, a value of
    /// the wrong type, an unresolved reference).
    #[error("{0}")]
    Invalid(String),
    /// The request cannot be carried out as asked (nothing was done).
    #[error("{0}")]
    Refused(String),
    /// Another mutating run holds the environment's lock.
    #[error(
        "another run is changing environment `{env}` ({holder}; lock {}): nothing was done; run again when it ends",
        path.display()
    )]
    Locked {
        /// The environment.
        env: String,
        /// Who holds it, as the holder wrote it.
        holder: String,
        /// The lock file.
        path: std::path::PathBuf,
    },
    /// AWS answered, but not with what the call promises (no id in a create).
    #[error("{op}: AWS returned no {what}")]
    Missing {
        /// The API operation.
        op: &'static str,
        /// What was missing.
        what: &'static str,
    },
}

impl Error {
    /// AWS's error code, when this is an AWS error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether AWS said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|c| {
            c.contains("NotFound")
                || c.contains("NoSuch")
                || matches!(
                    c,
                    "WAFNonexistentItemException"
                        | "ApplicationDoesNotExistException"
                        | "DeploymentGroupDoesNotExistException"
                        | "QueueDoesNotExist"
                        | "AWS.SimpleQueueService.NonExistentQueue"
                )
        })
    }

    pub(crate) fn from_sdk<E: ProvideErrorMetadata + std::fmt::Debug>(
        op: &'static str,
        e: E,
    ) -> Self {
        let code = e.code().unwrap_or("Unknown").to_owned();
        let message = e
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{e:?}").chars().take(300).collect());
        Error::Aws { op, code, message }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
