//! wasm-bindgen tests under node: calls made from JavaScript through the
//! generated bindings (`from_js.js`), checked against the live registry.
//!
//! Run with
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown -p omnimetrics-wasm`.
//! All tests share one module instance (one registry, one clock), as the
//! requests of one isolate do, so counts are compared before and after.

use alloc::string::String;
use alloc::vec::Vec;
use omnimetrics::{Snapshot, autometrics};
use omnimetrics_sinks::frame::{Event, FrameDecoder};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_node_experimental);

#[wasm_bindgen(module = "/src/wasm_tests/from_js.js")]
extern "C" {
    #[wasm_bindgen(js_name = driveDemo)]
    fn drive_demo() -> Vec<JsValue>;
    #[wasm_bindgen(js_name = expectedStatuses)]
    fn expected_statuses() -> Vec<u16>;
    #[wasm_bindgen(js_name = useHostClockAndSpin)]
    fn use_host_clock_and_spin(ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = readExports)]
    fn read_exports() -> JsValue;
    #[wasm_bindgen(js_name = recordPushes)]
    fn record_pushes() -> JsValue;
    #[wasm_bindgen(js_name = nameTheService)]
    fn name_the_service(name: &str) -> Vec<JsValue>;
    #[wasm_bindgen(js_name = hostileInput)]
    fn hostile_input() -> Vec<u16>;
    #[wasm_bindgen(js_name = rawMisuse)]
    fn raw_misuse() -> JsValue;
}

/// Test-only export: the module's memory, which the adapter reads from (a
/// worker gets it from `initSync`).
#[wasm_bindgen(js_name = testMemory)]
#[allow(unreachable_pub, reason = "wasm-bindgen exports only `pub` functions")]
pub fn test_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Test-only export: busy-waits `ms` milliseconds of the omnimetrics clock
/// inside the instrumented [`busy_wait`].
#[wasm_bindgen]
#[allow(unreachable_pub, reason = "wasm-bindgen exports only `pub` functions")]
pub fn spin(ms: f64) {
    busy_wait(ms);
}

/// Returns once the clock moved `ms` milliseconds (at once without a clock).
#[autometrics]
fn busy_wait(ms: f64) {
    let Some(start) = omnimetrics::clock::now() else {
        return;
    };
    let until = start.saturating_add(crate::clock::millis_to_nanos(ms));
    while omnimetrics::clock::now().is_some_and(|t| t < until) {}
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).expect("property")
}

fn string(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().expect("a string")
}

fn snapshot() -> Snapshot {
    Snapshot::capture(&omnimetrics::registry())
}

fn calls(snap: &Snapshot, filter: &[(&str, &str)]) -> u64 {
    snap.counter_sum("function_calls", filter)
}

/// The text sample `name` with exactly these labels (in the encoder's
/// order), as written by the Prometheus encoder.
fn sample(text: &str, line_prefix: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|v| v.trim().parse().ok())
}

#[wasm_bindgen_test]
fn calls_from_js_count_results_and_callers() {
    let before = snapshot();
    let replies = drive_demo();
    let statuses: Vec<u16> = replies
        .iter()
        .map(|r| get(r, "status").as_f64().expect("status") as u16)
        .collect();
    assert_eq!(statuses, expected_statuses());
    assert_eq!(
        string(&replies[1], "body"),
        "teapot: 2500 cents, 5 in stock\n"
    );
    assert_eq!(
        string(&replies[5], "body"),
        "ordered 5 x teapot: 12500 cents\n"
    );

    let after = snapshot();
    let delta = |filter: &[(&str, &str)]| calls(&after, filter) - calls(&before, filter);
    let f = |name| ("function", name);
    // Ten requests, six of them errors (404, 400, 409, 400, 405, 404).
    assert_eq!(delta(&[f("handle")]), 10);
    assert_eq!(delta(&[f("handle"), ("result", "ok")]), 4);
    assert_eq!(delta(&[f("handle"), ("result", "error")]), 6);
    assert_eq!(delta(&[f("handle"), ("error", "BadNumber")]), 2);
    assert_eq!(delta(&[f("handle"), ("error", "MethodNotAllowed")]), 1);
    assert_eq!(delta(&[f("handle"), ("caller_function", "")]), 10);
    // get_item: 4 item routes (the DELETE stops before), 3 checkouts.
    assert_eq!(delta(&[f("get_item"), ("caller_function", "handle")]), 4);
    assert_eq!(delta(&[f("get_item"), ("caller_function", "checkout")]), 3);
    assert_eq!(delta(&[f("get_item"), ("result", "error")]), 3);
    // find_item is two levels below handle: its caller is get_item.
    assert_eq!(delta(&[f("find_item"), ("caller_function", "get_item")]), 5);
    assert_eq!(delta(&[f("find_item"), ("result", "error")]), 1);
    assert_eq!(
        delta(&[
            f("reserve"),
            ("caller_function", "checkout"),
            ("result", "error")
        ]),
        1
    );
    assert_eq!(delta(&[f("checkout"), ("result", "ok")]), 1);
    assert_eq!(delta(&[f("checkout"), ("error", "OutOfStock")]), 1);
    // Nothing is left running.
    let concurrent = after
        .series("function_calls_concurrent", &[f("handle")])
        .map(|s| s.value.clone())
        .collect::<Vec<_>>();
    assert_eq!(concurrent, [omnimetrics::ValueSnapshot::Gauge(0)]);
}

/// `busy_wait`'s histogram (bounds, per-bucket counts, sum), if it exists.
fn busy_wait_histogram() -> Option<(Vec<u64>, Vec<u64>, u64)> {
    snapshot()
        .histograms(
            "function_calls_duration_seconds",
            &[("function", "busy_wait")],
        )
        .next()
        .map(|h| (h.bounds.clone(), h.counts.clone(), h.sum))
}

#[wasm_bindgen_test]
fn durations_come_from_performance_now() {
    let before = busy_wait_histogram();
    let got = use_host_clock_and_spin(30.0);
    let js_elapsed = get(&got, "elapsed").as_f64().expect("elapsed");
    assert!(
        omnimetrics::clock::is_available(),
        "useHostClock() installed no clock"
    );
    assert!(js_elapsed >= 30.0, "spun only {js_elapsed} ms");

    let (bounds, counts, sum) = busy_wait_histogram().expect("busy_wait has a histogram");
    let (old_counts, old_sum) = match before {
        Some((_, c, s)) => (c, s),
        None => (alloc::vec![0; counts.len()], 0),
    };
    let added: Vec<u64> = counts.iter().zip(&old_counts).map(|(a, b)| a - b).collect();
    assert_eq!(added.iter().sum::<u64>(), 1, "one call, one observation");
    // Measured inside Rust: at least 30 ms, at most what JS saw around it.
    let measured = sum - old_sum;
    assert!(measured >= 30_000_000, "measured {measured} ns");
    assert!(
        measured <= (js_elapsed * 1e6) as u64 + 1_000,
        "measured {measured} ns, JS saw {js_elapsed} ms"
    );
    // The observation sits at or above the first bound of 30 ms or more.
    let first = bounds
        .iter()
        .position(|&b| b >= 30_000_000)
        .expect("a bound above 30 ms");
    assert_eq!(added[..first].iter().sum::<u64>(), 0, "{added:?}");

    // Calls from JS after the clock is set are each timed once.
    let handle_count = || {
        snapshot()
            .histograms("function_calls_duration_seconds", &[("function", "handle")])
            .map(|h| h.count())
            .sum::<u64>()
    };
    let before = handle_count();
    drive_demo();
    assert_eq!(handle_count() - before, 10);
}

#[wasm_bindgen_test]
fn exports_reach_js_in_every_encoding() {
    // Tests run in any order on one instance: make sure a clock is set, so
    // the duration histograms exist.
    use_host_clock_and_spin(0.0);
    drive_demo();
    let got = read_exports();
    let text = string(&got, "text");
    let handle_ok = "function_calls_total{function=\"handle\",module=\"omnimetrics_wasm::demo\"";
    assert!(text.contains(handle_ok), "{text}");
    assert!(text.contains("# TYPE function_calls_duration_seconds histogram\n"));
    assert!(text.contains("# TYPE build_info gauge\n"));
    let om = string(&got, "openMetrics");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# TYPE function_calls counter\n"));
    let negotiated = get(&got, "negotiated");
    assert!(string(&negotiated, "body").ends_with("# EOF\n"));
    assert_eq!(
        string(&negotiated, "contentType"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let default = get(&got, "default");
    assert_eq!(
        string(&default, "contentType"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(string(&default, "body").starts_with("# HELP "));
    assert!(!string(&default, "body").contains("# EOF"));

    // Frames arrive in JS as Uint8Array and decode back to the registry.
    let frames: Vec<u8> = js_sys::Uint8Array::new(&get(&got, "frames")).to_vec();
    let again: Vec<u8> = js_sys::Uint8Array::new(&get(&got, "framesAgain")).to_vec();
    assert_eq!(frames.last(), Some(&0));
    assert!(again.len() < frames.len(), "the second time, values only");
    let mut decoder = FrameDecoder::new();
    let mut decoded = Vec::new();
    for event in decoder
        .feed(&frames)
        .into_iter()
        .chain(decoder.feed(&again))
    {
        if let Event::Snapshot(received) = event {
            decoded.push(received.snapshot);
        }
    }
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoder.stats().bad, 0);
    let now = snapshot();
    let f = [("function", "handle")];
    assert_eq!(
        calls(&decoded[1], &f),
        calls(&now, &f),
        "the decoded frames carry the same totals"
    );
}

#[wasm_bindgen_test]
fn push_outcomes_are_counted_and_exported() {
    let got = record_pushes();
    let at_zero = string(&got, "atZero");
    assert_eq!(
        sample(&at_zero, "omnimetrics_push_failures_total "),
        Some(0)
    );
    assert_eq!(sample(&at_zero, "omnimetrics_pushes_total "), Some(0));
    let after = string(&got, "after");
    assert_eq!(sample(&after, "omnimetrics_push_failures_total "), Some(2));
    assert_eq!(sample(&after, "omnimetrics_pushes_total "), Some(3));
}

#[wasm_bindgen_test]
fn service_name_is_set_once_from_js() {
    let results: Vec<bool> = name_the_service("shop-from-js")
        .iter()
        .map(|v| v.as_bool().expect("bool"))
        .collect();
    assert_eq!(results, [true, false]);
    drive_demo();
    let snap = snapshot();
    assert!(
        calls(
            &snap,
            &[("function", "handle"), ("service_name", "shop-from-js")]
        ) >= 10
    );
}

#[wasm_bindgen_test]
fn hostile_input_gets_answers_not_traps() {
    let statuses = hostile_input();
    assert_eq!(statuses.len(), 18);
    // Every request is answered; the odd method is refused or routed away.
    assert!(
        statuses
            .iter()
            .all(|&s| s == 200 || (400..500).contains(&s)),
        "{statuses:?}"
    );
    // The frames and texts still encode after all of it.
    let mut text = Vec::new();
    crate::export::text(omnimetrics_sinks::text::Format::Prometheus, &mut text).unwrap();
    assert!(
        String::from_utf8(text)
            .unwrap()
            .contains("function_calls_total")
    );
}

/// The raw exports called as no adapter would: bytes that are not UTF-8,
/// lengths past the input. Each gets an answer, never a trap.
#[wasm_bindgen_test]
fn raw_exports_refuse_bad_input() {
    let got = raw_misuse();
    let n = |key: &str| get(&got, key).as_f64().expect("a number");
    assert_eq!(n("notUtf8Status"), 400.0);
    assert_eq!(
        string(&got, "notUtf8Body"),
        "the request's method or path is not UTF-8\n"
    );
    assert_eq!(n("tooLongStatus"), 400.0);
    assert_eq!(get(&got, "badName").as_bool(), Some(false));
    assert_eq!(
        string(&got, "badAcceptType"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    // Asking for more memory than there is: null, not a trap.
    assert_eq!(n("hugeInput"), 0.0);
    // The module still answers normally afterwards.
    assert_eq!(n("afterStatus"), 200.0);
}

/// The module's allocator (`runtime::SizeClasses`) under a mix of sizes and
/// alignments, growing and shrinking, freed out of order: every block keeps
/// its contents, blocks never overlap, and freed ones are reused.
#[wasm_bindgen_test]
fn the_allocator_keeps_every_block_apart() {
    use alloc::alloc::{Layout, alloc, dealloc};
    // A byte pattern per block, from its number.
    let fill = |v: &mut Vec<u8>, n: usize| {
        v.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (i ^ n) as u8)
    };
    let check = |v: &[u8], n: usize| v.iter().enumerate().all(|(i, &b)| b == (i ^ n) as u8);
    let mut live: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut seed = 0x2545_f491u32;
    for n in 0..600 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let size = match n % 7 {
            0 => (seed % 300_000) as usize,
            1 => 65_536,
            _ => (seed % 2_000) as usize,
        };
        let mut v = alloc::vec![0; size];
        fill(&mut v, n);
        live.push((n, v));
        if seed.is_multiple_of(3) {
            // Free one in the middle.
            let (m, v) = live.swap_remove(seed as usize % live.len());
            assert!(check(&v, m), "block {m} changed");
        }
        if seed.is_multiple_of(5)
            && let Some((m, v)) = live.last_mut()
        {
            // Grow (a realloc that moves) and shrink.
            v.extend_from_slice(&[0; 5_000]);
            v.truncate(v.len() - 5_000);
            v.shrink_to_fit();
            assert!(check(v, *m), "block {m} changed when moved");
        }
    }
    for (n, v) in &live {
        assert!(check(v, *n), "block {n} changed");
    }
    // Over-aligned layouts get aligned blocks.
    for align in [32, 4096, 65_536, 1 << 20] {
        let layout = Layout::from_size_align(24, align).unwrap();
        // SAFETY: a valid layout of non-zero size; freed with it below.
        unsafe {
            let p = alloc(layout);
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0, "alignment {align}");
            p.write_bytes(0xAB, 24);
            dealloc(p, layout);
        }
    }
    // A freed block is reused for the next block of its size.
    let layout = Layout::from_size_align(100, 8).unwrap();
    // SAFETY: as above.
    unsafe {
        let a = alloc(layout);
        dealloc(a, layout);
        let b = alloc(layout);
        assert_eq!(a, b);
        dealloc(b, layout);
    }
}
