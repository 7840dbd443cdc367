// The sandbox's rules: host-runner/src/sandbox/rules.json, which host-runner
// reads too. scripts/node-host copies that one file here when it builds the
// package; it is never edited in this folder. As host-runner's rules.rs does
// (deny_unknown_fields), a rule this host does not know, or one missing,
// stops it at once instead of being ignored.
"use strict";

const RULES = require("./rules.json");

// Every key this host reads, and its type; nested objects spelled out.
const SHAPE = {
  about: "string",
  requests: {
    schema: "string",
    read_profile_header: "string",
    write_profile_header: "string",
    methods: "object",
    rpc_prefix: "string",
    agent_rpcs: "array",
    plain_http_hosts: "string",
    refused_encoded_characters: "array",
    refused_segments: "array",
    credential_headers: "array",
    bearer_unless_key_starts_with: "string",
    max_in_flight: "number",
    connect_timeout_ms: "number",
    first_byte_timeout_ms: { default: "number", max: "number" },
    idle_timeout_ms: { default: "number", max: "number" },
    denied_body_drain_bytes: "number",
    denied_targets_kept: "number",
  },
  production: { name_contains: "string", unconfirmed_access: "array", agents_need_host_flag: "string" },
  calls: {
    deadline_ms: "number",
    stopping_access: "array",
    grace_fraction: "number",
    grace_min_ms: "number",
    grace_max_ms: "number",
    last_wait_ms: "number",
  },
  output: {
    name_digits: "number",
    name_table_characters: "string",
    extensions: "array",
    host_written_extensions: "array",
    max_files: "number",
    max_write_bytes: "number",
    max_total_bytes: "number",
    max_stderr_bytes: "number",
    max_sql_rows_bytes: "number",
    max_log_line_bytes: "number",
    max_log_bytes: "number",
  },
  resources: {
    max_memory_bytes: "number",
    max_total_memory_bytes: "number",
    max_table_elements: "number",
    max_instances: "number",
    max_memories: "number",
    max_tables: "number",
    max_hostcall_bytes: "number",
  },
  mcp: { max_line_bytes: "number", max_calls_at_once: "number" },
};

function kind(value) {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

/** Throws, naming the rule, unless `value` has exactly `shape`'s keys and types. */
function check(value, shape, where) {
  for (const key of Object.keys(value)) {
    if (!(key in shape)) {
      throw new Error(`rules.json has a rule this host does not know: ${where}${key}; update the Node host (lib/sandbox) with host-runner's sandbox`);
    }
  }
  for (const [key, want] of Object.entries(shape)) {
    const got = value[key];
    if (typeof want === "object") {
      if (kind(got) !== "object") throw new Error(`rules.json lacks the rule ${where}${key} (an object)`);
      check(got, want, `${where}${key}.`);
    } else if (kind(got) !== want) {
      throw new Error(`rules.json's rule ${where}${key} should be a ${want}, not ${kind(got)}`);
    }
  }
}

check(RULES, SHAPE, "");
for (const access of Object.values(RULES.requests.methods)) {
  if (!["read", "write", "delete"].includes(access)) throw new Error(`rules.json: unknown access '${access}' in requests.methods`);
}

/** The rules of this package (frozen: nothing here changes them). */
function deepFreeze(value) {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const rules = deepFreeze(RULES);

/** A limit the component may lower but not raise (ms). */
function within(bounded, wishMs) {
  return Math.min(wishMs ?? bounded.default, bounded.max);
}

/** How long a stopping call's writes may be refused before it is ended: room for the run's deletes. */
function grace(deadlineMs) {
  const c = rules.calls;
  return Math.min(Math.max(deadlineMs * c.grace_fraction, c.grace_min_ms), c.grace_max_ms);
}

module.exports = { rules, within, grace, check, SHAPE };
