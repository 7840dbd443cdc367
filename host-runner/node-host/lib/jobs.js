// The jobs the command line and the OpenClaw plugin hand to lib/call.js:
// everything the host fixes before the component runs, as plain data.
"use strict";

const { CallPolicy, confirmsProduction, environmentArgument } = require("./policy");
const { rules } = require("./sandbox/rules");

/** The arguments as JSON, or {} (the component itself reports bad JSON). */
function parsed(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * An agent's call of `tool` with JSON `text` (as `host-runner call`): its
 * environment is the arguments' env, else `--env`, else the default, and it
 * is added to the arguments when they name none.
 */
function agentCall({ tool, text, sources, allowProduction, timeoutMs, component }) {
  const args = parsed(text);
  let argumentsText = text;
  if (sources.cliEnv && environmentArgument(args) === null && text.trim().startsWith("{")) {
    try {
      argumentsText = JSON.stringify({ ...JSON.parse(text), env: sources.cliEnv });
    } catch {
      // not JSON: the component says so
    }
  }
  const policy = new CallPolicy({
    environment: environmentArgument(args) || sources.defaultEnvironment(),
    confirmed: confirmsProduction(args),
    agent: true,
    allowProduction: Boolean(allowProduction),
    deadlineMs: timeoutMs ?? rules.calls.deadline_ms,
  });
  return { kind: "call", tool, arguments: argumentsText, sources: sources.toJSON(), policy, output: null, component };
}

/** The tools' definitions, read from the component. */
function toolsJob({ sources, component }) {
  const policy = new CallPolicy({ environment: sources.defaultEnvironment(), confirmed: false, agent: true, allowProduction: false });
  return { kind: "tools", sources: sources.toJSON(), policy, output: null, component };
}

/** Files of generated rows in `out` (no warehouse): a person's `generate --out`. */
function filesJob({ request, out, sources, timeoutMs, component }) {
  const policy = new CallPolicy({
    environment: sources.defaultEnvironment(),
    confirmed: false,
    agent: false,
    allowProduction: false,
    deadlineMs: timeoutMs ?? rules.calls.deadline_ms,
  });
  return { kind: "files", request, sources: sources.toJSON(), policy, output: out, component };
}

module.exports = { agentCall, toolsJob, filesJob };
