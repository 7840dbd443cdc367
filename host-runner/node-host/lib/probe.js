// Before the component may query a warehouse, the host checks that its
// run_select_ws does not hand a query the secrets that would let it act as
// anyone: the request's headers (the service key among them) and settings
// whose name says they hold a secret, for the session or stored in
// pg_db_role_setting. The same two queries and verdicts as
// host-runner/src/probe.rs. lib/call.js sends them when the call starts, so
// that their round trip overlaps the component's start; the component gets
// no connection before the verdict (lib/host.mjs waits for it). The same
// answer says whether run_select_ws makes its queries read-only: if not, the
// gate counts its calls as writes. A probe that fails for another reason
// proves nothing: the call goes on, with a warning, and run_select_ws counts
// as a write.
"use strict";

const http = require("node:http");
const https = require("node:https");
const { Origin } = require("./sandbox/origin");
const { rules } = require("./sandbox/rules");
const { clean } = require("./text");

const SECRET_NAMES = "(secret|password|passwd|token|apikey|api_key|private|credential|_key$)";

const SESSION_QUERY =
  "select current_setting('request.headers', true) as h, current_setting('request.header.apikey', true) as a, " +
  "current_setting('request.header.authorization', true) as b, " +
  "current_setting('transaction_read_only') as ro, " +
  "(select coalesce(jsonb_agg(name order by name), '[]'::jsonb) from pg_settings " +
  `where name like '%.%' and name ~* '${SECRET_NAMES}' and coalesce(setting, '') <> '') as visible`;

const STORED_QUERY =
  "select coalesce(jsonb_agg(distinct split_part(c, '=', 1)), '[]'::jsonb) as stored " +
  "from pg_catalog.pg_db_role_setting, unnest(setconfig) c " +
  `where split_part(c, '=', 1) like '%.%' and split_part(c, '=', 1) ~* '${SECRET_NAMES}'`;

/** The names in a one-row answer's JSON array column. */
function names(body, column) {
  try {
    const v = JSON.parse(body)?.[0]?.[column];
    return Array.isArray(v) ? v.filter((x) => typeof x === "string").map(clean) : [];
  } catch {
    return [];
  }
}

/** Whether an answer carries the key (or a sizeable part of it). */
function leaks(answer, key) {
  const part = key.slice(0, 32);
  return part.length > 0 && answer.includes(part);
}

/** A text column of a one-row answer. */
function text(body, column) {
  try {
    const v = JSON.parse(body)?.[0]?.[column];
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

/**
 * The verdict on two answers (`{status, body}` or `{error}`) when the
 * warehouse keeps its secrets: `{note, readOnlySelects}` (note: why the
 * probe could not tell, or null); throws naming a leak and the fix.
 */
function judge(name, key, session, stored) {
  const unknown = [];
  let readOnlySelects = false;
  if (session.error !== undefined) unknown.push(session.error);
  else if (session.status === 200 && leaks(session.body, key)) {
    throw new Error(
      `the warehouse of environment '${name}' leaks the service key: its run_select_ws lets a query read the request headers (current_setting('request.headers')). Fix the function first: it must clear request.headers, request.jwt.claims and request.cookies before running the query (scripts/warehouse/20-access.sql shows how; README, "Threat model"); nothing was sent to the component`,
    );
  } else if (session.status === 200) {
    readOnlySelects = text(session.body, "ro") === "on";
    if (!readOnlySelects) {
      unknown.push(
        `its run_select_ws does not make its queries read-only, so the host counts them as writes (refused in production unless confirmed); fix the function as scripts/warehouse/20-access.sql does (README, "Threat model")`,
      );
    }
    const visible = names(session.body, "visible");
    if (visible.length) {
      throw new Error(
        `the warehouse of environment '${name}' shows queries secret settings through run_select_ws: ${visible.join(", ")}. Its run_select_ws must clear them before running the query (scripts/warehouse/20-access.sql shows how; README, "Threat model"); nothing was sent to the component`,
      );
    }
  } else unknown.push(`run_select_ws answered ${session.status}`);

  if (stored.error !== undefined) unknown.push(stored.error);
  else if (stored.status === 200) {
    const found = names(stored.body, "stored");
    if (found.length) {
      throw new Error(
        `the warehouse of environment '${name}' keeps secrets in database or role settings that any query can read (pg_catalog.pg_db_role_setting): ${found.join(", ")}. Remove them (alter database ... reset ${found[0]}; keep such secrets in Supabase Vault), or revoke select on pg_catalog.pg_db_role_setting from public; nothing was sent to the component`,
      );
    }
  } else if (!(stored.status >= 400 && stored.status < 500 && stored.body.includes("42501"))) {
    // 42501: the catalog is not readable, which is what we want.
    unknown.push(`the settings query answered ${stored.status}`);
  }
  const note = unknown.length ? `could not check all of the warehouse of environment '${name}' (${unknown.join("; ")}); going on` : null;
  return { note, readOnlySelects };
}

/** One query through run_select_ws: `{status, body}`, or `{error}` when no answer came (or `signal` ended the call). */
function ask(env, query, signal) {
  const origin = Origin.parse(env.restUrl);
  const key = env.serviceKey.expose();
  const headers = { "content-type": "application/json", accept: "application/json", apikey: key };
  if (!key.startsWith(rules.requests.bearer_unless_key_starts_with)) headers.authorization = `Bearer ${key}`;
  return new Promise((resolve) => {
    const request = (origin.https ? https : http).request(
      { method: "POST", host: origin.host.replace(/^\[|\]$/g, ""), port: origin.port, path: `${origin.path}rpc/run_select_ws`, headers, timeout: 20_000, signal },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (e) => resolve({ error: `no answer (${e.code || e.message})` }));
      },
    );
    // A warehouse too slow to answer this proves nothing: the call goes on.
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (e) => resolve({ error: `no answer (${e.code || e.message})` }));
    request.end(JSON.stringify({ p_query: query, p_workspace_id: env.workspaceId }));
  });
}

/** The verdict on `env` (an environment from lib/config): `{ok: true, note, readOnlySelects}` or `{ok: false, message}`; `signal` cuts it short. */
async function check(env, signal) {
  const [session, stored] = await Promise.all([ask(env, SESSION_QUERY, signal), ask(env, STORED_QUERY, signal)]);
  try {
    return { ok: true, ...judge(env.name, env.serviceKey.expose(), session, stored) };
  } catch (e) {
    return { ok: false, message: e.message };
  }
}

module.exports = { SESSION_QUERY, STORED_QUERY, judge, check };
