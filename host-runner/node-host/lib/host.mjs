// The WIT `bustly:mock-data/host` imports, for one call in one worker
// (jco's --map points the component here). As host-runner's runtime.rs: the
// call's environment is fixed before the component runs; the connection is
// resolved from the same files and variables; an agent's production write
// needs the host's allow-production; the warehouse is probed for leaked
// secrets before the gate opens; files go only where the call allows.
//
// `configure` is called by lib/worker.mjs before the component loads.
import { createRequire } from "node:module";
import { receiveMessageOnPort } from "node:worker_threads";
import { gate } from "./wasi-http.mjs";

const require = createRequire(import.meta.url);
const { Sources } = require("./config.js");
const { CallPolicy } = require("./policy.js");
const { Output } = require("./output.js");
const { rules } = require("./sandbox/rules.js");

const NO_OUTPUT = "this call has no output directory (generate --out DIR)";

let call = null;

/**
 * The call this worker runs: `sources` and `policy` (plain data from the
 * controller), `output` (a directory, or null), `probe` (where the
 * controller's verdict on the warehouse arrives: a flag and a port), and
 * `post` (messages to the controller).
 */
export function configure({ sources, policy, output, probe, post }) {
  let verdict;
  call = {
    sources: new Sources(sources),
    policy: new CallPolicy(policy),
    output: output ? new Output(output) : null,
    post,
    /** The controller's probe of the warehouse (lib/probe.js), waited for. */
    verdict() {
      if (verdict === undefined) {
        Atomics.wait(new Int32Array(probe.flag), 0, 0);
        verdict = receiveMessageOnPort(probe.port)?.message ?? { none: true };
      }
      return verdict;
    },
  };
  return call;
}

const err = (kind, message) => ({ tag: "err", val: { kind, message } });

export function resolveConnection(environment) {
  if (call.output) return err("denied", "this call writes files (generate --out): it has no connection to a warehouse");
  let env;
  try {
    call.policy.checkEnvironment(environment);
    env = call.sources.resolve(call.policy.environment);
  } catch (e) {
    return err("configuration", e.message);
  }
  if (env.production) {
    const refusal = call.policy.agentRefusal(env.name);
    if (refusal) return err("denied", refusal);
  }
  const verdict = call.verdict();
  if (verdict.none) return err("internal", "the host did not check the warehouse for leaked secrets; nothing was sent (please report)");
  if (!verdict.ok) return err("configuration", verdict.message);
  if (verdict.note) log("warn", verdict.note);
  log("debug", `environment ${env.name} at ${env.origin} (workspace ${env.workspaceId})`);
  gate("open", {
    restUrl: env.restUrl,
    key: env.serviceKey.expose(),
    production: env.production,
    productionWrites: call.policy.productionWrites(),
    readOnlySelects: verdict.readOnlySelects === true,
  });
  return { tag: "ok", val: { environment: env.name, restUrl: env.restUrl, workspaceId: env.workspaceId, production: env.production } };
}

export function progress(table, done, total) {
  call.post({ type: "progress", table, done: Number(done), total: Number(total) });
}

/** Cuts `message` to `max` bytes of UTF-8 (on a character boundary). */
function cut(message, max) {
  const bytes = Buffer.from(message, "utf8");
  if (bytes.length <= max) return message;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString("utf8")} [cut]`;
}

// A line and the whole log have their limits, as stderr has (rules.json).
let logged = 0;

export function log(level, message) {
  const o = rules.output;
  if (logged >= o.max_log_bytes) return;
  message = cut(String(message), o.max_log_line_bytes);
  logged += Buffer.byteLength(message);
  if (logged >= o.max_log_bytes) message = `the component's log was cut at ${o.max_log_bytes} bytes`;
  call.post({ type: "log", level, message });
}

function writing(fn) {
  if (!call.output) return { tag: "err", val: NO_OUTPUT };
  try {
    fn(call.output);
    return { tag: "ok", val: undefined };
  } catch (e) {
    return { tag: "err", val: e.message };
  }
}

export function writeOutput(file, data) {
  return writing((out) => out.write(file, data));
}

export function writeSqlRows(file, rows) {
  return writing((out) => out.writeSqlRows(file, rows));
}
