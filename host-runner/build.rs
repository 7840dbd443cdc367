//! Embeds the release guest component (wasm32-wasip2) in host-runner, so an
//! installed binary runs from anywhere.
//!
//! In a workspace build (`cargo install --path host-runner` too: it builds
//! the checkout in place, in the workspace's target dir) the component
//! `scripts/build components` made is reused when it is at least as new as
//! its sources. Otherwise (a fresh checkout) a nested cargo builds it in a
//! target dir of its own under OUT_DIR: the outer cargo holds the lock on
//! the workspace's.

use std::path::{Path, PathBuf};
use std::process::{Command, exit};
use std::time::SystemTime;

const TARGET: &str = "wasm32-wasip2";
const WASM: &str = "bustly_mock_guest.wasm";
const GUEST: &str = "bustly-mock-guest";

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = manifest.parent().expect("host-runner sits in the workspace").to_path_buf();
    if !root.join("guest/Cargo.toml").is_file() {
        fail(&format!(
            "the guest component's sources are not at {}: host-runner embeds the component, so build it from a checkout of the whole repository (cargo install --path <repo>/host-runner)",
            root.join("guest").display()
        ));
    }
    let sources = [root.join("guest/src"), root.join("guest/Cargo.toml"), root.join("wit")];
    for path in sources.iter().chain([&root.join("Cargo.lock")]) {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    let newest_source = sources.iter().map(|p| newest(p)).max().unwrap_or(SystemTime::UNIX_EPOCH);
    let built = candidates(&out, &root).into_iter().find(|c| modified(c).is_some_and(|t| t >= newest_source));
    let wasm = match built {
        Some(found) => {
            // Watched only when it exists: a missing path would rerun this script on every build.
            println!("cargo::rerun-if-changed={}", found.display());
            found
        }
        None => build_nested(&root, &out),
    };
    std::fs::copy(&wasm, out.join(WASM)).unwrap_or_else(|e| fail(&format!("cannot copy {} into OUT_DIR: {e}", wasm.display())));
}

/// Where an up-to-date release component may already be: under the target
/// dir of this build (an ancestor of OUT_DIR), CARGO_TARGET_DIR, and the
/// workspace's target/.
fn candidates(out: &Path, root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = out.ancestors().skip(1).map(Path::to_path_buf).collect();
    dirs.extend(std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from));
    dirs.push(root.join("target"));
    dirs.into_iter().map(|d| d.join(TARGET).join("release").join(WASM)).filter(|p| p.is_file()).collect()
}

fn build_nested(root: &Path, out: &Path) -> PathBuf {
    check_target_installed();
    let target_dir = out.join("guest-target");
    println!("cargo::warning=building the {GUEST} component for {TARGET} (release) in {}", target_dir.display());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--release", "--target", TARGET, "-p", GUEST, "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags are for the host, not for wasm.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo to build the guest component: {e}")));
    if !output.status.success() {
        let log = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        fail(&format!(
            "building the guest component failed (cargo build --release --target {TARGET} -p {GUEST}):\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    target_dir.join(TARGET).join("release").join(WASM)
}

/// A missing target otherwise shows up as a page of "can't find crate for std".
fn check_target_installed() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let libdir = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if !libdir.is_some_and(|d| d.is_dir()) {
        fail(&format!(
            "the Rust target {TARGET} is not installed, and host-runner embeds a component built for it: add it with `rustup target add {TARGET}`, then build again"
        ));
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file, or of anything under a folder.
fn newest(path: &Path) -> SystemTime {
    let mut latest = modified(path).unwrap_or(SystemTime::UNIX_EPOCH);
    if path.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            latest = latest.max(newest(&entry.path()));
        }
    }
    latest
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1)
}
