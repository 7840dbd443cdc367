// Where each environment is, from the same files and variables as
// host-runner (host-runner/src/config.rs):
//
// - supabase.json: per environment SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY,
//   optionally SUPABASE_REST_URL, WORKSPACE_ID and production; plus defaultEnv.
// - local.json: the local warehouse (environment `local`), written by
//   scripts/local-warehouse start.
// - ~/.bustly/bustlyOauth.json (or $OPENCLAW_STATE_DIR/bustlyOauth.json), key
//   bustlySearchData: the workspace id, and the URL when a section has none.
// - MOCK_DATA_ENV picks the default environment, MOCK_DATA_WORKSPACE_ID
//   overrides the workspace.
//
// Every failure names the file and what to put in it. The key is held in a
// Secret, which never prints.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { Lookup, SUPABASE, LOCAL } = require("./lookup");
const { Origin } = require("./sandbox/origin");
const { rules } = require("./sandbox/rules");

const LOOKUP_HINT = "`bustly-mock-data config` shows where configuration is looked up";

/** A credential: usable, never displayed, never serialised. */
class Secret {
  #value;
  constructor(value) {
    this.#value = value;
  }
  expose() {
    return this.#value;
  }
  toString() {
    return "Secret(***)";
  }
  toJSON() {
    return "***";
  }
  [Symbol.for("nodejs.util.inspect.custom")]() {
    return "Secret(***)";
  }
}

/** A JSON file: null if it does not exist; throws naming the file if it cannot be read or parsed. */
function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw new Error(`cannot read ${file}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${e.message}): fix it; config/supabase.json.example shows the expected shape`);
  }
}

/** Production when it says so, or when its name contains `prod` in any case, unless it says false. */
function isProduction(name, marked) {
  return typeof marked === "boolean" ? marked : name.toLowerCase().includes(rules.production.name_contains);
}

/** The state directory the Bustly desktop app writes: OPENCLAW_STATE_DIR, else ~/.bustly. */
function stateDir(env) {
  const home = env.HOME || ".";
  const dir = (env.OPENCLAW_STATE_DIR || "").trim();
  if (!dir) return path.join(home, ".bustly");
  if (dir === "~") return home;
  if (dir.startsWith("~/")) return path.join(home, dir.slice(2));
  return dir;
}

/** What configuration is read from; fixed when a call starts. Plain data, so it can go to a worker. */
class Sources {
  constructor({ lookup, stateDir, cliEnv, envVar, workspaceOverride }) {
    this.lookup = lookup instanceof Lookup ? lookup : new Lookup(lookup);
    Object.assign(this, { stateDir, cliEnv: cliEnv ?? null, envVar: envVar ?? null, workspaceOverride: workspaceOverride ?? null });
  }

  /** The sources of this process: its flags, environment and working directory. */
  static fromProcess({ configDir, env: cliEnv, builtFrom, processEnv = process.env, cwd = process.cwd() }) {
    return new Sources({
      lookup: Lookup.create({
        flag: configDir,
        variable: processEnv.BUSTLY_MOCK_CONFIG_DIR,
        cwd,
        xdg: processEnv.XDG_CONFIG_HOME,
        home: processEnv.HOME,
        builtFrom,
      }),
      stateDir: stateDir(processEnv),
      cliEnv,
      envVar: processEnv.MOCK_DATA_ENV,
      workspaceOverride: processEnv.MOCK_DATA_WORKSPACE_ID,
    });
  }

  toJSON() {
    const { lookup, stateDir, cliEnv, envVar, workspaceOverride } = this;
    return { lookup: { places: lookup.places, repositoryRule: lookup.repositoryRule }, stateDir, cliEnv, envVar, workspaceOverride };
  }

  supabaseJson() {
    return this.lookup.path(SUPABASE);
  }
  localJson() {
    return this.lookup.path(LOCAL);
  }
  oauthJson() {
    return path.join(this.stateDir, "bustlyOauth.json");
  }

  /** --env, else MOCK_DATA_ENV, else the configuration's defaultEnv, else staging. */
  defaultEnvironment() {
    const chosen = [this.cliEnv, this.envVar].find((e) => e && e.trim());
    if (chosen) return chosen.trim();
    try {
      const v = readJson(this.supabaseJson());
      if (v && typeof v.defaultEnv === "string") return v.defaultEnv;
    } catch {
      // a broken file is reported when an environment is resolved
    }
    return "staging";
  }

  /** Resolves `requested` (or the default) to an environment, or throws naming the file and the fix. */
  resolve(requested) {
    const name = (requested && requested.trim()) || this.defaultEnvironment();
    const supabase = readJson(this.supabaseJson());
    let section = supabase && typeof supabase === "object" && Object.hasOwn(supabase, name) ? supabase[name] : undefined;
    let file = this.supabaseJson();
    if (section === undefined) {
      if (name !== "local") throw new Error(this.missingEnvironment(name, supabase));
      section = readJson(this.localJson());
      file = this.localJson();
      if (section === null) {
        throw new Error(
          `environment 'local' is not configured: ${this.localJson()} does not exist. Run scripts/local-warehouse start in the repository, which starts the local warehouse and writes it, or add a "local" section to ${this.supabaseJson()} (${LOOKUP_HINT})`,
        );
      }
    }
    if (!section || typeof section !== "object" || Array.isArray(section)) {
      throw new Error(`"${name}" in ${file} must be an object with SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY`);
    }
    const get = (k) => (typeof section[k] === "string" && section[k].trim() ? section[k].trim() : null);
    const oauth = this.oauth();
    const url = get("SUPABASE_URL") || oauth?.url;
    if (!url) throw new Error(`environment '${name}' has no SUPABASE_URL: add it to the "${name}" section of ${file}`);
    const restUrl = get("SUPABASE_REST_URL") || `${url.replace(/\/+$/, "")}/rest/v1`;
    let origin;
    try {
      origin = Origin.parse(restUrl);
    } catch (e) {
      throw new Error(`environment '${name}' in ${file}: ${e.message}`);
    }
    const key = get("SUPABASE_SERVICE_ROLE_KEY");
    if (!key) {
      throw new Error(
        `environment '${name}' has no SUPABASE_SERVICE_ROLE_KEY: add the project's service-role key to the "${name}" section of ${file}`,
      );
    }
    if (!/^[\t\x20-\x7e]*$/.test(key)) {
      throw new Error(
        `SUPABASE_SERVICE_ROLE_KEY for '${name}' in ${file} has characters an HTTP header cannot carry: copy it again from the Supabase dashboard (Settings > API)`,
      );
    }
    if (key.startsWith("your-") || key.includes("service-role-key-here")) {
      throw new Error(
        `SUPABASE_SERVICE_ROLE_KEY for '${name}' in ${file} is still the example's placeholder: replace it with the project's service-role key (Supabase dashboard: Settings > API)`,
      );
    }
    const override = this.workspaceOverride && this.workspaceOverride.trim() ? this.workspaceOverride : null;
    const workspaceId = override || get("WORKSPACE_ID") || oauth?.workspace;
    if (!workspaceId) {
      throw new Error(
        `no workspace id for environment '${name}': log in with the Bustly desktop app (it writes ${this.oauthJson()}), or add WORKSPACE_ID to the "${name}" section of ${file}, or set MOCK_DATA_WORKSPACE_ID`,
      );
    }
    const production = isProduction(name, section.production);
    return { name, restUrl, origin, serviceKey: new Secret(key), workspaceId, production };
  }

  missingEnvironment(name, supabase) {
    const file = this.supabaseJson();
    if (!supabase || typeof supabase !== "object" || Array.isArray(supabase)) {
      return `environment '${name}' is not configured: ${file} does not exist. Copy config/supabase.json.example (in the repository) to ${file} and fill in each environment's SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (or use env local with scripts/local-warehouse; ${LOOKUP_HINT})`;
    }
    const known = Object.keys(supabase).filter((k) => k !== "defaultEnv");
    return `environment '${name}' is not in ${file} (it has: ${known.length ? known.join(", ") : "none"}): add a "${name}" section with SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY, or choose one of those with env`;
  }

  oauth() {
    const v = readJson(this.oauthJson());
    const s = v && v.bustlySearchData;
    if (!s || typeof s !== "object") return null;
    const get = (k) => (typeof s[k] === "string" && s[k] ? s[k] : null);
    return { url: get("SEARCH_DATA_SUPABASE_URL"), workspace: get("SEARCH_DATA_WORKSPACE_ID") };
  }
}

module.exports = { Sources, Secret, readJson, isProduction, stateDir, LOOKUP_HINT };
