//! Parsing and validating `#[autometrics(...)]` arguments.
//!
//! Kept apart from code generation (as `tracing-attributes` does) so that
//! every error can point at the argument the user wrote, before anything is
//! generated.

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Path, Result};

const EXPECTED: &str = "expected `track_concurrency`, `result_labels`, `objective = CONST`, `ok_if = path`, `error_if = path`, `buckets = CONST` or `crate = path`";

/// How to decide a call's result.
pub(crate) enum Outcome {
    /// By type: `Result::Err` is an error, anything else ok.
    ByType,
    /// `ok_if(&value)` is true for successes.
    OkIf(Path),
    /// `error_if(&value)` is true for errors.
    ErrorIf(Path),
}

pub(crate) struct Args {
    pub(crate) track_concurrency: bool,
    pub(crate) result_labels: bool,
    pub(crate) objective: Option<Path>,
    pub(crate) outcome: Outcome,
    pub(crate) buckets: Option<Path>,
    pub(crate) krate: Option<Path>,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            track_concurrency: false,
            result_labels: false,
            objective: None,
            outcome: Outcome::ByType,
            buckets: None,
            krate: None,
        }
    }
}

impl Args {
    /// Parses the tokens of `#[autometrics(<these>)]`.
    pub(crate) fn parse(tokens: proc_macro2::TokenStream) -> Result<Self> {
        let mut args = Args::default();
        let parser = syn::meta::parser(|meta| args.one(meta));
        syn::parse::Parser::parse2(parser, tokens)?;
        Ok(args)
    }

    /// Parses the arguments of an `#[autometrics(...)]` attribute on a method.
    pub(crate) fn from_attribute(attr: &Attribute) -> Result<Self> {
        match &attr.meta {
            syn::Meta::Path(_) => Ok(Args::default()),
            syn::Meta::List(list) => Args::parse(list.tokens.clone()),
            syn::Meta::NameValue(nv) => Err(syn::Error::new(
                nv.span(),
                "write `#[autometrics]` or `#[autometrics(...)]`",
            )),
        }
    }

    fn one(&mut self, meta: ParseNestedMeta<'_>) -> Result<()> {
        let path = &meta.path;
        if path.is_ident("track_concurrency") {
            if self.track_concurrency {
                return Err(meta.error("`track_concurrency` is given twice"));
            }
            if meta.input.peek(syn::Token![=]) {
                return Err(meta.error("`track_concurrency` takes no value"));
            }
            self.track_concurrency = true;
        } else if path.is_ident("result_labels") {
            if self.result_labels {
                return Err(meta.error("`result_labels` is given twice"));
            }
            if meta.input.peek(syn::Token![=]) {
                return Err(meta.error("`result_labels` takes no value"));
            }
            self.result_labels = true;
        } else if path.is_ident("objective") {
            let value: Path = meta.value()?.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`objective` takes the path of a `const` `omnimetrics::Objective`, e.g. `objective = API_SLO`",
                )
            })?;
            if self.objective.replace(value).is_some() {
                return Err(meta.error("`objective` is given twice"));
            }
        } else if path.is_ident("ok_if") || path.is_ident("error_if") {
            let value: Path = meta.value()?.parse()?;
            if !matches!(self.outcome, Outcome::ByType) {
                return Err(meta.error(
                    "`ok_if` and `error_if` cannot be combined: give one predicate, deciding either what succeeds or what fails",
                ));
            }
            self.outcome = if path.is_ident("ok_if") {
                Outcome::OkIf(value)
            } else {
                Outcome::ErrorIf(value)
            };
        } else if path.is_ident("buckets") {
            let value: Path = meta.value()?.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`buckets` takes the path of a `const` `omnimetrics::Buckets`, e.g. `buckets = FAST_BUCKETS`",
                )
            })?;
            if self.buckets.replace(value).is_some() {
                return Err(meta.error("`buckets` is given twice"));
            }
        } else if path.is_ident("crate") {
            let value: Path = meta.value()?.parse()?;
            if self.krate.replace(value).is_some() {
                return Err(meta.error("`crate` is given twice"));
            }
        } else {
            let name = quote::ToTokens::to_token_stream(path)
                .to_string()
                .replace(' ', "");
            return Err(meta.error(format_args!("unknown argument `{name}`; {EXPECTED}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn err(tokens: proc_macro2::TokenStream) -> String {
        Args::parse(tokens)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn accepts_every_argument() {
        let a = Args::parse(quote!(
            track_concurrency,
            result_labels,
            objective = API,
            ok_if = is_ok,
            buckets = B,
            crate = ::om
        ))
        .unwrap();
        assert!(a.track_concurrency && a.result_labels);
        assert!(a.objective.is_some() && a.buckets.is_some() && a.krate.is_some());
        assert!(matches!(a.outcome, Outcome::OkIf(_)));
    }

    #[test]
    fn explains_mistakes() {
        assert!(err(quote!(tracked)).starts_with("unknown argument `tracked`"));
        assert!(err(quote!(ok_if = a, error_if = b)).contains("cannot be combined"));
        assert!(err(quote!(objective = API, objective = API)).contains("twice"));
        assert!(err(quote!(objective = "api")).contains("takes the path of a `const`"));
        assert!(err(quote!(track_concurrency = true)).contains("takes no value"));
    }
}
