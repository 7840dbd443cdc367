// OpenClaw's entry point for this plugin: the three tools of the
// bustly-mock-data component, run in this process with no host-runner. Each
// call runs the component in a worker thread of its own (lib/call.js), under
// the same sandbox rules as host-runner (lib/sandbox, lib/gate.mjs).
//
// CommonJS, because OpenClaw loads entries with require(); register() is
// synchronous, so the tools' definitions were read from the component when
// the package was built (tools.json).
"use strict";

const pkg = require("./lib/package");
const { Sources } = require("./lib/config");
const { start } = require("./lib/call");
const { agentCall } = require("./lib/jobs");
const { clean } = require("./lib/text");

const ID = "bustly-mock-data-node";
// Four progress lines a second at most.
const PROGRESS_GAP_MS = 250;

/** The plugin's settings (plugins.entries.<id>.config), checked against the manifest's schema by OpenClaw. */
function settings(api) {
  const c = api.pluginConfig || {};
  return {
    env: typeof c.env === "string" && c.env.trim() ? c.env.trim() : undefined,
    configDir: typeof c.configDir === "string" && c.configDir ? c.configDir : undefined,
    workspaceId: typeof c.workspaceId === "string" && c.workspaceId ? c.workspaceId : undefined,
    allowProduction: c.allowProduction === true,
    timeoutMs: Number.isInteger(c.timeoutSeconds) && c.timeoutSeconds > 0 ? c.timeoutSeconds * 1000 : undefined,
  };
}

/** Progress as OpenClaw shows it: a public line, never a secret (table names and counts). */
function reporter(onUpdate) {
  let last = 0;
  return (table, done, total) => {
    const now = Date.now();
    if (!onUpdate || now - last < PROGRESS_GAP_MS) return;
    last = now;
    const text = clean(`${table.replace(/^semantic\./, "")}: ${done} of ${total} rows`);
    onUpdate({ content: [], progress: { text, visibility: "channel", privacy: "public", id: `${ID}:progress` } });
  };
}

async function execute(api, tool, params, signal, onUpdate) {
  const s = settings(api);
  const processEnv = { ...process.env, ...(s.workspaceId ? { MOCK_DATA_WORKSPACE_ID: s.workspaceId } : {}) };
  const sources = Sources.fromProcess({ configDir: s.configDir, env: s.env, builtFrom: pkg.build.builtFrom, processEnv });
  const job = agentCall({
    tool,
    text: JSON.stringify(params ?? {}),
    sources,
    allowProduction: s.allowProduction,
    timeoutMs: s.timeoutMs,
    component: pkg.component,
  });
  const call = start(job, {
    progress: reporter(onUpdate),
    log(level, message) {
      if (level === "warn") api.logger?.warn?.(`${ID}: ${clean(message)}`);
      else if (level === "error") api.logger?.error?.(`${ID}: ${clean(message)}`);
    },
  });
  const cancel = () => call.stop("cancelled");
  if (signal?.aborted) cancel();
  signal?.addEventListener?.("abort", cancel, { once: true });
  let outcome;
  try {
    outcome = await call.done;
  } finally {
    signal?.removeEventListener?.("abort", cancel);
  }
  const r = outcome.report;
  if (r?.stderr) api.logger?.warn?.(`${ID}: the component wrote on stderr:\n${r.stderr}`);
  if (r?.denied) api.logger?.warn?.(`${ID}: denied: the component tried to reach ${r.denied}`);
  let details;
  try {
    details = JSON.parse(outcome.answer);
  } catch {
    const message = outcome.stopped
      ? `the call was stopped (${outcome.stopped})${outcome.runNote ? `; ${outcome.runNote}` : ""}`
      : `the call failed: ${outcome.error || "no answer"}`;
    details = { success: false, error: { kind: "internal", message: clean(message) } };
  }
  // The answer is the model's, as text; OpenClaw reads success/error from details.
  return { content: [{ type: "text", text: JSON.stringify(details, null, 2) }], details };
}

module.exports = {
  id: ID,
  name: "Bustly mock data (Node)",
  description: "The bustly-mock-data tools, run in Node with no host-runner.",
  register(api) {
    for (const def of pkg.tools) {
      api.registerTool({
        name: def.name,
        label: def.title || def.name,
        description: def.description,
        parameters: def.inputSchema,
        execute: (_toolCallId, params, signal, onUpdate) => execute(api, def.name, params, signal, onUpdate),
      });
    }
  },
};
