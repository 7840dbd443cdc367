//! The two hosts of the component: host-runner, and the Node host
//! (scripts/node-host's package, `bustly-mock-data`). Both read the sandbox's
//! rules from host-runner/src/sandbox/rules.json; the rogue component's
//! attacks run through each, by the same entry: its agent `call-tool`
//! (`call generate_mock_data '{"platform": "attack:NAME"}'`), or a files
//! call (`generate attack:NAME --out DIR`) for the attacks on files.
//!
//! A test written once as `fn name(host: Host)` runs against both with
//! `on_both_hosts!(name)`: `name::host_runner` and `name::node`.

use serde_json::{Value, json};

use crate::harness::{Run, Workspace, component, node_package};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Runner,
    Node,
}

impl Host {
    /// Runs the host with `args` (the same flags on both: --config-dir,
    /// --env, --timeout, --allow-production, --component, call, generate).
    pub fn run(self, ws: &Workspace, args: &[&str]) -> Run {
        match self {
            Host::Runner => ws.hr(args),
            Host::Node => ws.node(args),
        }
    }

    /// The rogue component, as this host loads it.
    pub fn rogue(self) -> String {
        let path = match self {
            Host::Runner => component("rogue_guest.wasm"),
            Host::Node => node_package().join("test-components/rogue_guest.js"),
        };
        assert!(path.exists(), "{} is missing: scripts/test builds it (scripts/build components, scripts/node-host)", path.display());
        path.to_str().unwrap().to_string()
    }
}

/// A call of the rogue component and what it said: its summary (from the
/// JSON answer) and the host's stderr.
pub struct Attack {
    pub run: Run,
    pub out: String,
}

impl Attack {
    fn of(run: Run) -> Attack {
        let summary = serde_json::from_str::<Value>(&run.stdout)
            .ok()
            .and_then(|v| v.get("summary").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| run.stdout.clone());
        let out = format!("{summary}\n{}", run.stderr);
        Attack { run, out }
    }
}

/// `call generate_mock_data {"platform": TARGET}` of the rogue component,
/// with `flags` before it; TARGET is `attack:NAME` or a URL.
pub fn call(ws: &Workspace, host: Host, target: &str, flags: &[&str]) -> Attack {
    call_with(ws, host, json!({ "platform": target }), flags)
}

/// As `call`, with arguments of the caller's.
pub fn call_with(ws: &Workspace, host: Host, arguments: Value, flags: &[&str]) -> Attack {
    let rogue = host.rogue();
    let arguments = arguments.to_string();
    let args: Vec<&str> = [&["--component", rogue.as_str()][..], flags, &["call", "generate_mock_data", arguments.as_str()]].concat();
    Attack::of(host.run(ws, &args))
}

/// `attack:NAME` through the agent entry.
pub fn attack(ws: &Workspace, host: Host, name: &str, flags: &[&str]) -> Attack {
    call(ws, host, &format!("attack:{name}"), flags)
}

/// `generate attack:NAME` with `options` (--out DIR, --format, --workspace):
/// a files call, which alone has an output directory.
pub fn files_attack(ws: &Workspace, host: Host, name: &str, options: &[&str]) -> Attack {
    let rogue = host.rogue();
    let target = format!("attack:{name}");
    let args: Vec<&str> = [&["--component", rogue.as_str(), "generate", target.as_str()][..], options].concat();
    Attack::of(host.run(ws, &args))
}

/// One `name: outcome` part of an attack's summary.
pub fn part<'a>(out: &'a str, name: &str) -> &'a str {
    let start = out.find(&format!("{name}: ")).unwrap_or_else(|| panic!("no '{name}' in:\n{out}")) + name.len() + 2;
    let rest = &out[start..];
    let end = [rest.find("; "), rest.find('\n')].into_iter().flatten().min().unwrap_or(rest.len());
    &rest[..end]
}

/// `name::host_runner` and `name::node` tests of `fn name(host: Host)`.
macro_rules! on_both_hosts {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn host_runner() {
                super::$name(crate::hosts::Host::Runner)
            }

            #[test]
            fn node() {
                super::$name(crate::hosts::Host::Node)
            }
        }
    )*};
}
pub(crate) use on_both_hosts;
