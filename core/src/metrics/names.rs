//! Compile-time checks of metric and label names (SPEC's grammar).

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
}
