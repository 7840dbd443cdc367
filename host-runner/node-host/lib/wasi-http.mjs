// wasi:http (types and outgoing-handler) for the component, in place of
// preview2-shim's, which sends whatever a component asks, to anyone, with
// whatever headers it set (jco's --map points the component here). The
// component's requests are plain records until `handle`, which gives them to
// the gate (lib/gate.mjs, in the shim's IO worker): the gate judges them,
// adds the key at send time and sends them. Nothing the component can reach
// (its request, its headers, the answer) ever carries the key.
//
// Bodies are local streams (lib/wasi-io.mjs): a request's body is handed to
// the gate when the component finishes it, an answer comes back whole. A
// request is three calls into the IO worker: send, finish, take.
import { types as shim } from "@bytecodealliance/preview2-shim/http";
import { callExtension } from "@bytecodealliance/preview2-shim/io-worker";
import { Gathered, answered, inputStream, outputStream, pollable, signalBuffer } from "./wasi-io.mjs";

const GATE = new URL("./gate.mjs", import.meta.url);

let stop = null;
let started = false;

/** The call's stop level (lib/call.js), for the gate; it starts at the first request, so a call that sends none never waits for the IO worker. */
export function stopLevel(buffer) {
  stop = buffer;
}

/** Whether the gate was started (a report needs it then). */
export function gateStarted() {
  return started;
}

/** An operation of the gate, synchronously (the shim's IO call). */
export function gate(operation, args) {
  if (!started) {
    started = true;
    callExtension(GATE, "init", { stop, answers: signalBuffer() });
  }
  return callExtension(GATE, operation, args);
}

// The component's headers are the shim's Fields: it checks names and values,
// and refuses host, connection and keep-alive.
const { Fields } = shim;
const symbolDispose = Symbol.dispose || Symbol.for("dispose");
const METHODS = { get: "GET", head: "HEAD", post: "POST", put: "PUT", delete: "DELETE", connect: "CONNECT", options: "OPTIONS", trace: "TRACE", patch: "PATCH" };
// What the shim's setters accept (and HTTP allows).
const PATH = /^[a-zA-Z0-9.\-_~!$&'()*+,;=:@%?/]+$/;
const HOST = /^[a-zA-Z0-9-.]+$/;
const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();
// A request body is a batch of rows; far below this.
const MAX_BODY = 256 << 20;

class RequestOptions {
  #connect;
  #firstByte;
  #betweenBytes;
  connectTimeout() {
    return this.#connect;
  }
  setConnectTimeout(duration) {
    this.#connect = duration;
  }
  firstByteTimeout() {
    return this.#firstByte;
  }
  setFirstByteTimeout(duration) {
    this.#firstByte = duration;
  }
  betweenBytesTimeout() {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(duration) {
    this.#betweenBytes = duration;
  }
}

/** A request body: gathered here; the gate gets it when it is finished and its request sent. */
class OutgoingBody {
  #bytes = new Gathered(MAX_BODY, "a request body");
  #written = false;
  #future; // the sent request's future id, once handled
  #finished = null; // the whole body, once finished
  write() {
    if (this.#written) throw undefined;
    this.#written = true;
    return outputStream(this.#bytes);
  }
  static finish(body, trailers) {
    if (trailers) throw { tag: "internal-error", val: "trailers are not supported" };
    if (body.#finished) throw { tag: "internal-error", val: "the body was finished already" };
    body.#finished = body.#bytes.take();
    if (body.#future !== undefined) gate("finish", { future: body.#future, body: body.#finished });
  }
  /** Its request went out as `future`: the body follows now, or when it is finished. The whole body when finished already. */
  static _sent(body, future) {
    body.#future = future;
  }
  static _finished(body) {
    return body.#finished;
  }
}
const sentAs = OutgoingBody._sent;
const finishedBody = OutgoingBody._finished;
delete OutgoingBody._sent;
delete OutgoingBody._finished;

class OutgoingRequest {
  #headers;
  #method = { tag: "get" };
  #scheme;
  #authority;
  #pathWithQuery;
  #body = new OutgoingBody();
  #bodyTaken = false;
  constructor(headers) {
    this.#headers = headers;
  }
  body() {
    if (this.#bodyTaken) throw undefined;
    this.#bodyTaken = true;
    return this.#body;
  }
  method() {
    return this.#method;
  }
  setMethod(method) {
    if (method.tag === "other" && !/^[a-zA-Z-]+$/.test(method.val)) throw undefined;
    this.#method = method;
  }
  pathWithQuery() {
    return this.#pathWithQuery;
  }
  setPathWithQuery(pathWithQuery) {
    if (pathWithQuery && !PATH.test(pathWithQuery)) throw undefined;
    this.#pathWithQuery = pathWithQuery;
  }
  scheme() {
    return this.#scheme;
  }
  setScheme(scheme) {
    if (scheme?.tag === "other" && !/^[a-zA-Z]+$/.test(scheme.val)) throw undefined;
    this.#scheme = scheme;
  }
  authority() {
    return this.#authority;
  }
  setAuthority(authority) {
    if (authority) {
      const [host, port, ...extra] = authority.split(":");
      if (extra.length || (port !== undefined && (String(Number(port)) !== port || Number(port) > 65535)) || !HOST.test(host)) {
        throw undefined;
      }
    }
    this.#authority = authority;
  }
  headers() {
    return this.#headers;
  }
  /** What the gate needs of a request: plain values, read once, when it is handed over. */
  static _plain(request) {
    const m = request.#method;
    const s = request.#scheme;
    return {
      method: m.tag === "other" ? m.val : METHODS[m.tag],
      scheme: !s ? "https" : s.tag === "other" ? s.val.toLowerCase() : s.tag.toLowerCase(),
      authority: request.#authority,
      pathWithQuery: request.#pathWithQuery || "/",
      headers: request.#headers.entries().map(([k, v]) => [k, latin1.decode(v)]),
    };
  }
  static _body(request) {
    return request.#body;
  }
}
const plain = OutgoingRequest._plain;
const bodyOf = OutgoingRequest._body;
delete OutgoingRequest._plain;
delete OutgoingRequest._body;

class IncomingBody {
  #bytes;
  #taken = false;
  stream() {
    if (this.#taken) throw undefined;
    this.#taken = true;
    return inputStream(this.#bytes);
  }
  [symbolDispose]() {}
  static _create(bytes) {
    const body = new IncomingBody();
    body.#bytes = bytes;
    return body;
  }
}
const incomingBody = IncomingBody._create;
delete IncomingBody._create;

class IncomingResponse {
  #status;
  #headers;
  #body;
  status() {
    return this.#status;
  }
  headers() {
    // Headers the shim's Fields refuse (connection, keep-alive, ...) are left out, not fatal.
    const fields = new Fields();
    for (const [k, v] of this.#headers) {
      try {
        fields.append(k, encoder.encode(v));
      } catch {
        // skipped
      }
    }
    return fields;
  }
  consume() {
    if (this.#body === undefined) throw undefined;
    const body = incomingBody(this.#body);
    this.#body = undefined;
    return body;
  }
  [symbolDispose]() {}
  static _create({ status, headers, body }) {
    const res = new IncomingResponse();
    res.#status = status;
    res.#headers = headers;
    res.#body = body;
    return res;
  }
}
const response = IncomingResponse._create;
delete IncomingResponse._create;

class FutureIncomingResponse {
  #id;
  #taken = false;
  subscribe() {
    const id = this.#id;
    return pollable(() => answered(id));
  }
  get() {
    if (this.#taken) return { tag: "err", val: undefined };
    if (!answered(this.#id)) return undefined;
    const outcome = gate("take", { future: this.#id });
    if (outcome.pending) return undefined;
    this.#taken = true;
    if (outcome.error) return { tag: "ok", val: { tag: "err", val: outcome.error } };
    return { tag: "ok", val: { tag: "ok", val: response(outcome) } };
  }
  [symbolDispose]() {
    if (!this.#taken) gate("drop", { future: this.#id });
    this.#taken = true;
  }
  static _create(id) {
    const future = new FutureIncomingResponse();
    future.#id = id;
    return future;
  }
}
const futureCreate = FutureIncomingResponse._create;
delete FutureIncomingResponse._create;

const ms = (ns) => (ns === undefined ? undefined : Number(BigInt(ns) / 1_000_000n));

export const outgoingHandler = {
  handle(request, options) {
    const body = bodyOf(request);
    const answer = gate("send", {
      ...plain(request),
      body: finishedBody(body),
      firstByteMs: ms(options?.firstByteTimeout()),
      idleMs: ms(options?.betweenBytesTimeout()),
    });
    if (answer.denied) throw { tag: "HTTP-request-denied" };
    sentAs(body, answer.future);
    return futureCreate(answer.future);
  },
};

export const types = {
  Fields,
  FutureIncomingResponse,
  IncomingBody,
  IncomingResponse,
  OutgoingBody,
  OutgoingRequest,
  RequestOptions,
  httpErrorCode: shim.httpErrorCode,
};
