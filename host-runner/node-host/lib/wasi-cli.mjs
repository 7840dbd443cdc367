// wasi:cli for the component (jco's --map points the component here), as
// host-runner gives it: no environment variables, no arguments, no working
// directory, no terminal, nothing on stdin, stdout dropped, and stderr kept
// for the call's report with its control characters shown, not obeyed, and
// cut at the rules' cap (output.max_stderr_bytes).
import { createRequire } from "node:module";
import { exit as shimExit, terminalInput, terminalOutput } from "@bytecodealliance/preview2-shim/cli";
import { inputStream, outputStream } from "./wasi-io.mjs";

const require = createRequire(import.meta.url);
const { rules } = require("./sandbox/rules.js");
const { clean } = require("./text.js");

class Stderr {
  text = "";
  seen = 0;
  check() {}
  write(bytes) {
    const cap = rules.output.max_stderr_bytes;
    const room = Math.max(0, cap - this.seen);
    this.seen += bytes.length;
    if (room > 0) this.text += clean(Buffer.from(bytes.subarray(0, room)).toString("utf8"));
    if (bytes.length > room && this.seen - bytes.length <= cap) this.text += `\n[the component's stderr was cut at ${cap} bytes]\n`;
  }
}

/** What the component wrote on stderr, cleaned and capped. */
export const componentStderr = new Stderr();
const dropped = { check() {}, write() {} };

export const environment = {
  getEnvironment: () => [],
  getArguments: () => [],
  initialCwd: () => undefined,
};
export const exit = shimExit;
export const stdin = {
  getStdin: () => inputStream(new Uint8Array()),
};
export const stdout = {
  getStdout: () => outputStream(dropped),
};
export const stderr = {
  getStderr: () => outputStream(componentStderr),
};
export { terminalInput, terminalOutput };
export const terminalStdin = { getTerminalStdin: () => undefined };
export const terminalStdout = { getTerminalStdout: () => undefined };
export const terminalStderr = { getTerminalStderr: () => undefined };
