// wasi:http (types and outgoing-handler) for the component, in place of
// preview2-shim's, which sends whatever a component asks, to anyone, with
// whatever headers it set (jco's --map points the component here). The
// component's requests are plain records until `handle`, which gives them to
// the gate (lib/gate.mjs, in the shim's IO worker): the gate judges them,
// adds the key at send time and sends them. Nothing the component can reach
// (its request, its headers, the answer) ever carries the key.
//
// Bodies and answers are the shim's own wasi:io streams and futures (ids in
// the IO worker), so polling, blocking reads and writes behave as in the shim.
import { types as shim } from "@bytecodealliance/preview2-shim/http";
import {
  callExtension,
  futureDispose,
  futureSubscribe,
  futureTakeValue,
  inputStreamCreate,
  outputStreamCreate,
} from "@bytecodealliance/preview2-shim/io-worker";

const GATE = new URL("./gate.mjs", import.meta.url);

/** An operation of the gate, synchronously (the shim's IO call). */
export function gate(operation, args) {
  return callExtension(GATE, operation, args);
}

const { Fields } = shim;
const symbolDispose = Symbol.dispose || Symbol.for("dispose");
const METHODS = { get: "GET", head: "HEAD", post: "POST", put: "PUT", delete: "DELETE", connect: "CONNECT", options: "OPTIONS", trace: "TRACE", patch: "PATCH" };
// What the shim's setters accept (and HTTP allows).
const PATH = /^[a-zA-Z0-9.\-_~!$&'()*+,;=:@%?/]+$/;
const HOST = /^[a-zA-Z0-9-.]+$/;
const latin1 = new TextDecoder("latin1");

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

class OutgoingBody {
  #id;
  #written = false;
  write() {
    if (this.#written) throw undefined;
    this.#written = true;
    return outputStreamCreate(this.#id);
  }
  static finish(body, trailers) {
    if (trailers) throw { tag: "internal-error", val: "trailers are not supported" };
    gate("finish", { body: body.#id });
  }
  static _create(id) {
    const body = new OutgoingBody();
    body.#id = id;
    return body;
  }
  static _id(body) {
    return body.#id;
  }
}
const bodyCreate = OutgoingBody._create;
const bodyId = OutgoingBody._id;
delete OutgoingBody._create;
delete OutgoingBody._id;

class OutgoingRequest {
  #headers;
  #method = { tag: "get" };
  #scheme;
  #authority;
  #pathWithQuery;
  #body;
  #bodyTaken = false;
  constructor(headers) {
    this.#headers = headers;
    this.#body = bodyCreate(gate("body"));
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
      body: bodyId(request.#body),
    };
  }
}
const plain = OutgoingRequest._plain;
delete OutgoingRequest._plain;

class IncomingBody {
  #id;
  #taken = false;
  stream() {
    if (this.#taken) throw undefined;
    this.#taken = true;
    return inputStreamCreate(this.#id);
  }
  static _create(id) {
    const body = new IncomingBody();
    body.#id = id;
    return body;
  }
}
const incomingBodyCreate = IncomingBody._create;
delete IncomingBody._create;

const encoder = new TextEncoder();

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
    const body = incomingBodyCreate(this.#body);
    this.#body = undefined;
    return body;
  }
  static _create({ status, headers, bodyStreamId }) {
    const res = new IncomingResponse();
    res.#status = status;
    res.#headers = headers;
    res.#body = bodyStreamId;
    return res;
  }
}
const responseCreate = IncomingResponse._create;
delete IncomingResponse._create;

class FutureIncomingResponse {
  #id;
  subscribe() {
    return futureSubscribe(this.#id, this);
  }
  get() {
    const taken = futureTakeValue(this.#id);
    if (taken === undefined || taken.tag === "err") return taken;
    const outcome = taken.val;
    if (outcome.tag === "ok") return { tag: "ok", val: { tag: "ok", val: responseCreate(outcome.val) } };
    return { tag: "ok", val: { tag: "err", val: outcome.val } };
  }
  [symbolDispose]() {
    if (this.#id !== undefined) futureDispose(this.#id);
    this.#id = undefined;
  }
  static _create(id) {
    const future = new FutureIncomingResponse();
    future.#id = id;
    return future;
  }
}
const futureCreate = FutureIncomingResponse._create;
delete FutureIncomingResponse._create;

const ns = (d) => (d === undefined ? undefined : Number(BigInt(d) / 1_000_000n));

export const outgoingHandler = {
  handle(request, options) {
    const req = plain(request);
    const answer = gate("send", {
      ...req,
      firstByteMs: ns(options?.firstByteTimeout()),
      idleMs: ns(options?.betweenBytesTimeout()),
    });
    if (answer.denied) throw { tag: "HTTP-request-denied" };
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
