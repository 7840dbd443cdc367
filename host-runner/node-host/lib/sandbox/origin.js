// Where requests may go: the configured Supabase REST API (scheme, host,
// port, and the path it lives under) and nowhere else. Plain http only for
// loopback. Paths are judged as the server will see them: percent-decoded.
// The same judgements as host-runner/src/sandbox/origin.rs, from the same rules.
//
// URLs are split by hand, never through WHATWG `URL`: it would resolve
// `%2e%2e` into `..` and normalise the path before it could be judged.
"use strict";

const net = require("node:net");
const { rules } = require("./rules");

const VISIBLE = /^[\x21-\x7e]+$/;

/** `{scheme, authority, path}` of an absolute URL, or throws saying why. */
function split(url) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/.exec(url);
  if (!VISIBLE.test(url) || !m) throw new Error(`'${url}' is not a URL`);
  return { scheme: m[1].toLowerCase(), authority: m[2], path: m[3] || "/" };
}

/** `{host, port}` of an authority (host lowercased, brackets kept), or null. */
function hostPort(authority, https) {
  if (!authority || authority.includes("@")) return null;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return null;
  const port = m[2] === undefined ? (https ? 443 : 80) : Number(m[2]);
  if (port > 65535) return null;
  return { host: m[1].toLowerCase(), port };
}

function isLoopback(host) {
  if (host === "localhost") return true;
  const ip = host.replace(/^\[/, "").replace(/\]$/, "");
  if (net.isIPv4(ip)) return ip.split(".")[0] === "127";
  if (net.isIPv6(ip)) return ip === "::1" || /^(0{0,4}:){7}0{0,3}1$/.test(ip) || /^::ffff:127\./i.test(ip);
  return false;
}

class Origin {
  constructor(https, host, port, path) {
    Object.assign(this, { https, host, port, path });
    Object.freeze(this);
  }

  /** The origin of an absolute URL, refusing what the tool must not use. */
  static parse(url) {
    let parts;
    try {
      parts = split(url);
    } catch (e) {
      throw new Error(`'${url}' is not a URL (${e.message})`);
    }
    if (parts.scheme !== "https" && parts.scheme !== "http") {
      throw new Error(`'${url}' must start with https:// (or http:// for a local warehouse)`);
    }
    const https = parts.scheme === "https";
    if (parts.authority.includes("@")) {
      throw new Error("the URL must not carry a user name or password; put the key in SUPABASE_SERVICE_ROLE_KEY");
    }
    const hp = hostPort(parts.authority, https);
    if (!hp) throw new Error(`'${url}' has no host`);
    if (!https && !(rules.requests.plain_http_hosts === "loopback" && isLoopback(hp.host))) {
      throw new Error(`'${url}' must use https: plain http is only allowed for localhost`);
    }
    return new Origin(https, hp.host, hp.port, `${parts.path.replace(/\/+$/, "")}/`);
  }

  /**
   * The request's path under this origin (decoded, without the origin's
   * path: `dm_orders_shopify`, `rpc/run_select_ws`, `` for the root), or
   * null when it goes anywhere else. `scheme` is `http` or `https`.
   */
  route(scheme, authority, pathWithQuery) {
    if (scheme !== "http" && scheme !== "https") return null;
    const https = scheme === "https";
    const hp = hostPort(authority, https);
    if (!hp || https !== this.https || hp.host !== this.host || hp.port !== this.port) return null;
    const raw = (pathWithQuery || "/").split("?")[0];
    if (!raw.startsWith("/")) return null;
    let path;
    try {
      path = cleanPath(raw);
    } catch {
      return null;
    }
    if (path === this.path.replace(/\/$/, "")) return "";
    return path.startsWith(this.path) ? path.slice(this.path.length) : null;
  }

  toString() {
    return `${this.https ? "https" : "http"}://${this.host}:${this.port}${this.path}`;
  }
}

/**
 * The path as the server will see it, percent-decoded, or throws saying why:
 * encoded dots, slashes and backslashes, raw backslashes, control
 * characters, and `.` or `..` segments.
 */
function cleanPath(raw) {
  const r = rules.requests;
  if (raw.includes("\\")) throw new Error("a backslash in the path");
  const bytes = [];
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === "%") {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error("a malformed %-escape in the path");
      const byte = parseInt(hex, 16);
      if (r.refused_encoded_characters.some((c) => c.length === 1 && c.charCodeAt(0) === byte)) {
        throw new Error(`an encoded '${String.fromCharCode(byte)}' in the path`);
      }
      bytes.push(byte);
      i += 3;
    } else {
      bytes.push(...Buffer.from(raw[i], "utf8"));
      i += 1;
    }
  }
  let path;
  try {
    path = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new Error("a path that is not UTF-8");
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) throw new Error("a control character in the path");
  if (path.split("/").some((segment) => r.refused_segments.includes(segment))) {
    throw new Error("a '.' or '..' segment in the path");
  }
  return path;
}

module.exports = { Origin, cleanPath, isLoopback };
