// What scripts/node-host put into this package: the transpiled component,
// the tool definitions read from it, and where and from what it was built.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");

function json(file) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
}

/** `{builtFrom, component: {file, bytes, sha256}, version}` (build.json). */
const build = json("build.json");


/** The transpiled component's entry module. */
const component = path.join(ROOT, "component", "bustly_mock_guest.js");

module.exports = {
  ROOT,
  build,
  component,
  /** The three tools' definitions, as the component gave them when the package was built (tools.json). */
  get tools() {
    return json("tools.json");
  },
};
