// JSON read strictly and written again as serde_json (host-runner's) writes
// it, for the SQL files the host writes from the component's rows
// (lib/sandbox/sql.js): object keys in byte order (serde's map), integers as
// written, other numbers in serde's layout of the shortest digits (`8.0`,
// `0.001`, `1e+21`), strings escaped as serde escapes them. JSON.parse would
// turn `8.0` into `8`, which PostgreSQL's numeric stores with another scale.
// Refuses what serde refuses: bad syntax, lone surrogates, numbers out of
// range. (Where a double has several shortest 17-digit forms, JavaScript
// takes the closest and serde's zmij may take another: the same double.)
"use strict";

/** A number as the JSON text had it. */
class Num {
  constructor(text) {
    this.text = text;
  }
}

/** The value of JSON `text`, numbers kept as `Num`; throws saying where it is not JSON. */
function parse(text) {
  let at = 0;
  const fail = (what) => {
    throw new Error(`${what} at character ${at}`);
  };
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at])) at += 1;
  };
  const literal = (word, value) => {
    if (text.startsWith(word, at)) {
      at += word.length;
      return value;
    }
    return fail("unexpected character");
  };
  const string = () => {
    at += 1;
    let out = "";
    for (;;) {
      const c = text[at];
      if (c === undefined) fail("an unterminated string");
      if (c === '"') {
        at += 1;
        return out;
      }
      if (c < " ") fail("a control character in a string");
      if (c !== "\\") {
        out += c;
        at += 1;
        continue;
      }
      const e = text[at + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
      if (simple !== undefined) {
        out += simple;
        at += 2;
        continue;
      }
      if (e !== "u") fail("a bad escape");
      const unit = (i) => {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("a bad \\u escape");
        return parseInt(hex, 16);
      };
      const u = unit(at + 2);
      at += 6;
      if (u >= 0xdc00 && u <= 0xdfff) fail("a lone surrogate");
      if (u >= 0xd800 && u <= 0xdbff) {
        if (text.slice(at, at + 2) !== "\\u") fail("a lone surrogate");
        const low = unit(at + 2);
        if (low < 0xdc00 || low > 0xdfff) fail("a lone surrogate");
        at += 6;
        out += String.fromCharCode(u, low);
      } else out += String.fromCharCode(u);
    }
  };
  const value = () => {
    space();
    const c = text[at];
    if (c === "{") {
      at += 1;
      const obj = new Map();
      space();
      if (text[at] === "}") {
        at += 1;
        return obj;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail("a key that is not a string");
        const key = string();
        space();
        if (text[at] !== ":") fail("a missing ':'");
        at += 1;
        obj.set(key, value()); // a repeated key: the last wins, as in serde
        space();
        if (text[at] === ",") at += 1;
        else if (text[at] === "}") {
          at += 1;
          return obj;
        } else fail("a missing ',' or '}'");
      }
    }
    if (c === "[") {
      at += 1;
      const arr = [];
      space();
      if (text[at] === "]") {
        at += 1;
        return arr;
      }
      for (;;) {
        arr.push(value());
        space();
        if (text[at] === ",") at += 1;
        else if (text[at] === "]") {
          at += 1;
          return arr;
        } else fail("a missing ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 400));
    if (!m || m[0] === "" || m[0] === "-") fail("unexpected character");
    at += m[0].length;
    return new Num(m[0]);
  };
  const v = value();
  space();
  if (at !== text.length) fail("trailing characters");
  return v;
}

const U64 = (1n << 64n) - 1n;
const I64 = 1n << 63n;

/** A float as serde_json writes it: shortest digits, `8.0`, `0.001`, `1e+21`, `1.5e-7`. */
function float(f) {
  if (!Number.isFinite(f)) throw new Error("a number out of range");
  const sign = f < 0 || Object.is(f, -0) ? "-" : "";
  const [mantissa, exp] = Math.abs(f).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const kk = Number(exp) + 1; // 10^(kk-1) <= |f| < 10^kk
  const k = kk - digits.length;
  if (k >= 0 && kk <= 16) return `${sign}${digits}${"0".repeat(k)}.0`;
  if (kk > 0 && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -5 && kk <= 0) return `${sign}0.${"0".repeat(-kk)}${digits}`;
  const e = kk - 1 > 0 ? `e+${kk - 1}` : `e${kk - 1}`;
  if (digits.length === 1) return `${sign}${digits}${e}`;
  return `${sign}${digits[0]}.${digits.slice(1)}${e}`;
}

function number(text) {
  // serde reads -0 as the float -0.0.
  if (/^-?[0-9]+$/.test(text) && text !== "-0") {
    const v = BigInt(text);
    if ((v >= 0n && v <= U64) || (v < 0n && v >= -I64)) return v.toString();
  }
  return float(Number(text));
}

const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** `value` (from `parse`) as serde_json writes it. */
function write(value) {
  if (value instanceof Num) return number(value.text);
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  if (value instanceof Map) {
    const keys = [...value.keys()].sort(byBytes);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${write(value.get(k))}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

module.exports = { parse, write, float, byBytes };
