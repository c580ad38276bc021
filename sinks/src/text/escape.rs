//! Making any caller-supplied text safe inside one line of the exposition
//! formats.
//!
//! Label values and help text are arbitrary UTF-8, so they are escaped
//! (`\` → `\\`, newline → `\n`, and `"` → `\"` where the format asks).
//! Names have a grammar instead of an escape syntax: a character outside it
//! is replaced by `_`, the rule SPEC states for the `.` of OpenTelemetry-style
//! names. Either way, nothing a caller passes can end a line, close a quote
//! or a brace early, or start a comment.

use super::buf::Line;
#[cfg(target_pointer_width = "64")]
use super::buf::TEXT_BUF;
#[cfg(target_pointer_width = "64")]
use super::short::{clean_quoted, name_chars};
use crate::out::Failed;
#[cfg(target_pointer_width = "64")]
use crate::out::TextOut;

/// Which characters a text needs escaped.
#[derive(Clone, Copy)]
pub(crate) enum Escape {
    /// Label values (both formats) and OpenMetrics help: `\`, `"`, newline.
    Quoted,
    /// Prometheus 0.0.4 help: `\` and newline only (`"` stays as it is).
    Help,
}

/// Writes `text` escaped, copying the runs between special characters in
/// one piece each (the whole text at once in the common case: nothing to
/// escape).
///
/// On 64-bit targets the check is inline (8 bytes at a time from 8 bytes
/// on, that part inline only when `WIDE`: see [`clean_quoted`]) and the
/// escaping out of line, taking and returning the cursor's position (see
/// [`Line`]); elsewhere it is one plain loop.
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) fn escaped<const WIDE: bool>(
    l: &mut Line<'_>,
    text: &str,
    mode: Escape,
) -> Result<(), Failed> {
    let quote = matches!(mode, Escape::Quoted);
    #[cfg(target_pointer_width = "64")]
    {
        let clean = if quote && text.len() >= 8 {
            clean_quoted::<WIDE>(text.as_bytes())
        } else {
            first_special(text.as_bytes(), quote).is_none()
        };
        if clean {
            return l.put(text);
        }
        let (buf, out, len) = l.parts();
        let len = escaped_out_of_line(buf, out, len, text, quote)?;
        l.resume(len);
        Ok(())
    }
    #[cfg(not(target_pointer_width = "64"))]
    escape_runs(l, text, quote)
}

/// Where the first byte to escape is: `\`, newline, and `"` when `quote`.
#[inline]
fn first_special(bytes: &[u8], quote: bool) -> Option<usize> {
    if quote {
        bytes.iter().position(|b| matches!(b, b'\\' | b'\n' | b'"'))
    } else {
        bytes.iter().position(|b| matches!(b, b'\\' | b'\n'))
    }
}

/// The escaping itself: the runs between special characters, and each
/// special character escaped.
#[inline]
fn escape_runs(l: &mut Line<'_>, text: &str, quote: bool) -> Result<(), Failed> {
    let mut rest = text;
    while let Some(i) = first_special(rest.as_bytes(), quote) {
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        let (run, tail) = rest.split_at_checked(i).unwrap_or((rest, ""));
        l.put(run)?;
        l.put(match tail.as_bytes().first() {
            Some(b'\\') => "\\\\",
            Some(b'\n') => "\\n",
            _ => "\\\"",
        })?;
        rest = tail.get(1..).unwrap_or("");
    }
    l.put(rest)
}

/// [`escape_runs`] out of line; returns the new position.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn escaped_out_of_line(
    buf: &mut [u8; TEXT_BUF],
    out: &mut dyn TextOut,
    len: usize,
    text: &str,
    quote: bool,
) -> Result<usize, Failed> {
    let mut end = 0;
    let mut l = Line::at(buf, out, len, &mut end);
    escape_runs(&mut l, text, quote)?;
    Ok(l.position())
}

/// The grammar a name must follow.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    Metric,
    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    Label,
}

/// Per ASCII byte, which names it may appear in: [`LABEL_CHAR`] and
/// [`METRIC_CHAR`] bits (digits too: a leading digit is checked apart).
/// 64-bit targets; smaller ones compare instead of carrying the table.
#[cfg(target_pointer_width = "64")]
static NAME_CHARS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            t[b] = LABEL_CHAR | METRIC_CHAR;
        } else if c == b':' {
            t[b] = METRIC_CHAR;
        }
        b += 1;
    }
    t
};
#[cfg(target_pointer_width = "64")]
const LABEL_CHAR: u8 = 1;
#[cfg(target_pointer_width = "64")]
const METRIC_CHAR: u8 = 2;

/// Whether `b` may appear in a name of `kind` (a leading digit aside).
#[inline(always)]
fn name_byte(b: u8, kind: NameKind) -> bool {
    #[cfg(target_pointer_width = "64")]
    {
        let bit = match kind {
            NameKind::Metric => METRIC_CHAR,
            NameKind::Label => LABEL_CHAR,
        };
        NAME_CHARS.get(usize::from(b)).is_some_and(|c| c & bit != 0)
    }
    #[cfg(not(target_pointer_width = "64"))]
    {
        b.is_ascii_alphanumeric() || b == b'_' || (b == b':' && kind == NameKind::Metric)
    }
}

/// Whether `name` is already valid (the common case: written unchanged).
/// Bytes, not chars: every allowed character is ASCII.
#[inline]
pub(crate) fn is_valid_name(name: &str, kind: NameKind) -> bool {
    valid_name::<false>(name, kind)
}

/// [`is_valid_name`], with the check of names from 8 bytes on inline when
/// `WIDE` (see [`clean_quoted`]).
#[inline(always)]
fn valid_name<const WIDE: bool>(name: &str, kind: NameKind) -> bool {
    let bytes = name.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    #[cfg(target_pointer_width = "64")]
    if bytes.len() >= 8 {
        let colon = kind == NameKind::Metric;
        return !first.is_ascii_digit() && name_chars::<WIDE>(bytes, colon);
    }
    !first.is_ascii_digit() && bytes.iter().all(|&b| name_byte(b, kind))
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
    let bytes = name.as_bytes();
    if bytes.first().is_none_or(u8::is_ascii_digit) {
        emit("_")?;
    }
    // Bytewise, without decoding characters: the grammar is ASCII, so a
    // character outside it is one disallowed ASCII byte or a UTF-8 lead
    // byte, whose continuation bytes (`10xxxxxx`) are skipped with it. Runs
    // start and end on character boundaries.
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if name_byte(b, kind) {
            continue;
        }
        if b & 0xc0 != 0x80 {
            emit(name.get(run..i).unwrap_or(""))?;
            emit("_")?;
        }
        run = i + 1;
    }
    emit(name.get(run..).unwrap_or(""))
}

/// Writes a name, sanitised; as it is when not `CHECK` (a source whose
/// names are valid by construction: see `Source::VALID_NAMES`). (On 64-bit
/// targets the check is inline and the sanitising out of line, as for
/// [`escaped`], and `WIDE` as there.)
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) fn name<const WIDE: bool, const CHECK: bool>(
    l: &mut Line<'_>,
    name: &str,
    kind: NameKind,
) -> Result<(), Failed> {
    if !CHECK {
        return l.put(name);
    }
    #[cfg(target_pointer_width = "64")]
    {
        if valid_name::<WIDE>(name, kind) {
            return l.put(name);
        }
        let (buf, out, len) = l.parts();
        let len = name_sanitized(buf, out, len, name, kind)?;
        l.resume(len);
        Ok(())
    }
    #[cfg(not(target_pointer_width = "64"))]
    sanitized(name, kind, &mut |s| l.put(s))
}

/// [`name`] for a name that needs sanitising; returns the new position.
#[cfg(target_pointer_width = "64")]
#[inline(never)]
fn name_sanitized(
    buf: &mut [u8; TEXT_BUF],
    out: &mut dyn TextOut,
    len: usize,
    name: &str,
    kind: NameKind,
) -> Result<usize, Failed> {
    let mut end = 0;
    let mut l = Line::at(buf, out, len, &mut end);
    sanitized(name, kind, &mut |s| l.put(s))?;
    Ok(l.position())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    use crate::out::TextOut;
    use crate::text::buf::TextBuf;

    struct S(String);
    impl TextOut for S {
        fn put(&mut self, s: &str) -> Result<(), Failed> {
            self.0.push_str(s);
            Ok(())
        }
    }

    fn esc_with<const WIDE: bool>(t: &str, m: Escape) -> String {
        let mut s = S(String::new());
        let mut b = TextBuf::new(&mut s);
        escaped::<WIDE>(&mut b.line(), t, m).unwrap();
        b.flush().unwrap();
        s.0
    }

    fn esc(t: &str, m: Escape) -> String {
        let narrow = esc_with::<false>(t, m);
        assert_eq!(narrow, esc_with::<true>(t, m));
        narrow
    }

    fn nm_with<const WIDE: bool>(t: &str, k: NameKind) -> String {
        let mut s = S(String::new());
        let mut b = TextBuf::new(&mut s);
        name::<WIDE, true>(&mut b.line(), t, k).unwrap();
        b.flush().unwrap();
        s.0
    }

    fn nm(t: &str, k: NameKind) -> String {
        let narrow = nm_with::<false>(t, k);
        assert_eq!(narrow, nm_with::<true>(t, k));
        narrow
    }

    #[test]
    fn escapes() {
        assert_eq!(esc(r#"a\b"c"#, Escape::Quoted), r#"a\\b\"c"#);
        assert_eq!(esc("x\ny", Escape::Quoted), "x\\ny");
        assert_eq!(esc(r#"say "hi"\"#, Escape::Help), r#"say "hi"\\"#);
        assert_eq!(esc("ünï\r{}=", Escape::Quoted), "ünï\r{}=");
        assert_eq!(esc("", Escape::Quoted), "");
        assert_eq!(esc("\\\\\n\"", Escape::Quoted), r#"\\\\\n\""#);
        assert_eq!(esc("é\"", Escape::Help), "é\"");
        assert_eq!(
            esc("a long label value", Escape::Quoted),
            "a long label value"
        );
        assert_eq!(
            esc("a long \"label\" value", Escape::Quoted),
            r#"a long \"label\" value"#
        );
    }

    #[test]
    fn names() {
        assert_eq!(nm("function.calls", NameKind::Metric), "function_calls");
        assert_eq!(nm("a:b", NameKind::Metric), "a:b");
        assert_eq!(nm("a:b", NameKind::Label), "a_b");
        assert_eq!(nm("9lives", NameKind::Label), "_9lives");
        assert_eq!(nm("", NameKind::Metric), "_");
        assert_eq!(nm("dé jà\n", NameKind::Label), "d__j__");
        // One `_` per character, whatever its length in UTF-8.
        assert_eq!(nm("€😀x¢", NameKind::Metric), "__x_");
        assert_eq!(nm("7€", NameKind::Label), "_7_");
        assert_eq!(nm("ok_name", NameKind::Label), "ok_name");
        assert_eq!(
            nm("a_long_label_name", NameKind::Label),
            "a_long_label_name"
        );
        assert_eq!(
            nm("a_long:label.name", NameKind::Label),
            "a_long_label_name"
        );
        assert_eq!(
            nm("a_long:metric.name", NameKind::Metric),
            "a_long:metric_name"
        );
        assert_eq!(
            nm("0_long_label_name", NameKind::Label),
            "_0_long_label_name"
        );
    }
}
