#!/usr/bin/env node
// bustly-mock-data: the bustly-mock-data component in Node, without
// host-runner. `call TOOL JSON` has host-runner call's contract: it prints
// the tool's JSON answer and exits 0 when it says `success`.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");
const pkg = require("../lib/package");
const { Sources } = require("../lib/config");
const { start } = require("../lib/call");
const { agentCall, toolsJob, filesJob } = require("../lib/jobs");
const { report } = require("../lib/config-report");
const { clean } = require("../lib/text");

const USAGE = `Usage: bustly-mock-data [OPTIONS] COMMAND

Generate, inspect and clean realistic mock data in a Bustly warehouse (Supabase),
through the sandboxed bustly-mock-data component, in Node.

Commands:
  call TOOL JSON      run a tool (generate_mock_data, get_mock_data_status,
                      clean_mock_data) with JSON arguments ('-': from stdin);
                      prints its JSON answer; exit status 0 when it succeeded
  tools               the tools' definitions (JSON Schema)
  generate PLATFORM [STRATEGY] --out DIR [--format csv|ndjson|sql]
           [--workspace ID] [--seed N] [--count N] [--as-of DATE]
                      files of generated rows instead of a warehouse
  config              where configuration is looked up; the component's sha256

Options:
  --env ENV            environment (default: MOCK_DATA_ENV, else defaultEnv, else staging)
  --config-dir DIR     the folder holding supabase.json (also BUSTLY_MOCK_CONFIG_DIR)
  --allow-production   let calls that confirm it (confirm_production) write to production
  --timeout SECONDS    longest a call may run (default 3600); past it writes stop and
                       the run is rolled back; then the call is ended
  -v, --verbose        debug lines
  --version, --help

Example:
  bustly-mock-data call generate_mock_data '{"platform":"shopify","strategy":"minimal","env":"local"}'
`;

function usage(message) {
  process.stderr.write(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        env: { type: "string" },
        "config-dir": { type: "string" },
        "allow-production": { type: "boolean" },
        timeout: { type: "string" },
        verbose: { type: "boolean", short: "v" },
        version: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        // A component transpiled by scripts/node-host (its tests' rogue component).
        component: { type: "string" },
        out: { type: "string" },
        format: { type: "string" },
        workspace: { type: "string" },
        seed: { type: "string" },
        count: { type: "string" },
        "as-of": { type: "string" },
      },
    });
  } catch (e) {
    return usage(e.message);
  }
}

function whole(name, text, min = 0) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    usage(`--${name} must be a whole number${min ? ` of ${min} or more` : ""}, not '${text}'`);
  }
  return Number(text);
}

/** Prints a tool's JSON answer; the exit status from its `success`. */
function printAnswer(answer) {
  let value;
  try {
    value = JSON.parse(answer);
  } catch {
    value = { success: false, raw: answer };
  }
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return value.success === true ? 0 : 1;
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15 };

async function run() {
  const { values: o, positionals } = options();
  if (o.help) return process.stdout.write(USAGE), 0;
  if (o.version) return process.stdout.write(`bustly-mock-data ${pkg.build.version}\n`), 0;
  const [command, ...rest] = positionals;
  const sources = Sources.fromProcess({ configDir: o["config-dir"], env: o.env, builtFrom: pkg.build.builtFrom });
  const timeout = whole("timeout", o.timeout, 1);
  const common = { sources, timeoutMs: timeout === undefined ? undefined : timeout * 1000, component: o.component ? path.resolve(o.component) : pkg.component };
  if (o.component && !fs.existsSync(common.component)) usage(`the component ${o.component} does not exist`);

  let job;
  switch (command) {
    case "config":
      process.stdout.write(report(sources, pkg.build));
      return 0;
    case "tools":
      job = toolsJob(common);
      break;
    case "call": {
      if (rest.length !== 2) usage("call takes a tool name and its JSON arguments");
      const [tool, given] = rest;
      const text = given === "-" ? fs.readFileSync(0, "utf8") : given;
      job = agentCall({ ...common, tool, text, allowProduction: o["allow-production"] });
      break;
    }
    case "generate": {
      const [platform, strategy = "smart"] = rest;
      if (!platform || rest.length > 2) usage("generate takes a platform and, optionally, a strategy");
      if (!o.out) usage("generate writes files only: give it --out DIR (agents and warehouses: use call generate_mock_data)");
      const format = o.format || "csv";
      if (!["csv", "ndjson", "sql"].includes(format)) usage(`--format must be csv, ndjson or sql, not '${format}'`);
      if (!["smart", "minimal", "comprehensive"].includes(strategy)) usage(`unknown strategy '${strategy}'; use smart, minimal or comprehensive`);
      let configured = null;
      try {
        configured = sources.resolve(null).workspaceId;
      } catch {
        // no configuration: files need none
      }
      const request = {
        platform,
        strategy,
        forceCount: whole("count", o.count, 1),
        environment: undefined,
        dryRun: false,
        seed: whole("seed", o.seed),
        conflict: "fail",
        batchSize: undefined,
        confirmProduction: false,
        asOf: o["as-of"],
        outputFormat: format,
        workspace: o.workspace || sources.workspaceOverride || configured || "local-workspace",
        maxInFlight: undefined,
      };
      job = filesJob({ ...common, request, out: path.resolve(o.out) });
      break;
    }
    case undefined:
      return usage("no command");
    default:
      return usage(`unknown command '${command}'`);
  }

  const line = (text) => process.stderr.write(`${clean(text)}\n`);
  const call = start(job, {
    log(level, message) {
      if (level === "warn") line(`warning: ${message}`);
      else if (level === "error") line(`error: ${message}`);
      else if (level === "debug" && o.verbose) line(`debug: ${message}`);
      else if (level === "info" && job.kind === "files") line(message);
    },
    stopping(why) {
      line(`${why}: stopping writes; this run's rows are being removed (interrupt again to quit at once)`);
    },
  });
  let signal = null;
  for (const name of Object.keys(SIGNALS)) {
    process.on(name, () => {
      signal = name;
      call.stop("interrupted");
    });
  }
  const outcome = await call.done;
  if (outcome.workerStderr) process.stderr.write(outcome.workerStderr);
  const r = outcome.report;
  if (r?.stderr) process.stderr.write(r.stderr);
  if (r?.denied) line(`denied: the component tried to reach ${r.denied} (only ${r.allowed || "the configured Supabase host"} is allowed)`);
  if (outcome.stopped) {
    if (outcome.error) line(`error: ${outcome.error}`);
    if (outcome.answer) printAnswer(outcome.answer);
    line(`stopped: ${outcome.stopped}`);
    if (outcome.runNote) line(`if the result above does not say this run's rows were removed, ${outcome.runNote}`);
    return signal ? 128 + SIGNALS[signal] : 124;
  }
  if (outcome.error) {
    line(`error: ${outcome.error}`);
    return 1;
  }
  if (job.kind === "tools") {
    process.stdout.write(`${JSON.stringify(JSON.parse(outcome.answer), null, 2)}\n`);
    return 0;
  }
  const code = printAnswer(outcome.answer);
  if (job.kind === "files" && code === 0) line(`files in ${job.output}`);
  return code;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`error: ${clean(e && e.message ? e.message : String(e))}\n`);
    process.exitCode = 1;
  },
);
