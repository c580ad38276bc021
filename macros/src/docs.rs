//! The "Metrics" section appended to every instrumented function's rustdoc.
//!
//! The links are built by `omnimetrics-query` (the same queries the
//! dashboard and `omnimetrics explain` show). The module path is unknown
//! while the macro runs, so the section comes in pieces that
//! `concat!(.., module_path!(), ..)` joins where the function is compiled.

use proc_macro2::TokenStream;
use syn::{Attribute, parse_quote};

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// `#[doc]` attributes for `function`, or none when
/// `OMNIMETRICS_DISABLE_DOCS` / `AUTOMETRICS_DISABLE_DOCS` is set.
pub(crate) fn doc_attributes(krate: &TokenStream, function: &str) -> Vec<Attribute> {
    if env_flag("OMNIMETRICS_DISABLE_DOCS") || env_flag("AUTOMETRICS_DISABLE_DOCS") {
        return Vec::new();
    }
    let url = std::env::var("PROMETHEUS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| omnimetrics_query::queries::DEFAULT_PROMETHEUS_URL.to_owned());
    // The user's package: cargo sets it for the crate being compiled, which
    // is the process this macro runs in.
    let service = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let pieces = omnimetrics_query::queries::doc_section_pieces(
        function,
        &service,
        url.trim_end_matches('/'),
    );
    let mut parts = Vec::with_capacity(pieces.len() * 2);
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            parts.push(quote::quote!(#krate::__private::core::module_path!()));
        }
        parts.push(quote::quote!(#piece));
    }
    vec![
        parse_quote!(#[doc = ""]),
        parse_quote!(#[doc = #krate::__private::core::concat!(#(#parts),*)]),
    ]
}
