// The output directory of a files call (`generate --out`): the one place
// files are written, by the host, for the component, within lib/sandbox/files'
// rules. SQL files are written from rows (lib/sandbox/sql), one transaction
// a file, committed only when the call succeeded. As host-runner/src/output.rs.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { Budget, hostWritten, isOutputName, tableOf } = require("./sandbox/files");
const sql = require("./sandbox/sql");
const { rules } = require("./sandbox/rules");

function writeAll(fd, data) {
  for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at, data.length - at);
}

class Output {
  /** Creates `dir` if needed; throws for a directory that already holds output files. */
  constructor(dir) {
    fs.mkdirSync(dir, { recursive: true });
    const taken = fs.readdirSync(dir).filter(isOutputName);
    if (taken.length) {
      throw new Error(`${dir} already holds generated files (${taken[0]}, ...): use an empty or new directory, or remove them first; nothing was written`);
    }
    this.dir = dir;
    this.open = new Map();
    this.budget = new Budget();
  }

  /** Appends the component's bytes to a CSV or NDJSON file; throws the refusal. */
  write(name, data) {
    if (hostWritten(name)) throw new Error(`'${name}' is written by the host from rows (write-sql-rows), not from bytes`);
    this.append(name, data);
  }

  /** Appends the statement inserting `rows` (JSON bytes) to a SQL file, which the host opens with its transaction. */
  writeSqlRows(name, rows) {
    if (!hostWritten(name) || !isOutputName(name)) throw new Error(`'${name}' is not a SQL output file name (NN-table.sql)`);
    const max = rules.output.max_sql_rows_bytes;
    if (rows.length > max) throw new Error(`${name}: a batch of ${rows.length} bytes (the host takes at most ${max} at once); nothing of it was written`);
    let statement;
    try {
      statement = sql.insert(tableOf(name), rows);
    } catch (e) {
      throw new Error(`${name}: ${e.message}; nothing of it was written`);
    }
    if (!this.open.has(name)) this.append(name, Buffer.from(sql.BEGIN));
    this.append(name, Buffer.from(statement));
  }

  append(name, data) {
    if (!isOutputName(name)) throw new Error(`'${name}' is not an output file name (NN-table.csv|ndjson|sql)`);
    const isNew = !this.open.has(name);
    try {
      this.budget.charge(isNew, data.length);
    } catch (e) {
      throw new Error(`${name}: the host refuses ${e.message}`);
    }
    const file = path.join(this.dir, name);
    if (isNew) {
      try {
        this.open.set(name, fs.openSync(file, "ax", 0o644));
      } catch (e) {
        throw new Error(`creating ${file}: ${e.message}`);
      }
    }
    try {
      writeAll(this.open.get(name), data);
    } catch (e) {
      throw new Error(`writing ${file}: ${e.message}`);
    }
  }

  /** Ends the files: SQL files commit when the call succeeded; otherwise psql rolls them back. */
  finish(succeeded) {
    for (const [name, fd] of this.open) {
      if (succeeded && hostWritten(name)) writeAll(fd, Buffer.from(sql.COMMIT));
      fs.closeSync(fd);
    }
    this.open.clear();
  }
}

module.exports = { Output };
