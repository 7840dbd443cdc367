// OpenClaw's entry point for this plugin. What the plugin gives OpenClaw is
// declared in openclaw.plugin.json (the MCP server `host-runner mcp`, the skill
// under skills/); OpenClaw still refuses a plugin without an entry. CommonJS,
// because OpenClaw loads entries with require().
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const HOW_TO_INSTALL =
  "build it from the bustly-mock-data repository with `cargo install --path host-runner` " +
  "(its README, section Install), or put the checkout's target/release on PATH";

/** The host-runner executable on PATH, or null. */
function findHostRunner(env = process.env) {
  const names = process.platform === "win32"
    ? (env.PATHEXT || ".EXE").split(";").filter(Boolean).map((ext) => "host-runner" + ext)
    : ["host-runner"];
  for (const dir of (env.PATH || "").split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here: try the next folder
      }
    }
  }
  return null;
}

// OpenClaw may load the entry more than once per process: warn once per process.
const WARNED = Symbol.for("bustly-mock-data.host-runner-missing");

module.exports = {
  id: "bustly-mock-data",
  name: "Bustly mock data",
  register(api) {
    // The skill's gating (requires.bins) hides it without host-runner; the MCP
    // server would fail to start with a bare ENOENT. Say why, once, and how to fix it.
    if (globalThis[WARNED] || findHostRunner()) return;
    globalThis[WARNED] = true;
    api.logger?.warn?.(
      `host-runner is not on PATH: the bustly-mock-data MCP server cannot start and its skill stays unavailable. To install it, ${HOW_TO_INSTALL}.`,
    );
  },
  findHostRunner,
};
