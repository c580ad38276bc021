//! PromQL string literals and series selectors.
//!
//! Every label value that reaches a query comes from somebody else (a
//! function name, a service name from the environment, an objective name),
//! so it goes through one escaper. The escaper writes only characters that
//! are also safe in a YAML block scalar and in a Markdown link once
//! percent-encoded, because the same text ends up in rules files and docs.

use alloc::string::String;
use core::fmt::Write as _;

use crate::yaml::needs_unicode_escape;

/// Appends `value` as a double-quoted PromQL string literal.
pub(crate) fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Written as `\uXXXX`, so that the literal is also safe in a YAML
            // block. Every such character is in the Basic Multilingual
            // Plane: four hex digits (what PromQL's `\u` takes) suffice.
            c if needs_unicode_escape(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A label matcher operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `=~` (the value is an RE2 regular expression, fully anchored)
    Re,
}

/// One `label op "value"` matcher.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Matcher<'a> {
    pub(crate) label: &'a str,
    pub(crate) op: Op,
    pub(crate) value: &'a str,
}

impl<'a> Matcher<'a> {
    pub(crate) const fn eq(label: &'a str, value: &'a str) -> Self {
        Matcher {
            label,
            op: Op::Eq,
            value,
        }
    }

    pub(crate) const fn ne(label: &'a str, value: &'a str) -> Self {
        Matcher {
            label,
            op: Op::Ne,
            value,
        }
    }

    pub(crate) const fn re(label: &'a str, value: &'a str) -> Self {
        Matcher {
            label,
            op: Op::Re,
            value,
        }
    }
}

/// The tolerant name matcher of the call counter.
pub(crate) const CALLS: Matcher<'static> =
    Matcher::re("__name__", "function_calls(_count)?(_total)?");
/// The tolerant name matcher of the latency histogram's buckets.
pub(crate) const BUCKETS: Matcher<'static> =
    Matcher::re("__name__", "function_calls_duration(_seconds)?_bucket");
/// The name matcher of the concurrency gauge.
pub(crate) const CONCURRENT: Matcher<'static> =
    Matcher::eq("__name__", "function_calls_concurrent");

/// Writes `{m1,m2,...}` with every value escaped.
pub(crate) fn selector(matchers: &[Matcher<'_>]) -> String {
    let mut out = String::from("{");
    for (i, m) in matchers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(m.label);
        out.push_str(match m.op {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Re => "=~",
        });
        push_string(&mut out, m.value);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(v: &str) -> String {
        let mut s = String::new();
        push_string(&mut s, v);
        s
    }

    #[test]
    fn escapes_what_promql_needs() {
        assert_eq!(quoted("Type::method"), r#""Type::method""#);
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quoted("a\nb\tc\rd"), r#""a\nb\tc\rd""#);
        assert_eq!(quoted("\u{7}\u{85}\u{2028}"), r#""\u0007\u0085\u2028""#);
        assert_eq!(quoted("héllo ✓ 🦀"), "\"héllo ✓ 🦀\"");
    }

    #[test]
    fn writes_selectors() {
        let s = selector(&[CALLS, Matcher::eq("function", "f"), Matcher::ne("x", "")]);
        assert_eq!(
            s,
            r#"{__name__=~"function_calls(_count)?(_total)?",function="f",x!=""}"#
        );
    }
}
