//! Loading and running the component: one engine, the compiled component
//! from the cache when it has been compiled before, a linker with WASI,
//! wasi-http and the host services, and a fresh store per call.
//!
//! The store grants nothing by default: no files, no environment, no
//! sockets; outgoing HTTP only through the gate (see `gate`).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::config::Sources;
use crate::gate::Gate;
use crate::progress::Progress;

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
    sources: Sources,
    pub progress: Progress,
    limits: StoreLimits,
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
        let env = self
            .sources
            .resolve(environment.as_deref())
            .map_err(|message| wit::ToolError { kind: wit::ErrorKind::Configuration, message })?;
        self.progress.debug(&format!("environment {} at {} (workspace {})", env.name, env.origin, env.workspace_id));
        self.gate.open(env.origin.clone(), env.service_key.clone(), env.production);
        Ok(wit::Connection { environment: env.name, rest_url: env.rest_url, workspace_id: env.workspace_id, production: env.production })
    }

    fn progress(&mut self, table: String, done: u64, total: u64) {
        self.progress.update(&table, done, total);
    }

    fn log(&mut self, level: wit::LogLevel, message: String) {
        self.progress.log(level, &message);
    }
}

pub struct Runtime {
    engine: Engine,
    pre: MockDataPre<State>,
    /// Whether the compiled component came from the cache.
    pub cached: bool,
}

impl Runtime {
    pub fn load(component: &Path, cache_dir: Option<&Path>) -> Result<Runtime> {
        let engine = Engine::new(&Config::new())?;
        let (compiled, cached) = compiled(&engine, component, cache_dir)?;
        let mut linker: Linker<State> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        MockData::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
        let pre = MockDataPre::new(linker.instantiate_pre(&compiled)?)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("{} is not a bustly:mock-data component of this version", component.display()))?;
        Ok(Runtime { engine, pre, cached })
    }

    /// A fresh store and instance for one call. `production_confirmed`: the
    /// call carried the confirmation to write to a production environment.
    pub fn instantiate(&self, sources: Sources, progress: Progress, production_confirmed: bool) -> Result<(Store<State>, MockData)> {
        let state = State {
            wasi: WasiCtxBuilder::new().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            gate: Gate::closed(production_confirmed),
            sources,
            progress,
            limits: StoreLimitsBuilder::new().memory_size(2 << 30).build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let instance = self.pre.instantiate(&mut store)?;
        Ok((store, instance))
    }
}

/// The compiled component, from the cache if this exact component was
/// compiled before by a compatible engine (loading takes about a
/// millisecond; compiling about 150 ms).
fn compiled(engine: &Engine, path: &Path, cache_dir: Option<&Path>) -> Result<(Component, bool)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the component {}", path.display()))?;
    let Some(dir) = cache_dir else {
        return Ok((Component::new(engine, &bytes)?, false));
    };
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut engine_hash);
    let digest = Sha256::digest(&bytes);
    let name = format!("{}-{:016x}.cwasm", hex(&digest[..16]), engine_hash.finish());
    let file = dir.join(name);
    if file.exists() {
        // SAFETY: the file is one this program wrote with `serialize` for
        // this engine configuration, named by the component's hash.
        if let Ok(c) = unsafe { Component::deserialize_file(engine, &file) } {
            return Ok((c, true));
        }
    }
    let component = Component::new(engine, &bytes)?;
    if std::fs::create_dir_all(dir).is_ok() {
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if let Ok(serialised) = component.serialize()
            && std::fs::write(&tmp, serialised).is_ok()
        {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    Ok((component, false))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where compiled components are kept: BUSTLY_MOCK_CACHE_DIR, else
/// $XDG_CACHE_HOME/bustly-mock-data, else ~/.cache/bustly-mock-data.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("BUSTLY_MOCK_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bustly-mock-data"))
}

pub const COMPONENT_FILE: &str = "bustly_mock_guest.wasm";

/// The component: `--component`, else next to this binary, else in the
/// build tree this binary belongs to.
pub fn find_component(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        if p.exists() {
            return Ok(p);
        }
        bail!("the component {} does not exist", p.display());
    }
    let mut looked = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        looked.push(dir.join(COMPONENT_FILE));
        // target/<profile>/host-runner -> target/wasm32-wasip2/release/
        if let Some(target) = dir.parent() {
            looked.push(target.join("wasm32-wasip2/release").join(COMPONENT_FILE));
        }
    }
    looked.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release").join(COMPONENT_FILE));
    if let Some(found) = looked.iter().find(|p| p.exists()) {
        return Ok(found.clone());
    }
    bail!(
        "the component was not found (looked at {}): build it with `cargo build -p bustly-mock-guest --target wasm32-wasip2 --release`, or pass --component <file>",
        looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )
}
