// Build step of scripts/node-host (not shipped): transpiles the component
// (and the tests' rogue component) with jco, with the host's own imports in
// place of preview2-shim's wasi:http and the WIT host interface; writes
// build.json (the component's sha256, the checkout it was built from) and
// the package's version; then asks the transpiled component for its tool
// definitions (tools.json), which the OpenClaw manifest declares
// (OpenClaw's register() is synchronous: they must be known before it runs).
//
//   node build.mjs TRANSPILER PACKAGE_DIR COMPONENT.wasm ROGUE.wasm REPO
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";

const [transpiler, pkg, wasm, rogue, repo] = process.argv.slice(2);
const { transpile } = await import(pathToFileURL(transpiler).href);

// Paths are relative to the transpiled module, which sits one folder below the package root.
// The component's way out (wasi:http), its streams, polls and timers (all
// local to its thread), its CLI (no environment, stderr kept) and the WIT
// host are the host's own; the rest (random, wall clock) is preview2-shim's.
const MAP = {
  "bustly:mock-data/host": "../lib/host.mjs",
  "wasi:http/*": "../lib/wasi-http.mjs#*",
  "wasi:io/*": "../lib/wasi-io.mjs#*",
  "wasi:clocks/monotonic-clock": "../lib/wasi-io.mjs#monotonicClock",
  "wasi:cli/*": "../lib/wasi-cli.mjs#*",
};

// What a transpiled component may import: the host's own modules, and from
// preview2-shim only the wall clock and randomness. Anything else
// (wasi:filesystem, wasi:sockets) would be preview2-shim's, with the
// process's own rights: the build refuses such a component.
const ALLOWED = new Set([...Object.values(MAP).map((m) => m.split("#")[0]), "@bytecodealliance/preview2-shim/clocks", "@bytecodealliance/preview2-shim/random"]);

async function transpileInto(component, dir) {
  const name = path.basename(component, ".wasm");
  // tlaCompat: the module exports $init to await, and loads wherever top-level await cannot.
  const { files, imports } = await transpile(component, { name, map: MAP, tlaCompat: true, outDir: dir, emitTypescriptDeclarations: false });
  const foreign = imports.filter((i) => !ALLOWED.has(i));
  if (foreign.length) throw new Error(`${component} imports what the Node host does not give a component: ${foreign.join(", ")}`);
  for (const [file, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  // jco writes ES modules; the package itself is CommonJS (OpenClaw require()s its entry).
  fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  return path.join(dir, `${name}.js`);
}

await transpileInto(wasm, path.join(pkg, "component"));
await transpileInto(rogue, path.join(pkg, "test-components"));

const bytes = fs.readFileSync(wasm);
fs.copyFileSync(wasm, path.join(pkg, "component", path.basename(wasm)));
const version = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/.exec(fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8"))[1];
const build = {
  version,
  builtFrom: fs.realpathSync(repo),
  component: { file: path.basename(wasm), bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") },
};
fs.writeFileSync(path.join(pkg, "build.json"), `${JSON.stringify(build, null, 2)}\n`);
const manifest = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
manifest.version = version;
fs.writeFileSync(path.join(pkg, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`component sha256 ${build.component.sha256} (${bytes.length} bytes)`);

const defs = JSON.parse(execFileSync(process.execPath, [path.join(pkg, "bin", "bustly-mock-data.js"), "tools"], { cwd: pkg }));
if (!Array.isArray(defs) || !defs.length || !defs.every((d) => d.name && d.inputSchema)) throw new Error("the component gave no tool definitions");
fs.writeFileSync(path.join(pkg, "tools.json"), `${JSON.stringify(defs, null, 2)}\n`);
const plugin = JSON.parse(fs.readFileSync(path.join(pkg, "openclaw.plugin.json"), "utf8"));
plugin.version = version;
plugin.contracts = { ...plugin.contracts, tools: defs.map((d) => d.name) };
fs.writeFileSync(path.join(pkg, "openclaw.plugin.json"), `${JSON.stringify(plugin, null, 2)}\n`);
console.log(`tools: ${defs.map((d) => d.name).join(", ")}`);
