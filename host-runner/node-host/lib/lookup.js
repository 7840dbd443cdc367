// Where the configuration files are, in host-runner's order
// (host-runner/src/lookup.rs):
//
// 1. `--config-dir DIR`, else 2. BUSTLY_MOCK_CONFIG_DIR: that folder only.
// 3. The repository's `config/`, only when the working directory is inside
//    the checkout this package was built from (recorded by scripts/node-host)
//    and, on unix, only when that folder is the user's and no one else may
//    write it: a cloned project an agent host starts in could otherwise point
//    it at another URL or call production "not production".
// 4. The user's folder: `$XDG_CONFIG_HOME/bustly-mock-data`, else
//    `~/.config/bustly-mock-data`.
//
// Without 1 or 2, each file comes from the first of 3 and 4 that has it.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const SUPABASE = "supabase.json";
const LOCAL = "local.json";
const CONFIG_DIR_VAR = "BUSTLY_MOCK_CONFIG_DIR";

const ORIGINS = {
  flag: "--config-dir",
  env: CONFIG_DIR_VAR,
  repository: "this repository's config/",
  user: "the user config folder",
};

function read(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A checkout of this project: a workspace whose members include host-runner, beside host-runner/ and config/. */
function isThisProject(dir) {
  const workspace = read(path.join(dir, "Cargo.toml"));
  return (
    workspace.includes("[workspace]") &&
    workspace.includes('"host-runner"') &&
    read(path.join(dir, "host-runner", "Cargo.toml")).includes('name = "host-runner"') &&
    isDir(path.join(dir, "config"))
  );
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The root of the checkout of this project holding `start`, or null. */
function repositoryRoot(start) {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isThisProject(dir)) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function realpath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

const PRIVATE_NOTE = process.platform === "win32" ? "" : ", yours and writable by no one else";

/** Throws why a config folder may not be trusted (unix: another owner, or writable by others). */
function ownedPrivately(dir) {
  if (process.platform === "win32") return;
  let st;
  try {
    st = fs.statSync(dir);
  } catch {
    return;
  }
  if (typeof process.geteuid === "function" && st.uid !== process.geteuid()) {
    throw new Error(`it belongs to another user (uid ${st.uid})`);
  }
  if (st.mode & 0o022) {
    throw new Error(`others may write it (mode ${(st.mode & 0o777).toString(8)}); chmod go-w ${dir}`);
  }
}

/** Why the config/ of the checkout at `root` may be read, or throws why not. */
function trust(root, config, builtFrom) {
  const same = builtFrom && realpath(root) !== null && realpath(root) === realpath(builtFrom);
  if (!same) {
    throw new Error(
      `it is not the checkout this package was built from (${builtFrom || "unknown"}); pass --config-dir ${config} to use it`,
    );
  }
  ownedPrivately(config);
  return `${config} is used: the checkout this package was built from${PRIVATE_NOTE}`;
}

/** `$XDG_CONFIG_HOME/bustly-mock-data` (only an absolute one counts), else `~/.config/bustly-mock-data`. */
function userDir(xdg, home) {
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home || ".", ".config");
  return path.join(base, "bustly-mock-data");
}

class Lookup {
  /** @param {{places: {dir: string, origin: string}[], repositoryRule: string|null}} fields */
  constructor({ places, repositoryRule }) {
    this.places = places;
    this.repositoryRule = repositoryRule;
  }

  /** The folders, from a flag, the environment variables and a working directory. */
  static create({ flag, variable, cwd, xdg, home, builtFrom }) {
    if (flag) return new Lookup({ places: [{ dir: flag, origin: "flag" }], repositoryRule: null });
    if (variable) return new Lookup({ places: [{ dir: variable, origin: "env" }], repositoryRule: null });
    const places = [];
    let repositoryRule = null;
    const root = cwd ? repositoryRoot(cwd) : null;
    if (root) {
      const dir = path.join(root, "config");
      try {
        repositoryRule = trust(root, dir, builtFrom);
        places.push({ dir, origin: "repository" });
      } catch (e) {
        repositoryRule = `${dir} is not used: ${e.message}`;
      }
    }
    places.push({ dir: userDir(xdg, home), origin: "user" });
    return new Lookup({ places, repositoryRule });
  }

  /** The first place holding `file`: `{path, place}`, or null. */
  find(file) {
    for (const place of this.places) {
      const p = path.join(place.dir, file);
      try {
        if (fs.statSync(p).isFile()) return { path: p, place };
      } catch {
        // not here
      }
    }
    return null;
  }

  /** Where `file` is read from: where it was found, else where it belongs (the first place). */
  path(file) {
    const found = this.find(file);
    return found ? found.path : path.join(this.places[0].dir, file);
  }
}

module.exports = { Lookup, ORIGINS, SUPABASE, LOCAL, CONFIG_DIR_VAR, repositoryRoot, userDir };
