//! Who is reporting: `service_name` and `build_info`.
//!
//! SPEC's order for `service_name`: the runtime variables
//! `AUTOMETRICS_SERVICE_NAME`, then `OTEL_SERVICE_NAME` (on platforms with an
//! environment), then a value set in code ([`set_service_name`] or
//! [`set_package`]), then the package name of the crate the instrumented
//! function was compiled in, captured where the macro expanded, never this
//! library's own name. Build details follow the same rule: runtime variables
//! override what was captured at compile time.
//!
//! When no name is set and instrumented functions come from several
//! packages, each function reports its own package, and `build_info` has
//! one series per package, so every function's series still join with the
//! `build_info` of the package it was built in.

use crate::once::SetOnce;
use crate::visit::{DynVisitor, Label, Series, SeriesValue, Stop};
use core::fmt;

/// What a crate knew about itself when it was compiled. Build one with
/// [`package!`](crate::package!), which captures the calling crate's Cargo
/// metadata and the `AUTOMETRICS_*` / `VERGEN_*` variables of its build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PackageInfo {
    /// `CARGO_PKG_NAME`.
    pub name: &'static str,
    /// `AUTOMETRICS_VERSION`, else `CARGO_PKG_VERSION`.
    pub version: &'static str,
    /// `AUTOMETRICS_COMMIT`, else `VERGEN_GIT_SHA`, else `""`.
    pub commit: &'static str,
    /// `AUTOMETRICS_BRANCH`, else `VERGEN_GIT_BRANCH`, else `""`.
    pub branch: &'static str,
    /// `AUTOMETRICS_REPOSITORY_URL`, else `CARGO_PKG_REPOSITORY`, else `""`.
    pub repository_url: &'static str,
    /// `AUTOMETRICS_REPOSITORY_PROVIDER`, else derived from the URL's host
    /// (at compile time).
    pub repository_provider: &'static str,
}

/// Captures the calling crate's [`PackageInfo`] at compile time.
///
/// ```
/// const ME: omnimetrics::PackageInfo = omnimetrics::package!();
/// assert_eq!(ME.name, "omnimetrics");
/// ```
#[macro_export]
macro_rules! package {
    () => {
        $crate::PackageInfo {
            name: ::core::env!("CARGO_PKG_NAME"),
            version: $crate::__private::first_of(
                ::core::option_env!("AUTOMETRICS_VERSION"),
                ::core::option_env!("CARGO_PKG_VERSION"),
            ),
            commit: $crate::__private::first_of(
                ::core::option_env!("AUTOMETRICS_COMMIT"),
                ::core::option_env!("VERGEN_GIT_SHA"),
            ),
            branch: $crate::__private::first_of(
                ::core::option_env!("AUTOMETRICS_BRANCH"),
                ::core::option_env!("VERGEN_GIT_BRANCH"),
            ),
            repository_url: $crate::__private::first_of(
                ::core::option_env!("AUTOMETRICS_REPOSITORY_URL"),
                ::core::option_env!("CARGO_PKG_REPOSITORY"),
            ),
            repository_provider: $crate::__private::provider_or_derived(
                ::core::option_env!("AUTOMETRICS_REPOSITORY_PROVIDER"),
                $crate::__private::first_of(
                    ::core::option_env!("AUTOMETRICS_REPOSITORY_URL"),
                    ::core::option_env!("CARGO_PKG_REPOSITORY"),
                ),
            ),
        }
    };
}

/// The first non-empty of two compile-time variables, or `""`.
#[doc(hidden)]
pub const fn first_of(a: Option<&'static str>, b: Option<&'static str>) -> &'static str {
    match (a, b) {
        (Some(a), _) if !a.is_empty() => a,
        (_, Some(b)) => b,
        _ => "",
    }
}

/// A process-wide value was set before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlreadySet;

impl fmt::Display for AlreadySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this omnimetrics setting was already set; set it once, at start-up")
    }
}

impl core::error::Error for AlreadySet {}

static SERVICE_NAME: SetOnce<&'static str> = SetOnce::new();
static PACKAGE: SetOnce<&'static PackageInfo> = SetOnce::new();

/// Sets `service_name` for every function in code. The runtime variables
/// `AUTOMETRICS_SERVICE_NAME` and `OTEL_SERVICE_NAME` still win over it.
pub fn set_service_name(name: &'static str) -> Result<(), AlreadySet> {
    SERVICE_NAME.set(name).map_err(|_| AlreadySet)
}

/// Makes `package` the identity of the whole program: its name is the
/// default `service_name` of every function, and `build_info` has its
/// version and commit. Call it from the binary crate:
///
/// ```
/// static ME: omnimetrics::PackageInfo = omnimetrics::package!();
/// omnimetrics::set_package(&ME).unwrap();
/// ```
pub fn set_package(package: &'static PackageInfo) -> Result<(), AlreadySet> {
    PACKAGE.set(package).map_err(|_| AlreadySet)
}

/// Values read from the process environment (std only), once.
#[derive(Clone, Copy, Debug, Default)]
struct Environment {
    service_name: Option<&'static str>,
    version: Option<&'static str>,
    commit: Option<&'static str>,
    branch: Option<&'static str>,
    repository_url: Option<&'static str>,
    repository_provider: Option<&'static str>,
}

#[cfg(feature = "std")]
fn environment() -> Option<&'static Environment> {
    use std::sync::OnceLock;
    static ENV: OnceLock<Environment> = OnceLock::new();
    fn var(names: &[&str]) -> Option<&'static str> {
        names.iter().find_map(|n| {
            let v = std::env::var(n).ok().filter(|v| !v.is_empty())?;
            // Read once per process and kept for its whole life.
            Some(&*std::boxed::Box::leak(v.into_boxed_str()))
        })
    }
    Some(ENV.get_or_init(|| Environment {
        service_name: var(&["AUTOMETRICS_SERVICE_NAME", "OTEL_SERVICE_NAME"]),
        version: var(&["AUTOMETRICS_VERSION"]),
        commit: var(&["AUTOMETRICS_COMMIT", "VERGEN_GIT_SHA"]),
        branch: var(&["AUTOMETRICS_BRANCH", "VERGEN_GIT_BRANCH"]),
        repository_url: var(&["AUTOMETRICS_REPOSITORY_URL"]),
        repository_provider: var(&["AUTOMETRICS_REPOSITORY_PROVIDER"]),
    }))
}

#[cfg(not(feature = "std"))]
fn environment() -> Option<&'static Environment> {
    None
}

/// Reads the runtime overrides (`AUTOMETRICS_SERVICE_NAME`,
/// `OTEL_SERVICE_NAME`, `AUTOMETRICS_VERSION`, `AUTOMETRICS_COMMIT`,
/// `AUTOMETRICS_BRANCH`, `AUTOMETRICS_REPOSITORY_URL`,
/// `AUTOMETRICS_REPOSITORY_PROVIDER`) now rather than at the first export.
/// They are read once per process; later changes are not seen.
#[cfg(feature = "std")]
pub fn read_environment() {
    let _ = environment();
}

/// The `service_name` of functions compiled in `package`.
pub(crate) fn service_name_for(package: &'static PackageInfo) -> &'static str {
    if let Some(name) = environment().and_then(|e| e.service_name) {
        return name;
    }
    if let Some(name) = SERVICE_NAME.get() {
        return name;
    }
    match PACKAGE.get() {
        Some(p) => p.name,
        None => package.name,
    }
}

/// Whether `needle` occurs in `hay` (bytes; `const`, and free of `str`'s
/// searching machinery, which would pull Unicode tables into firmware).
const fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let mut j = 0;
        while j < needle.len() && hay[i + j] == needle[j] {
            j += 1;
        }
        if j == needle.len() {
            return true;
        }
        i += 1;
    }
    false
}

/// The repository provider named by a URL's host: `github`, `gitlab`,
/// `bitbucket`, or `""`. The host is what follows `://` (or the start) and
/// any `user@`, up to the first `/` or `:`.
pub(crate) const fn provider_of(url: &str) -> &'static str {
    let b = url.as_bytes();
    // Start of the host: after "://" if there is one.
    let mut start = 0;
    let mut i = 0;
    while i + 3 <= b.len() {
        if b[i] == b':' && b[i + 1] == b'/' && b[i + 2] == b'/' {
            start = i + 3;
            break;
        }
        i += 1;
    }
    // End of the host, and the last '@' before it.
    let mut end = start;
    while end < b.len() && b[end] != b'/' && b[end] != b':' {
        if b[end] == b'@' {
            start = end + 1;
        }
        end += 1;
    }
    let (_, rest) = b.split_at(start);
    let (host, _) = rest.split_at(end - start);
    if contains(host, b"github") {
        "github"
    } else if contains(host, b"gitlab") {
        "gitlab"
    } else if contains(host, b"bitbucket") {
        "bitbucket"
    } else {
        ""
    }
}

/// `AUTOMETRICS_REPOSITORY_PROVIDER` if set, else derived from the URL,
/// at compile time.
#[doc(hidden)]
pub const fn provider_or_derived(
    explicit: Option<&'static str>,
    url: &'static str,
) -> &'static str {
    match explicit {
        Some(p) if !p.is_empty() => p,
        _ => provider_of(url),
    }
}

/// One `build_info` series (see [`build_infos`]).
#[derive(Clone, Copy, Debug)]
pub struct BuildInfo {
    package: &'static PackageInfo,
    service_name: &'static str,
}

impl BuildInfo {
    /// The package whose build this is (the values of labels 1 to 5 come
    /// from it, or from runtime overrides).
    pub fn package(&self) -> &'static PackageInfo {
        self.package
    }

    /// The value of the `i`-th label, named by
    /// [`names::BUILD_INFO_LABELS[i]`](crate::names::BUILD_INFO_LABELS),
    /// with runtime overrides applied; `""` past the last.
    pub fn value(&self, i: usize) -> &'static str {
        // One label at a time: the seven together are 56 bytes, whose
        // copies would link `memcpy` into a firmware.
        let env = environment();
        let pick = |runtime: Option<&'static str>, compiled| runtime.unwrap_or(compiled);
        let p = self.package;
        match i {
            0 => self.service_name,
            1 => pick(env.and_then(|e| e.version), p.version),
            2 => pick(env.and_then(|e| e.commit), p.commit),
            3 => pick(env.and_then(|e| e.branch), p.branch),
            4 => pick(env.and_then(|e| e.repository_url), p.repository_url),
            5 => match env.map(|e| (e.repository_provider, e.repository_url)) {
                Some((Some(provider), _)) => provider,
                // A URL from the environment names its own provider.
                Some((None, Some(url))) => provider_of(url),
                _ => p.repository_provider,
            },
            6 => "1.0.0",
            _ => "",
        }
    }
}

/// The `build_info` series: one per distinct `service_name` among the
/// registered functions, one in all when a name or package is set.
pub fn build_infos() -> impl Iterator<Item = BuildInfo> {
    use crate::registry::functions;
    let set = PACKAGE.get();
    let mut registered = functions();
    let mut done = false;
    core::iter::from_fn(move || {
        if let Some(p) = set {
            return (!core::mem::replace(&mut done, true)).then(|| BuildInfo {
                package: p,
                service_name: service_name_for(p),
            });
        }
        loop {
            let f = registered.next()?;
            let name = f.service_name();
            // Only the first function with this name (in the registry's
            // order) shows it.
            let first = functions().find(|g| g.service_name() == name);
            if first.is_some_and(|g| core::ptr::eq(g, f)) {
                // What `f.build_info()` gives when no package is set, built
                // here: that would read the setting again (76 bytes more of
                // the wasm demo's module).
                return Some(BuildInfo {
                    package: f.package(),
                    service_name: name,
                });
            }
        }
    })
}

impl crate::FunctionDesc {
    /// The `build_info` series that this function's series join with: of
    /// the package set with [`set_package`], else of the package the
    /// function was compiled in. ([`build_infos`] has one per distinct
    /// `service_name`, that of the first registered function with it.)
    pub fn build_info(&self) -> BuildInfo {
        BuildInfo {
            package: PACKAGE.get().unwrap_or(self.package()),
            service_name: self.service_name(),
        }
    }
}

/// `build_info`, one series per [`build_infos`].
pub(crate) fn visit_build_info(v: &mut DynVisitor<'_>) -> Result<(), Stop> {
    let mut started = false;
    for b in build_infos() {
        crate::live::start(v, &crate::names::FAMILIES[3], &mut started)?;
        let mut labels = [Label::new("", ""); 7];
        for (i, (label, name)) in labels
            .iter_mut()
            .zip(&crate::names::BUILD_INFO_LABELS)
            .enumerate()
        {
            *label = Label::new(name, b.value(i));
        }
        v.series(&Series {
            labels: &labels,
            value: SeriesValue::Gauge(1),
            exemplar: None,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers() {
        assert_eq!(provider_of("https://github.com/a/b"), "github");
        assert_eq!(provider_of("git@gitlab.com:a/b.git"), "gitlab");
        assert_eq!(provider_of("https://bitbucket.org/a/b"), "bitbucket");
        assert_eq!(provider_of("https://example.com/github/x"), "");
        assert_eq!(provider_of(""), "");
        assert_eq!(
            provider_of("https://user@gitlab.example.org:8443/x"),
            "gitlab"
        );
        assert_eq!(provider_of("github"), "github");
        const P: &str = provider_or_derived(None, "https://github.com/o/r");
        assert_eq!(P, "github");
        assert_eq!(
            provider_or_derived(Some("gitea"), "https://github.com/o/r"),
            "gitea"
        );
    }

    #[test]
    fn first_non_empty() {
        assert_eq!(first_of(Some(""), Some("b")), "b");
        assert_eq!(first_of(Some("a"), Some("b")), "a");
        assert_eq!(first_of(None, None), "");
    }
}
