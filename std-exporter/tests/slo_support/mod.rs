//! Shared by the SLO tests (`slo_cli`, `slo_e2e`, `dashboards`): a small
//! instrumented shop that breaks its objectives on purpose, and running the
//! `omnimetrics` binary. The generic pieces (temporary directories, child
//! processes, the real-tools gate, Prometheus) are `tests/common`'s.
//!
//! Test files use it with `mod common; mod slo_support;`.
#![allow(dead_code, unreachable_pub)]

pub mod grafana;

use std::process::Output;

use crate::common::{omnimetrics, show};

/// The instrumented shop. Its functions and objectives (a `Type::method`
/// with an objective and concurrency tracking, a callee, and a custom
/// percentile with an integer latency threshold):
///
/// | function | objective | breaks it by |
/// |---|---|---|
/// | `Cart::checkout` | `shop-checkout`: 99.9 % succeed, 99 % within 10 ms | 1 call in 4 fails, 2 in 4 take 30 ms |
/// | `charge` (called by `Cart::checkout`) | none | |
/// | `build_report` | `shop-reports`: 97.5 % within 1 s | 1 call in 2 takes 1.1 s |
pub mod shop {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::JoinHandle;
    use std::time::Duration;

    use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, autometrics};

    /// The `module` label of the shop's functions.
    pub const MODULE: &str = module_path!();
    /// The shop's `service_name` (set in code by [`Load::start`]).
    pub const SERVICE: &str = "slo-shop";

    /// Checkout: success rate 99.9 %, and 99 % of calls within 10 ms.
    pub const CHECKOUT: Objective = Objective::new("shop-checkout")
        .success_rate(ObjectivePercentile::P99_9)
        .latency(ObjectiveLatency::from_millis(10), ObjectivePercentile::P99);

    /// Reports: 97.5 % (a custom percentile) within 1 s (a whole-number
    /// boundary, written `1.0`).
    pub const REPORTS: Objective = Objective::new("shop-reports").latency(
        ObjectiveLatency::from_secs(1),
        ObjectivePercentile::custom("97.5"),
    );

    /// What [`Load`] makes of the error ratios: the share of failing
    /// checkouts, of slow checkouts and of slow reports.
    pub const CHECKOUT_ERROR_RATIO: f64 = 0.25;
    pub const CHECKOUT_SLOW_RATIO: f64 = 0.5;
    pub const REPORTS_SLOW_RATIO: f64 = 0.5;

    pub struct Cart;

    #[autometrics(objective = CHECKOUT, track_concurrency)]
    impl Cart {
        pub fn checkout(&self, fail: bool, slow: bool) -> Result<u32, String> {
            if slow {
                std::thread::sleep(Duration::from_millis(30));
            }
            charge(fail)
        }
    }

    #[autometrics]
    pub fn charge(fail: bool) -> Result<u32, String> {
        if fail {
            Err("card declined".to_string())
        } else {
            Ok(42)
        }
    }

    #[autometrics(objective = REPORTS)]
    pub fn build_report(slow: bool) -> Result<usize, String> {
        if slow {
            std::thread::sleep(Duration::from_millis(1100));
        }
        Ok(3)
    }

    /// Calls the shop's functions in the proportions above until dropped.
    pub struct Load {
        stop: Arc<AtomicBool>,
        threads: Vec<JoinHandle<()>>,
    }

    impl Load {
        /// Names the service [`SERVICE`] and starts two threads: checkouts
        /// in batches of four (ok, ok and slow, failing, ok and slow), and
        /// reports alternating slow and fast.
        pub fn start() -> Load {
            let _ = omnimetrics::set_service_name(SERVICE);
            let stop = Arc::new(AtomicBool::new(false));
            let checkouts = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        for (fail, slow) in
                            [(false, false), (false, true), (true, false), (false, true)]
                        {
                            let _ = Cart.checkout(fail, slow);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
            };
            let reports = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = build_report(true);
                        let _ = build_report(false);
                    }
                })
            };
            Load {
                stop,
                threads: vec![checkouts, reports],
            }
        }
    }

    impl Drop for Load {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

/// Runs `omnimetrics args...` and returns its output.
pub fn cli(args: &[&str]) -> Output {
    omnimetrics().args(args).output().expect("run omnimetrics")
}

/// Runs `omnimetrics args...`, fails unless it succeeds, returns stdout.
pub fn cli_ok(args: &[&str]) -> String {
    let out = cli(args);
    assert!(out.status.success(), "omnimetrics {args:?}\n{}", show(&out));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}
