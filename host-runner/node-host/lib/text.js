// Text from the component or the server on its way to a terminal or a log:
// control characters (escape sequences that move the cursor, rewrite the
// title, hide what came before) are shown, not obeyed. Newlines and tabs
// stay. As host-runner/src/text.rs: `\u{1b}`.
"use strict";

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function clean(text) {
  return String(text).replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

module.exports = { clean };
