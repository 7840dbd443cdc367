// Text from the component or the server on its way to a terminal or a log:
// control characters (escape sequences that move the cursor, rewrite the
// title, hide what came before) are shown, not obeyed. Newlines and tabs
// stay. As host-runner/src/text.rs: `\u{1b}`.
"use strict";

// And the bidirectional overrides and isolates that reorder what a terminal shows.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function clean(text) {
  return String(text).replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

module.exports = { clean };
