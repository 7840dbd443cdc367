// SQL files the host writes itself: a user runs them with `psql -f`, so
// nothing in them may be the component's choice. The component hands over
// rows (a JSON array of objects); the host checks every table and column
// name, writes the statement around them, and encodes the rows again inside
// a dollar quote whose tag they do not contain. As
// host-runner/src/sandbox/sql.rs, byte for byte (lib/sandbox/json.js writes
// the rows as serde does).
"use strict";

const json = require("./json");

const BEGIN = "begin;\n";
const COMMIT = "commit;\n";

/** A lowercase SQL identifier (`dm_orders_shopify`, `tenant_id`), or throws. */
function identifier(name) {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && Buffer.byteLength(name) <= 63) return name;
  throw new Error(`'${JSON.stringify(name).slice(1, -1)}' is not a table or column name (lowercase letters, digits and _)`);
}

/** The statement inserting `rows` (JSON bytes: an array of objects with the same keys) into `semantic.<table>`. */
function insert(table, rows) {
  identifier(table);
  let parsed;
  try {
    parsed = json.parse(new TextDecoder("utf-8", { fatal: true }).decode(rows));
  } catch (e) {
    throw new Error(`the rows are not a JSON array of objects (${e.message})`);
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => r instanceof Map)) throw new Error("the rows are not a JSON array of objects");
  if (parsed.length === 0) throw new Error("no rows");
  const columns = [...parsed[0].keys()].sort(json.byBytes).map(identifier);
  const n = parsed.findIndex((r) => r.size !== columns.length || !columns.every((c) => r.has(c)));
  if (n >= 0) throw new Error(`row ${n} has other columns than the first`);
  const text = json.write(parsed);
  let i = 0;
  while (text.includes(`$rows${i}$`)) i += 1;
  const tag = `$rows${i}$`;
  const list = columns.map((c) => `"${c}"`).join(", ");
  return `insert into semantic."${table}" (${list}) select ${list} from json_populate_recordset(null::semantic."${table}", ${tag}${text}${tag});\n`;
}

module.exports = { BEGIN, COMMIT, insert };
