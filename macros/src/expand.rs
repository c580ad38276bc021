//! Code generation for `#[autometrics]`.
//!
//! Every path in the output goes through the facade's `__private` module
//! (found under whatever name the user's `Cargo.toml` gives it), and the
//! locals use mixed-site hygiene, so the expansion works with a shadowed
//! `Result`, `Option`, `Ok` or `core`, and with the crate renamed.
//!
//! A synchronous body runs inside a closure, so that its `return`s and `?`s
//! produce the value the call is classified by; the closure is passed to a
//! function whose type parameter is the declared return type, which keeps
//! `?` conversions and elided lifetimes working. An `async` body runs inside
//! `Instrumented`, which sets the caller context around every poll.

use crate::args::{Args, Outcome};
use crate::docs;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, ImplItem, Item, ItemFn, ItemImpl, Path, Result, ReturnType, Signature, Type,
};

pub(crate) fn autometrics(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let args = Args::parse(attr)?;
    let item: Item = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[autometrics] goes on a function or an `impl` block",
        )
    })?;
    match item {
        Item::Fn(f) => instrument_item_fn(&args, f),
        Item::Impl(i) => instrument_impl(&args, i),
        other => Err(syn::Error::new(
            other.span(),
            "#[autometrics] goes on a function or an `impl` block",
        )),
    }
}

fn instrument_item_fn(args: &Args, mut f: ItemFn) -> Result<TokenStream> {
    let name = unraw(&f.sig.ident);
    let block = instrument(args, &mut f.attrs, &f.sig, &f.block, &name)?;
    *f.block = block;
    Ok(f.into_token_stream())
}

fn instrument_impl(args: &Args, mut imp: ItemImpl) -> Result<TokenStream> {
    let type_name = type_name(&imp.self_ty);
    for item in &mut imp.items {
        let ImplItem::Fn(method) = item else { continue };
        if let Some(i) = method
            .attrs
            .iter()
            .position(|a| a.path().is_ident("skip_autometrics"))
        {
            let skip = method.attrs.remove(i);
            if !matches!(skip.meta, syn::Meta::Path(_)) {
                return Err(syn::Error::new(
                    skip.span(),
                    "`#[skip_autometrics]` takes no arguments",
                ));
            }
            continue;
        }
        // A method's own `#[autometrics(...)]` replaces the block's
        // arguments. Matched by its last segment, so that a path form
        // (`#[omnimetrics::autometrics]`) is taken here too rather than left
        // to expand a second time around the instrumented body.
        let own = match method.attrs.iter().position(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "autometrics")
        }) {
            Some(i) => Some(Args::from_attribute(&method.attrs.remove(i))?),
            None => None,
        };
        let args = own.as_ref().unwrap_or(args);
        let name = format!("{type_name}::{}", unraw(&method.sig.ident));
        method.block = instrument(args, &mut method.attrs, &method.sig, &method.block, &name)?;
    }
    Ok(imp.into_token_stream())
}

/// The name a method is reported under: `Type::method`, with `Type` the
/// last path segment of the `impl`'s self type, without generics.
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| unraw(&s.ident))
            .unwrap_or_default(),
        Type::Reference(r) => type_name(&r.elem),
        Type::Group(g) => type_name(&g.elem),
        Type::Paren(p) => type_name(&p.elem),
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// Where the facade crate is, seen from the user's crate.
fn facade(args: &Args) -> TokenStream {
    facade_path(args.krate.as_ref())
}

/// The facade's path: `explicit` if given, else its name (or rename) in the
/// user's `Cargo.toml`.
pub(crate) fn facade_path(explicit: Option<&Path>) -> TokenStream {
    if let Some(path) = explicit {
        return path.to_token_stream();
    }
    match proc_macro_crate::crate_name("omnimetrics") {
        // The facade names itself `omnimetrics` (`extern crate self`), and
        // its doctests and tests are other crates that depend on it.
        Ok(proc_macro_crate::FoundCrate::Itself) => quote!(::omnimetrics),
        Ok(proc_macro_crate::FoundCrate::Name(name)) => {
            let ident = format_ident!("{}", name);
            quote!(::#ident)
        }
        Err(_) => quote!(::omnimetrics),
    }
}

/// The declared return type as a type argument, or `_` where it cannot be
/// written inside the body (`impl Trait`, `!`).
fn return_type_arg(sig: &Signature) -> TokenStream {
    match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => {
            if matches!(**ty, Type::Never(_)) || mentions_impl(ty.to_token_stream()) {
                quote!(_)
            } else {
                ty.to_token_stream()
            }
        }
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

/// The returned variant's label, for `result_labels`.
fn label_expr(krate: &TokenStream, value: &syn::Ident) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use #krate::__private::{
            ProbeLabel as _, ProbeNoLabel as _, ProbeSplitOther as _, ProbeSplitResult as _,
        };
        match (&&#krate::__private::Probe(&#value)).__omnimetrics_split() {
            #krate::__private::Split::Ok(v) => (&&#krate::__private::Probe(v)).__omnimetrics_label(),
            #krate::__private::Split::Err(e) => (&&#krate::__private::Probe(e)).__omnimetrics_label(),
            #krate::__private::Split::Other(o) => (&&#krate::__private::Probe(o)).__omnimetrics_label(),
        }
    }}
}

fn outcome_expr(krate: &TokenStream, outcome: &Outcome, value: &syn::Ident) -> TokenStream {
    match outcome {
        Outcome::OkIf(p) => quote_spanned!(p.span()=> !#p(&#value)),
        Outcome::ErrorIf(p) => quote_spanned!(p.span()=> #p(&#value)),
        Outcome::ByType => quote! {{
            #[allow(unused_imports)]
            use #krate::__private::{ProbeOther as _, ProbeResult as _};
            (&&#krate::__private::Probe(&#value)).__omnimetrics_is_err()
        }},
    }
}

/// The statics describing one function, and their compile-time checks.
fn statics(krate: &TokenStream, args: &Args, name: &str) -> TokenStream {
    let buckets: TokenStream = match &args.buckets {
        Some(p) => p.to_token_stream(),
        None => quote!(#krate::__private::DEFAULT_BUCKETS),
    };
    let objective = match &args.objective {
        Some(p) => quote!(#krate::__private::core::option::Option::Some(&#p)),
        None => quote!(#krate::__private::core::option::Option::None),
    };
    let check = args.objective.as_ref().map(|p: &Path| {
        quote_spanned! {p.span()=>
            const _: () = #krate::__private::check_objective(&#p, __OMNIMETRICS_BOUNDS);
        }
    });
    let track = args.track_concurrency;
    let (labels_static, labels) = if args.result_labels {
        (
            quote! {
                static __OMNIMETRICS_LABELS: #krate::__private::VariantTable<
                    { #krate::__private::DEFAULT_LABELLED_SERIES },
                > = #krate::__private::VariantTable::new();
            },
            quote!(.with_result_labels(&__OMNIMETRICS_LABELS)),
        )
    } else {
        (quote!(), quote!())
    };
    quote! {
        #labels_static
        const __OMNIMETRICS_BOUNDS: &[u64] = #buckets.bounds();
        static __OMNIMETRICS_METRICS: #krate::__private::FunctionMetrics<
            { #krate::__private::DEFAULT_CALLERS },
            { __OMNIMETRICS_BOUNDS.len() },
        > = #krate::__private::FunctionMetrics::new();
        static __OMNIMETRICS_DESC: #krate::__private::TypedDesc<
            { #krate::__private::DEFAULT_CALLERS },
            { __OMNIMETRICS_BOUNDS.len() },
        > = #krate::__private::FunctionDesc::typed(
            #name,
            &#krate::__private::SharedDesc::new(
                #krate::__private::core::module_path!(),
                &#krate::__private::package!(),
                #objective,
                __OMNIMETRICS_BOUNDS,
                #track,
            ),
            &__OMNIMETRICS_METRICS,
        )#labels;
        #check
        #krate::__private::__register_before_main!(__OMNIMETRICS_DESC);
    }
}

/// Builds the instrumented body and appends the generated docs to `attrs`.
fn instrument(
    args: &Args,
    attrs: &mut Vec<Attribute>,
    sig: &Signature,
    block: &Block,
    name: &str,
) -> Result<Block> {
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new(
            c.span(),
            "#[autometrics] cannot instrument a `const fn`",
        ));
    }
    let krate = facade(args);
    let statics = statics(&krate, args, name);
    let ret_ty = return_type_arg(sig);
    let value = syn::Ident::new("__omnimetrics_value", Span::mixed_site());
    let call = syn::Ident::new("__omnimetrics_call", Span::mixed_site());
    let is_err = outcome_expr(&krate, &args.outcome, &value);
    let finish = if args.result_labels {
        let label = label_expr(&krate, &value);
        quote!(#call.finish_labelled(#is_err, #label))
    } else {
        quote!(#call.finish(#is_err))
    };
    let body = if sig.asyncness.is_some() {
        quote! {
            #statics
            let (#value, #call) = #krate::__private::Instrumented::new(
                &__OMNIMETRICS_DESC,
                #krate::__private::typed::<#ret_ty, _>(async move #block),
            )
            .await;
            #finish;
            #value
        }
    } else {
        quote! {
            #statics
            let #call = #krate::__private::Call::enter(&__OMNIMETRICS_DESC);
            #[allow(clippy::redundant_closure_call)]
            let #value = #krate::__private::call_once::<#ret_ty, _>(move || #block);
            #finish;
            #value
        }
    };
    attrs.extend(docs::doc_attributes(&krate, name));
    syn::parse2(quote!({ #body }))
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The paths that `expanded` names in the facade at `facade` (as
    /// tokens print: `:: om ::`), each with what follows it.
    fn facade_paths(expanded: &str, facade: &str) -> Vec<String> {
        let prefix = format!(":: {facade} ::");
        let paths: Vec<String> = expanded
            .split(prefix.as_str())
            .skip(1)
            .map(|rest| rest.trim_start().chars().take(40).collect())
            .collect();
        assert!(!paths.is_empty(), "no facade path in {expanded}");
        paths
    }

    /// Generated code reaches the facade only through `__private`, which
    /// moves with the macro, never through its public API.
    #[test]
    fn generated_code_names_only_private_paths() {
        let items = [
            (
                quote!(crate = ::om),
                quote!(
                    fn plain() -> u8 {
                        1
                    }
                ),
            ),
            (
                quote!(
                    crate = ::om,
                    result_labels,
                    track_concurrency,
                    objective = API
                ),
                quote!(
                    async fn labelled() -> Result<u8, Error> {
                        Ok(1)
                    }
                ),
            ),
            (
                quote!(crate = ::om, ok_if = is_ok),
                quote!(impl Cart { fn add(&self) -> bool { true } }),
            ),
        ];
        for (attr, item) in items {
            let expanded = super::autometrics(attr, item).unwrap().to_string();
            for path in facade_paths(&expanded, "om") {
                assert!(path.starts_with("__private"), "`::om::{path}`");
            }
        }
        let derived = crate::derive::result_label(quote!(
            enum E {
                A,
                B(u8),
            }
        ))
        .unwrap()
        .to_string();
        for path in facade_paths(&derived, "omnimetrics") {
            assert!(path.starts_with("__private"), "`::omnimetrics::{path}`");
        }
    }
}
