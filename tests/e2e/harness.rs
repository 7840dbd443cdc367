//! What the end-to-end tests stand on: the local warehouse (a real
//! PostgreSQL behind postrust), the real component in the real host-runner,
//! and a workspace of their own per test, so tests run side by side.
//!
//! Every run of host-runner is checked for the service-role key in its
//! output: it must never appear.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

pub struct Warehouse {
    pub database_url: String,
    /// The local service-role key, to prove it never leaks.
    pub service_key: String,
}

/// The running local warehouse, or a panic saying how to start it.
pub fn warehouse() -> &'static Warehouse {
    static W: OnceLock<Warehouse> = OnceLock::new();
    W.get_or_init(|| {
        let out = Command::new(repo().join("scripts/local-warehouse")).arg("env").output().expect("scripts/local-warehouse runs");
        let env = String::from_utf8_lossy(&out.stdout);
        let database_url =
            env.lines().find_map(|l| l.strip_prefix("DATABASE_URL=")).expect("scripts/local-warehouse env prints DATABASE_URL").to_string();
        if postgres::Client::connect(&database_url, postgres::NoTls).is_err() {
            panic!("the local warehouse is not running: start it with scripts/local-warehouse start (scripts/test does)");
        }
        let local: Value = serde_json::from_str(
            &std::fs::read_to_string(repo().join("config/local.json"))
                .expect("config/local.json exists after scripts/local-warehouse start"),
        )
        .expect("config/local.json is JSON");
        let service_key = local["SUPABASE_SERVICE_ROLE_KEY"].as_str().expect("a key").to_string();
        check_component_is_fresh();
        Warehouse { database_url, service_key }
    })
}

fn newest(dir: &Path) -> SystemTime {
    let mut latest = UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let t = if path.is_dir() { newest(&path) } else { entry.metadata().and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH) };
        latest = latest.max(t);
    }
    latest
}

pub fn component(name: &str) -> PathBuf {
    repo().join("target/wasm32-wasip2/release").join(name)
}

/// The tests run the built component: refuse to test a stale one.
fn check_component_is_fresh() {
    let wasm = component("bustly_mock_guest.wasm");
    let built = std::fs::metadata(&wasm).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!(
            "{} is missing: build it with cargo build -p bustly-mock-guest --target wasm32-wasip2 --release (scripts/test does)",
            wasm.display()
        )
    });
    let sources = newest(&repo().join("guest/src")).max(newest(&repo().join("wit")));
    assert!(
        built >= sources,
        "{} is older than its sources: rebuild it with cargo build -p bustly-mock-guest --target wasm32-wasip2 --release (scripts/test does)",
        wasm.display()
    );
}

/// The Node runtime the Node host's tests use: BUSTLY_TEST_NODE, else `node` on PATH.
pub fn node() -> String {
    std::env::var("BUSTLY_TEST_NODE").unwrap_or_else(|_| "node".to_string())
}

/// The Node host's package as scripts/node-host left it (target/node-host/package),
/// checked to carry the component these tests run.
pub fn node_package() -> PathBuf {
    static CHECKED: OnceLock<PathBuf> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let dir = repo().join("target/node-host/package");
            let build: Value = std::fs::read_to_string(dir.join("build.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_else(|| panic!("{} is missing: build it with scripts/node-host (scripts/test does)", dir.display()));
            let wasm = std::fs::read(component("bustly_mock_guest.wasm")).expect("the component is built");
            use sha2::Digest;
            let sha: String = sha2::Sha256::digest(&wasm).iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                build["component"]["sha256"].as_str(),
                Some(sha.as_str()),
                "{} carries another component than target/wasm32-wasip2/release: rebuild it with scripts/node-host (scripts/test does)",
                dir.display()
            );
            let rogue = dir.join("test-components/rogue_guest.js");
            let newer = |a: &Path, b: &Path| {
                let t = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
                t(a) >= t(b)
            };
            assert!(
                newer(&rogue, &component("rogue_guest.wasm")),
                "{} is older than the rogue component: rebuild it with scripts/node-host (scripts/test does)",
                rogue.display()
            );
            dir
        })
        .clone()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Run {
        assert_eq!(self.code, 0, "host-runner failed:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn failed(&self) -> &Run {
        assert_ne!(self.code, 0, "host-runner should have failed:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Tests that change the shared tables' shape (DDL) hold this exclusively;
/// every other test holds it shared, for as long as its workspace lives.
static SCHEMA: RwLock<()> = RwLock::new(());

enum Hold {
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    Exclusive(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
    /// A fixture shared by several tests, which lock around their own use.
    Detached,
}

/// The shared hold on the tables' shape, for work outside a `Workspace::new`.
pub fn shared() -> RwLockReadGuard<'static, ()> {
    SCHEMA.read().unwrap_or_else(|e| e.into_inner())
}

/// A workspace of the test's own in the shared local warehouse.
pub struct Workspace {
    pub id: String,
    db: postgres::Client,
    extra_env: Vec<(String, String)>,
    // Dropped last: the workspace's rows go before the lock does.
    _hold: Hold,
}

impl Workspace {
    pub fn new(tag: &str) -> Workspace {
        Workspace::holding(tag, Hold::Shared(SCHEMA.read().unwrap_or_else(|e| e.into_inner())))
    }

    /// A workspace for a test that alters the shared tables: no other test
    /// runs meanwhile. Such a test puts every table back as it was.
    pub fn exclusive(tag: &str) -> Workspace {
        Workspace::holding(tag, Hold::Exclusive(SCHEMA.write().unwrap_or_else(|e| e.into_inner())))
    }

    /// A workspace that outlives any one test (a fixture several tests
    /// share): it holds no lock and its rows stay when it is dropped, so
    /// the rows of earlier runs under the same tag are removed first.
    pub fn detached(tag: &str) -> Workspace {
        let ws = Workspace::holding(tag, Hold::Detached);
        let mut db = postgres::Client::connect(&warehouse().database_url, postgres::NoTls).expect("connect to the local warehouse");
        remove_rows(&mut db, &format!("e2e-{tag}-%"));
        ws
    }

    /// Another handle on a detached workspace.
    pub fn attach(id: &str) -> Workspace {
        let db = postgres::Client::connect(&warehouse().database_url, postgres::NoTls).expect("connect to the local warehouse");
        Workspace { id: id.to_string(), db, extra_env: Vec::new(), _hold: Hold::Detached }
    }

    fn holding(tag: &str, hold: Hold) -> Workspace {
        let w = warehouse();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let id = format!("e2e-{tag}-{}-{nanos}", std::process::id());
        let db = postgres::Client::connect(&w.database_url, postgres::NoTls).expect("connect to the local warehouse");
        Workspace { id, db, extra_env: Vec::new(), _hold: hold }
    }

    /// Restarts the local REST server, which caches the schema, after DDL.
    pub fn reload_api(&self) {
        let out = Command::new(repo().join("scripts/local-warehouse")).arg("reload-api").output().unwrap();
        assert!(out.status.success(), "reload-api failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Workspace {
        self.extra_env.push((key.into(), value.into()));
        self
    }

    /// Runs host-runner for this workspace (`--env local` unless given).
    pub fn hr(&self, args: &[&str]) -> Run {
        self.hr_in(args, None)
    }

    pub fn hr_in(&self, args: &[&str], stdin: Option<&str>) -> Run {
        self.run_in(Command::new(env!("CARGO_BIN_EXE_host-runner")), "host-runner", args, stdin)
    }

    /// Runs the Node host's `bustly-mock-data` (as scripts/node-host built it) for this workspace.
    pub fn node(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(node());
        cmd.arg(node_package().join("bin/bustly-mock-data.js"));
        self.run_in(cmd, "bustly-mock-data", args, None)
    }

    fn run_in(&self, mut cmd: Command, name: &str, args: &[&str], stdin: Option<&str>) -> Run {
        cmd.args(args).current_dir(repo()).env("MOCK_DATA_WORKSPACE_ID", &self.id).env_remove("MOCK_DATA_ENV");
        if !args.contains(&"--env") && !self.extra_env.iter().any(|(k, _)| k == "MOCK_DATA_ENV") {
            cmd.env("MOCK_DATA_ENV", "local");
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        if let Some(input) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{name} does not run: {e}"));
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.output().contains(&warehouse().service_key), "the service-role key appeared in the output of {name} {args:?}");
        run
    }

    /// One value from SQL; `$1` is the workspace id.
    pub fn scalar<T: for<'a> postgres::types::FromSql<'a>>(&mut self, sql: &str) -> T {
        let id = self.id.clone();
        self.db.query_one(sql, &[&id]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
    }

    pub fn count(&mut self, table: &str, filter: &str) -> i64 {
        let sql = format!("select count(*) from semantic.{table} t where tenant_id = $1 and ({filter})");
        self.scalar(&sql)
    }

    /// Fresh statistics, so the checks' joins get sensible plans.
    pub fn analyze(&mut self) {
        self.execute("analyze");
    }

    pub fn execute(&mut self, sql: &str) {
        self.db.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    /// A digest of every row of every table in this workspace.
    pub fn checksum(&mut self) -> String {
        let tables: Vec<String> = self
            .db
            .query("select tablename from pg_tables where schemaname = 'semantic' order by 1", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut digest = String::new();
        for t in tables {
            let sql = format!(
                "select coalesce(md5(string_agg(x::text, '|' order by x::text)), 'empty') from semantic.\"{t}\" x where tenant_id = $1"
            );
            let d: String = self.scalar(&sql);
            digest.push_str(&format!("{t}:{d};"));
        }
        digest
    }

    pub fn rows(&mut self, table: &str) -> i64 {
        self.count(table, "true")
    }

    /// Loads the demo "existing store" into this workspace.
    pub fn load_demo_store(&mut self) {
        let out = Command::new(repo().join("scripts/local-warehouse")).args(["seed-demo", &self.id]).output().unwrap();
        assert!(out.status.success(), "seed-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if !matches!(self._hold, Hold::Detached) {
            let id = self.id.clone();
            remove_rows(&mut self.db, &id);
        }
    }
}

/// Test data only: the rows of the workspaces matching `pattern` (a LIKE
/// pattern), whoever made them.
fn remove_rows(db: &mut postgres::Client, pattern: &str) {
    let tables: Vec<String> = db
        .query(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'semantic' and c.relkind = 'r'",
            &[],
        )
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default();
    // Children first: retry until the foreign keys let every table go.
    for _ in 0..4 {
        for t in &tables {
            let _ = db.execute(&format!("delete from semantic.\"{t}\" where tenant_id like $1"), &[&pattern]);
        }
    }
}

/// A fixed end of period, for runs that must be reproducible.
pub const AS_OF: &str = "2026-06-30";
