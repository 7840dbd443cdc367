//! Text from the component or the server on its way to a terminal: control
//! characters (escape sequences that move the cursor, rewrite the title,
//! hide what came before) are shown, not obeyed. Newlines and tabs stay.

use std::borrow::Cow;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Control characters, and the bidirectional overrides and isolates that
/// reorder what a terminal shows (U+202A-E, U+2066-9, U+200E-F).
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A fidelity report with every text of the component's made safe for a
/// terminal (the renderer prints them as they are).
pub fn cleaned_report(mut r: crate::runtime::wit::FidelityReport) -> crate::runtime::wit::FidelityReport {
    let fix = |s: &mut String| *s = clean(s).into_owned();
    fix(&mut r.environment);
    fix(&mut r.workspace_id);
    r.run_id.iter_mut().for_each(fix);
    r.warnings.iter_mut().for_each(fix);
    for p in &mut r.platforms {
        fix(&mut p.platform);
        for a in &mut p.aspects {
            for s in [&mut a.aspect, &mut a.column, &mut a.metric, &mut a.unit] {
                fix(s);
            }
            a.note.iter_mut().for_each(fix);
            a.bins.iter_mut().for_each(|b| fix(&mut b.label));
        }
    }
    r
}

/// The component's stderr (a panic message, say), on its way to ours: its
/// control characters shown, not obeyed, and at most `cap` bytes of it (the
/// rest is dropped, not buffered; the component never sees a failure).
#[derive(Clone)]
pub struct ComponentStderr {
    written: Arc<AtomicUsize>,
    cap: usize,
}

impl ComponentStderr {
    pub fn new(cap: usize) -> ComponentStderr {
        ComponentStderr { written: Arc::default(), cap }
    }

    fn take(&self, bytes: &[u8]) {
        let before = self.written.fetch_add(bytes.len(), Ordering::SeqCst);
        let room = self.cap.saturating_sub(before);
        if room == 0 {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(clean(&String::from_utf8_lossy(&bytes[..bytes.len().min(room)])).as_bytes());
        if bytes.len() > room {
            let _ = writeln!(err, "\n[the component's stderr was cut at {} bytes]", self.cap);
        }
    }
}

impl IsTerminal for ComponentStderr {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for ComponentStderr {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl tokio::io::AsyncWrite for ComponentStderr {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(clean("plain\nline\tx"), "plain\nline\tx");
        assert_eq!(clean("a\x1b[2Jb\rc\u{9b}"), "a\\u{1b}[2Jb\\u{d}c\\u{9b}");
        assert_eq!(clean("ok \u{202e}txt.exe"), "ok \\u{202e}txt.exe", "a right-to-left override is shown");
    }
}
