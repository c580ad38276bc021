//! The raw JavaScript API of the module (wasm only).
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
//! Strings cross in [`Buffer`]s, not as JS values (see the `buffer`
//! module for why). A string argument is written by the host into the
//! input buffer (`inputBuffer(len)` makes room) and passed as its length in
//! bytes; an export that produces bytes writes them to the output buffer
//! and returns their length, or [`OUT_OF_MEMORY`], and `outputPtr()` says
//! where they start. `worker/adapter.mjs` wraps this raw API into the one a
//! worker uses (strings and `Uint8Array`s, errors thrown), listed in the
//! README:
//!
//! | raw export | does |
//! |---|---|
//! | `useHostClock(): boolean` | durations from `performance.now()`; `false` if a clock was already chosen or there is no `performance` |
//! | `useManualClock(): boolean` | durations from `setTimeMillis` |
//! | `setTimeMillis(ms: number)` | moves the manual clock (milliseconds from any origin; never backwards) |
//! | `setServiceName(len): boolean` | `service_name` of every series (the input); once per isolate |
//! | `metricsText(): number` | writes Prometheus text 0.0.4 |
//! | `metricsOpenMetrics(): number` | writes OpenMetrics 1.0 text |
//! | `metricsFor(len): number` | writes the `Content-Type` of the format the `Accept` header in the input asks for (empty: none), then the snapshot in it; returns the snapshot's length |
//! | `metricsFrames(): number` | writes postcard+COBS frames (description when due, then values) |
//! | `setFrameBootId(id: number)` | boot id of the frames (say, a random per-isolate number); restarts the frame stream |
//! | `enablePushMetrics()` | exports the push counters at zero |
//! | `recordPush(ok: boolean)` | counts a push and, if not ok, a failure |
//! | `handle(methodLen, pathLen): number` | the demo shop on the method and path in the input: returns the status, writes the body |
//! | `inputBuffer(len): number` | makes room for `len` bytes of input; where to write them (0: no memory) |
//! | `outputPtr(): number`, `outputLen(): number` | where the last output is, and its length |

use crate::buffer::{Buffer, OutOfMemory};
use crate::clock::{HostClock, ManualClock, host_has_performance};
use crate::runtime::Local;
use crate::utf8::str_of;
use crate::{demo, export, push};
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};
use omnimetrics::clock::set_clock;
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::Format;
use wasm_bindgen::prelude::*;

static HOST_CLOCK: HostClock = HostClock::new();
static MANUAL_CLOCK: ManualClock = ManualClock::new();
static NAMED: AtomicBool = AtomicBool::new(false);
// Boot id 0 until `setFrameBootId`.
static FRAMES: Local<FrameEncoder> = Local::new(FrameEncoder::new(0));
static INPUT: Local<Buffer> = Local::new(Buffer::new());
static OUTPUT: Local<Buffer> = Local::new(Buffer::new());

/// What an export that writes output returns when the output did not fit
/// in memory (`0xFFFF_FFFF`: no output is that long on wasm32). The output
/// is then empty, and the module keeps working.
pub const OUT_OF_MEMORY: usize = usize::MAX;

/// Runs `write` on the emptied output buffer; returns how many bytes it
/// wrote, or [`OUT_OF_MEMORY`] (and an empty output).
fn produce(write: impl FnOnce(&mut Buffer) -> Result<(), OutOfMemory>) -> usize {
    OUTPUT.with(|out| {
        out.clear();
        match write(out) {
            Ok(()) => out.as_bytes().len(),
            Err(OutOfMemory) => {
                out.clear();
                OUT_OF_MEMORY
            }
        }
    })
}

/// The first `first` bytes of `input` and the `second` after them, as
/// text; `None` when the input is shorter or not UTF-8 (the adapter always
/// writes UTF-8, from `TextEncoder`; this is for any other caller).
fn two_strs(input: &[u8], first: usize, second: usize) -> Option<(&str, &str)> {
    // One check of both: two strings are UTF-8 when together they are and
    // the first ends where a character does.
    let both = input.get(..first.checked_add(second)?)?;
    str_of(both)?.split_at_checked(first)
}

/// Makes room for `len` bytes of input, which the host writes before its
/// next call; returns where they go, or 0 when there is no memory for
/// them.
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(len: usize) -> *mut u8 {
    INPUT.with(|input| input.zeroed(len).unwrap_or(ptr::null_mut()))
}

/// Where the last output starts in wasm memory. Valid until the next call
/// into the module (which may move or overwrite it).
#[wasm_bindgen(js_name = outputPtr)]
pub fn output_ptr() -> *const u8 {
    OUTPUT.with(|out| out.as_bytes().as_ptr())
}

/// The length in bytes of the last output.
#[wasm_bindgen(js_name = outputLen)]
pub fn output_len() -> usize {
    OUTPUT.with(|out| out.as_bytes().len())
}

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

/// Sets `service_name` for every function to the `len` bytes of input
/// (otherwise the crate's package name). Only the first call counts; it
/// returns `false` afterwards, and for input that is not UTF-8 or does not
/// fit in memory.
#[wasm_bindgen(js_name = setServiceName)]
pub fn set_service_name(len: usize) -> bool {
    if NAMED.load(Ordering::Relaxed) {
        return false;
    }
    // The input buffer's block becomes the name, kept for the life of the
    // isolate (once at most); the next input gets a new one.
    let Some(name) = INPUT.with(|input| input.leak_str(len)) else {
        return false;
    };
    NAMED.store(true, Ordering::Relaxed);
    omnimetrics::set_service_name(name).is_ok()
}

/// Writes the snapshot as Prometheus text 0.0.4; returns its length.
#[wasm_bindgen(js_name = metricsText)]
pub fn metrics_text() -> usize {
    produce(|out| export::text(Format::Prometheus, out))
}

/// Writes the snapshot as OpenMetrics 1.0 text; returns its length.
#[wasm_bindgen(js_name = metricsOpenMetrics)]
pub fn metrics_openmetrics() -> usize {
    produce(|out| export::text(Format::OpenMetrics, out))
}

/// Answers a scrape whose `Accept` header is the `len` bytes of input (none
/// when empty or not UTF-8): writes the `Content-Type` of the format it
/// asks for, then the snapshot in that format; returns the length of the
/// snapshot, which ends the output (the content type is what comes before
/// it). One negotiation for both, so the two always agree.
#[wasm_bindgen(js_name = metricsFor)]
pub fn metrics_for(len: usize) -> usize {
    let format = negotiate_input(len);
    let content_type = format.content_type().as_bytes();
    let total = produce(|out| {
        out.push(content_type)?;
        export::text(format, out)
    });
    if total == OUT_OF_MEMORY {
        return total;
    }
    total.saturating_sub(content_type.len())
}

/// The format the `Accept` header in the `len` bytes of input asks for.
fn negotiate_input(len: usize) -> Format {
    INPUT.with(|input| {
        let accept = input.as_bytes().get(..len).and_then(str_of);
        export::negotiate(accept.filter(|a| !a.is_empty()))
    })
}

/// Writes the next frames of this isolate's frame stream; returns their
/// length.
#[wasm_bindgen(js_name = metricsFrames)]
pub fn metrics_frames() -> usize {
    FRAMES.with(|encoder| {
        // Frames the output could not hold are thrown away, so the
        // encoder goes back to where it was: the next call writes them
        // again with the same sequence numbers, and the host sees no gap.
        let before = encoder.clone();
        let len = produce(|out| export::frames(encoder, out));
        if len == OUT_OF_MEMORY {
            *encoder = before;
        }
        len
    })
}

/// Starts a new frame stream with boot id `id`: the next frames begin with
/// a description, and a decoder sees a restart.
#[wasm_bindgen(js_name = setFrameBootId)]
pub fn set_frame_boot_id(id: u32) {
    FRAMES.with(|encoder| *encoder = FrameEncoder::new(id));
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

/// Runs the demo shop on one request, the method and path in the input
/// (`method_len` bytes, then `path_len`; see [`demo::respond`]): returns
/// the status and writes the body (read it with `outputPtr()` and
/// `outputLen()`). Input that is not UTF-8 is answered with 400.
#[wasm_bindgen]
pub fn handle(method_len: usize, path_len: usize) -> u16 {
    INPUT.with(|input| {
        OUTPUT.with(|out| {
            out.clear();
            // The body is at most `demo::BODY_CAPACITY` bytes: with room for
            // that, it is written whole. Should even that not fit in
            // memory, the status still stands, with an empty body.
            let room = out.reserve(demo::BODY_CAPACITY);
            let status = match two_strs(input.as_bytes(), method_len, path_len) {
                Some((method, path)) => demo::respond(method, path, out),
                None => {
                    let _ = out.push(demo::BAD_INPUT.as_bytes());
                    400
                }
            };
            if room.is_err() {
                out.clear();
            }
            status
        })
    })
}
