// SQL files the host writes itself: a user runs them with `psql -f`, so
// nothing in them may be the component's choice. The component hands over
// rows (a JSON array of objects); the host checks every table and column
// name, writes the statement around them, and encodes the rows again inside
// a dollar quote whose tag they do not contain. As
// host-runner/src/sandbox/sql.rs, byte for byte: keys in byte order (serde's
// map), numbers as JSON writes them.
"use strict";

const BEGIN = "begin;\n";
const COMMIT = "commit;\n";

/** A lowercase SQL identifier (`dm_orders_shopify`, `tenant_id`), or throws. */
function identifier(name) {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && Buffer.byteLength(name) <= 63) return name;
  throw new Error(`'${JSON.stringify(name).slice(1, -1)}' is not a table or column name (lowercase letters, digits and _)`);
}

const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** JSON with every object's keys in byte order; refuses numbers JavaScript cannot carry exactly. */
function encode(value) {
  if (Array.isArray(value)) return `[${value.map(encode).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort(byBytes);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(value[k])}`).join(",")}}`;
  }
  if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new Error(`the number ${value} is too large to carry exactly (integers up to 2^53)`);
  }
  return JSON.stringify(value);
}

/** The statement inserting `rows` (JSON bytes: an array of objects with the same keys) into `semantic.<table>`. */
function insert(table, rows) {
  identifier(table);
  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(rows));
  } catch (e) {
    throw new Error(`the rows are not a JSON array of objects (${e.message})`);
  }
  const isObject = (r) => r && typeof r === "object" && !Array.isArray(r);
  if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new Error("the rows are not a JSON array of objects");
  if (parsed.length === 0) throw new Error("no rows");
  const columns = Object.keys(parsed[0]).sort(byBytes).map(identifier);
  const n = parsed.findIndex((r) => Object.keys(r).length !== columns.length || !columns.every((c) => Object.hasOwn(r, c)));
  if (n >= 0) throw new Error(`row ${n} has other columns than the first`);
  const json = encode(parsed);
  let i = 0;
  while (json.includes(`$rows${i}$`)) i += 1;
  const tag = `$rows${i}$`;
  const list = columns.map((c) => `"${c}"`).join(", ");
  return `insert into semantic."${table}" (${list}) select ${list} from json_populate_recordset(null::semantic."${table}", ${tag}${json}${tag});\n`;
}

module.exports = { BEGIN, COMMIT, insert };
