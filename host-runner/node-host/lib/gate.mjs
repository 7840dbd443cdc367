// The one way out of the sandbox, as host-runner's gate.rs: every request
// the component makes arrives here (lib/wasi-http.mjs hands it over), is
// judged by the rules of lib/sandbox, and only then leaves, with the
// credentials added here, at send time. The component never holds the key:
// it is on no object the component can reach, only in this module.
//
// This module runs inside preview2-shim's IO worker, as an extension (the
// shim's documented hook for host providers), so that requests go on while
// the component's thread is busy or blocked. An answer is kept here whole
// until the component takes it; a flag in a SharedArrayBuffer tells the
// component's thread it is in (lib/wasi-io.mjs waits on it).
//
// The call's stop level is another SharedArrayBuffer the controller writes
// (lib/call.js): stopping refuses new writes and cuts the reads in flight;
// sealed refuses and cuts everything.
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { rules, within } = require("./sandbox/rules.js");
const { Origin, cleanPath } = require("./sandbox/origin.js");
const { classify, isQuery } = require("./sandbox/request.js");

const RUNNING = 0;
const STOPPING = 1;
const SEALED = 2;
const SLOTS = 1 << 16; // as lib/wasi-io.mjs
// An answer is kept whole until the component takes it: a batch's answer is
// small; a hostile server's endless one stops here (at most so many are kept:
// a request counts as in flight until its answer is taken).
const MAX_ANSWER = 64 << 20;

/** The refused requests' targets, counted: so many named, the rest counted. */
class Denied {
  named = new Map();
  others = 0;
  add(target) {
    if (this.named.has(target)) this.named.set(target, this.named.get(target) + 1);
    else if (this.named.size < rules.requests.denied_targets_kept) this.named.set(target, 1);
    else this.others += 1;
  }
  tally() {
    const parts = [...this.named].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, n]) => (n > 1 ? `${t} (${n} times)` : t));
    if (this.others) parts.push(`and ${this.others} other requests`);
    return parts.join(", ");
  }
}

const agents = {
  http: new http.Agent({ keepAlive: true, noDelay: true }),
  https: new https.Agent({ keepAlive: true, noDelay: true }),
};

/** Supabase's legacy keys are JWTs, sent as apikey and as a bearer token; `sb_secret_...` keys go in apikey only. */
function credentials(key) {
  const out = [["apikey", key]];
  if (!key.startsWith(rules.requests.bearer_unless_key_starts_with)) out.push(["authorization", `Bearer ${key}`]);
  return out;
}

/** The bytes as a Buffer, without a copy. */
const asBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const ERRORS = {
  ECONNREFUSED: { tag: "connection-refused" },
  ECONNRESET: { tag: "connection-terminated" },
  EPIPE: { tag: "connection-terminated" },
  ENOTFOUND: { tag: "DNS-error", val: { rcode: "ENOTFOUND" } },
};

export default function create() {
  let control = null; // [stop level], written by the controller
  let signal = null; // [answers counter, flags...], read by the component's thread
  let target = null; // { origin, key, unconfirmedProduction, readOnlySelects }
  let inFlight = 0;
  let lastId = 0;
  const requests = new Map(); // id -> { request, access, sentAt, outcome, cut }
  const denied = new Denied();

  const level = () => (control ? Atomics.load(control, 0) : RUNNING);

  /** Cuts what a stop reaches: reads sent while running at STOPPING, everything at SEALED. */
  function cutFor(now) {
    for (const r of requests.values()) {
      if (!r.outcome && (now >= SEALED || (now >= STOPPING && r.access === "read" && r.sentAt === RUNNING))) r.cut();
    }
  }

  async function watch() {
    for (let seen = level(); seen < SEALED; ) {
      const wait = Atomics.waitAsync(control, 0, seen);
      if (wait.async) await wait.value;
      seen = level();
      cutFor(seen);
    }
  }

  /** The access of a request, or throws the refusal (for the report). */
  function judge(req) {
    const name = req.authority || "(no host)";
    const route = target && target.origin.route((req.scheme || "https").toLowerCase(), req.authority, req.pathWithQuery);
    if (route === null || route === undefined) {
      let why = "";
      try {
        cleanPath((req.pathWithQuery || "/").split("?")[0]);
      } catch (e) {
        why = ` (${e.message})`;
      }
      throw new Error(`${name}${why}`);
    }
    let access;
    try {
      access = classify(route, req.method, req.headers);
    } catch (e) {
      throw new Error(`${name} (${e.message})`);
    }
    // A query function that does not run its queries read-only may write.
    if (isQuery(route) && !target.readOnlySelects) access = "write";
    if (level() >= SEALED || (level() >= STOPPING && !rules.calls.stopping_access.includes(access))) {
      throw new Error(`${name} (the call is stopping)`);
    }
    if (target.unconfirmedProduction && !rules.production.unconfirmed_access.includes(access)) {
      throw new Error(`${name} (a write to production without --confirm-production)`);
    }
    if (inFlight >= rules.requests.max_in_flight) throw new Error(`${name} (more than ${rules.requests.max_in_flight} requests at once)`);
    return access;
  }

  /** The exchange `id` is over: its outcome is kept for the component, whose thread is told. */
  function settle(id, outcome) {
    const r = requests.get(id);
    if (!r || r.outcome) return;
    r.outcome = outcome;
    r.timers.forEach(clearTimeout);
    Atomics.store(signal, 1 + (id % SLOTS), id);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  }

  /**
   * Sends a judged request; its answer is read whole. It counts as in flight
   * until the component has its outcome (or lets go of it): answers nobody
   * takes cannot pile up here.
   */
  function send(id, req, access, timeouts) {
    const origin = target.origin;
    const headers = req.headers.filter(([k]) => !rules.requests.credential_headers.includes(k.toLowerCase()));
    const r = { access, sentAt: level(), outcome: null, timers: [], cut: () => {} };
    requests.set(id, r);
    inFlight += 1;
    let request;
    try {
      request = (origin.https ? https : http).request({
        agent: agents[origin.https ? "https" : "http"],
        method: req.method,
        host: origin.host.replace(/^\[|\]$/g, ""),
        port: origin.port,
        path: req.pathWithQuery,
        headers: [...headers, ...credentials(target.key)].flat(),
        noDelay: true,
      });
    } catch (e) {
      return settle(id, { error: { tag: "internal-error", val: `the request could not be made (${e.code || e.message})` } });
    }
    r.request = request;
    let response = null;
    const cut = (error) => {
      settle(id, { error });
      request.destroy();
      response?.destroy();
    };
    r.cut = () => cut({ tag: "HTTP-request-denied" });
    r.timers.push(setTimeout(() => cut({ tag: "connection-read-timeout" }), timeouts.firstByte));
    request.once("socket", (socket) => {
      socket.setNoDelay(true);
      if (socket.connecting) {
        const t = setTimeout(() => cut({ tag: "connection-timeout" }), rules.requests.connect_timeout_ms);
        r.timers.push(t);
        socket.once("connect", () => clearTimeout(t));
      }
    });
    request.on("error", (e) => settle(id, { error: ERRORS[e.code] || { tag: "internal-error", val: e.code || e.message } }));
    request.once("response", (res) => {
      response = res;
      clearTimeout(r.timers[0]);
      const chunks = [];
      let length = 0;
      res.on("data", (chunk) => {
        length += chunk.length;
        if (length > MAX_ANSWER) return cut({ tag: "HTTP-response-body-size", val: BigInt(length) });
        chunks.push(chunk);
      });
      res.on("error", () => settle(id, { error: { tag: "HTTP-response-incomplete" } }));
      res.once("end", () => {
        const headers = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        settle(id, { status: res.statusCode, headers, body: new Uint8Array(Buffer.concat(chunks, length)) });
      });
      res.setTimeout(timeouts.idle, () => cut({ tag: "connection-read-timeout" }));
    });
    if (req.body) request.end(asBuffer(req.body));
  }

  const operations = {
    /** The controller's stop level, and the flags the component's thread waits on. */
    init({ stop, answers }) {
      control = new Int32Array(stop);
      signal = new Int32Array(answers);
      watch();
    },
    /** From now on, requests to this REST API are allowed and carry the key. */
    open({ restUrl, key, production, productionWrites, readOnlySelects }) {
      target = { origin: Origin.parse(restUrl), key, unconfirmedProduction: production && !productionWrites, readOnlySelects: readOnlySelects === true };
    },
    /** A request: `{future}` when it is sent, `{denied}` when the rules refuse it. Its body now, or at `finish`. */
    send(req) {
      let access;
      try {
        access = judge(req);
      } catch (e) {
        denied.add(e.message);
        return { denied: true };
      }
      const timeouts = {
        firstByte: within(rules.requests.first_byte_timeout_ms, req.firstByteMs),
        idle: within(rules.requests.idle_timeout_ms, req.idleMs),
      };
      lastId += 1;
      send(lastId, req, access, timeouts);
      return { future: lastId };
    },
    /** The body of a sent request, whole. */
    finish({ future, body }) {
      const r = requests.get(future);
      if (r?.request && !r.outcome) r.request.end(asBuffer(body));
    },
    /** A request's outcome, once: `{status, headers, body}` or `{error}`; `{pending}` before it is in. */
    take({ future }) {
      const r = requests.get(future);
      if (!r) return { error: { tag: "internal-error", val: "no such request" } };
      if (!r.outcome) return { pending: true };
      requests.delete(future);
      inFlight -= 1;
      return r.outcome;
    },
    /** The component let go of a request it never took the answer of. */
    drop({ future }) {
      const r = requests.get(future);
      if (!r) return;
      if (!r.outcome) r.cut();
      requests.delete(future);
      inFlight -= 1;
    },
    /** What the call's report says: the refused targets, and what was allowed. */
    report() {
      return { denied: denied.tally(), allowed: target ? target.origin.toString() : null };
    },
  };

  return (operation, args) => {
    const op = operations[operation];
    if (!op) throw new Error(`gate: no operation ${operation}`);
    return op(args || {});
  };
}
