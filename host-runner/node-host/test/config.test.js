// Where the Node host finds its configuration and what it decides before a
// call, as host-runner's lookup.rs, config.rs, call.rs and probe.rs: the
// same files, the same order, the same rule for a repository's config/, the
// same messages' fixes, the key never shown.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const util = require("node:util");
const { Lookup, repositoryRoot } = require("../lib/lookup");
const { Sources, isProduction, stateDir } = require("../lib/config");
const { CallPolicy, confirmsProduction, environmentArgument } = require("../lib/policy");
const { judge } = require("../lib/probe");

let next = 0;
/** A temp folder with `files` (paths relative to it: contents). */
function tree(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nh-config-${next++}-`));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const REPO = {
  "repo/Cargo.toml": '[workspace]\nmembers = ["guest", "host-runner"]\n',
  "repo/host-runner/Cargo.toml": '[package]\nname = "host-runner"\n',
  "repo/config/supabase.json.example": "{}",
};

test("the flag, then the variable, then the repository, then the user folder", () => {
  const t = tree({ ...REPO, "repo/config/local.json": "{}", "xdg/bustly-mock-data/supabase.json": "{}", "xdg/bustly-mock-data/local.json": "{}" });
  const inside = path.join(t, "repo/host-runner/src");
  fs.mkdirSync(inside, { recursive: true });
  const xdg = path.join(t, "xdg");
  const built = path.join(t, "repo");
  let l = Lookup.create({ flag: "/f", variable: "/v", cwd: inside, xdg, builtFrom: built });
  assert.deepEqual(l.places, [{ dir: "/f", origin: "flag" }]);
  l = Lookup.create({ variable: "/v", cwd: inside, xdg, builtFrom: built });
  assert.deepEqual(l.places, [{ dir: "/v", origin: "env" }]);
  l = Lookup.create({ variable: "", cwd: inside, xdg, builtFrom: built });
  assert.equal(l.places.length, 2, "an empty variable is no variable");
  assert.deepEqual(l.places[0], { dir: path.join(t, "repo/config"), origin: "repository" });
  assert.equal(l.find("local.json").path, path.join(t, "repo/config/local.json"));
  assert.equal(l.find("supabase.json").place.origin, "user");
  assert.match(l.repositoryRule, /is used: the checkout this package was built from/);
  l = Lookup.create({ cwd: t, xdg, builtFrom: built });
  assert.deepEqual(l.places, [{ dir: path.join(t, "xdg/bustly-mock-data"), origin: "user" }]);
});

test("another checkout of this project is not trusted, nor a parent with a config folder", () => {
  const t = tree({ ...REPO, "repo/config/supabase.json": "{}", "other/config/supabase.json": "{}", "other/Cargo.toml": "", "other/p/x": "" });
  const elsewhere = path.join(tree(REPO), "repo");
  const l = Lookup.create({ cwd: path.join(t, "repo"), home: path.join(t, "home"), builtFrom: elsewhere });
  assert.equal(l.places.length, 1);
  assert.equal(l.places[0].origin, "user");
  assert.match(l.repositoryRule, /is not used: it is not the checkout this package was built from/);
  assert.match(l.repositoryRule, /--config-dir/);
  assert.equal(repositoryRoot(path.join(t, "other/p")), null);
});

test("a config folder others may write is not trusted", { skip: process.platform === "win32" }, () => {
  const t = tree({ ...REPO, "repo/config/supabase.json": "{}" });
  const built = path.join(t, "repo");
  fs.chmodSync(path.join(built, "config"), 0o777);
  let l = Lookup.create({ cwd: built, home: path.join(t, "home"), builtFrom: built });
  assert.equal(l.places.length, 1);
  assert.match(l.repositoryRule, /others may write it \(mode 777\)/);
  fs.chmodSync(path.join(built, "config"), 0o755);
  l = Lookup.create({ cwd: built, home: path.join(t, "home"), builtFrom: built });
  assert.equal(l.places[0].origin, "repository");
});

function sources(files, extra = {}) {
  const dir = tree(files);
  return new Sources({
    lookup: { places: [{ dir: path.join(dir, "config"), origin: "flag" }], repositoryRule: null },
    stateDir: path.join(dir, "state"),
    ...extra,
  });
}

test("resolves the design's files without showing the key", () => {
  const s = sources({
    "config/supabase.json": '{"staging":{"SUPABASE_URL":"https://abc.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"sekrit-key"},"defaultEnv":"staging"}',
    "state/bustlyOauth.json": '{"bustlySearchData":{"SEARCH_DATA_WORKSPACE_ID":"ws-1"}}',
  });
  const e = s.resolve(null);
  assert.equal(e.restUrl, "https://abc.supabase.co/rest/v1");
  assert.equal(e.workspaceId, "ws-1");
  assert.equal(e.production, false);
  for (const shown of [util.inspect(e), JSON.stringify(e), String(e.serviceKey)]) assert.ok(!shown.includes("sekrit"), shown);
  assert.equal(e.serviceKey.expose(), "sekrit-key");
});

test("failures name the file and the fix", () => {
  let s = sources({});
  assert.throws(() => s.resolve("staging"), /supabase.json does not exist.*Copy config\/supabase.json.example/);
  assert.throws(() => s.resolve("local"), /scripts\/local-warehouse start/);
  assert.throws(() => sources({ "config/supabase.json": "{ not json" }).resolve("staging"), /is not valid JSON/);
  s = sources({ "config/supabase.json": '{"production":{"SUPABASE_URL":"https://p.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"k"}}' });
  assert.throws(() => s.resolve("staging"), /it has: production/);
  assert.throws(() => s.resolve("production"), /no workspace id.*MOCK_DATA_WORKSPACE_ID/);
  s = sources({
    "config/supabase.json": '{"staging":{"SUPABASE_URL":"https://x.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"your-staging-service-role-key-here","WORKSPACE_ID":"w"}}',
  });
  assert.throws(() => s.resolve("staging"), /placeholder/);
  s = sources({ "config/supabase.json": '{"staging":{"SUPABASE_URL":"http://x.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"k","WORKSPACE_ID":"w"}}' });
  assert.throws(() => s.resolve("staging"), /https/);
});

test("local comes from the warehouse file and overrides apply", () => {
  const s = sources(
    { "config/local.json": '{"SUPABASE_URL":"http://127.0.0.1:54330","SUPABASE_REST_URL":"http://127.0.0.1:54330","SUPABASE_SERVICE_ROLE_KEY":"k","WORKSPACE_ID":"local-workspace"}' },
    { envVar: "local", workspaceOverride: "ws-test" },
  );
  const e = s.resolve(null);
  assert.deepEqual([e.name, e.restUrl, e.workspaceId], ["local", "http://127.0.0.1:54330", "ws-test"]);
});

test("production is told by flag or name; the state folder by OPENCLAW_STATE_DIR", () => {
  for (const name of ["production", "Production", "PROD", "prod-eu", "eu-prod-2"]) {
    assert.ok(isProduction(name, undefined), name);
    assert.ok(!isProduction(name, false), name);
  }
  assert.ok(!isProduction("staging", undefined));
  assert.ok(isProduction("staging", true));
  assert.equal(stateDir({ HOME: "/h" }), "/h/.bustly");
  assert.equal(stateDir({ HOME: "/h", OPENCLAW_STATE_DIR: "~/s" }), "/h/s");
});

test("agents need the host to allow production; the component cannot switch environments", () => {
  for (const args of [{ confirm_production: true }, { confirmProduction: true }, { "confirm-production": "TRUE" }]) assert.ok(confirmsProduction(args));
  assert.ok(!confirmsProduction({ confirm_production: "yes please" }));
  assert.equal(environmentArgument({ ENV: " prod " }), "prod");
  const policy = (agent, confirmed, allow) => new CallPolicy({ environment: "prod-eu", confirmed, agent, allowProduction: allow });
  assert.ok(policy(false, true, false).productionWrites(), "a person confirms with the flag");
  assert.ok(!policy(true, true, false).productionWrites());
  assert.ok(policy(true, true, true).productionWrites());
  assert.match(policy(true, true, false).agentRefusal("prod-eu"), /--allow-production.*nothing was changed/);
  assert.equal(policy(true, false, false).agentRefusal("prod-eu"), null, "reads need nothing");
  assert.doesNotThrow(() => policy(false, false, false).checkEnvironment("prod-eu"));
  assert.throws(() => policy(false, false, false).checkEnvironment("staging"), /'staging'.*'prod-eu'/);
});

test("the probe: a leak is the key in the answer; secret settings by name, never by value", () => {
  const KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig";
  const ok = (body) => ({ status: 200, body });
  const CLEAN = '[{"h":"","a":null,"b":null,"ro":"on","visible":[]}]';
  const NONE = '[{"stored":[]}]';
  assert.throws(() => judge("e", KEY, ok(`[{"h":"{\\"apikey\\":\\"${KEY}\\"}","visible":[]}]`), ok(NONE)), /leaks the service key/);
  assert.deepEqual(judge("e", KEY, ok(CLEAN), ok(NONE)), { note: null, readOnlySelects: true });
  const old = judge("e", KEY, ok('[{"h":"","ro":"off","visible":[]}]'), ok(NONE));
  assert.equal(old.readOnlySelects, false, "a run_select_ws that may write counts as writing");
  assert.match(old.note, /does not make its queries read-only/);
  assert.throws(() => judge("e", KEY, ok('[{"h":"","visible":["app.settings.jwt_secret"]}]'), ok(NONE)), /app.settings.jwt_secret.*must clear them/);
  assert.throws(() => judge("e", KEY, ok(CLEAN), ok('[{"stored":["app.settings.jwt_secret"]}]')), /pg_db_role_setting.*reset app.settings.jwt_secret/);
  assert.deepEqual(judge("e", KEY, ok(CLEAN), { status: 403, body: '{"code":"42501"}' }), { note: null, readOnlySelects: true }, "a catalog the query may not read");
  assert.match(judge("e", KEY, { error: "no answer (ECONNREFUSED)" }, ok(NONE)).note, /could not check.*ECONNREFUSED/);
});
