// One tool call, in a worker thread of its own (lib/call.js starts it): the
// component blocks the thread it runs on, and a worker can be ended whatever
// the component does. Its CLI is lib/wasi-cli.mjs (no environment, stderr
// kept for the report), its memory and tables are capped by the rules.
import v8 from "node:v8";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import { configure } from "./host.mjs";
import { componentStderr } from "./wasi-cli.mjs";
import { gate, gateStarted, stopLevel } from "./wasi-http.mjs";

const require = createRequire(import.meta.url);
const { rules } = require("./sandbox/rules.js");

const { job } = workerData;
const post = (message) => parentPort.postMessage(message);

// V8 caps every wasm memory and table of this process (the process is ours,
// or an agent host's, whose own wasm stays far below these).
const r = rules.resources;
v8.setFlagsFromString(`--wasm-max-mem-pages=${Math.floor(r.max_memory_bytes / 65536)}`);
v8.setFlagsFromString(`--wasm-max-table-size=${r.max_table_elements}`);

stopLevel(job.stop);

const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A typed result as the agent interface spells it: snake_case keys, u64 as numbers (every figure stays below 2^53). */
function plain(value) {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), plain(v)]));
  return value;
}

/** The typed request of a files call (u64 fields are BigInts in jco). */
function generateRequest(r) {
  const big = (v) => (v === undefined || v === null ? undefined : BigInt(v));
  return { ...r, forceCount: big(r.forceCount), seed: big(r.seed) };
}

/** A typed export's failure (jco throws the `err` payload) as the agent interface answers it. */
function failure(e) {
  const p = e && e.payload;
  if (p && typeof p === "object" && "kind" in p) return { success: false, error: { kind: p.kind, message: p.message } };
  throw e;
}

let host;
let answer;
let error;
try {
  host = configure({ ...job, post });
  const component = await import(pathToFileURL(job.component).href);
  await component.$init;
  if (job.kind === "call") {
    answer = component.agent.callTool(job.tool, job.arguments);
  } else if (job.kind === "tools") {
    answer = component.agent.toolDefinitions();
  } else if (job.kind === "files") {
    let result;
    try {
      result = plain(component.tools.generateMockData(generateRequest(job.request)));
    } catch (e) {
      result = failure(e);
    }
    answer = JSON.stringify(result);
  } else {
    throw new Error(`unknown job ${job.kind}`);
  }
} catch (e) {
  error = e && e.message ? e.message : String(e);
} finally {
  if (host?.output) {
    let succeeded = false;
    try {
      succeeded = JSON.parse(answer).success === true;
    } catch {
      // no answer: nothing commits
    }
    try {
      host.output.finish(succeeded);
    } catch (e) {
      error = error || `finishing the files: ${e.message}`;
    }
  }
}
post({ type: "done", answer, error, report: { ...(gateStarted() ? gate("report") : {}), stderr: componentStderr.text } });
