//! The one error type of the component: a kind a host can act on and a
//! message a person can act on (what is wrong, and how to fix it). Messages
//! never carry secrets: the component never holds one.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A parameter is wrong; nothing was written.
    InvalidInput,
    /// Host configuration is missing or broken.
    Configuration,
    /// A live table lacks what the generator needs.
    Schema,
    /// The database refused a request.
    Database,
    /// The network failed after retries.
    Network,
    /// The host refused an outgoing request.
    Denied,
    /// A bug.
    Internal,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::InvalidInput,
        ErrorKind::Configuration,
        ErrorKind::Schema,
        ErrorKind::Database,
        ErrorKind::Network,
        ErrorKind::Denied,
        ErrorKind::Internal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Configuration => "configuration",
            ErrorKind::Schema => "schema",
            ErrorKind::Database => "database",
            ErrorKind::Network => "network",
            ErrorKind::Denied => "denied",
            ErrorKind::Internal => "internal",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ToolError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ToolError {
        ToolError { kind, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> ToolError {
        ToolError::new(ErrorKind::InvalidInput, message)
    }

    pub fn schema(message: impl Into<String>) -> ToolError {
        ToolError::new(ErrorKind::Schema, message)
    }

    pub fn internal(message: impl Into<String>) -> ToolError {
        ToolError::new(ErrorKind::Internal, message)
    }

    /// The same error with what was being done in front.
    pub fn context(self, doing: impl fmt::Display) -> ToolError {
        ToolError { kind: self.kind, message: format!("{doing}: {}", self.message) }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ToolError {}

pub type Result<T, E = ToolError> = std::result::Result<T, E>;
