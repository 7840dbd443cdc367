//! Loading and running the component: one engine, the compiled component
//! from the cache when it has been compiled before, a linker with WASI,
//! wasi-http and the host services, and a fresh store per call.
//!
//! The store grants nothing by default: no files, no environment, no
//! sockets; outgoing HTTP only through the gate (see `gate`).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component as WasmComponent, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::call::CallPolicy;
use crate::component::Component;
use crate::config::Sources;
use crate::gate::Gate;
use crate::limits::Limits;
use crate::progress::Progress;
use crate::sandbox::rules;
use crate::stop::Stop;
use crate::text::ComponentStderr;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "mock-data",
});

pub use bustly::mock_data::types as wit;

/// Everything one call's store holds.
pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    pub gate: Gate,
    pub sources: Sources,
    pub policy: CallPolicy,
    pub progress: Progress,
    limits: Limits,
    /// Where `generate --out` writes; None: no files may be written.
    pub output: Option<crate::output::Output>,
    /// Bytes of the component's log lines so far.
    logged: usize,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.gate }
    }
}

impl bustly::mock_data::types::Host for State {}

impl bustly::mock_data::host::Host for State {
    fn resolve_connection(&mut self, environment: Option<String>) -> Result<wit::Connection, wit::ToolError> {
        let configuration = |message: String| wit::ToolError { kind: wit::ErrorKind::Configuration, message };
        // A call writing files reaches no warehouse: nothing to open the gate for.
        if self.output.is_some() {
            return Err(wit::ToolError {
                kind: wit::ErrorKind::Denied,
                message: "this call writes files (generate --out): it has no connection to a warehouse".into(),
            });
        }
        // The call's environment is fixed before the component runs.
        self.policy.check_environment(environment.as_deref()).map_err(configuration)?;
        let env = self.sources.resolve(Some(&self.policy.environment)).map_err(configuration)?;
        if env.production
            && let Some(message) = self.policy.agent_refusal(&env.name)
        {
            return Err(wit::ToolError { kind: wit::ErrorKind::Denied, message });
        }
        let found = crate::probe::check(&env, &self.gate.stop).map_err(configuration)?;
        if let Some(note) = &found.note {
            self.progress.log(wit::LogLevel::Warn, note);
        }
        self.progress.debug(&format!("environment {} at {} (workspace {})", env.name, env.origin, env.workspace_id));
        self.gate.open(env.origin.clone(), env.service_key.clone(), env.production, found.read_only_selects);
        Ok(wit::Connection { environment: env.name, rest_url: env.rest_url, workspace_id: env.workspace_id, production: env.production })
    }

    fn progress(&mut self, table: String, done: u64, total: u64) {
        self.progress.update(&table, done, total);
    }

    fn log(&mut self, level: wit::LogLevel, mut message: String) {
        // A line and the whole log have their limits, as stderr has.
        let output = &rules().output;
        if self.logged >= output.max_log_bytes {
            return;
        }
        if message.len() > output.max_log_line_bytes {
            let mut end = output.max_log_line_bytes;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push_str(" [cut]");
        }
        self.logged += message.len();
        if self.logged >= output.max_log_bytes {
            message = format!("the component's log was cut at {} bytes", output.max_log_bytes);
        }
        // The run's name, logged before its first write: kept for a stop.
        if let Some((run, platform)) = run_to_clean(&message)
            && let Ok(mut note) = self.gate.stop.run_note.lock()
        {
            *note = Some(format!(
                "run {run} may have rows left: remove them with host-runner clean {platform} --confirm --run {run} --env {}",
                crate::text::clean(&self.policy.environment)
            ));
        }
        self.progress.log(level, &message);
    }

    fn write_output(&mut self, file: String, data: Vec<u8>) -> Result<(), String> {
        match self.output.as_mut() {
            Some(out) => out.write(&file, &data),
            None => Err(NO_OUTPUT.into()),
        }
    }

    fn write_sql_rows(&mut self, file: String, rows: Vec<u8>) -> Result<(), String> {
        match self.output.as_mut() {
            Some(out) => out.write_sql_rows(&file, &rows),
            None => Err(NO_OUTPUT.into()),
        }
    }
}

/// The run id and platform of the component's "run N ...; to remove it:
/// clean PLATFORM --confirm --run N" line. The host writes the advice
/// itself from them: the component's own text could advise anything.
fn run_to_clean(message: &str) -> Option<(&str, &str)> {
    let (head, clean) = message.strip_prefix("run ")?.split_once("; to remove it: ")?;
    let run = head.split_whitespace().next()?;
    let mut words = clean.split_whitespace();
    let platform = (words.next()? == "clean").then(|| words.next()).flatten()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let named = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b',');
    (digits(run) && named(platform) && words.collect::<Vec<_>>() == ["--confirm", "--run", run]).then_some((run, platform))
}

const NO_OUTPUT: &str = "this call has no output directory (generate --out DIR)";

pub struct Runtime {
    engine: Engine,
    pre: MockDataPre<State>,
    /// Whether the compiled component came from the cache.
    pub cached: bool,
}

impl Runtime {
    pub fn load(component: &Component, cache_dir: Option<&Path>) -> Result<Runtime> {
        // Epoch interruption: a call past its deadline is stopped even in a loop.
        let mut config = Config::new();
        config.epoch_interruption(true);
        // For `perf record`: names the component's compiled functions
        // (/tmp/perf-PID.map). A developer's switch, off by default.
        if std::env::var_os("BUSTLY_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let (compiled, cached) = compiled(&engine, &component.bytes()?, cache_dir)?;
        let mut linker: Linker<State> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        MockData::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
        let pre = MockDataPre::new(linker.instantiate_pre(&compiled)?)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("the component {component} is not a bustly:mock-data component of this version"))?;
        Ok(Runtime { engine, pre, cached })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A fresh store and instance for one call, under `policy`.
    pub fn instantiate(
        &self,
        sources: Sources,
        progress: Progress,
        policy: CallPolicy,
        stop: Arc<Stop>,
    ) -> Result<(Store<State>, MockData)> {
        let state = State {
            wasi: WasiCtxBuilder::new().stderr(ComponentStderr::new(rules().output.max_stderr_bytes)).build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            gate: Gate::closed(policy.production_writes(), stop),
            sources,
            policy,
            progress,
            limits: Limits::default(),
            output: None,
            logged: 0,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_hostcall_fuel(rules().resources.max_hostcall_bytes);
        // The watchdog moves the epoch on when it seals a call (see `stop`):
        // this store traps then only if the sealed call is its own.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|store| {
            if store.data().gate.stop.requests_allowed() {
                Ok(wasmtime::UpdateDeadline::Continue(1))
            } else {
                Err(wasmtime::Error::msg(format!("the call was stopped: {}", store.data().gate.stop.reason().unwrap_or_default())))
            }
        });
        let instance = self.pre.instantiate(&mut store)?;
        Ok((store, instance))
    }
}

/// The compiled component, from the cache if this exact component was
/// compiled before by a compatible engine (loading takes about a
/// millisecond; compiling about 150 ms).
fn compiled(engine: &Engine, bytes: &[u8], cache_dir: Option<&Path>) -> Result<(WasmComponent, bool)> {
    let Some(dir) = cache_dir else {
        return Ok((WasmComponent::new(engine, bytes)?, false));
    };
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut engine_hash);
    let digest = Sha256::digest(bytes);
    let name = format!("{}-{:016x}.cwasm", hex(&digest[..16]), engine_hash.finish());
    let file = dir.join(name);
    if file.exists() {
        match crate::cache::trusted(&file) {
            // SAFETY: the file is one this program wrote with `serialize`
            // for this engine configuration, named by the component's hash,
            // and only this user could have changed it since.
            Ok(()) => {
                if let Ok(c) = unsafe { WasmComponent::deserialize_file(engine, &file) } {
                    return Ok((c, true));
                }
            }
            Err(why) => eprintln!("warning: not loading the compiled component {}: {why}; compiling it again", file.display()),
        }
    }
    let component = WasmComponent::new(engine, bytes)?;
    if crate::cache::make_folder(dir).is_ok() {
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if let Ok(serialised) = component.serialize()
            && crate::cache::write_private(&tmp, &serialised).is_ok()
        {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    Ok((component, false))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where compiled components are kept: BUSTLY_MOCK_CACHE_DIR, else the
/// platform's cache folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux and
/// macOS, `%LOCALAPPDATA%` on Windows) + `bustly-mock-data`.
pub fn cache_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    if let Some(d) = std::env::var_os("BUSTLY_MOCK_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    Some(etcetera::choose_base_strategy().ok()?.cache_dir().join("bustly-mock-data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advice_is_the_hosts_from_the_run_id_and_platform() {
        let line = "run 04213 (seed 7) in workspace w; to remove it: clean shopify,google-ads --confirm --run 04213";
        assert_eq!(run_to_clean(line), Some(("04213", "shopify,google-ads")));
        assert_eq!(run_to_clean("run 42 in w; to remove it: clean all --confirm --run 42"), Some(("42", "all")), "one run, every platform");
        for other in [
            "run 04213 in w; to remove it: clean all --confirm",
            "run 04213 in w; to remove it: clean shopify --confirm --run 9",
            "run 04213 in w; to remove it: clean shopify --confirm --run 04213; rm -rf ~",
            "run x in w; to remove it: clean shopify --confirm --run x",
        ] {
            assert_eq!(run_to_clean(other), None, "{other}");
        }
    }
}
