//! Function-level metrics from one attribute, on every target Rust reaches.
//!
//! Put `#[autometrics]` on a function and it reports how often it is called,
//! how often it fails, how long it takes and who calls it, as the standard
//! Autometrics metric families that Prometheus, the Autometrics dashboards
//! and SLO rules understand:
//!
//! ```
//! use omnimetrics::{autometrics, Snapshot};
//!
//! #[autometrics]
//! fn load_user(id: u32) -> Result<String, String> {
//!     if id == 0 { Err("no such user".into()) } else { Ok(format!("user {id}")) }
//! }
//!
//! #[autometrics]
//! fn handler() {
//!     let _ = load_user(1);
//!     let _ = load_user(0);
//! }
//!
//! handler();
//! let snap = Snapshot::capture(&omnimetrics::registry());
//! let calls = |filter| snap.counter_sum("function_calls", filter);
//! assert_eq!(calls(&[("function", "load_user"), ("result", "ok")]), 1);
//! assert_eq!(calls(&[("function", "load_user"), ("caller_function", "handler")]), 2);
//! ```
//!
//! Turning a snapshot into text for a scraper is the job of the
//! `omnimetrics-sinks` crate; serving `/metrics` is `omnimetrics-exporter`'s.
//!
//! # Targets
//!
//! The crate is `no_std`. Features:
//! - `std` (default): per-thread caller context, the [`clock::StdClock`]
//!   default clock, runtime environment overrides, and registration before
//!   `main`, so that functions are exported at zero before their first call
//!   (on Linux, Android, the BSDs, illumos, macOS, iOS and Windows). Elsewhere
//!   a function is registered on its first call.
//! - `alloc`: the owned [`Snapshot`].
//! - `result-labels` (default): `#[autometrics(result_labels)]`. Without
//!   it, that argument fails the build with a message naming the feature,
//!   and a firmware links none of the code that reads labelled tables
//!   (about 0.35 KB of flash with 16 functions, with the smaller
//!   descriptions).
//!
//! With `default-features = false` the crate builds for `thumbv6m-none-eabi`
//! and other targets without atomic compare-and-swap or 64-bit atomics, through
//! `portable-atomic` and `critical-section`: such programs link one
//! `critical-section` implementation (for Cortex-M, `cortex-m`'s
//! `critical-section-single-core` feature). No clock is set there until the
//! program calls [`clock::set_clock`]; until then calls and results are
//! counted and durations are not reported.
//!
//! # Cost
//!
//! An instrumented call reads the clock twice, saves and restores the caller
//! context, and does three relaxed atomic additions on the function's own
//! `static`: no hashing, no lock, no allocation.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// So that `#[autometrics]` inside this crate can name it like users do.
#[allow(unused_extern_crates)]
extern crate self as omnimetrics;

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod acquire;
mod buckets;
mod call;
mod claim;
pub mod clock;
#[cfg(all(test, feature = "std", feature = "result-labels"))]
mod concurrency_tests;
mod context;
mod decimal;
#[cfg(feature = "std")]
pub mod exemplar;
#[cfg(not(feature = "std"))]
mod exemplar;
mod function;
mod live;
pub mod metrics;
mod objective;
mod once;
mod registry;
mod result;
mod rows;
mod service;
#[cfg(feature = "alloc")]
mod snapshot;
mod variant;
pub mod visit;

pub use buckets::{Buckets, DEFAULT_BUCKET_COUNT, DEFAULT_BUCKETS, MAX_BUCKETS};
pub use context::current_function;
pub use decimal::{Decimal, DecimalBuf, DecimalText};
pub use function::{DEFAULT_CALLERS, FunctionDesc, OVERFLOW_CALLER};
pub use live::{Registry, names, registry};
pub use objective::{Objective, ObjectiveLatency, ObjectivePercentile};
pub use registry::{RegisterError, functions};
#[cfg(feature = "std")]
pub use service::read_environment;
pub use service::{AlreadySet, PackageInfo, set_package, set_service_name};
#[cfg(feature = "alloc")]
pub use snapshot::{
    ExemplarSnapshot, FamilySnapshot, HistogramSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};
pub use variant::{DEFAULT_LABELLED_SERIES, ResultLabel};

/// Instruments a function, an `async fn`, or every method of an `impl` block.
///
/// See the [crate documentation](crate) and the `omnimetrics-macros` crate
/// for the arguments (`track_concurrency`, `objective = CONST`,
/// `ok_if = path`, `error_if = path`, `buckets = CONST`, `crate = path`).
pub use omnimetrics_macros::autometrics;

/// Derives [`ResultLabel`] for an enum: each variant's name, or the text of
/// `#[result_label = "..."]`, or none with `#[result_label(skip)]`.
pub use omnimetrics_macros::ResultLabel;

/// Registers an instrumented function before `main` where the platform runs
/// constructors, so it is exported at zero before its first call. Emitted by
/// `#[autometrics]`; generated here, in this crate's macro, so that the
/// `link_section` does not count as the user's own unsafe code.
#[doc(hidden)]
#[macro_export]
macro_rules! __register_before_main {
    ($desc:ident) => {
        // One static; only the section that the platform's loader runs
        // differs (ELF `.init_array`, Mach-O `__mod_init_func`, the MSVC CRT's
        // `.CRT$XCU`). Elsewhere (bare metal, wasm) nothing is emitted and
        // functions register on their first call.
        #[cfg(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly",
            target_os = "illumos",
            target_os = "solaris",
            target_os = "macos",
            target_os = "ios",
            windows
        ))]
        #[used]
        #[cfg_attr(
            not(any(target_os = "macos", target_os = "ios", windows)),
            unsafe(link_section = ".init_array")
        )]
        #[cfg_attr(
            any(target_os = "macos", target_os = "ios"),
            unsafe(link_section = "__DATA,__mod_init_func")
        )]
        #[cfg_attr(windows, unsafe(link_section = ".CRT$XCU"))]
        static __OMNIMETRICS_INIT: extern "C" fn() = {
            extern "C" fn __omnimetrics_init() {
                $crate::__private::register_function(&$desc);
            }
            __omnimetrics_init
        };
    };
}

/// What the `#[autometrics]` expansion uses. Not a public API: it changes
/// without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::buckets::{Buckets, DEFAULT_BUCKET_COUNT, DEFAULT_BUCKETS};
    pub use crate::call::{AsyncCall, Call, Instrumented, typed};
    pub use crate::function::{
        DEFAULT_CALLERS, FunctionDesc, FunctionMetrics, SharedDesc, TypedDesc,
    };
    pub use crate::objective::Objective;
    pub use crate::registry::register_function;
    pub use crate::result::{
        Probe, ProbeLabel, ProbeNoLabel, ProbeOther, ProbeResult, ProbeSplitOther, ProbeSplitResult,
    };
    pub use crate::service::{PackageInfo, first_of, provider_or_derived};
    pub use crate::variant::{DEFAULT_LABELLED_SERIES, ResultLabel, Split, VariantTable};
    pub use crate::{__register_before_main, package};
    pub use core;

    /// Runs a synchronous body; its type parameter pins the closure's return
    /// type to the function's, so `?` and elided lifetimes work inside.
    #[inline(always)]
    pub fn call_once<R, F: FnOnce() -> R>(body: F) -> R {
        body()
    }

    /// Compile-time check of a function's objective against its buckets.
    pub const fn check_objective(objective: &Objective, bounds: &[u64]) {
        objective.check_against(bounds);
    }
}
