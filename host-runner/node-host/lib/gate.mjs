// The one way out of the sandbox, as host-runner's gate.rs: every request
// the component makes arrives here (lib/wasi-http.mjs hands it over), is
// judged by the rules of lib/sandbox, and only then leaves, with the
// credentials added here, at send time. The component never holds the key:
// it is on no object the component can reach, only in this module.
//
// This module runs inside preview2-shim's IO worker, as an extension (the
// shim's documented hook for host providers): requests, their bodies and
// their answers are Node streams there, and the component's thread reaches
// them only through the shim's stream and future ids.
//
// The call's stop level is a SharedArrayBuffer the controller writes
// (lib/call.js): stopping refuses new writes and cuts the reads in flight;
// sealed refuses and cuts everything.
import http from "node:http";
import https from "node:https";
import { Transform, Writable } from "node:stream";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { rules, within } = require("./sandbox/rules.js");
const { Origin, cleanPath } = require("./sandbox/origin.js");
const { classify } = require("./sandbox/request.js");
const probe = require("./probe.js");
const { clean } = require("./text.js");

export const RUNNING = 0;
export const STOPPING = 1;
export const SEALED = 2;

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

/** The component's stderr: control characters shown, cut at the rules' cap. */
class Stderr extends Writable {
  text = "";
  seen = 0;
  cut = false;
  _write(chunk, _encoding, done) {
    const cap = rules.output.max_stderr_bytes;
    const room = Math.max(0, cap - this.seen);
    this.seen += chunk.length;
    if (room > 0) this.text += clean(chunk.subarray(0, room).toString("utf8"));
    if (chunk.length > room && !this.cut) {
      this.cut = true;
      this.text += `\n[the component's stderr was cut at ${cap} bytes]\n`;
    }
    done();
  }
}

/** A request body: bytes pass through; a refused request's body is read no further than the limit. */
class Body extends Transform {
  constructor() {
    super({ highWaterMark: 1 << 20 });
    this.refused = false;
    this.seen = 0;
  }
  _transform(chunk, _encoding, done) {
    if (!this.refused) return done(null, chunk);
    this.seen += chunk.length;
    if (this.seen > rules.requests.denied_body_drain_bytes) return done(new Error("the request was refused"));
    done();
  }
  refuse() {
    this.refused = true;
    this.resume();
  }
}

const agents = {
  http: new http.Agent({ keepAlive: true, noDelay: true }),
  https: new https.Agent({ keepAlive: true, noDelay: true }),
};

const METHODS = { get: "GET", head: "HEAD", post: "POST", put: "PUT", delete: "DELETE", connect: "CONNECT", options: "OPTIONS", trace: "TRACE", patch: "PATCH" };

/** Supabase's legacy keys are JWTs, sent as apikey and as a bearer token; `sb_secret_...` keys go in apikey only. */
function credentials(key) {
  const out = [["apikey", key]];
  if (!key.startsWith(rules.requests.bearer_unless_key_starts_with)) out.push(["authorization", `Bearer ${key}`]);
  return out;
}

export default function create(context) {
  let control = null; // Int32Array over the controller's SharedArrayBuffer: [level]
  let target = null; // { origin, key, unconfirmedProduction }
  let inFlight = 0;
  const active = new Set(); // { access, sentAt, cut }
  const bodies = new Map();
  const denied = new Denied();
  const stderr = new Stderr();

  const level = () => (control ? Atomics.load(control, 0) : RUNNING);

  /** Cuts what a stop reaches: reads sent while running at STOPPING, everything at SEALED. */
  function cutFor(now) {
    for (const r of active) {
      if (now >= SEALED || (now >= STOPPING && r.access === "read" && r.sentAt === RUNNING)) r.cut();
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

  /** The access and target of a request, or throws the refusal (for the report). */
  function judge(req) {
    const targetName = req.authority || "(no host)";
    const scheme = (req.scheme || "https").toLowerCase();
    const route = target && target.origin.route(scheme, req.authority, req.pathWithQuery);
    if (route === null || route === undefined) {
      let why = "";
      try {
        cleanPath((req.pathWithQuery || "/").split("?")[0]);
      } catch (e) {
        why = ` (${e.message})`;
      }
      throw new Error(`${targetName}${why}`);
    }
    let access;
    try {
      access = classify(route, req.method, req.headers);
    } catch (e) {
      throw new Error(`${targetName} (${e.message})`);
    }
    const stopping = () => new Error(`${targetName} (the call is stopping)`);
    if (level() >= SEALED) throw stopping();
    if (level() >= STOPPING && !rules.calls.stopping_access.includes(access)) throw stopping();
    if (target.unconfirmedProduction && !rules.production.unconfirmed_access.includes(access)) {
      throw new Error(`${targetName} (a write to production without --confirm-production)`);
    }
    if (inFlight >= rules.requests.max_in_flight) {
      throw new Error(`${targetName} (more than ${rules.requests.max_in_flight} requests at once)`);
    }
    return access;
  }

  /**
   * Sends a judged request; resolves to `{status, headers, bodyStreamId}` or
   * rejects with a wasi-http error code. It counts as in flight until its
   * exchange is over: its answer read to the end, or its failure.
   */
  function send(req, access, body, timeouts) {
    const origin = target.origin;
    const headers = req.headers.filter(([k]) => !rules.requests.credential_headers.includes(k.toLowerCase()));
    inFlight += 1;
    const entry = { access, sentAt: level(), cut: () => {} };
    active.add(entry);
    let over = false;
    const release = () => {
      if (over) return;
      over = true;
      inFlight -= 1;
      active.delete(entry);
    };
    return new Promise((resolve, reject) => {
      let answered = false;
      const timers = [];
      const answer = (fn, value) => {
        if (answered) return;
        answered = true;
        timers.forEach(clearTimeout);
        fn(value);
      };
      const failed = (code) => {
        release();
        answer(reject, code);
      };
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
        body.refuse();
        return failed({ tag: "internal-error", val: `the request could not be made (${e.code || e.message})` });
      }
      let response = null;
      const cut = (code) => {
        request.destroy();
        response?.destroy(new Error("the call is stopping"));
        failed(code);
      };
      entry.cut = () => cut({ tag: "HTTP-request-denied" });
      timers.push(setTimeout(() => cut({ tag: "connection-read-timeout" }), timeouts.firstByte));
      request.once("socket", (socket) => {
        socket.setNoDelay(true);
        if (socket.connecting) {
          const t = setTimeout(() => cut({ tag: "connection-timeout" }), rules.requests.connect_timeout_ms);
          timers.push(t);
          socket.once("connect", () => clearTimeout(t));
        }
      });
      request.on("error", (e) => {
        const codes = { ECONNREFUSED: { tag: "connection-refused" }, ECONNRESET: { tag: "connection-terminated" }, ENOTFOUND: { tag: "DNS-error", val: { rcode: "ENOTFOUND" } } };
        failed(codes[e.code] || { tag: "internal-error", val: e.code || e.message });
      });
      request.once("response", (res) => {
        response = res;
        // Read errors reach the component through the stream; none may go unhandled here.
        res.on("error", release);
        res.once("end", release);
        res.once("close", release);
        res.setTimeout(timeouts.idle, () => res.destroy(new Error(`no data for ${timeouts.idle} ms (idle timeout)`)));
        const headers = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        answer(resolve, { status: res.statusCode, headers, bodyStreamId: context.createReadableStream(res) });
      });
      body.pipe(request);
    });
  }

  async function ask(env, query) {
    const payload = JSON.stringify({ p_query: query, p_workspace_id: env.workspaceId });
    const origin = Origin.parse(env.restUrl);
    return new Promise((resolve) => {
      const request = (origin.https ? https : http).request(
        {
          agent: agents[origin.https ? "https" : "http"],
          method: "POST",
          host: origin.host.replace(/^\[|\]$/g, ""),
          port: origin.port,
          path: `${origin.path}rpc/run_select_ws`,
          headers: [["content-type", "application/json"], ["accept", "application/json"], ...credentials(env.key)].flat(),
          timeout: 20_000,
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", (e) => resolve({ error: `no answer (${e.code || e.message})` }));
        },
      );
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", (e) => resolve({ error: `no answer (${e.code || e.message})` }));
      request.end(payload);
    });
  }

  const operations = {
    /** The controller's stop level, and the component's stdout (dropped) and stderr (kept, cleaned, capped). */
    init({ stop }) {
      control = new Int32Array(stop);
      watch();
      const sink = new Writable({ write: (_c, _e, done) => done() });
      return { stdout: context.createWritableStream(sink), stderr: context.createWritableStream(stderr) };
    },
    /** Checks the warehouse keeps its secrets from queries (lib/probe.js). */
    async probe({ name, restUrl, key, workspaceId }) {
      const env = { restUrl, key, workspaceId };
      const [session, stored] = await Promise.all([ask(env, probe.SESSION_QUERY), ask(env, probe.STORED_QUERY)]);
      try {
        return { ok: true, note: probe.judge(name, key, session, stored)?.note ?? null };
      } catch (e) {
        return { ok: false, message: e.message };
      }
    },
    /** From now on, requests to this REST API are allowed and carry the key. */
    open({ restUrl, key, production, productionWrites }) {
      target = { origin: Origin.parse(restUrl), key, unconfirmedProduction: production && !productionWrites };
    },
    body() {
      const body = new Body();
      const id = context.createWritableStream(body);
      bodies.set(id, body);
      return id;
    },
    finish({ body }) {
      bodies.get(body)?.end();
      bodies.delete(body);
    },
    /** A request: `{future}` when it is sent, `{denied}` when the rules refuse it. */
    send(req) {
      const body = bodies.get(req.body) || new Body();
      let access;
      try {
        access = judge(req);
      } catch (e) {
        denied.add(e.message);
        body.refuse();
        return { denied: true };
      }
      const timeouts = {
        firstByte: within(rules.requests.first_byte_timeout_ms, req.firstByteMs),
        idle: within(rules.requests.idle_timeout_ms, req.idleMs),
      };
      return { future: context.createFuture(send(req, access, body, timeouts)) };
    },
    /** What the call's report says: the refused targets and the component's stderr. */
    report() {
      return { denied: denied.tally(), allowed: target ? target.origin.toString() : null, stderr: stderr.text };
    },
  };

  return (operation, args) => {
    const op = operations[operation];
    if (!op) throw new Error(`gate: no operation ${operation}`);
    return op(args || {});
  };
}

export { METHODS };
