// Which requests the component may make, and as what: a table path needs
// the `semantic` profile for its method (without one PostgREST reaches
// `public`), only the agent RPCs go without one, with POST, and every other
// database function is refused. The answer is the kind of access (read,
// write, delete), which the gate weighs against the call's state. The same
// judgement as host-runner/src/sandbox/request.rs, from the same rules.
"use strict";

const { rules } = require("./rules");

/** What http's HeaderValue::to_str accepts: visible ASCII, space and tab. */
function headerText(value) {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : null;
}

/**
 * The kind of access of a request, or throws saying why it is refused.
 * `route` is the path under the origin (`Origin#route`), `method` its name
 * (`GET`), `headers` a list of `[name, value]` (names in any case).
 */
function classify(route, method, headers) {
  const r = rules.requests;
  const named = (name) => headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  for (const name of [r.read_profile_header, r.write_profile_header]) {
    for (const value of named(name)) {
      if (headerText(value)?.trim() !== r.schema) throw new Error(`${name}: ${value} (only ${r.schema})`);
    }
  }
  if (route.startsWith(r.rpc_prefix)) {
    const fn = route.slice(r.rpc_prefix.length);
    if (!r.agent_rpcs.includes(fn)) {
      throw new Error(`${route}: only the agent RPCs (${r.agent_rpcs.join(", ")}) may be called`);
    }
    if (method !== "POST") throw new Error(`${method} ${route}: the agent RPCs are called with POST`);
    return "read";
  }
  const access = Object.prototype.hasOwnProperty.call(r.methods, method) ? r.methods[method] : undefined;
  if (!access) {
    throw new Error(`${method} ${route}: only ${Object.keys(r.methods).sort().join(", ")} requests`);
  }
  const needed = access === "read" ? r.read_profile_header : r.write_profile_header;
  if (named(needed).length === 0) {
    const what = route === "" ? "the API root" : route;
    throw new Error(`${method} ${what} without ${needed}: ${r.schema} (a table is reached in schema ${r.schema} only)`);
  }
  return access;
}

/** Whether the route calls the function that runs the component's queries: a read only when the warehouse makes it one. */
function isQuery(route) {
  return route === "rpc/run_select_ws";
}

module.exports = { classify, isQuery };
