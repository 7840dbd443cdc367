// wasi:io (error, poll, streams) and wasi:clocks/monotonic-clock for the
// component, in its own thread (jco's --map points the component here).
//
// Why not preview2-shim's: there every stream write, poll and read is a
// synchronous round trip to the shim's IO worker, about twenty for each
// request the component makes, and they were most of what the Node host
// spent over host-runner. Here every stream is local to the component's
// thread: a request body is gathered here and handed to the gate whole
// (lib/gate.mjs sends it), an answer arrives whole, and waiting is an
// Atomics.wait on a flag the gate raises when an answer is in, or on the
// earliest timer. A request costs three calls into the IO worker: send,
// finish, take.

const symbolDispose = Symbol.dispose || Symbol.for("dispose");

// [0]: a counter the gate raises (and notifies) whenever an answer is in;
// [1 + id % SLOTS]: the highest future id answered in that slot.
const SLOTS = 1 << 16;
let signal = new Int32Array(new SharedArrayBuffer(4 * (1 + SLOTS)));

/** The shared flags (lib/worker.mjs hands the same buffer to the gate). */
export function signalBuffer() {
  return signal.buffer;
}

/** Whether the gate has answered future `id` (or, rarely, a later one in its slot: then `take` says). */
export function answered(id) {
  return Atomics.load(signal, 1 + (id % SLOTS)) >= id;
}

const nowNs = () => process.hrtime.bigint();

class IoError {
  #message;
  toDebugString() {
    return this.#message;
  }
  static _create(message) {
    const e = new IoError();
    e.#message = message;
    return e;
  }
}
const ioError = IoError._create;
delete IoError._create;

/** A stream error as wasi:io has it. */
export const closed = () => ({ tag: "closed" });
export const failed = (message) => ({ tag: "last-operation-failed", val: ioError(message) });

class Pollable {
  #ready;
  #deadline; // ns on the monotonic clock, for timers
  ready() {
    return this.#ready();
  }
  block() {
    poll([this]);
  }
  [symbolDispose]() {}
  static _create(ready, deadline) {
    const p = new Pollable();
    p.#ready = ready;
    p.#deadline = deadline;
    return p;
  }
  static _deadline(p) {
    return p.#deadline;
  }
}
/** A pollable ready when `ready()` says so; a timer also names its deadline. */
export const pollable = Pollable._create;
const deadlineOf = Pollable._deadline;
delete Pollable._create;
delete Pollable._deadline;
const always = () => true;

/** Blocks until one of `list` is ready; their indices. */
function poll(list) {
  if (list.length === 0) throw new Error("wasi-io trap: attempt to poll on empty list");
  for (;;) {
    const generation = Atomics.load(signal, 0);
    const ready = [];
    let earliest;
    list.forEach((p, i) => {
      if (p.ready()) ready.push(i);
      const d = deadlineOf(p);
      if (d !== undefined && (earliest === undefined || d < earliest)) earliest = d;
    });
    if (ready.length) return new Uint32Array(ready);
    const timeout = earliest === undefined ? Infinity : Math.max(0, Number(earliest - nowNs()) / 1e6);
    Atomics.wait(signal, 0, generation, timeout);
  }
}

class InputStream {
  #bytes;
  #at = 0;
  /** Up to `len` bytes; everything is here already, so a read never waits. */
  read(len) {
    if (this.#at >= this.#bytes.length) throw closed();
    const n = Math.min(Number(len), this.#bytes.length - this.#at);
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  blockingRead(len) {
    return this.read(len);
  }
  skip(len) {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len) {
    return this.skip(len);
  }
  subscribe() {
    return pollable(always);
  }
  [symbolDispose]() {}
  static _create(bytes) {
    const s = new InputStream();
    s.#bytes = bytes;
    return s;
  }
}
/** A stream of bytes that are all here. */
export const inputStream = InputStream._create;
delete InputStream._create;

// What one write may hand over, and what a stream takes at most: a request
// body is a batch of rows (about half a megabyte), never near this.
const PERMIT = 1 << 20;

class OutputStream {
  #sink;
  checkWrite() {
    this.#sink.check();
    return BigInt(PERMIT);
  }
  write(contents) {
    this.#sink.write(contents);
  }
  blockingWriteAndFlush(contents) {
    this.#sink.write(contents);
  }
  flush() {
    this.#sink.check();
  }
  blockingFlush() {
    this.#sink.check();
  }
  subscribe() {
    return pollable(always);
  }
  writeZeroes(len) {
    this.#sink.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len) {
    this.writeZeroes(len);
  }
  splice(src, len) {
    let bytes;
    try {
      bytes = src.read(len);
    } catch (e) {
      if (e?.tag === "closed" && BigInt(len) > 0n) throw e;
      bytes = new Uint8Array();
    }
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src, len) {
    return this.splice(src, len);
  }
  [symbolDispose]() {}
  static _create(sink) {
    const s = new OutputStream();
    s.#sink = sink;
    return s;
  }
}
/** A stream into `sink`: `{check(), write(bytes)}`, which throw stream errors. */
export const outputStream = OutputStream._create;
delete OutputStream._create;

/** Bytes gathered up to `cap`; then the stream fails. */
export class Gathered {
  chunks = [];
  length = 0;
  done = false;
  constructor(cap, what) {
    this.cap = cap;
    this.what = what;
  }
  check() {
    if (this.done) throw closed();
  }
  write(bytes) {
    this.check();
    if (this.length + bytes.length > this.cap) throw failed(`${this.what} larger than ${this.cap} bytes`);
    // jco hands over a fresh copy of the component's bytes: kept as it is.
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  /** Everything written, once; the stream is closed from then on. */
  take() {
    this.done = true;
    if (this.chunks.length === 1) return this.chunks.pop();
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    return all;
  }
}

export const error = { Error: IoError };
export const streams = { InputStream, OutputStream };
const pollInterface = { Pollable, poll };
export { pollInterface as poll };

export const monotonicClock = {
  now: nowNs,
  resolution: () => 1n,
  subscribeInstant(when) {
    return pollable(() => nowNs() >= when, when);
  },
  subscribeDuration(duration) {
    const when = nowNs() + BigInt(duration);
    return pollable(() => nowNs() >= when, when);
  },
};
