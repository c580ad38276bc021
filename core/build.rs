//! Names the target predicates the crate would otherwise spell out again
//! at every item they govern:
//!
//! - `omnimetrics_std_clock`: std, and `std::time::Instant` works (not
//!   `wasm32-unknown-unknown`): the default clock exists;
//! - `omnimetrics_cycle_counter`: std, and `FastClock` has a cycle counter
//!   to read;
//! - `omnimetrics_striped`: std on a 64-bit target, where a function's
//!   counters are striped across cache lines (servers; 32-bit targets keep
//!   one small set).

fn main() {
    let cfg = |key: &str| std::env::var(key).unwrap_or_default();
    let (arch, os) = (cfg("CARGO_CFG_TARGET_ARCH"), cfg("CARGO_CFG_TARGET_OS"));
    let std = std::env::var_os("CARGO_FEATURE_STD").is_some();

    let instant = !(arch == "wasm32" && os == "unknown");
    // x86_64: the invariant TSC; aarch64: `cntvct_el0`, readable from user
    // space on these systems. SGX enclaves may not read the TSC.
    let counter = (arch == "x86_64"
        || (arch == "aarch64" && matches!(os.as_str(), "linux" | "android" | "macos")))
        && cfg("CARGO_CFG_TARGET_ENV") != "sgx";
    let wide = cfg("CARGO_CFG_TARGET_POINTER_WIDTH") == "64";

    for (name, on) in [
        ("omnimetrics_std_clock", std && instant),
        ("omnimetrics_cycle_counter", std && counter),
        ("omnimetrics_striped", std && wide),
    ] {
        println!("cargo:rustc-check-cfg=cfg({name})");
        if on {
            println!("cargo:rustc-cfg={name}");
        }
    }
}
