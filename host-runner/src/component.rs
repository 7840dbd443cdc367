//! Which component runs: the release component embedded at build time (see
//! build.rs), unless `--component` / BUSTLY_MOCK_COMPONENT names a file.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

/// The guest component, built for wasm32-wasip2 in release, embedded so an
/// installed binary needs no build tree.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bustly_mock_guest.wasm"));

pub enum Component {
    Embedded,
    File(PathBuf),
}

impl Component {
    /// `--component` (or BUSTLY_MOCK_COMPONENT) when given, else the embedded one.
    pub fn choose(explicit: Option<PathBuf>) -> Result<Component> {
        match explicit {
            None => Ok(Component::Embedded),
            Some(p) if p.is_file() => Ok(Component::File(p)),
            Some(p) => bail!(
                "the component {} does not exist: pass an existing .wasm file to --component (or BUSTLY_MOCK_COMPONENT), or leave both out to use the built-in one",
                p.display()
            ),
        }
    }

    pub fn bytes(&self) -> Result<std::borrow::Cow<'static, [u8]>> {
        match self {
            Component::Embedded => Ok(EMBEDDED.into()),
            Component::File(p) => Ok(std::fs::read(p).with_context(|| format!("cannot read the component {}", p.display()))?.into()),
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Component::Embedded => write!(f, "built in ({} bytes, sha256 {})", EMBEDDED.len(), sha256(EMBEDDED)),
            Component::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The hex SHA-256 of a component: other hosts (the Node host) name the
/// component they carry the same way, so the two can be compared.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_component_is_a_component_and_a_file_overrides_it() {
        // The component-model preamble: magic, then layer 1.
        assert_eq!(&EMBEDDED[..8], b"\0asm\x0d\x00\x01\x00");
        assert!(matches!(Component::choose(None).unwrap(), Component::Embedded));
        let err = Component::choose(Some("/nonexistent/x.wasm".into())).err().unwrap().to_string();
        assert!(err.contains("/nonexistent/x.wasm does not exist") && err.contains("--component"), "{err}");
    }
}
