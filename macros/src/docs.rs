//! The "Metrics" section appended to every instrumented function's rustdoc.
//!
//! The links are built by `omnimetrics-query` (the same queries the
//! dashboard and `omnimetrics explain` show). The module path is unknown
//! while the macro runs, so the section comes in pieces that
//! `concat!(.., module_path!(), ..)` joins where the function is compiled.

use proc_macro2::TokenStream;
use syn::{Attribute, parse_quote};

/// `#[doc]` attributes for `function`, or none when
/// `OMNIMETRICS_DISABLE_DOCS` / `AUTOMETRICS_DISABLE_DOCS` is set.
pub(crate) fn doc_attributes(krate: &TokenStream, function: &str) -> Vec<Attribute> {
    doc_attributes_with(krate, function, &|name| std::env::var(name).ok())
}

/// [`doc_attributes`] with the environment passed in (for tests).
fn doc_attributes_with(
    krate: &TokenStream,
    function: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Attribute> {
    let flag = |name| {
        env(name).is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    };
    if flag("OMNIMETRICS_DISABLE_DOCS") || flag("AUTOMETRICS_DISABLE_DOCS") {
        return Vec::new();
    }
    let url = env("PROMETHEUS_URL")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| omnimetrics_query::queries::DEFAULT_PROMETHEUS_URL.to_owned());
    // The user's package: cargo sets it for the crate being compiled, which
    // is the process this macro runs in.
    let service = env("CARGO_PKG_NAME").unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The rustdoc text of the first item `expanded` holds, with
    /// `module_path!()` replaced by `module` as the compiler would.
    fn doc_text(expanded: proc_macro2::TokenStream, module: &str) -> String {
        let item: syn::ItemFn = syn::parse2(expanded).unwrap();
        let mut text = String::new();
        for attr in item.attrs.iter().filter(|a| a.path().is_ident("doc")) {
            let syn::Meta::NameValue(nv) = &attr.meta else {
                continue;
            };
            match &nv.value {
                syn::Expr::Lit(l) => {
                    if let syn::Lit::Str(s) = &l.lit {
                        text.push_str(&s.value());
                    }
                }
                syn::Expr::Macro(m) => {
                    assert!(m.mac.path.segments.last().unwrap().ident == "concat");
                    let parts = m
                        .mac
                        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                        .unwrap();
                    for p in parts {
                        match p {
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }) => text.push_str(&s.value()),
                            syn::Expr::Macro(inner) => {
                                assert!(
                                    inner.mac.path.segments.last().unwrap().ident == "module_path"
                                );
                                text.push_str(module);
                            }
                            other => panic!("unexpected doc part {}", quote!(#other)),
                        }
                    }
                }
                other => panic!("unexpected doc value {}", quote!(#other)),
            }
            text.push('\n');
        }
        text
    }

    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() + 1 {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// Every link's PromQL, decoded.
    fn queries(text: &str) -> Vec<String> {
        text.split("g0.expr=")
            .skip(1)
            .map(|rest| percent_decode(rest.split(['&', ')']).next().unwrap()))
            .collect()
    }

    #[test]
    fn every_generated_query_filters_on_function_module_and_service() {
        let expanded = crate::expand::autometrics(
            quote!(),
            quote! {
                /// Handles a request.
                fn handle(x: u8) -> Result<u8, ()> { Ok(x) }
            },
        )
        .unwrap();
        let text = doc_text(expanded, "shop::api");
        assert!(
            text.starts_with(" Handles a request.\n"),
            "user docs stay first: {text}"
        );
        assert!(text.contains("# Metrics"));
        let qs = queries(&text);
        assert_eq!(qs.len(), 7, "{text}");
        // The service is the package where the macro expanded: here, this one.
        let service = format!("service_name=\"{}\"", env!("CARGO_PKG_NAME"));
        for q in &qs {
            assert!(q.contains(&service), "{q}");
            let own = q.contains("function=\"handle\"") && q.contains("module=\"shop::api\"");
            let callees = q.contains("caller_function=\"handle\"")
                && q.contains("caller_module=\"shop::api\"");
            assert!(own || callees, "{q}");
        }
        assert!(qs.iter().any(|q| q.contains("caller_function=\"handle\"")));
        assert!(text.contains(&format!(
            "{}/graph?g0.expr=",
            omnimetrics_query::queries::DEFAULT_PROMETHEUS_URL
        )));
    }

    #[test]
    fn the_environment_turns_docs_off_and_moves_links() {
        let krate = quote!(::omnimetrics);
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        for off in ["OMNIMETRICS_DISABLE_DOCS", "AUTOMETRICS_DISABLE_DOCS"] {
            let vars: &'static [(&str, &str)] = Box::leak(Box::new([(off, "1")]));
            assert!(
                super::doc_attributes_with(&krate, "f", &env(vars)).is_empty(),
                "{off}"
            );
        }
        // "0" and "false" do not turn them off.
        assert!(
            !super::doc_attributes_with(
                &krate,
                "f",
                &env(&[("OMNIMETRICS_DISABLE_DOCS", "false")])
            )
            .is_empty()
        );
        let attrs = super::doc_attributes_with(
            &krate,
            "f",
            &env(&[
                ("PROMETHEUS_URL", "https://prom.example:9090/"),
                ("CARGO_PKG_NAME", "shop"),
            ]),
        );
        let text = quote::quote!(#(#attrs)*).to_string();
        assert!(
            text.contains("https://prom.example:9090/graph?g0.expr="),
            "{text}"
        );
        assert!(
            text.contains("service_name%3D%5C%22shop") || text.contains("service_name%3D%22shop"),
            "{text}"
        );
    }

    #[test]
    fn methods_are_named_type_colon_colon_method() {
        let expanded =
            crate::expand::autometrics(quote!(), quote! { impl Cart { fn add(&self) {} } })
                .unwrap();
        let imp: syn::ItemImpl = syn::parse2(expanded).unwrap();
        let syn::ImplItem::Fn(f) = &imp.items[0] else {
            panic!()
        };
        let text = doc_text(
            quote::ToTokens::into_token_stream(syn::ItemFn {
                attrs: f.attrs.clone(),
                vis: f.vis.clone(),
                sig: f.sig.clone(),
                block: Box::new(f.block.clone()),
            }),
            "shop",
        );
        assert!(
            queries(&text)
                .iter()
                .all(|q| q.contains("function=\"Cart::add\""))
        );
    }
}
