//! Text from the component or the server on its way to a terminal: control
//! characters (escape sequences that move the cursor, rewrite the title,
//! hide what came before) are shown, not obeyed. Newlines and tabs stay.

use std::borrow::Cow;

pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(clean("plain\nline\tx"), "plain\nline\tx");
        assert_eq!(clean("a\x1b[2Jb\rc\u{9b}"), "a\\u{1b}[2Jb\\u{d}c\\u{9b}");
    }
}
