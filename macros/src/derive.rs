//! `#[derive(ResultLabel)]`: each enum variant names itself.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Lit, Meta, Result};

/// The label of one variant: its name, the `#[result_label = "..."]` text,
/// or none for `#[result_label(skip)]`.
fn variant_label(v: &syn::Variant) -> Result<Option<String>> {
    let mut label = Some(v.ident.to_string());
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("result_label")) {
        label = match &attr.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(l) => match &l.lit {
                    Lit::Str(s) if !s.value().is_empty() => Some(s.value()),
                    _ => return Err(syn::Error::new(l.span(), "expected a non-empty string")),
                },
                other => return Err(syn::Error::new(other.span(), "expected a string")),
            },
            Meta::List(list) if list.tokens.to_string() == "skip" => None,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "write `#[result_label = \"name\"]` or `#[result_label(skip)]`",
                ));
            }
        };
    }
    Ok(label)
}

pub(crate) fn result_label(item: TokenStream) -> Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(ResultLabel)] names enum variants; implement `ResultLabel` by hand for other types",
        ));
    };
    let krate = crate::expand::facade_path(None);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut arms = Vec::new();
    for v in &data.variants {
        let ident = &v.ident;
        let label = match variant_label(v)? {
            Some(l) => quote!(#krate::__private::core::option::Option::Some(#l)),
            None => quote!(#krate::__private::core::option::Option::None),
        };
        arms.push(quote!(Self::#ident { .. } => #label));
    }
    Ok(quote! {
        impl #impl_generics #krate::__private::ResultLabel for #name #ty_generics #where_clause {
            fn result_label(&self) -> #krate::__private::core::option::Option<&'static str> {
                match self {
                    #(#arms,)*
                    #[allow(unreachable_patterns)]
                    _ => #krate::__private::core::option::Option::None,
                }
            }
        }
    })
}
