// `bustly-mock-data config`: which configuration files are used and where
// they were looked for, which component this package carries (its sha256,
// which `host-runner config` prints for its own), and the sandbox's rules.
// It names files and environments, never a key. As host-runner's config_report.rs.
"use strict";

const { ORIGINS, SUPABASE, LOCAL } = require("./lookup");
const { readJson, isProduction } = require("./config");
const { rules } = require("./sandbox/rules");
const fs = require("node:fs");

const EXAMPLE =
  '{"staging": {"SUPABASE_URL": "https://<project>.supabase.co", "SUPABASE_SERVICE_ROLE_KEY": "<service-role key>"}, "defaultEnv": "staging"}';

function environments(file) {
  let v;
  try {
    v = readJson(file);
  } catch (e) {
    return `; ${e.message}`;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return "; not a JSON object";
  const names = Object.keys(v)
    .filter((k) => k !== "defaultEnv")
    .sort()
    .map((k) => (isProduction(k, v[k]?.production) ? `${k} (production)` : k));
  const def = typeof v.defaultEnv === "string" ? `; defaultEnv: ${v.defaultEnv}` : "";
  return `; environments: ${names.length ? names.join(", ") : "none"}${def}`;
}

function defaultOrigin(sources) {
  const set = (v) => typeof v === "string" && v.trim() !== "";
  if (set(sources.cliEnv)) return "--env";
  if (set(sources.envVar)) return "MOCK_DATA_ENV";
  try {
    if (readJson(sources.supabaseJson())?.defaultEnv !== undefined) return "defaultEnv";
  } catch {
    // reported above
  }
  return "the built-in default";
}

function report(sources, build) {
  const out = [];
  const places = sources.lookup.places;
  out.push(`Configuration is looked up in${places.length > 1 ? " (per file, the first that has it)" : ""}:`);
  for (const p of places) out.push(`  ${ORIGINS[p.origin]}: ${p.dir}`);
  if (sources.lookup.repositoryRule) out.push(`repository: ${sources.lookup.repositoryRule}`);
  const supabase = sources.lookup.find(SUPABASE);
  const local = sources.lookup.find(LOCAL);
  out.push(supabase ? `${SUPABASE}: ${supabase.path} (from ${ORIGINS[supabase.place.origin]})${environments(supabase.path)}` : `${SUPABASE}: none found`);
  out.push(local ? `${LOCAL}: ${local.path} (from ${ORIGINS[local.place.origin]}), environment local` : `${LOCAL}: none found`);
  const oauth = sources.oauthJson();
  out.push(`bustlyOauth.json: ${oauth} (${fs.existsSync(oauth) ? "found" : "not found"})`);
  if (!supabase && !local) {
    out.push(
      `No configuration found. To add one, put ${SUPABASE} in ${places[0].dir} (or pass --config-dir DIR, or set BUSTLY_MOCK_CONFIG_DIR), shaped like\n  ${EXAMPLE}\nor, for the local warehouse, run scripts/local-warehouse start in the repository. tools and config need no configuration.`,
    );
  } else {
    out.push(`default environment: ${sources.defaultEnvironment()} (${defaultOrigin(sources)})`);
  }
  const c = build.component;
  out.push(`component: ${c.file} (${c.bytes} bytes, sha256 ${c.sha256}), transpiled by jco for Node`);
  out.push(
    `sandbox: host-runner/src/sandbox/rules.json, copied into this package: schema ${rules.requests.schema} only, the agent RPCs ${rules.requests.agent_rpcs.join(", ")}, at most ${rules.requests.max_in_flight} requests at once, calls end after ${Math.round(rules.calls.deadline_ms / 1000)} s`,
  );
  return `${out.join("\n")}\n`;
}

module.exports = { report };
