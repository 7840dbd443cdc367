//! Sandbox II: no road from a hostile component to a second statement, a
//! changed database object, a superuser, a schema other than `semantic`,
//! the user's shell (through a SQL file), or the user's disk (an output
//! bomb). The rogue fixture attacks through the real host and the real
//! REST API; the warehouse's side is checked in SQL.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Workspace, repo, warehouse};
use crate::hosts::{Host, attack, files_attack, on_both_hosts, part};

on_both_hosts!(
    a_second_statement_never_runs_and_run_select_ws_stays_as_it_is,
    the_rest_session_is_no_superuser_and_queries_cannot_write,
    tables_need_the_semantic_profile_and_other_rpcs_are_refused,
    a_slow_query_ends_at_the_time_limit_and_the_warehouse_stays_usable,
    sql_files_hold_no_statement_or_command_of_the_components,
    an_output_bomb_is_capped,
    the_components_stderr_is_cleaned_and_cut,
    the_components_log_is_cut_per_line_and_in_all,
    queries_of_a_run_select_ws_that_may_write_are_writes_to_the_host,
    secrets_kept_in_database_settings_make_the_host_refuse_the_warehouse,
    another_checkout_s_config_is_not_trusted,
);

fn db() -> postgres::Client {
    postgres::Client::connect(&warehouse().database_url, postgres::NoTls).unwrap()
}

fn a_second_statement_never_runs_and_run_select_ws_stays_as_it_is(host: Host) {
    let ws = Workspace::new("second");
    let out = attack(&ws, host, "second-statement", &[]).out;
    for name in ["second", "comment", "invoker", "reset role"] {
        let outcome = part(&out, name);
        assert!(outcome.contains("accepts one statement"), "{name}: {outcome}\n{out}");
    }
    assert!(!out.contains(r#""'":"second""#), "the second statement's setting was read back:\n{out}");
    let mut db = db();
    let row = db
        .query_one(
            "select p.prosecdef, coalesce(obj_description(p.oid, 'pg_proc'), ''), pg_get_userbyid(p.proowner)::text \
             from pg_proc p where p.oid = 'public.run_select_ws(text,text)'::regprocedure",
            &[],
        )
        .unwrap();
    let (definer, comment, owner): (bool, String, String) = (row.get(0), row.get(1), row.get(2));
    assert!(definer, "still security definer");
    assert_eq!(comment, "", "no comment was put on it");
    assert_eq!(owner, "workspace_reader");
}

fn the_rest_session_is_no_superuser_and_queries_cannot_write(host: Host) {
    let ws = Workspace::new("superuser");
    let out = attack(&ws, host, "superuser", &[]).out;
    let who = part(&out, "who");
    assert!(who.contains(r#""s":"authenticator""#) && who.contains(r#""su":false"#), "{who}");
    assert!(who.contains(r#""t":"1min""#), "the statement timeout through the REST API: {who}");
    assert!(part(&out, "set role").contains("cannot set parameter"), "{out}");
    let write = part(&out, "write");
    assert!(write.contains("answered 4") && !write.contains(r#""n":"#), "a delete inside a query is refused:\n{write}");
}

fn tables_need_the_semantic_profile_and_other_rpcs_are_refused(host: Host) {
    let ws = Workspace::new("noprofile");
    let out = attack(&ws, host, "no-profile", &[]).out;
    for name in [
        "GET table",
        "HEAD table",
        "GET with a write profile",
        "DELETE table",
        "PATCH table",
        "GET root",
        "POST other rpc",
        "GET agent rpc",
    ] {
        assert_eq!(part(&out, name), "denied", "{name}:\n{out}");
    }
    assert_eq!(part(&out, "GET table with profile"), "answered 200", "{out}");
    assert!(out.contains("a table is reached in schema semantic only") && out.contains("only the agent RPCs"), "{out}");
}

fn a_slow_query_ends_at_the_time_limit_and_the_warehouse_stays_usable(host: Host) {
    let ws = Workspace::new("slow");
    let started = Instant::now();
    let out = attack(&ws, host, "slow", &[]).out;
    let took = started.elapsed();
    let answer = out.split("slow query after ").nth(1).unwrap_or_else(|| panic!("{out}"));
    assert!(answer.contains("statement timeout"), "{out}");
    let ms: u64 = answer.split(' ').next().unwrap().parse().unwrap();
    assert!((55_000..80_000).contains(&ms), "ended after {ms} ms (the limit is 60 s):\n{out}");
    assert!(took < Duration::from_secs(100), "{took:?}");
    // No query left behind, and start (no DDL when nothing changed) is quick.
    let mut db = db();
    let left: i64 = db
        .query_one("select count(*) from pg_stat_activity where query like '%pg_sleep(90)%' and pid <> pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the slow query still runs");
    let started = Instant::now();
    let start = Command::new(repo().join("scripts/local-warehouse")).arg("start").output().unwrap();
    assert!(start.status.success(), "{}", String::from_utf8_lossy(&start.stderr));
    assert!(started.elapsed() < Duration::from_secs(15), "start took {:?}", started.elapsed());
}

#[test]
fn run_select_ws_runs_one_read_only_statement_with_its_own_limit() {
    // Not while a test puts another function in its place.
    let _hold = crate::harness::shared();
    let mut db = db();
    let message = |e: postgres::Error| e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string());
    let one = |db: &mut postgres::Client, q: &str| -> Result<Value, String> {
        db.query_one("select public.run_select_ws($1, 'ws')::text", &[&q])
            .map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap())
            .map_err(message)
    };
    assert_eq!(one(&mut db, "select 'a;b' as s").unwrap(), serde_json::json!([{"s": "a;b"}]), "a ';' in a literal is data");
    assert_eq!(one(&mut db, "select 1 as n -- a comment").unwrap(), serde_json::json!([{"n": 1}]));
    for q in [
        "select 1; select 2",
        "select E'\\'' ; select 1",
        "select 1 as \"'\") q; select 2; select to_jsonb(1) as \"'\" from (select 1",
        "select 1 /* */ ; comment on schema semantic is 'x'",
    ] {
        let e = one(&mut db, q).unwrap_err();
        assert!(e.contains("one statement") || e.contains("syntax error"), "{q}: {e}");
    }
    for (q, refusal) in [
        ("with d as (delete from semantic.dm_orders_shopify returning 1) select count(*) from d", "data-modifying"),
        ("select * from semantic.dm_orders_shopify for update", "read-only transaction"),
        ("select set_config('transaction_read_only', 'off', true)", "read-write mode"),
    ] {
        let e = one(&mut db, q).unwrap_err();
        assert!(e.contains(refusal), "{q}: {e}");
    }
    let inside = one(&mut db, "select current_setting('statement_timeout') as t, current_setting('transaction_read_only') as r").unwrap();
    assert_eq!(inside, serde_json::json!([{"t": "1min", "r": "on"}]));
    // What read-only lets through is undone: a large object, a setting of
    // the whole session (on a pooled REST connection it would lift the time
    // limit of the requests after), an advisory lock.
    db.batch_execute("set statement_timeout = '7s'").unwrap();
    let count = |db: &mut postgres::Client, sql: &str| -> i64 { db.query_one(sql, &[]).unwrap().get(0) };
    let objects = count(&mut db, "select count(*) from pg_largeobject_metadata");
    one(&mut db, "select lo_from_bytea(0, 'kept?') as o, set_config('statement_timeout', '0', false) as t, pg_advisory_lock(4242) as l")
        .unwrap();
    assert_eq!(count(&mut db, "select count(*) from pg_largeobject_metadata"), objects, "a large object was kept");
    let timeout: String = db.query_one("show statement_timeout", &[]).unwrap().get(0);
    assert_eq!(timeout, "7s", "the query changed the session's statement_timeout");
    assert_eq!(count(&mut db, "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"), 0);
}

fn sql_files_hold_no_statement_or_command_of_the_components(host: Host) {
    let mut ws = Workspace::new("sqlfile");
    let dir = std::env::temp_dir().join(format!("e2e-sqlfile-{}", ws.id));
    let marker = std::env::temp_dir().join(format!("e2e-owned-{}", ws.id));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&marker);
    let name = format!("sql-file:{}", marker.display());
    let d = dir.to_str().unwrap().to_string();
    let out = files_attack(&ws, host, &name, &["--out", &d, "--format", "sql", "--workspace", &ws.id.clone()]).out;
    assert_eq!(part(&out, "rows with psql in them"), "written", "{out}");
    for refused in
        ["raw sql bytes", "a column of its own", "a statement after the rows", "a table of its own", "a huge batch", "connection"]
    {
        assert!(part(&out, refused).starts_with("refused"), "{refused}:\n{out}");
    }
    let files: Vec<String> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    assert_eq!(files, ["01-dm_orders_shopify.sql"], "only the rows' file exists");
    // Run it as the README says, without stopping on errors: psql runs
    // whatever it reads as a command.
    let psql = Command::new("psql").arg(&warehouse().database_url).args(["-X", "-q", "-f"]).arg(dir.join(&files[0])).output().unwrap();
    assert!(psql.status.success(), "{}", String::from_utf8_lossy(&psql.stderr));
    assert!(!marker.exists(), "a psql command in the component's rows ran");
    let stored: String = ws.scalar("select name from semantic.dm_orders_shopify where tenant_id = $1 and order_id = 'rogue-order-1'");
    assert!(
        stored.contains(&format!("\\! touch {}\n", marker.display())) && stored.contains("$rows0$"),
        "the text landed as data: {stored}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn an_output_bomb_is_capped(host: Host) {
    let ws = Workspace::new("outbomb");
    let dir = std::env::temp_dir().join(format!("e2e-outbomb-{}", ws.id));
    let _ = std::fs::remove_dir_all(&dir);
    let out = files_attack(&ws, host, "output-bomb", &["--out", dir.to_str().unwrap()]).out;
    assert!(out.contains("64 files before:") && out.contains("more than 64 files"), "{out}");
    assert!(part(&out, "100 MiB at once").contains("at once)"), "{out}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 64);
    let _ = std::fs::remove_dir_all(&dir);
}

fn the_components_stderr_is_cleaned_and_cut(host: Host) {
    let ws = Workspace::new("stderr");
    let run = attack(&ws, host, "ansi", &[]).run;
    assert!(!run.stderr.contains('\x1b'), "{:?}", &run.stderr[..run.stderr.len().min(500)]);
    assert!(run.stderr.contains("stderr \\u{1b}]0;owned"), "{}", &run.stderr[..run.stderr.len().min(500)]);
    assert!(run.stderr.contains("the component's stderr was cut at 65536 bytes"));
    assert!(run.stderr.len() < 80_000, "{} bytes", run.stderr.len());
}

fn the_components_log_is_cut_per_line_and_in_all(host: Host) {
    let ws = Workspace::new("logflood");
    let run = attack(&ws, host, "log-flood", &[]).run;
    assert!(run.stderr.len() < 1_200_000, "{} bytes of log", run.stderr.len());
    assert!(
        run.stderr.contains(" [cut]") && run.stderr.contains("the component's log was cut at 1048576 bytes"),
        "{}",
        &run.stderr[..run.stderr.len().min(300)]
    );
}

/// A warehouse whose run_select_ws does not make its queries read-only (an
/// older function) gets them counted as writes: refused in production the
/// call did not confirm, with a warning elsewhere.
fn queries_of_a_run_select_ws_that_may_write_are_writes_to_the_host(host: Host) {
    let mut ws = Workspace::exclusive("oldselect");
    ws.execute(
        "create or replace function public.run_select_ws(p_query text, p_workspace_id text) returns jsonb language plpgsql \
         security definer set search_path = pg_catalog, semantic, pg_temp as $f$ declare r jsonb; begin \
         perform set_config('request.headers', '', true); perform set_config('bustly.workspace_id', p_workspace_id, true); \
         execute format('select coalesce(jsonb_agg(q), ''[]''::jsonb) from (%s) q', p_query) into r; return r; end $f$",
    );
    let mut local: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
    local["WORKSPACE_ID"] = serde_json::json!(ws.id);
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("supabase.json"), serde_json::json!({ "production": local }).to_string()).unwrap();
    let d = dir.to_str().unwrap();
    let status = r#"{"platform":"shopify"}"#;
    let production = host.run(&ws, &["--config-dir", d, "--env", "production", "call", "get_mock_data_status", status]);
    let local_status = host.run(&ws, &["call", "get_mock_data_status", status]);
    // Put the function back as 20-access.sql has it.
    let restore = Command::new("psql")
        .arg(&warehouse().database_url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(repo().join("scripts/warehouse/20-access.sql"))
        .output()
        .unwrap();
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    let out = production.failed().output();
    assert!(out.contains("without --confirm-production") && out.contains("run_select_ws"), "{out}");
    let out = local_status.ok().output();
    assert!(out.contains("does not make its queries read-only"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn secrets_kept_in_database_settings_make_the_host_refuse_the_warehouse(host: Host) {
    let ws = Workspace::exclusive("dbsecret");
    let mut db = db();
    db.batch_execute("alter role anon set app.settings.jwt_secret = 'e2e-not-a-real-secret'").unwrap();
    let run = host.run(&ws, &["call", "get_mock_data_status", r#"{"platform":"shopify"}"#]);
    db.batch_execute("alter role anon reset app.settings.jwt_secret").unwrap();
    let out = run.failed().output();
    assert!(out.contains("pg_db_role_setting") && out.contains("app.settings.jwt_secret"), "{out}");
    assert!(!out.contains("e2e-not-a-real-secret"), "the value is never shown:\n{out}");
    host.run(&ws, &["call", "get_mock_data_status", r#"{"platform":"shopify"}"#]).ok();
}

#[test]
fn the_rest_api_logs_in_as_authenticator_whatever_the_callers_environment() {
    let ws = Workspace::exclusive("restlogin");
    // Restarted from a shell that exports the superuser's URL, as after
    // `eval "$(scripts/local-warehouse env)"`.
    let reload = Command::new(repo().join("scripts/local-warehouse"))
        .arg("reload-api")
        .env("DATABASE_URL", &warehouse().database_url)
        .env("PGUSER", "postgres")
        .output()
        .unwrap();
    assert!(reload.status.success(), "{}", String::from_utf8_lossy(&reload.stderr));
    let out = attack(&ws, Host::Runner, "superuser", &[]).out;
    assert!(part(&out, "who").contains(r#""s":"authenticator""#), "{out}");
}

fn another_checkout_s_config_is_not_trusted(host: Host) {
    // A clone of the project, as a cloned project an agent host starts in
    // could be, whose config/ points elsewhere and says production is not.
    let fake = std::env::temp_dir().join(format!("e2e-fake-checkout-{}-{host:?}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fake);
    std::fs::create_dir_all(fake.join("host-runner")).unwrap();
    std::fs::create_dir_all(fake.join("config")).unwrap();
    std::fs::write(fake.join("Cargo.toml"), "[workspace]\nmembers = [\"guest\", \"host-runner\"]\n").unwrap();
    std::fs::write(fake.join("host-runner/Cargo.toml"), "[package]\nname = \"host-runner\"\n").unwrap();
    let evil = serde_json::json!({"defaultEnv": "production", "production": {"production": false, "SUPABASE_URL": "https://evil.example", "SUPABASE_SERVICE_ROLE_KEY": "k", "WORKSPACE_ID": "w"}});
    std::fs::write(fake.join("config/supabase.json"), evil.to_string()).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = match host {
            Host::Runner => Command::new(env!("CARGO_BIN_EXE_host-runner")),
            Host::Node => {
                let mut c = Command::new(crate::harness::node());
                c.arg(crate::harness::node_package().join("bin/bustly-mock-data.js"));
                c
            }
        };
        let out = cmd
            .args(args)
            .current_dir(&fake)
            .env("HOME", fake.join("home"))
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("BUSTLY_MOCK_CONFIG_DIR")
            .env_remove("MOCK_DATA_ENV")
            .output()
            .unwrap();
        (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    };
    let (_, config) = run(&["config"]);
    let built = match host {
        Host::Runner => "host-runner",
        Host::Node => "package",
    };
    assert!(config.contains(&format!("is not used: it is not the checkout this {built} was built from")), "{config}");
    let (ok, status) = run(&["--env", "production", "call", "get_mock_data_status", "{}"]);
    assert!(!ok && status.contains("is not configured") && !status.contains("evil.example"), "{status}");
    let _ = std::fs::remove_dir_all(&fake);
}
