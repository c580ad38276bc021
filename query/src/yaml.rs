//! The little YAML the rules files need, written by hand.
//!
//! A YAML library would pull `std` and serde into a `no_std` crate for what
//! amounts to two kinds of scalar: double-quoted strings (names, labels,
//! annotations, which may hold anything a user typed) and literal blocks
//! (PromQL expressions, kept readable). Structure is fixed indentation.

use alloc::string::String;
use core::fmt::Write as _;

/// Characters that must not appear raw: control characters (YAML allows
/// only tab and line breaks, and the C1 `NEL` is a line break in YAML 1.1),
/// the Unicode line separators, the byte-order mark and non-characters.
pub(crate) fn needs_unicode_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// Appends `value` as a YAML double-quoted scalar.
pub(crate) fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            // All such characters are in the Basic Multilingual Plane.
            c if needs_unicode_escape(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `key: "value"` on its own line at `indent` spaces.
pub(crate) fn push_entry(out: &mut String, indent: usize, key: &str, value: &str) {
    push_indent(out, indent);
    out.push_str(key);
    out.push_str(": ");
    push_quoted(out, value);
    out.push('\n');
}

/// Appends `key: |-` followed by `text` as a literal block at `indent + 2`.
///
/// `text` must consist of printable characters (PromQL escaping sees to
/// that), and its first line must not start with a space.
pub(crate) fn push_block(out: &mut String, indent: usize, key: &str, text: &str) {
    debug_assert!(
        !text.starts_with(' ') && !text.chars().any(|c| c != '\n' && needs_unicode_escape(c))
    );
    push_indent(out, indent);
    out.push_str(key);
    out.push_str(": |-\n");
    for line in text.lines() {
        if !line.is_empty() {
            push_indent(out, indent + 2);
            out.push_str(line);
        }
        out.push('\n');
    }
}

pub(crate) fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(v: &str) -> String {
        let mut s = String::new();
        push_quoted(&mut s, v);
        s
    }

    #[test]
    fn quotes() {
        assert_eq!(quoted("plain"), r#""plain""#);
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quoted("x: y # z"), r#""x: y # z""#);
        assert_eq!(
            quoted("l1\nl2\t\r\u{85}\u{2028}"),
            r#""l1\nl2\t\u000D\u0085\u2028""#
        );
        assert_eq!(quoted("{{ $labels.x }} ✓"), r#""{{ $labels.x }} ✓""#);
    }

    #[test]
    fn blocks() {
        let mut s = String::new();
        push_block(&mut s, 4, "expr", "a\n  b\nc");
        assert_eq!(s, "    expr: |-\n      a\n        b\n      c\n");
    }
}
