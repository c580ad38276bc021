//! Making any caller-supplied text safe inside one line of the exposition
//! formats.
//!
//! Label values and help text are arbitrary UTF-8, so they are escaped
//! (`\` → `\\`, newline → `\n`, and `"` → `\"` where the format asks).
//! Names have a grammar instead of an escape syntax: a character outside it
//! is replaced by `_`, the rule SPEC states for the `.` of OpenTelemetry-style
//! names. Either way, nothing a caller passes can end a line, close a quote
//! or a brace early, or start a comment.

use crate::out::{Failed, TextOut};

/// Which characters a text needs escaped.
#[derive(Clone, Copy)]
pub(crate) enum Escape {
    /// Label values (both formats) and OpenMetrics help: `\`, `"`, newline.
    Quoted,
    /// Prometheus 0.0.4 help: `\` and newline only (`"` stays as it is).
    Help,
}

/// Writes `text` escaped, copying the runs between special characters in
/// one piece each.
pub(crate) fn escaped(out: &mut dyn TextOut, text: &str, mode: Escape) -> Result<(), Failed> {
    let quote = matches!(mode, Escape::Quoted);
    let special = |b: &u8| *b == b'\\' || *b == b'\n' || (quote && *b == b'"');
    let mut rest = text;
    while let Some(i) = rest.as_bytes().iter().position(special) {
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        let (run, tail) = rest.split_at_checked(i).unwrap_or((rest, ""));
        out.put(run)?;
        out.put(match tail.as_bytes().first() {
            Some(b'\\') => "\\\\",
            Some(b'\n') => "\\n",
            _ => "\\\"",
        })?;
        rest = tail.get(1..).unwrap_or("");
    }
    out.put(rest)
}

/// The grammar a name must follow.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    Metric,
    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    Label,
}

fn allowed(c: char, first: bool, kind: NameKind) -> bool {
    c.is_ascii_alphabetic()
        || c == '_'
        || (c == ':' && kind == NameKind::Metric)
        || (!first && c.is_ascii_digit())
}

/// Whether `name` is already valid (the common case: written unchanged).
/// Bytes, not chars: every allowed character is ASCII.
pub(crate) fn is_valid_name(name: &str, kind: NameKind) -> bool {
    let bytes = name.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    !first.is_ascii_digit()
        && bytes.iter().all(|&b| {
            b.is_ascii_alphanumeric() || b == b'_' || (b == b':' && kind == NameKind::Metric)
        })
}

/// Calls `emit` with the name as written: unchanged when valid; otherwise
/// every character outside the grammar becomes `_`, a leading digit gets a
/// `_` before it, and an empty name is `_`.
pub(crate) fn sanitized(
    name: &str,
    kind: NameKind,
    emit: &mut dyn FnMut(&str) -> Result<(), Failed>,
) -> Result<(), Failed> {
    if is_valid_name(name, kind) {
        return emit(name);
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        emit("_")?;
    }
    let mut run = 0;
    for (i, c) in name.char_indices() {
        if !allowed(c, false, kind) {
            emit(name.get(run..i).unwrap_or(""))?;
            emit("_")?;
            run = i + c.len_utf8();
        }
    }
    emit(name.get(run..).unwrap_or(""))
}

/// Writes a name, sanitised.
pub(crate) fn name(out: &mut dyn TextOut, name: &str, kind: NameKind) -> Result<(), Failed> {
    sanitized(name, kind, &mut |s| out.put(s))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    struct S(String);
    impl TextOut for S {
        fn put(&mut self, s: &str) -> Result<(), Failed> {
            self.0.push_str(s);
            Ok(())
        }
    }

    fn esc(t: &str, m: Escape) -> String {
        let mut s = S(String::new());
        escaped(&mut s, t, m).unwrap();
        s.0
    }

    fn nm(t: &str, k: NameKind) -> String {
        let mut s = S(String::new());
        name(&mut s, t, k).unwrap();
        s.0
    }

    #[test]
    fn escapes() {
        assert_eq!(esc(r#"a\b"c"#, Escape::Quoted), r#"a\\b\"c"#);
        assert_eq!(esc("x\ny", Escape::Quoted), "x\\ny");
        assert_eq!(esc(r#"say "hi"\"#, Escape::Help), r#"say "hi"\\"#);
        assert_eq!(esc("ünï\r{}=", Escape::Quoted), "ünï\r{}=");
        assert_eq!(esc("", Escape::Quoted), "");
    }

    #[test]
    fn names() {
        assert_eq!(nm("function.calls", NameKind::Metric), "function_calls");
        assert_eq!(nm("a:b", NameKind::Metric), "a:b");
        assert_eq!(nm("a:b", NameKind::Label), "a_b");
        assert_eq!(nm("9lives", NameKind::Label), "_9lives");
        assert_eq!(nm("", NameKind::Metric), "_");
        assert_eq!(nm("dé jà\n", NameKind::Label), "d__j__");
        assert_eq!(nm("ok_name", NameKind::Label), "ok_name");
    }
}
