// Runs one tool call in a worker (lib/worker.mjs) and stops it, as
// host-runner's stop.rs: at the deadline, or when the caller stops it
// (a signal, an agent host's cancel), the call first goes to STOPPING (the
// gate refuses new writes and cuts the reads in flight, so the component
// fails as on any failure and rolls its run back, its deletes still going
// through); after a grace period it is SEALED (every request refused) and
// the worker is ended, whatever the component is doing.
"use strict";

const path = require("node:path");
const { MessageChannel, Worker } = require("node:worker_threads");
const { Sources } = require("./config");
const { CallPolicy } = require("./policy");
const probe = require("./probe");
const { rules, grace } = require("./sandbox/rules");
const { clean } = require("./text");

// The stop levels, as lib/gate.mjs reads them.
const STOPPING = 1;
const SEALED = 2;

const WORKER = path.join(__dirname, "worker.mjs");

// Warehouses found to keep their secrets, by REST URL, with whether their
// run_select_ws is read-only: probed once per process.
const probed = new Map();

/**
 * Probes the warehouse the call will connect to (lib/probe.js) while the
 * worker starts, and hands the verdict over: a flag the worker waits on and
 * a port it reads. Not for calls that connect nowhere (files, the tools'
 * definitions) or that the host refuses before connecting (an agent's
 * production write without allow-production): `{none}` then.
 */
function probeAhead(job, signal) {
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const tell = (verdict) => {
    port1.postMessage(verdict);
    port1.close();
    Atomics.store(new Int32Array(flag), 0, 1);
    Atomics.notify(new Int32Array(flag), 0);
  };
  let env = null;
  if (job.kind === "call") {
    try {
      env = new Sources(job.sources).resolve(job.policy.environment);
      if (env.production && new CallPolicy(job.policy).agentRefusal(env.name)) env = null;
    } catch {
      env = null; // the component hears why from resolve-connection
    }
  }
  if (!env) tell({ none: true });
  else if (probed.has(env.restUrl)) tell({ ok: true, note: null, readOnlySelects: probed.get(env.restUrl) });
  else {
    probe.check(env, signal).then((verdict) => {
      if (verdict.ok && !verdict.note) probed.set(env.restUrl, verdict.readOnlySelects);
      tell(verdict);
    });
  }
  return { flag, port: port2 };
}

/**
 * Starts a call. `job`: {kind: call|tools|files, tool, arguments, request,
 * component, sources, policy, output}. `on`: {progress(table, done, total),
 * log(level, message), stopping(reason)}. Returns {done, stop(reason)}:
 * `done` resolves to {answer, error, report, stopped, runNote}.
 */
function start(job, on = {}) {
  const control = new SharedArrayBuffer(4);
  const level = new Int32Array(control);
  const deadlineMs = job.policy?.deadlineMs ?? rules.calls.deadline_ms;
  // Ends the probe with the call: a warehouse that never answers must not hold the process.
  const probing = new AbortController();
  const ahead = probeAhead(job, probing.signal);
  const worker = new Worker(WORKER, {
    workerData: { job: { ...job, stop: control, probe: ahead } },
    transferList: [ahead.port],
    env: {},
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  let workerStderr = "";
  worker.stderr.on("data", (chunk) => {
    if (workerStderr.length < rules.output.max_stderr_bytes) workerStderr += chunk.toString("utf8");
  });

  let reason = null;
  let runNote = null;
  const timers = [];
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  let settled = false;
  const settle = (outcome) => {
    if (settled) return;
    settled = true;
    timers.forEach(clearTimeout);
    probing.abort();
    // Its keep-alive connections and the shim's IO worker would hold the process.
    worker.terminate();
    resolve(outcome);
  };
  const resolve = (outcome) =>
    finish({ stopped: reason, runNote, workerStderr: workerStderr ? clean(workerStderr) : "", ...outcome });

  const setLevel = (to) => {
    if (Atomics.load(level, 0) >= to) return;
    Atomics.store(level, 0, to);
    Atomics.notify(level, 0);
  };

  /** Seals the call and ends its worker: the component cannot go on, whatever it does. */
  const seal = () => {
    setLevel(SEALED);
    settle({ error: "the call did not stop; it was ended" });
  };

  /** Starts stopping (the first reason is kept); stopping again seals at once. */
  const stop = (why) => {
    if (settled) return;
    if (reason !== null) return seal();
    reason = why;
    setLevel(STOPPING);
    on.stopping?.(why);
    timers.push(setTimeout(seal, grace(deadlineMs)));
  };

  timers.push(setTimeout(() => stop(`the call passed its deadline of ${Math.round(deadlineMs / 1000)} s (--timeout)`), deadlineMs));

  worker.on("message", (m) => {
    if (m.type === "progress") on.progress?.(m.table, m.done, m.total);
    else if (m.type === "log") {
      const note = runNoteOf(m.message, job.policy?.environment);
      if (note) runNote = note;
      on.log?.(m.level, m.message);
    } else if (m.type === "done") settle({ answer: m.answer, error: m.error, report: m.report });
  });
  worker.on("error", (e) => settle({ error: e && e.message ? e.message : String(e) }));
  worker.on("exit", (code) => settle({ error: `the component's worker ended (exit code ${code}) without an answer` }));
  return { done, stop };
}

/** The command that removes a run the component named before its first write ("run N ...; to remove it: clean P --confirm --run N"). */
function runNoteOf(message, environment) {
  // The run id and platform only, checked (as host-runner's runtime.rs):
  // the host writes the advice, the component's text could advise anything.
  const m = /^run ([0-9]+) .*; to remove it: clean ([A-Za-z,-]+) --confirm --run ([0-9]+)$/.exec(message);
  if (!m || m[1] !== m[3]) return null;
  const args = JSON.stringify({ platform: m[2], confirm: true, run_id: m[3], env: environment });
  return clean(`run ${m[1]} may have rows left: remove them with bustly-mock-data call clean_mock_data '${args}'`);
}

module.exports = { start };
