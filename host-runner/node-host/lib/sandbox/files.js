// Which files a call may write for the component, and how much: bare names
// of the form `NN-table.ext`, so many files and bytes at most, and never a
// SQL file from the component's bytes. As host-runner/src/sandbox/files.rs.
"use strict";

const { rules } = require("./rules");

/** `01-dm_orders_shopify.csv`: digits, a table name, a known extension. */
function isOutputName(name) {
  const o = rules.output;
  if (typeof name !== "string") return false;
  const dot = name.lastIndexOf(".");
  if (dot < 0) return false;
  const [stem, ext] = [name.slice(0, dot), name.slice(dot + 1)];
  const dash = stem.indexOf("-");
  if (dash < 0) return false;
  const [number, table] = [stem.slice(0, dash), stem.slice(dash + 1)];
  return (
    o.extensions.includes(ext) &&
    number.length === o.name_digits &&
    /^[0-9]+$/.test(number) &&
    table.length > 0 &&
    [...table].every((c) => o.name_table_characters.includes(c))
  );
}

/** The table an output name is for (`dm_orders_shopify`). */
function tableOf(name) {
  const stem = name.slice(0, name.lastIndexOf("."));
  return stem.slice(stem.indexOf("-") + 1);
}

/** Whether the host writes this file from rows, never from the component's bytes. */
function hostWritten(name) {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && rules.output.host_written_extensions.includes(name.slice(dot + 1));
}

/** What a call has written so far, against the caps. */
class Budget {
  files = 0;
  bytes = 0;

  /** Counts `len` more bytes (to a new file when `newFile`), or throws saying why not. */
  charge(newFile, len) {
    const o = rules.output;
    if (len > o.max_write_bytes) throw new Error(`one write of ${len} bytes (the host takes at most ${o.max_write_bytes} at once)`);
    if (newFile && this.files >= o.max_files) throw new Error(`more than ${o.max_files} files`);
    if (this.bytes + len > o.max_total_bytes) throw new Error(`more than ${o.max_total_bytes} bytes in all`);
    this.files += newFile ? 1 : 0;
    this.bytes += len;
  }
}

module.exports = { isOutputName, tableOf, hostWritten, Budget };
