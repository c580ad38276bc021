//! Compile-time checks of metric and label names (SPEC's grammar, and the
//! family names the instrumented functions export).

use crate::live::names;

/// The families of instrumented functions and `build_info`: a user metric
/// of one of these names would make a family appear twice.
const RESERVED: [&str; 4] = [
    names::CALLS,
    names::DURATION,
    names::CONCURRENT,
    names::BUILD_INFO,
];

/// A family name: a valid metric name, and not one of [`RESERVED`]. (At
/// compile time, where a runtime check would cost every program that
/// registers a metric its code.)
pub(crate) const fn check_family_name(family: &str) {
    check_metric_name(family);
    let mut i = 0;
    while i < RESERVED.len() {
        if const_str_eq(family, RESERVED[i]) {
            panic!(
                "omnimetrics: `function_calls`, `function_calls_duration_seconds`, \
                 `function_calls_concurrent` and `build_info` are the families of \
                 instrumented functions; give the metric another name"
            );
        }
        i += 1;
    }
}

/// `a == b`, in a `const fn`.
pub(crate) const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `__`.
pub(crate) const fn check_metric_name(name: &str) {
    let b = name.as_bytes();
    if b.is_empty() {
        panic!("omnimetrics: a metric name must not be empty");
    }
    if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
        panic!("omnimetrics: metric names starting with `__` are reserved");
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_alphabetic() || c == b'_' || c == b':' || (i > 0 && c.is_ascii_digit());
        if !ok {
            panic!("omnimetrics: a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        i += 1;
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, and not `le` or
/// `quantile` (the text formats give those a meaning).
pub(crate) const fn check_label_name(name: &str) {
    let b = name.as_bytes();
    if b.is_empty() {
        panic!("omnimetrics: a label name must not be empty");
    }
    if b.len() >= 2 && b[0] == b'_' && b[1] == b'_' {
        panic!("omnimetrics: label names starting with `__` are reserved");
    }
    if (b.len() == 2 && b[0] == b'l' && b[1] == b'e')
        || (b.len() == 8
            && b[0] == b'q'
            && b[1] == b'u'
            && b[2] == b'a'
            && b[3] == b'n'
            && b[4] == b't'
            && b[5] == b'i'
            && b[6] == b'l'
            && b[7] == b'e')
    {
        panic!("omnimetrics: `le` and `quantile` are reserved label names");
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let ok = c.is_ascii_alphabetic() || c == b'_' || (i > 0 && c.is_ascii_digit());
        if !ok {
            panic!("omnimetrics: a label name must match [a-zA-Z_][a-zA-Z0-9_]*");
        }
        i += 1;
    }
}

/// The family name of a counter: its name without a trailing `_total`.
pub(crate) const fn counter_family(name: &'static str) -> &'static str {
    let family = strip_total(name);
    check_family_name(family);
    family
}

/// `name` without a trailing `_total` (all of it if that is all it is).
const fn strip_total(name: &'static str) -> &'static str {
    check_metric_name(name);
    let b = name.as_bytes();
    let suffix = b"_total";
    if b.len() > suffix.len() {
        let (head, tail) = b.split_at(b.len() - suffix.len());
        let mut i = 0;
        let mut same = true;
        while i < suffix.len() {
            if tail[i] != suffix[i] {
                same = false;
            }
            i += 1;
        }
        if same {
            return match core::str::from_utf8(head) {
                Ok(s) => s,
                Err(_) => name,
            };
        }
    }
    name
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn counter_family_names() {
        assert_eq!(counter_family("http_requests_total"), "http_requests");
        assert_eq!(counter_family("jobs"), "jobs");
        assert_eq!(counter_family("_total"), "_total");
    }

    #[test]
    #[should_panic(expected = "reserved label names")]
    fn le_is_reserved() {
        check_label_name("le");
    }

    #[test]
    #[should_panic(expected = "must match")]
    fn bad_metric_name() {
        check_metric_name("a-b");
    }

    #[test]
    fn families_of_instrumented_functions_are_reserved() {
        for name in [
            "function_calls",
            "function_calls_total",
            "function_calls_duration_seconds",
            "function_calls_concurrent",
            "build_info",
        ] {
            let family = std::panic::catch_unwind(|| counter_family(name));
            assert!(family.is_err(), "{name}");
        }
        check_family_name("function_calls_x");
        check_family_name("build_infos");
        assert_eq!(counter_family("function_call_total"), "function_call");
    }
}
