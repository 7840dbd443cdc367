"""The real OpenClaw installs each plugin and calls the tools: host-runner/plugin/
(the MCP server host-runner mcp) and the Node host's package (target/node-host/*.tgz
from scripts/node-host: the component in the plugin itself, no host-runner).

Run by tests/openclaw/run (which fetches the pinned OpenClaw and Node): all of
OpenClaw's state lives in a temporary folder, the model is the scripted
stand-in of stub_model.py, the warehouse is the local one. Checks outcomes, not
exit codes (OpenClaw's install validation is shallow):

1. `plugins install --link` leaves the folder as it was; `plugins inspect`
   shows the MCP server and the skill; `skills info` says the skill is not
   ready without host-runner on PATH (host-runner missing, and how to install
   it), and Ready with it.
2. Turn 1 calls generate_mock_data (minimal, env local, a workspace of the
   test's own): the rows are in PostgreSQL. Turn 2 calls get_mock_data_status:
   the result the model receives counts exactly those rows and names the run.
   Turn 3 calls clean_mock_data: the workspace is as before.
3. The service-role key appears nowhere: not in OpenClaw's output, not in what
   the model was sent, not in any file OpenClaw wrote.

The Node plugin, with no host-runner anywhere on PATH: `plugins install
npm-pack:TARBALL` (npm fetches its one dependency), `plugins inspect --runtime`
shows the three tools it registered and the skill; the entry, loaded with
require() as OpenClaw loads it, registers the tools of tools.json and reports a
generate's progress; then the same three agent turns, the same outcome checks
and the same leak check.

Last line: `openclaw-e2e: passed ...` or `openclaw-e2e: FAILED: ...`.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import stub_model

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "host-runner" / "plugin"
SERVER = "bustly-mock-data"
SKILL = "bustly-mock-data"
NODE_PLUGIN = "bustly-mock-data-node"
NODE_SKILL = "bustly-mock-data-node"
TOOLS = ["generate_mock_data", "get_mock_data_status", "clean_mock_data"]
# The machine's own way to the npm registry (CA bundle, proxy), for the npm that
# OpenClaw runs to install the Node plugin's dependency.
NETWORK_VARIABLES = ("NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def step(message, started):
    print(f"openclaw: {message} ({time.monotonic() - started:.1f} s)", flush=True)


class Warehouse:
    """The local warehouse, read as `scripts/local-warehouse env` describes it."""

    def __init__(self):
        out = subprocess.run([REPO / "scripts" / "local-warehouse", "env"], capture_output=True, text=True, check=True).stdout
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.url = env["DATABASE_URL"].strip("'\"")
        # Only to prove it never leaks; never printed.
        self.key = json.loads((REPO / "config" / "local.json").read_text())["SUPABASE_SERVICE_ROLE_KEY"]
        self.tables = self.query(
            "select table_name from information_schema.columns where table_schema = 'semantic' and column_name = 'tenant_id' order by 1"
        ).split()
        check(self.tables, "the local warehouse has no semantic tables with tenant_id")

    def query(self, sql):
        run = subprocess.run(["psql", self.url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
        check(run.returncode == 0, f"psql failed: {run.stderr.strip()}")
        return run.stdout.strip()

    def rows(self, workspace):
        """Rows per table of this workspace (tables without any left out)."""
        counts = " union all ".join(
            f"select '{t}', count(*) from semantic.\"{t}\" where tenant_id = '{workspace}'" for t in self.tables
        )
        out = self.query(counts)
        return {t: int(n) for t, n in (line.split("|") for line in out.splitlines()) if int(n)}

    def digest(self, workspace):
        """A digest of every row of this workspace."""
        parts = " || ".join(
            f"coalesce((select md5(string_agg(x::text, '|' order by x::text)) from semantic.\"{t}\" x where tenant_id = '{workspace}'), '-')"
            for t in self.tables
        )
        return self.query(f"select md5({parts})")

    def remove(self, workspace):
        """Test data only: whatever this workspace still holds (after a failure)."""
        if not self.rows(workspace):
            return
        deletes = "".join(f"delete from semantic.\"{t}\" where tenant_id = '{workspace}';\n" for t in self.tables)
        # Children first: each statement on its own, repeated until the foreign keys let go.
        subprocess.run(["psql", self.url, "-XAtq", "-f", "-"], input=deletes * 4, capture_output=True, text=True)


class OpenClaw:
    """The pinned OpenClaw with every piece of state under one temporary folder."""

    def __init__(self, node_bin, entry, root, host_runner_dir, compile_cache, extra_env=None):
        self.node = Path(node_bin) / "node"
        self.entry = entry
        self.root = root
        self.compile_cache = compile_cache
        self.host_runner_dir = host_runner_dir
        self.extra_env = extra_env or {}
        self.outputs = []  # everything OpenClaw printed, for the leak check
        for d in ("home", "state", "tmp", "logs", "workspace"):
            (root / d).mkdir()
        # A PATH with no host-runner on it, whatever the caller's PATH holds.
        self.base_path = [Path(node_bin)] + [
            Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "host-runner").exists()
        ]

    def env(self, with_host_runner=True):
        path = self.base_path + ([self.host_runner_dir] if with_host_runner and self.host_runner_dir else [])
        return {
            **self.extra_env,
            "PATH": os.pathsep.join(map(str, path)),
            "HOME": str(self.root / "home"),
            "USER": os.environ.get("USER", "test"),
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "TMPDIR": str(self.root / "tmp"),
            "OPENCLAW_STATE_DIR": str(self.root / "state"),
            "OPENCLAW_CONFIG_PATH": str(self.root / "state" / "openclaw.json"),
            # Node's cache of compiled JavaScript is no state: kept between runs, it saves
            # each command seconds (OpenClaw would put it under TMPDIR).
            "NODE_COMPILE_CACHE": str(self.compile_cache),
        }

    def configure(self, model_url):
        config = {
            "logging": {"file": str(self.root / "logs" / "openclaw.log")},
            "models": {
                "mode": "merge",
                "providers": {
                    "stub": {
                        "baseUrl": model_url,
                        "apiKey": "stub-local",
                        "api": "openai-completions",
                        "models": [
                            {
                                "id": stub_model.MODEL,
                                "name": "Scripted stand-in",
                                "reasoning": False,
                                "input": ["text"],
                                "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                                "contextWindow": 128000,
                                "maxTokens": 4096,
                            }
                        ],
                    }
                },
            },
            "agents": {"defaults": {"model": {"primary": f"stub/{stub_model.MODEL}"}, "workspace": str(self.root / "workspace")}},
            # Without this, MCP tools sit behind a tool-search indirection.
            "tools": {"toolSearch": False},
        }
        (self.root / "state" / "openclaw.json").write_text(json.dumps(config, indent=2))

    def run(self, *args, timeout=180, with_host_runner=True):
        cmd = [str(self.node), str(self.entry), *args]
        try:
            run = subprocess.run(cmd, env=self.env(with_host_runner), cwd=self.root / "workspace", capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.outputs.append(f"{e.stdout or ''}\n{e.stderr or ''}")
            raise Failure(f"openclaw {' '.join(args[:3])} still running after {timeout} s")
        self.outputs.append(f"{run.stdout}\n{run.stderr}")
        return run


def parse_json(text, what):
    """The JSON document in a command's output (OpenClaw may print lines before it)."""
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0], default=-1)
    check(start >= 0, f"{what}: no JSON in its output: {text[-400:]}")
    try:
        return json.JSONDecoder().raw_decode(text[start:])[0]
    except ValueError as e:
        raise Failure(f"{what}: not JSON ({e}): {text[start:start + 400]}")


def folder_state(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


def install_and_inspect(oc, started):
    before = folder_state(PLUGIN)
    run = oc.run("plugins", "install", "--link", "--force", "--accept-capabilities", str(PLUGIN), timeout=180)
    check(run.returncode == 0, f"plugins install failed: {(run.stderr or run.stdout)[-600:]}")
    check(folder_state(PLUGIN) == before, "installing with --link changed the plugin folder (a node_modules, a lock file?)")
    step("plugins install --link", started)

    run = oc.run("plugins", "inspect", SERVER, "--json")
    check(run.returncode == 0, f"plugins inspect failed: {(run.stderr or run.stdout)[-600:]}")
    inspect = parse_json(run.stdout, "plugins inspect --json")
    plugin = inspect.get("plugin", {})
    check((plugin.get("format"), plugin.get("status"), plugin.get("enabled")) == ("openclaw", "loaded", True),
          f"not loaded as a native plugin: format={plugin.get('format')}, status={plugin.get('status')}, enabled={plugin.get('enabled')}")
    check(not inspect.get("diagnostics"), f"inspect reports diagnostics: {inspect.get('diagnostics')}")
    servers = {s.get("name"): s for s in inspect.get("mcpServers", [])}
    check(servers.get(SERVER, {}).get("hasStdioTransport") is True, f"inspect lists no stdio MCP server {SERVER}: {inspect.get('mcpServers')}")
    declared = plugin.get("mcpServers", {}).get(SERVER, {})
    check((declared.get("command"), declared.get("args")) == ("host-runner", ["mcp"]), f"the server does not run host-runner mcp: {declared}")
    accepted = inspect.get("install", {}).get("acceptedSurface", {})
    check(accepted.get("skills") == ["skills"] and accepted.get("mcpServers") == [SERVER],
          f"the install did not accept the skill and the server: {accepted}")
    step("plugins inspect shows the MCP server and the skill", started)
    return inspect


def skill_gating(oc, started):
    run = oc.run("skills", "info", SKILL, "--json", with_host_runner=False)
    info = parse_json(run.stdout, "skills info --json")
    check(info.get("requirements", {}).get("bins") == ["host-runner"], f"the skill does not require host-runner: {info.get('requirements')}")
    check(info.get("eligible") is False and info.get("missing", {}).get("bins") == ["host-runner"],
          f"without host-runner on PATH the skill should be missing it: eligible={info.get('eligible')}, missing={info.get('missing')}")
    run = oc.run("skills", "info", SKILL, with_host_runner=False)
    out = run.stdout + run.stderr
    check("✗ host-runner" in out and "Ready" not in out, f"skills info does not say host-runner is missing:\n{out[-800:]}")
    check("cargo install --path host-runner" in out, f"skills info does not say how to install host-runner:\n{out[-800:]}")
    step("without host-runner on PATH: skill not ready, host-runner missing, how to install it", started)

    run = oc.run("skills", "info", SKILL)
    out = run.stdout + run.stderr
    check(run.returncode == 0 and "Ready" in out and "✓ host-runner" in out, f"skills info does not say Ready:\n{out[-800:]}")
    step("skills info: Ready", started)


def entry_warning(oc, started):
    """The entry loads with require() (as OpenClaw loads it) and says how to install host-runner."""
    probe = ("const p = require(process.argv[1]); const said = [];"
             "p.register({logger: {warn: (m) => said.push(m)}}); p.register({logger: {warn: (m) => said.push(m)}});"
             "console.log(JSON.stringify({id: p.id, said}));")
    for with_host_runner in (False, True):
        run = subprocess.run([str(oc.node), "-e", probe, str(PLUGIN / "index.js")], env=oc.env(with_host_runner), capture_output=True, text=True, timeout=30)
        check(run.returncode == 0, f"require() of the plugin entry failed: {run.stderr[-600:]}")
        out = parse_json(run.stdout, "the entry probe")
        check(out["id"] == SERVER, f"the entry's id is {out['id']}")
        if with_host_runner:
            check(out["said"] == [], f"the entry warned with host-runner on PATH: {out['said']}")
        else:
            check(len(out["said"]) == 1 and "cargo install --path host-runner" in out["said"][0],
                  f"without host-runner the entry should warn once, saying how to install it: {out['said']}")
    step("the entry loads with require() and warns, once, without host-runner", started)


def turn(oc, script, session, message, tool, arguments, prefix=f"{SERVER}__"):
    """One agent turn in which the stand-in model calls `tool` (as OpenClaw names it: MCP tools
    carry their server's name); returns its result."""
    name = f"{prefix}{tool}"
    results_before = len(script.results)
    script.plan(name, arguments)
    run = oc.run("agent", "--local", "--session-id", session, "--thinking", "off", "--message", message, "--json", timeout=240)
    check(run.returncode == 0, f"the agent turn for {tool} failed: {(run.stderr or run.stdout)[-800:]}")
    offered = script.offered[-1] if script.offered else []
    check(script.planned is None, f"the model was never offered {name}; it was offered: {offered}")
    new = script.results[results_before:]
    check(new, f"{tool} was called but its result never came back to the model; agent said: {run.stdout[-600:]}")
    result = stub_model.first_json_object(new[-1][1])
    check(result is not None, f"{tool}'s result is not JSON: {new[-1][1][:400]}")
    check(result.get("success") is True, f"{tool} failed: {json.dumps(result)[:600]}")
    out = parse_json(run.stdout, "agent --json")
    summary = out.get("meta", {}).get("toolSummary", {})
    check(name in summary.get("tools", []) and summary.get("failures") == 0, f"OpenClaw does not count {name} as a successful call: {summary}")
    return result, out


def agent_turns(oc, script, warehouse, workspace, started, prefix=f"{SERVER}__", skill=SKILL):
    session = f"e2e-{os.getpid()}-{skill}"
    before = warehouse.digest(workspace)
    check(not warehouse.rows(workspace), f"workspace {workspace} is not empty before the test")

    generated, out = turn(oc, script, session, "Add a little Shopify test data to the local warehouse.", "generate_mock_data",
                          {"platform": "shopify", "strategy": "minimal", "env": "local"}, prefix)
    # The skill reached the agent: in OpenClaw's account of the prompt, and in what the model was sent.
    prompt_skills = [e.get("name") for e in out.get("meta", {}).get("systemPromptReport", {}).get("skills", {}).get("entries", [])]
    check(skill in prompt_skills, f"the skill is not in the agent's prompt: {prompt_skills}")
    system = " ".join(stub_model.text_of(m.get("content")) for m in script.requests[0].get("messages", []) if m.get("role") == "system")
    check(skill in system and "Generate realistic, correlated mock data" in system, "the model was not shown the skill")
    rows = warehouse.rows(workspace)
    check(rows.get("dm_orders_shopify") == 10, f"expected the 10 orders of a minimal run in PostgreSQL, found {rows}")
    inserted = {t["table"].split(".")[-1]: t["inserted"] for p in generated["platforms"] for t in p["tables"]}
    check({t: n for t, n in inserted.items() if n} == rows, f"the tool reported {inserted}, PostgreSQL holds {rows}")
    step(f"turn 1: generate_mock_data wrote {sum(rows.values())} rows (run {generated['run_id']})", started)

    status, _ = turn(oc, script, session, "What mock data is there now?", "get_mock_data_status", {"platform": "shopify", "env": "local"}, prefix)
    report = status["report"]
    check([r["run_id"] for r in report["runs"]] == [generated["run_id"]], f"status names runs {report['runs']}, not {generated['run_id']}")
    counted = {t["table"].split(".")[-1]: t["generated_rows"] for t in report["tables"] if t["generated_rows"]}
    check(counted == rows, f"status counts {counted}, PostgreSQL holds {rows}")
    step("turn 2: get_mock_data_status counts exactly those rows", started)

    cleaned, _ = turn(oc, script, session, "Remove the mock data again.", "clean_mock_data", {"platform": "shopify", "confirm": True, "env": "local"}, prefix)
    left = warehouse.rows(workspace)
    check(not left, f"clean_mock_data left rows: {left}")
    check(warehouse.digest(workspace) == before, "the workspace differs from before the test")
    step("turn 3: clean_mock_data removed them; the workspace is as before", started)
    return cleaned


def install_node_plugin(oc, tarball, started):
    """The Node plugin from its npm-pack tarball, as a user installs it; no host-runner anywhere."""
    check(shutil.which("host-runner", path=oc.env(with_host_runner=False)["PATH"]) is None, "host-runner is on the PATH OpenClaw gets")
    run = oc.run("plugins", "install", f"npm-pack:{tarball}", "--force", "--accept-capabilities", timeout=300, with_host_runner=False)
    check(run.returncode == 0, f"plugins install npm-pack: failed: {(run.stderr or run.stdout)[-600:]}")
    step(f"plugins install npm-pack:{Path(tarball).name}", started)

    run = oc.run("plugins", "inspect", NODE_PLUGIN, "--runtime", "--json", with_host_runner=False)
    check(run.returncode == 0, f"plugins inspect failed: {(run.stderr or run.stdout)[-600:]}")
    inspect = parse_json(run.stdout, "plugins inspect --runtime --json")
    plugin = inspect.get("plugin", {})
    check((plugin.get("format"), plugin.get("status"), plugin.get("enabled")) == ("openclaw", "loaded", True),
          f"not loaded as a native plugin: format={plugin.get('format')}, status={plugin.get('status')}, enabled={plugin.get('enabled')}")
    check(not inspect.get("diagnostics"), f"inspect reports diagnostics: {inspect.get('diagnostics')}")
    check(plugin.get("toolNames") == TOOLS, f"the plugin registered {plugin.get('toolNames')}, not {TOOLS}")
    check(not inspect.get("mcpServers"), f"the Node plugin declares MCP servers: {inspect.get('mcpServers')}")
    accepted = inspect.get("install", {}).get("acceptedSurface", {})
    check(accepted.get("skills") == ["skills"] and sorted(accepted.get("tools", [])) == sorted(TOOLS),
          f"the install did not accept the skill and the tools: {accepted}")
    step("plugins inspect --runtime: the three tools registered, the skill accepted", started)
    return Path(plugin["rootDir"])


def configure_node_plugin(oc, settings):
    """The plugin's settings (plugins.entries.<id>.config), as a user sets them."""
    path = oc.root / "state" / "openclaw.json"
    config = json.loads(path.read_text())
    config.setdefault("plugins", {}).setdefault("entries", {}).setdefault(NODE_PLUGIN, {})["config"] = settings
    path.write_text(json.dumps(config, indent=2))


def node_skill(oc, started):
    run = oc.run("skills", "info", NODE_SKILL, "--json", with_host_runner=False)
    info = parse_json(run.stdout, "skills info --json")
    check(info.get("eligible") is True and not info.get("requirements", {}).get("bins"),
          f"the Node plugin's skill should be ready with nothing else installed: {json.dumps(info)[:600]}")
    run = oc.run("skills", "info", NODE_SKILL, with_host_runner=False)
    check(run.returncode == 0 and "Ready" in run.stdout + run.stderr, f"skills info does not say Ready:\n{(run.stdout + run.stderr)[-800:]}")
    step("skills info: Ready, with no host-runner", started)


# The entry, loaded with require() as OpenClaw loads it: register() with a stand-in api,
# then a generate (progress collected), a clean of that run, and a generate cancelled at its
# first progress line, through the real component.
ENTRY_PROBE = """
const entry = require(process.argv[1]);
const tools = [];
entry.register({ pluginConfig: JSON.parse(process.argv[2]), logger: { warn() {}, error() {} }, registerTool: (t) => tools.push(t) });
(async () => {
  const by = (n) => tools.find((t) => t.name === n);
  const updates = [];
  const generated = await by("generate_mock_data").execute("probe-1", { platform: "shopify", strategy: "minimal", env: "local" }, undefined, (u) => updates.push(u));
  const cleaned = await by("clean_mock_data").execute("probe-2", { platform: "shopify", confirm: true, env: "local", run_id: generated.details.run_id }, undefined, () => {});
  // OpenClaw cancels a call through its signal: here at its first progress line.
  const cancel = new AbortController();
  const cancelled = await by("generate_mock_data").execute("probe-3", { platform: "shopify", force_count: 3000, env: "local", seed: 7 }, cancel.signal, () => cancel.abort());
  console.log(JSON.stringify({ names: tools.map((t) => t.name), parameters: tools.map((t) => t.parameters), generated: generated.details, text: generated.content[0].text, cleaned: cleaned.details, updates, cancelled: cancelled.details }));
})();
"""


def node_entry(oc, root, settings, warehouse, started):
    run = subprocess.run([str(oc.node), "-e", ENTRY_PROBE, str(root / "index.js"), json.dumps(settings)],
                         env=oc.env(with_host_runner=False), capture_output=True, text=True, timeout=120)
    oc.outputs.append(f"{run.stdout}\n{run.stderr}")
    check(run.returncode == 0, f"the Node plugin's entry failed under require(): {run.stderr[-600:]}")
    out = parse_json(run.stdout, "the entry probe")
    definitions = json.loads((root / "tools.json").read_text())
    check(out["names"] == TOOLS and out["parameters"] == [d["inputSchema"] for d in definitions],
          f"the entry registered {out['names']}, not the definitions of tools.json")
    generated, cleaned = out["generated"], out["cleaned"]
    check(generated.get("success") is True and generated.get("total_records", 0) > 0, f"generate through the entry failed: {json.dumps(generated)[:600]}")
    check(json.loads(out["text"]) == generated, "the text the model reads is not the answer")
    progress = [u.get("progress", {}).get("text", "") for u in out["updates"]]
    check(progress and all(u.get("content") == [] for u in out["updates"]), f"no progress was reported: {out['updates'][:3]}")
    check(all(re.fullmatch(r"dm_\w+: \d+ of \d+ rows", t) for t in progress), f"progress lines: {progress[:5]}")
    check(cleaned.get("success") is True and cleaned.get("deleted") == generated["total_records"], f"clean through the entry: {json.dumps(cleaned)[:600]}")
    cancelled = out["cancelled"]
    outcomes = [p.get("outcome") for p in cancelled.get("platforms", [])]
    check(cancelled.get("success") is False and outcomes == ["rolled-back"], f"a cancelled generate should be rolled back: {json.dumps(cancelled)[:600]}")
    check(not warehouse.rows(settings["workspaceId"]), "the entry's runs left rows")
    step(f"the entry under require(): the three tools, a generate with {len(progress)} progress lines, its clean, a cancelled generate rolled back", started)


def check_no_leak(oc, script, key):
    check(key and len(key) > 20, "no service-role key to look for")
    check(not any(key in o for o in oc.outputs), "the service-role key appeared in OpenClaw's output")
    check(key not in json.dumps(script.requests), "the service-role key reached the model")
    for f in oc.root.rglob("*"):
        if f.is_file() and key.encode() in f.read_bytes():
            raise Failure(f"the service-role key is in {f.relative_to(oc.root)}")


# OpenClaw keeps lock files in /tmp whatever TMPDIR says (named after its database)
# and makes /tmp/openclaw for logs: the test removes its own, and the folders if it
# made them and they are empty (other OpenClaw processes may share them).
LOCKS = Path(f"/tmp/openclaw-state-locks-{os.getuid()}")
TMP_LOGS = Path("/tmp/openclaw")


def remove_openclaw_leftovers(root, existed):
    database = os.path.realpath(root / "state" / "state" / "openclaw.sqlite")
    digest = hashlib.sha256(database.encode()).hexdigest()[:8]
    for f in LOCKS.glob(f"*.{digest}.lock.sqlite*"):
        f.unlink(missing_ok=True)
    for folder in (LOCKS, TMP_LOGS):
        if folder not in existed:
            try:
                folder.rmdir()
            except OSError:
                pass


def host_runner_plugin(args, warehouse, root, workspace, started):
    """host-runner/plugin/ with --link: the MCP server host-runner mcp, on PATH through a launcher."""
    script = stub_model.Script()
    server, url = stub_model.serve(script)
    # OpenClaw starts MCP servers with PATH, HOME and little else: the test's own
    # workspace reaches host-runner through a launcher on PATH, like an installed binary.
    launcher = root / "bin"
    launcher.mkdir()
    component_cache, binary = Path(args.cache) / "component", Path(args.host_runner).resolve()
    (launcher / "host-runner").write_text(
        f"#!/bin/sh\nMOCK_DATA_WORKSPACE_ID='{workspace}' BUSTLY_MOCK_CACHE_DIR='{component_cache}' exec '{binary}' \"$@\"\n"
    )
    (launcher / "host-runner").chmod(0o755)
    oc = OpenClaw(args.node_bin, args.openclaw, root, launcher, Path(args.cache) / "node")
    oc.configure(url)
    try:
        install_and_inspect(oc, started)
        skill_gating(oc, started)
        entry_warning(oc, started)
        agent_turns(oc, script, warehouse, workspace, started)
        check_no_leak(oc, script, warehouse.key)
    except Failure:
        if oc.outputs:
            print(f"openclaw: the last command printed:\n{oc.outputs[-1][-3000:].replace(warehouse.key, '***')}", file=sys.stderr)
        raise
    finally:
        server.shutdown()


def node_plugin(args, warehouse, root, workspace, started):
    """The Node host's package from its tarball: the component inside the plugin, no host-runner."""
    script = stub_model.Script()
    server, url = stub_model.serve(script)
    extra = {k: os.environ[k] for k in NETWORK_VARIABLES if k in os.environ}
    extra["npm_config_cache"] = str(args.npm_cache)
    oc = OpenClaw(args.node_bin, args.openclaw, root, None, Path(args.cache) / "node", extra)
    oc.configure(url)
    settings = {"configDir": str(REPO / "config"), "workspaceId": workspace, "env": "local"}
    try:
        installed = install_node_plugin(oc, args.node_tarball, started)
        configure_node_plugin(oc, settings)
        node_skill(oc, started)
        node_entry(oc, installed, {**settings, "workspaceId": f"{workspace}-entry"}, warehouse, started)
        agent_turns(oc, script, warehouse, workspace, started, prefix="", skill=NODE_SKILL)
        check_no_leak(oc, script, warehouse.key)
    except Failure:
        if oc.outputs:
            print(f"openclaw: the last command printed:\n{oc.outputs[-1][-3000:].replace(warehouse.key, '***')}", file=sys.stderr)
        raise
    finally:
        server.shutdown()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--node-bin", required=True)
    parser.add_argument("--openclaw", required=True, help="openclaw.mjs of the pinned package")
    parser.add_argument("--host-runner", help="the host-runner binary, for host-runner/plugin/")
    parser.add_argument("--node-tarball", help="the Node host's package (scripts/node-host), for the Node plugin")
    parser.add_argument("--npm-cache", help="npm's download cache, for the Node plugin's install")
    parser.add_argument("--cache", required=True, help="a folder kept between runs (compiled component, compiled JavaScript)")
    args = parser.parse_args()
    if not (args.host_runner or args.node_tarball):
        parser.error("give --host-runner, --node-tarball or both")

    started = time.monotonic()
    existed = {f for f in (LOCKS, TMP_LOGS) if f.exists()}
    warehouse = None
    passed = []
    roots = []
    workspaces = []
    try:
        warehouse = Warehouse()
        suites = []
        if args.host_runner:
            suites.append(("host-runner/plugin", lambda root, ws: host_runner_plugin(args, warehouse, root, ws, started)))
        if args.node_tarball:
            suites.append(("the Node plugin", lambda root, ws: node_plugin(args, warehouse, root, ws, started)))
        for name, suite in suites:
            print(f"openclaw: {name}", flush=True)
            root = Path(tempfile.mkdtemp(prefix="openclaw-e2e-"))
            roots.append(root)
            workspace = f"openclaw-e2e-{os.getpid()}-{time.time_ns() % 10**9}"
            workspaces += [workspace, f"{workspace}-entry"]
            suite(root, workspace)
            passed.append(name)
        print(f"openclaw-e2e: passed (OpenClaw installed {' and '.join(passed)}; 3 agent turns each called the tools; {time.monotonic() - started:.0f} s)")
        return 0
    except (Failure, subprocess.CalledProcessError, KeyError, OSError) as e:
        message = str(e)
        if warehouse:
            message = message.replace(warehouse.key, "***")
        print(f"openclaw-e2e: FAILED: {message}")
        return 1
    finally:
        if warehouse:
            for workspace in workspaces:
                warehouse.remove(workspace)
        for root in roots:
            remove_openclaw_leftovers(root, existed)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
