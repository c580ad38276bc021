//! The JavaScript API of the module (wasm only).
//!
//! Everything a JS host needs, as plain functions of the wasm-bindgen
//! module: choose a clock, read the snapshot in three encodings, count
//! pushes, and (the demo) handle a request. The host owns all I/O: it
//! decides when to read a snapshot (pull, after each request) and where to
//! send it, inside `ctx.waitUntil(...)`, so that nothing here can delay a
//! response. A push *callback* registered in Rust would save the host no
//! code and would need the Rust side to hold JS functions and promises, so
//! the API is pull-only.
//!
//! | export | does |
//! |---|---|
//! | `useHostClock(): boolean` | durations from `performance.now()`; `false` if a clock was already chosen or there is no `performance` |
//! | `useManualClock(): boolean` | durations from `setTimeMillis` |
//! | `setTimeMillis(ms: number)` | moves the manual clock (milliseconds from any origin; never backwards) |
//! | `setServiceName(name: string): boolean` | `service_name` of every series; once per isolate |
//! | `metricsText(): string` | Prometheus text 0.0.4 |
//! | `metricsOpenMetrics(): string` | OpenMetrics 1.0 text |
//! | `metricsFor(accept?: string): string` | the format an `Accept` header asks for |
//! | `contentTypeFor(accept?: string): string` | its `Content-Type` |
//! | `metricsFrames(): Uint8Array` | postcard+COBS frames (description when due, then values) |
//! | `setFrameBootId(id: number)` | boot id of the frames (say, a random per-isolate number); restarts the frame stream |
//! | `enablePushMetrics()` | exports the push counters at zero |
//! | `recordPush(ok: boolean)` | counts a push and, if not ok, a failure |
//! | `handle(method: string, path: string): Reply` | the demo shop; `Reply` has `status` and `body` (call `free()` when done) |

use crate::clock::{HostClock, ManualClock, host_has_performance};
use crate::{demo, export, push};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};
use critical_section::Mutex;
use omnimetrics::clock::set_clock;
use omnimetrics_sinks::frame::FrameEncoder;
use wasm_bindgen::prelude::*;

static HOST_CLOCK: HostClock = HostClock::new();
static MANUAL_CLOCK: ManualClock = ManualClock::new();
static NAMED: AtomicBool = AtomicBool::new(false);
/// The isolate's frame stream. A `Cell` rather than a `RefCell`: the
/// encoder is taken out while it writes and put back after, so there is no
/// borrow that could fail (and no panic message for one in the module).
static FRAMES: Mutex<Cell<Option<FrameEncoder>>> = Mutex::new(Cell::new(None));

/// Durations from the host's `performance.now()`. Returns `false` (and
/// changes nothing) when a clock was chosen before or the host has no
/// working `performance.now()`.
#[wasm_bindgen(js_name = useHostClock)]
pub fn use_host_clock() -> bool {
    host_has_performance() && set_clock(&HOST_CLOCK).is_ok()
}

/// Durations from the time the host sets with `setTimeMillis`. Returns
/// `false` when a clock was chosen before.
#[wasm_bindgen(js_name = useManualClock)]
pub fn use_manual_clock() -> bool {
    set_clock(&MANUAL_CLOCK).is_ok()
}

/// Moves the manual clock to `ms` milliseconds (from any origin: the first
/// time set reads 0); earlier times, NaN and infinities are ignored.
#[wasm_bindgen(js_name = setTimeMillis)]
pub fn set_time_millis(ms: f64) {
    MANUAL_CLOCK.set_millis(ms);
}

/// Sets `service_name` for every function (otherwise the crate's package
/// name). Only the first call counts; it returns `false` afterwards.
#[wasm_bindgen(js_name = setServiceName)]
pub fn set_service_name(name: String) -> bool {
    if NAMED.swap(true, Ordering::Relaxed) {
        return false;
    }
    // Kept for the life of the isolate; leaked once at most (guarded above).
    omnimetrics::set_service_name(name.leak()).is_ok()
}

/// The snapshot as Prometheus text 0.0.4.
#[wasm_bindgen(js_name = metricsText)]
pub fn metrics_text() -> String {
    export::prometheus_text()
}

/// The snapshot as OpenMetrics 1.0 text.
#[wasm_bindgen(js_name = metricsOpenMetrics)]
pub fn metrics_openmetrics() -> String {
    export::openmetrics_text()
}

/// The snapshot in the format the `Accept` header `accept` asks for.
#[wasm_bindgen(js_name = metricsFor)]
pub fn metrics_for(accept: Option<String>) -> String {
    export::text(export::negotiate(accept.as_deref()))
}

/// The `Content-Type` of what `metricsFor(accept)` returns.
#[wasm_bindgen(js_name = contentTypeFor)]
pub fn content_type_for(accept: Option<String>) -> String {
    String::from(export::negotiate(accept.as_deref()).content_type())
}

/// The next frames of this isolate's frame stream.
#[wasm_bindgen(js_name = metricsFrames)]
pub fn metrics_frames() -> Vec<u8> {
    critical_section::with(|cs| {
        let frames = FRAMES.borrow(cs);
        // `None` before the first call (and `setFrameBootId`): boot id 0.
        let mut encoder = frames.take().unwrap_or(FrameEncoder::new(0));
        let out = export::frames(&mut encoder);
        frames.set(Some(encoder));
        out
    })
}

/// Starts a new frame stream with boot id `id`: the next frames begin with
/// a description, and a decoder sees a restart.
#[wasm_bindgen(js_name = setFrameBootId)]
pub fn set_frame_boot_id(id: u32) {
    critical_section::with(|cs| FRAMES.borrow(cs).set(Some(FrameEncoder::new(id))));
}

/// Exports the push counters from now on, at zero.
#[wasm_bindgen(js_name = enablePushMetrics)]
pub fn enable_push_metrics() {
    push::register();
}

/// Counts one push, and one failure unless `ok`.
#[wasm_bindgen(js_name = recordPush)]
pub fn record_push(ok: bool) {
    push::record(ok);
}

/// The demo's answer to a request.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Reply {
    status: u16,
    body: String,
}

#[wasm_bindgen]
impl Reply {
    /// HTTP status.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Plain-text body.
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> String {
        self.body.clone()
    }
}

/// Runs the demo shop on one request (see [`demo::handle`]).
#[wasm_bindgen]
pub fn handle(method: &str, path: &str) -> Reply {
    let reply = demo::handle(method, path).unwrap_or_else(demo::Reply::from);
    Reply {
        status: reply.status,
        body: reply.body,
    }
}
