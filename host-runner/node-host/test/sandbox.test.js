// The Node host's judgements, case for case as host-runner's unit tests
// (host-runner/src/sandbox/*.rs, gate.rs): both hosts read the same
// rules.json, and these show the JavaScript reads it the same way. Run by
// scripts/test against the packed files (target/node-host/package/test).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { rules, within, grace, check, SHAPE } = require("../lib/sandbox/rules");
const { Origin, cleanPath } = require("../lib/sandbox/origin");
const { classify } = require("../lib/sandbox/request");
const { isOutputName, tableOf, hostWritten, Budget } = require("../lib/sandbox/files");
const sql = require("../lib/sandbox/sql");
const json = require("../lib/sandbox/json");
const { clean } = require("../lib/text");

test("the rules parse and hold together", () => {
  const q = rules.requests;
  assert.equal(q.schema, "semantic");
  assert.equal(q.methods.GET, "read");
  assert.equal(q.methods.DELETE, "delete");
  assert.ok(!("PATCH" in q.methods) && !("PUT" in q.methods), "nothing updates rows in place");
  assert.deepEqual(rules.production.unconfirmed_access, ["read"]);
  assert.ok(!rules.calls.stopping_access.includes("write"), "a stopping call inserts nothing");
  assert.ok(Object.isFrozen(rules.requests), "nothing here changes them");
});

test("a rule this host does not know, or one missing, stops it", () => {
  const copy = JSON.parse(JSON.stringify(rules));
  copy.requests.max_in_flight_per_table = 4;
  assert.throws(() => check(copy, SHAPE, ""), /does not know: requests.max_in_flight_per_table/);
  const missing = JSON.parse(JSON.stringify(rules));
  delete missing.calls;
  assert.throws(() => check(missing, SHAPE, ""), /lacks the rule calls/);
});

test("grace and bounds", () => {
  assert.equal(grace(1000), 2000);
  assert.equal(grace(3_600_000), 120_000);
  assert.equal(grace(40_000), 10_000);
  const b = { default: 10, max: 20 };
  assert.equal(within(b, undefined), 10);
  assert.equal(within(b, 86_400_000), 20, "the component cannot lift a bound");
  assert.equal(within(b, 5), 5);
});

const route = (o, url) => {
  const m = /^([a-z]+):\/\/([^/]*)(.*)$/.exec(url);
  return o.route(m[1], m[2], m[3] || "/");
};

test("only the configured origin is allowed", () => {
  const o = Origin.parse("https://abc.supabase.co/rest/v1");
  assert.equal(route(o, "https://abc.supabase.co/rest/v1/dm_orders_shopify?x=1"), "dm_orders_shopify");
  assert.equal(route(o, "https://ABC.supabase.co:443/rest/v1"), "");
  for (const url of [
    "https://abc.supabase.co:8443/rest/v1",
    "http://abc.supabase.co/rest/v1",
    "https://evil.example/abc.supabase.co",
    "https://abc.supabase.co.evil.example/",
    "https://user@abc.supabase.co/rest/v1/",
    "https://abc.supabase.co/auth/v1/admin/users",
    "https://abc.supabase.co/storage/v1/object",
    "https://abc.supabase.co/rest/v1/../auth/v1/",
    "https://abc.supabase.co/rest/v10/",
  ]) {
    assert.equal(route(o, url), null, url);
  }
});

test("encoded escapes are refused", () => {
  const o = Origin.parse("https://abc.supabase.co/rest/v1");
  for (const path of [
    "/rest/v1/%2e%2e/auth/v1/admin/users",
    "/rest/v1/%2E%2E/auth/v1/",
    "/rest/v1/..%2fauth/v1/",
    "/rest/v1/.%2e/auth/v1/",
    "/rest/v1/%2e./auth/v1/",
    "/rest/v1/..%5cauth",
    "/rest/v1/./dm_orders_shopify",
    "/rest/v1/dm%00x",
    "/rest/v1/%zz",
  ]) {
    assert.equal(o.route("https", "abc.supabase.co", path), null, path);
  }
  assert.equal(o.route("https", "abc.supabase.co", "/rest/v1/caf%C3%A9"), "café", "other escapes decode");
  assert.throws(() => cleanPath("/rest/v1/%2e%2e/x"), /an encoded '.' in the path/);
  assert.throws(() => cleanPath("/rest/v1/..\\auth"), /backslash/);
});

test("plain http only for loopback", () => {
  const local = Origin.parse("http://127.0.0.1:54330");
  assert.equal(local.route("http", "127.0.0.1:54330", "/rpc/x"), "rpc/x");
  assert.equal(local.route("http", "127.0.0.1:54331", "/"), null);
  assert.throws(() => Origin.parse("http://db.example.com"), /https/);
  assert.throws(() => Origin.parse("http://127.evil.example"), /https/, "a name is not a loopback address");
  assert.doesNotThrow(() => Origin.parse("http://[::1]:8080"));
  assert.throws(() => Origin.parse("ftp://x"));
  assert.throws(() => Origin.parse("https://u:p@x.supabase.co"), /password/);
});

const READ = [["accept-profile", "semantic"]];
const WRITE = [["content-profile", "semantic"]];

test("tables need the semantic profile for their method", () => {
  assert.equal(classify("dm_orders_shopify", "GET", READ), "read");
  assert.equal(classify("dm_orders_shopify", "HEAD", READ), "read");
  assert.equal(classify("dm_orders_shopify", "POST", WRITE), "write");
  assert.equal(classify("dm_orders_shopify", "DELETE", WRITE), "delete");
  assert.throws(() => classify("dm_orders_shopify", "GET", []), /without accept-profile: semantic/);
  assert.throws(() => classify("dm_orders_shopify", "GET", WRITE), /a table is reached in schema semantic only/);
  assert.throws(() => classify("dm_orders_shopify", "POST", READ), /a table is reached/);
  assert.throws(() => classify("", "GET", []), /the API root/);
  assert.equal(classify("", "GET", READ), "read");
});

test("another schema is refused whatever the path", () => {
  for (const path of ["dm_orders_shopify", "rpc/run_select_ws"]) {
    assert.throws(() => classify(path, "GET", [["Accept-Profile", "public"]]), /accept-profile: public \(only semantic\)/);
    assert.throws(() => classify(path, "POST", [...WRITE, ["accept-profile", "auth"]]), /only semantic/);
  }
});

test("only the agent RPCs, and only with POST", () => {
  for (const f of rules.requests.agent_rpcs) assert.equal(classify(`rpc/${f}`, "POST", []), "read");
  for (const path of ["rpc/graphql", "rpc/run_select_ws_x", "rpc/run_select_ws/x", "rpc/", "rpc/RUN_SELECT_WS"]) {
    assert.throws(() => classify(path, "POST", WRITE), /only the agent RPCs/, path);
  }
  assert.throws(() => classify("rpc/run_select_ws", "GET", []), /called with POST/);
  for (const m of ["PATCH", "PUT", "OPTIONS"]) {
    assert.throws(() => classify("dm_orders_shopify", m, WRITE), /only DELETE, GET, HEAD, POST requests/);
  }
});

test("only bare output names; files and bytes are capped", () => {
  for (const good of ["01-dm_orders_shopify.csv", "12-dm_ads_keywords_google.sql", "07-dm_shopify_pixel_events.ndjson"]) assert.ok(isOutputName(good), good);
  for (const bad of ["../01-x.csv", "01-x.sh", "1-x.csv", "01-X.csv", "01-a/b.csv", "01-.csv", "01-x.csv/..", "/tmp/01-x.csv", "01-x.csv\n"]) {
    assert.ok(!isOutputName(bad), bad);
  }
  assert.equal(tableOf("03-dm_orders_shopify.sql"), "dm_orders_shopify");
  assert.ok(hostWritten("03-dm_orders_shopify.sql") && !hostWritten("03-dm_orders_shopify.csv"));
  const o = rules.output;
  const b = new Budget();
  for (let i = 0; i < o.max_files; i += 1) b.charge(true, 1);
  assert.throws(() => b.charge(true, 1), /files/);
  assert.doesNotThrow(() => b.charge(false, 1), "more bytes to an open file");
  assert.throws(() => b.charge(false, o.max_write_bytes + 1), /at once/);
  const full = new Budget();
  full.files = 1;
  full.bytes = o.max_total_bytes - 1;
  assert.throws(() => full.charge(false, 2), /in all/);
});

test("the host writes the statement around checked names", () => {
  const s = sql.insert("dm_orders_shopify", Buffer.from('[{"tenant_id":"ws","note":"$rows0$"},{"note":"a","tenant_id":"ws"}]'));
  assert.ok(
    s.startsWith(
      'insert into semantic."dm_orders_shopify" ("note", "tenant_id") select "note", "tenant_id" from json_populate_recordset(null::semantic."dm_orders_shopify", $rows1$[',
    ),
    s,
  );
  assert.ok(s.endsWith("$rows1$);\n"), s);
});

test("nothing of the component's becomes a statement", () => {
  for (const [table, rows] of [
    ['t"; drop table x; --', '[{"a":1}]'],
    ["t", '[{"a\\"); drop table x; --":1}]'],
    ["t", '[{"A":1}]'],
    ["t", "[]"],
    ["t", '[{"a":1},{"b":1}]'],
    ["t", '[{"a":1},{"a":1,"b":2}]'],
    ["t", '{"a":1}'],
    ["t", '[{"a":1}]);\n\\! touch /tmp/owned\n'],
    ["t", '[{"a":"\\ud800"}]'],
    ["t", '[{"a":1e400}]'],
  ]) {
    assert.throws(() => sql.insert(table, Buffer.from(rows)), `${table} ${rows}`);
  }
  const s = sql.insert("t", Buffer.from('[{"a":"x$$; \\\\! touch /tmp/owned\\n\\\\copy t to program \'sh\'"}]'));
  assert.equal(s.split("\n").length, 2, "one line");
  const body = s.split("$rows0$")[1];
  assert.ok(!body.includes("\n"));
});

test("rows are written again as serde writes them", () => {
  const cases = {
    "8.0": "8.0",
    "1e21": "1e+21",
    "1.5e-7": "1.5e-7",
    "0.000001": "1e-6",
    "1e-5": "0.00001",
    "-0": "-0.0",
    "3.0e2": "300.0",
    "18446744073709551615": "18446744073709551615",
    "18446744073709551616": "1.8446744073709552e+19",
    "-9223372036854775809": "-9.223372036854776e+18",
    '{"b":1,"a":[true,null,"\\u001f\\u00e9"]}': '{"a":[true,null,"\\u001fé"],"b":1}',
  };
  for (const [input, output] of Object.entries(cases)) assert.equal(json.write(json.parse(input)), output, input);
});

test("escapes are shown, not obeyed", () => {
  assert.equal(clean("plain\nline\tx"), "plain\nline\tx");
  assert.equal(clean("a\x1b[2Jb\rc\u009b"), "a\\u{1b}[2Jb\\u{d}c\\u{9b}");
});
