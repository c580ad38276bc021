//! Calls one variant `n` times, for instruction counts under callgrind,
//! where wall-clock noise hides differences of a few instructions:
//!
//! ```text
//! cargo build --release -p omnimetrics-bench --example hot_path
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/hot_path omnimetrics 100000
//! ```
//!
//! Run it with `n` and `2n` calls: the difference of the two totals over
//! `n` is the instructions per call. `bench/callgrind.sh` does that for
//! every variant, and counts the encoders' instructions per series with
//! `encode_<encoder> <rounds> [series]` (and `encode_time <rounds> [series]`
//! times them, interleaved: the minimum over rounds of ns per series).

use omnimetrics::clock::{Clock, FastClock};
use omnimetrics_bench::CallFn;
use omnimetrics_bench::encode::Encoders;
use omnimetrics_bench::subjects;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "omnimetrics".into());
    let n: u64 = args.next().map_or(100_000, |s| s.parse().expect("a count"));
    let clock_arg = args.next();
    let fast = clock_arg.as_deref() == Some("fast");
    match clock_arg.as_deref() {
        // The same clocks through `&dyn Clock`, as any clock other than
        // `FastClock` is called: what the inline dispatch saves.
        Some("fast-dyn") => omnimetrics::clock::set_clock(&DynFast).expect("first clock"),
        // The std clock as it was read before: `Instant` since an origin.
        Some("instant-dyn") => omnimetrics::clock::set_clock(&DynInstant).expect("first clock"),
        _ => {}
    }
    if variant == "time" {
        // `time <calls> [fast]`: the minimum over rounds of ns per call of
        // each variant, interleaved: a quick A/B while tuning, robust to a
        // busy machine (interference only ever adds time).
        if fast {
            FastClock::install().expect("first clock");
        }
        subjects::warm_up();
        let floor: CallFn = match clock_arg.as_deref() {
            Some("fast" | "fast-dyn") => subjects::floor_fast,
            Some("instant-dyn") => subjects::floor_instant,
            _ => subjects::floor_std,
        };
        let variants: [(&str, CallFn); 3] = [
            ("bare", subjects::bare),
            ("floor", floor),
            ("omnimetrics", subjects::omnimetrics_call),
        ];
        let mut best = [f64::MAX; 3];
        for _ in 0..25 {
            for (k, (_, f)) in variants.iter().enumerate() {
                let t = std::time::Instant::now();
                for i in 0..n {
                    let _ = black_box(f(black_box(i)));
                }
                best[k] = best[k].min(t.elapsed().as_nanos() as f64 / n as f64);
            }
        }
        for (k, (name, _)) in variants.iter().enumerate() {
            println!(
                "{name:<12} {:>8.2} ns  added {:>7.2}",
                best[k],
                best[k] - best[0]
            );
        }
        println!(
            "ratio added omnimetrics / floor: {:.3}",
            (best[2] - best[0]) / (best[1] - best[0])
        );
        return;
    }
    if variant == "threads" {
        // `threads <calls> [fast]`: calls per microsecond with one thread,
        // two threads on one function, two on different functions (the
        // best of several rounds).
        if fast {
            FastClock::install().expect("first clock");
        }
        subjects::warm_up();
        let one: [CallFn; 1] = [subjects::omnimetrics_call];
        let same: [CallFn; 2] = [subjects::omnimetrics_call, subjects::omnimetrics_call];
        let diff: [CallFn; 2] = [subjects::omnimetrics_call, subjects::omnimetrics_call_2];
        let floor = if fast {
            subjects::floor_fast
        } else {
            subjects::floor_std
        };
        let floor2: [CallFn; 2] = [floor, floor];
        let cases: [(&str, &[CallFn]); 4] = [
            ("one thread", &one),
            ("two threads, same fn", &same),
            ("two threads, different fns", &diff),
            ("two threads, same floor statics", &floor2),
        ];
        let mut best = [0f64; 4];
        for _ in 0..15 {
            for (k, (_, fns)) in cases.iter().enumerate() {
                let t = omnimetrics_bench::threads::run(n, fns);
                let rate = (n * fns.len() as u64) as f64 / t.as_nanos() as f64 * 1000.0;
                best[k] = best[k].max(rate);
            }
        }
        for (k, (name, _)) in cases.iter().enumerate() {
            println!(
                "{name:<32} {:>8.1} calls/us  x{:.2}",
                best[k],
                best[k] / best[0]
            );
        }
        return;
    }
    if variant == "encode_time" {
        // `encode_time <rounds> [series]`: the minimum over rounds of ns per
        // series of each encoder, interleaved (a quick A/B while tuning).
        let series: usize = clock_arg
            .as_deref()
            .map_or(1_000, |s| s.parse().expect("1000 or 10000"));
        let mut enc = Encoders::new(series);
        let mut best = [f64::MAX; ENCODE_FNS.len()];
        for _ in 0..n {
            for (k, (_, f)) in ENCODE_FNS.iter().enumerate() {
                let t = std::time::Instant::now();
                for _ in 0..10 {
                    black_box(f(&mut enc));
                }
                best[k] = best[k].min(t.elapsed().as_nanos() as f64 / (10 * series) as f64);
            }
        }
        for (k, (name, _)) in ENCODE_FNS.iter().enumerate() {
            println!("{name:<26} {:>8.2} ns/series", best[k]);
        }
        return;
    }
    if let Some(encoder) = variant.strip_prefix("encode_") {
        // `encode_<encoder> <rounds> [series]`: that encoder's encoding of
        // 1,000 (or `series`) series, `rounds` times, inside `encode_loop`
        // (callgrind: `--toggle-collect=hot_path::encode_loop`).
        let series: usize = clock_arg
            .as_deref()
            .map_or(1_000, |s| s.parse().expect("1000 or 10000"));
        let mut enc = Encoders::new(series);
        let f = ENCODE_FNS
            .iter()
            .find(|(name, _)| *name == encoder)
            .unwrap_or_else(|| panic!("unknown encoder {encoder}"))
            .1;
        encode_loop(f, &mut enc, n);
        return;
    }
    if fast {
        FastClock::install().expect("first clock");
    }
    let f: CallFn = match variant.as_str() {
        "bare" => subjects::bare,
        "floor" if fast => subjects::floor_fast,
        "floor" => subjects::floor_std,
        "floor_instant" => subjects::floor_instant,
        "omnimetrics" => subjects::omnimetrics_call,
        "omnimetrics_nested" => subjects::omnimetrics_nested_caller,
        "autometrics_prometheus_client" => subjects::autometrics_call,
        "measured" => subjects::measured_call,
        "prometheus" => subjects::prometheus_call,
        "prometheus_client" => subjects::prometheus_client_call,
        other => panic!("unknown variant {other}"),
    };
    subjects::warm_up();
    let _ = f(0);
    run_loop(f, n);
    if fast {
        eprintln!("cycle counter: {}", FastClock::is_cycle_counter());
    }
}

/// One encoder of `omnimetrics_bench::encode`: the bytes it wrote.
type EncodeFn = fn(&mut Encoders) -> usize;

/// The encoders of `omnimetrics_bench::encode`, by name.
const ENCODE_FNS: [(&str, EncodeFn); 6] = [
    ("omnimetrics", Encoders::omnimetrics),
    ("omnimetrics_openmetrics", Encoders::omnimetrics_openmetrics),
    ("floor", Encoders::floor),
    ("measured", Encoders::measured),
    ("prometheus_client", Encoders::prometheus_client),
    ("prometheus", Encoders::prometheus),
];

/// The encoding loop, on its own so that callgrind can count only it
/// (`--toggle-collect=hot_path::encode_loop`).
#[inline(never)]
fn encode_loop(f: EncodeFn, enc: &mut Encoders, rounds: u64) {
    for _ in 0..rounds {
        black_box(f(black_box(&mut *enc)));
    }
}

/// The measured loop, on its own so that callgrind can count only it
/// (`--toggle-collect=hot_path::run_loop`).
#[inline(never)]
fn run_loop(f: CallFn, n: u64) {
    for i in 0..n {
        let _ = black_box(f(black_box(i)));
    }
}

/// [`FastClock`] behind `&dyn Clock`.
struct DynFast;

impl Clock for DynFast {
    fn now_nanos(&self) -> u64 {
        FastClock.now_nanos()
    }
}

/// `Instant` since a fixed origin, behind `&dyn Clock`.
struct DynInstant;

impl Clock for DynInstant {
    fn now_nanos(&self) -> u64 {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        ORIGIN
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}
