//! The Markdown section that `#[autometrics]` adds to a function's rustdoc.
//!
//! It lives here rather than in the macro crate so that the exact text is
//! tested (and usable) without a proc-macro, and so that the macro and the
//! runtime share one definition of the queries.
//!
//! The macro cannot know the module path at expansion time: only
//! `module_path!()`, expanded later, does. The section is therefore built
//! with a placeholder for the module and split around it, and the macro
//! writes `concat!(piece0, module_path!(), piece1, ...)`. This works because
//! the module value is never transformed except by PromQL escaping and
//! percent-encoding, which both leave identifiers and `::` unchanged.

use alloc::string::String;
use alloc::vec::Vec;

use super::{
    FunctionRef, QueryOptions, callee_error_ratio, callee_request_rate, concurrent_calls,
    error_ratio, latency_quantile, prometheus_graph_link, request_rate,
};

/// Where links point when `PROMETHEUS_URL` is not set at compile time.
pub const DEFAULT_PROMETHEUS_URL: &str = "http://localhost:9090";

/// A module placeholder for [`doc_section_pieces`]: ASCII letters only, so
/// escaping and encoding leave it alone, and absent from the fixed text.
pub const MODULE_PLACEHOLDER: &str = "OMNIMETRICSMODULEPATH";

/// The `# Metrics` Markdown section for `f`'s documentation: one link into
/// the Prometheus UI at `prometheus_url` per query (request rate, error
/// ratio, p95 and p99 latency, concurrent calls, the callees' request rate
/// and error ratio), with the default [`QueryOptions`].
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, doc_section};
///
/// let md = doc_section(&FunctionRef::new("checkout", "shop::api", "shop"), "http://prom:9090");
/// assert!(md.starts_with("# Metrics\n\nLive queries for this function in Prometheus:\n\n"));
/// assert!(md.contains("\n- [Request rate](http://prom:9090/graph?g0.expr=sum%20by%20%28function"));
/// assert_eq!(md.lines().filter(|l| l.starts_with("- [")).count(), 7);
/// assert!(md.ends_with(")\n"));
/// ```
///
/// # For the macro: splicing in `module_path!()`
///
/// Build the section with a placeholder module made only of ASCII letters
/// (such as [`MODULE_PLACEHOLDER`]), split the result on the placeholder and
/// emit `#[doc = concat!(piece0, module_path!(), piece1, module_path!(), ...)]`.
/// [`doc_section_pieces`] does the splitting. The result equals
/// `doc_section` called with the real module path: PromQL escaping leaves
/// identifiers and `::` as they are, and [`percent_encode`](super::percent_encode)
/// keeps `:` (legal in a URL query), so nothing needs encoding after the
/// splice. Two exceptions, both rare: a non-ASCII identifier stays raw
/// UTF-8 in the link (browsers encode it themselves), and a module named
/// with a raw identifier (`module_path!()` gives `krate::r#type`) puts a raw
/// `#` into the link, which ends the URL's query there.
pub fn doc_section(f: &FunctionRef<'_>, prometheus_url: &str) -> String {
    let opts = QueryOptions::default();
    let links: [(&str, String); 7] = [
        ("Request rate", request_rate(f, &opts)),
        ("Error ratio", error_ratio(f, &opts)),
        ("Latency, 95th percentile", latency_quantile(f, 0.95, &opts)),
        ("Latency, 99th percentile", latency_quantile(f, 0.99, &opts)),
        ("Concurrent calls", concurrent_calls(f, &opts)),
        (
            "Request rate of the functions it calls",
            callee_request_rate(f, &opts),
        ),
        (
            "Error ratio of the functions it calls",
            callee_error_ratio(f, &opts),
        ),
    ];
    let mut md = String::from("# Metrics\n\nLive queries for this function in Prometheus:\n\n");
    for (title, promql) in &links {
        md.push_str("- [");
        md.push_str(title);
        md.push_str("](");
        md.push_str(&prometheus_graph_link(prometheus_url, promql));
        md.push_str(")\n");
    }
    md
}

/// [`doc_section`] for `function` and `service_name`, cut where the module
/// path goes: joining the pieces with any module path made of identifiers
/// and `::` gives `doc_section` for that module (ASCII identifiers, see the
/// exceptions in [`doc_section`]).
///
/// ```
/// use omnimetrics_query::queries::{FunctionRef, doc_section, doc_section_pieces};
///
/// let pieces = doc_section_pieces("checkout", "shop", "http://localhost:9090");
/// assert_eq!(
///     pieces.join("shop::api"),
///     doc_section(&FunctionRef::new("checkout", "shop::api", "shop"), "http://localhost:9090"),
/// );
/// ```
pub fn doc_section_pieces(function: &str, service_name: &str, prometheus_url: &str) -> Vec<String> {
    let f = FunctionRef::new(function, MODULE_PLACEHOLDER, service_name);
    doc_section(&f, prometheus_url)
        .split(MODULE_PLACEHOLDER)
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const URL: &str = "http://localhost:9090";

    /// What the macro does: placeholder, split, splice `module_path!()` raw.
    fn splice(function: &str, service: &str, placeholder: &str, module_path: &str) -> String {
        let md = doc_section(&FunctionRef::new(function, placeholder, service), URL);
        md.split(placeholder).collect::<Vec<_>>().join(module_path)
    }

    #[test]
    fn splicing_module_path_equals_direct_call() {
        for module in [
            "shop",
            "shop::api",
            "my_crate::deeply::nested::mod_2",
            "Crate_Name::_x9",
        ] {
            for placeholder in ["OMNIMETRICSMODULEPATH", "XyZ", MODULE_PLACEHOLDER] {
                let direct = doc_section(&FunctionRef::new("Cart::add", module, "shop"), URL);
                assert_eq!(
                    splice("Cart::add", "shop", placeholder, module),
                    direct,
                    "{module}"
                );
            }
        }
    }

    #[test]
    fn placeholder_appears_only_where_the_module_goes() {
        // Two selectors (joined and fallback) per summed rate: request rate 2,
        // error ratio 6, each latency 2, concurrent 2, callee rate 2, callee
        // error ratio 6.
        let pieces = doc_section_pieces("checkout", "shop", URL);
        assert_eq!(pieces.len() - 1, 2 + 6 + 2 + 2 + 2 + 2 + 6);
        let with_other = doc_section(&FunctionRef::new("checkout", "m", "shop"), URL);
        // `module="m"` and `caller_module="m"`, percent-encoded.
        assert_eq!(
            with_other.matches("module%3D%22m%22").count(),
            pieces.len() - 1
        );
    }

    #[test]
    fn links_decode_back_to_the_queries() {
        let f = FunctionRef::new("Cart::add", "shop::cart", "shop");
        let md = doc_section(&f, URL);
        let first = md
            .lines()
            .find(|l| l.starts_with("- [Request rate]("))
            .unwrap();
        let url = &first["- [Request rate](".len()..first.len() - 1];
        let expr = url
            .strip_prefix(&format!("{URL}/graph?g0.expr="))
            .unwrap()
            .strip_suffix("&g0.tab=0")
            .unwrap();
        assert_eq!(
            percent_decode(expr),
            super::super::request_rate(&f, &QueryOptions::default())
        );
        // Nothing in a link can end the Markdown link early.
        for line in md.lines().filter(|l| l.starts_with("- [")) {
            let link = line.split_once("](").unwrap().1;
            assert!(!link[..link.len() - 1].contains([' ', '(', ')', '[', ']', '<', '>']));
        }
    }

    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                let hex = core::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
