//! Exemplars: which trace a counted call belonged to.
//!
//! OpenMetrics lets a sample point at a trace (`# {trace_id="..."} 0.012`),
//! so that a latency spike on a dashboard links to a trace of one of the
//! slow calls. The core knows nothing about tracing; a program (or the std
//! exporter, from its `tracing`/OpenTelemetry context) installs a hook with
//! [`set_trace_context_hook`] that tells the current trace, and every
//! instrumented call then keeps the last one it saw.
//!
//! The per-function slot is a small seqlock: a writer that finds another
//! writer busy simply skips (an exemplar is a sample, not a total), readers
//! retry until they read a consistent copy. No lock, no allocation. The
//! slot exists only with the `std` feature; small targets pay nothing.

// Without `std` the module only lends `Recorded` and `hex` to the visit
// code (which then never sees an exemplar); the rest is unused there.
#![cfg_attr(not(feature = "std"), allow(dead_code, unreachable_pub))]

use crate::once::SetOnce;
use portable_atomic::{AtomicU32, AtomicU64, Ordering, fence};

/// The trace a call runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceContext {
    /// W3C trace id (16 bytes), non-zero.
    pub trace_id: u128,
    /// W3C span id (8 bytes); zero when unknown.
    pub span_id: u64,
}

static HOOK: SetOnce<fn() -> Option<TraceContext>> = SetOnce::new();

/// Installs the function asked for the current trace at the end of every
/// instrumented call. Set once, at start-up.
///
// Public with `std` only: the example runs there.
#[cfg_attr(feature = "std", doc = "```")]
#[cfg_attr(not(feature = "std"), doc = "```ignore")]
/// use omnimetrics::exemplar::{TraceContext, set_trace_context_hook};
/// fn current() -> Option<TraceContext> {
///     Some(TraceContext { trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736, span_id: 0x00f067aa0ba902b7 })
/// }
/// set_trace_context_hook(current).unwrap();
/// ```
pub fn set_trace_context_hook(hook: fn() -> Option<TraceContext>) -> Result<(), crate::AlreadySet> {
    HOOK.set(hook).map_err(|_| crate::AlreadySet)
}

#[inline]
pub(crate) fn current() -> Option<TraceContext> {
    HOOK.get()
        .and_then(|hook| hook())
        .filter(|t| t.trace_id != 0)
}

/// What one exemplar slot holds when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub(crate) trace: TraceContext,
    pub(crate) duration_ns: u64,
    /// Address of the caller's description (0 for none) and the result, so
    /// the exemplar can go on the counter series it was counted in.
    pub(crate) caller: usize,
    pub(crate) is_err: bool,
}

/// The last exemplar of one function.
#[derive(Debug)]
pub(crate) struct ExemplarSlot {
    seq: AtomicU32,
    trace_hi: AtomicU64,
    trace_lo: AtomicU64,
    span: AtomicU64,
    duration: AtomicU64,
    caller_and_result: AtomicU64,
}

impl ExemplarSlot {
    pub(crate) const fn new() -> Self {
        Self {
            seq: AtomicU32::new(0),
            trace_hi: AtomicU64::new(0),
            trace_lo: AtomicU64::new(0),
            span: AtomicU64::new(0),
            duration: AtomicU64::new(0),
            caller_and_result: AtomicU64::new(0),
        }
    }

    /// Records `r` unless another thread is recording right now.
    pub(crate) fn record(&self, r: &Recorded) {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq % 2 == 1
            || self
                .seq
                .compare_exchange(
                    seq,
                    seq.wrapping_add(1),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        // Readers that see any of the stores below must also see the odd
        // sequence number (and retry): the release fence orders them after it.
        fence(Ordering::Release);
        self.trace_hi
            .store((r.trace.trace_id >> 64) as u64, Ordering::Relaxed);
        self.trace_lo
            .store(r.trace.trace_id as u64, Ordering::Relaxed);
        self.span.store(r.trace.span_id, Ordering::Relaxed);
        self.duration.store(r.duration_ns, Ordering::Relaxed);
        self.caller_and_result.store(
            ((r.caller as u64) << 1) | u64::from(r.is_err),
            Ordering::Relaxed,
        );
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// A consistent copy, or `None` if nothing was recorded (or writers
    /// kept it busy for every try).
    pub(crate) fn read(&self) -> Option<Recorded> {
        for _ in 0..8 {
            let before = self.seq.load(Ordering::Acquire);
            if before == 0 {
                return None;
            }
            if before % 2 == 1 {
                core::hint::spin_loop();
                continue;
            }
            let hi = self.trace_hi.load(Ordering::Relaxed);
            let lo = self.trace_lo.load(Ordering::Relaxed);
            let span = self.span.load(Ordering::Relaxed);
            let duration_ns = self.duration.load(Ordering::Relaxed);
            let cr = self.caller_and_result.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == before {
                return Some(Recorded {
                    trace: TraceContext {
                        trace_id: (u128::from(hi) << 64) | u128::from(lo),
                        span_id: span,
                    },
                    duration_ns,
                    caller: (cr >> 1) as usize,
                    is_err: cr & 1 == 1,
                });
            }
        }
        None
    }
}

/// Lower-case hex of the low `N / 2` bytes of `v`, into `buf`.
pub(crate) fn hex<const N: usize>(v: u128, buf: &mut [u8; N]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in buf.iter_mut().enumerate() {
        let shift = 4 * (N - 1 - i);
        *b = DIGITS[((v >> shift) & 0xf) as usize];
    }
    core::str::from_utf8(buf).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_round_trip() {
        let slot = ExemplarSlot::new();
        assert_eq!(slot.read(), None);
        let r = Recorded {
            trace: TraceContext {
                trace_id: u128::MAX - 5,
                span_id: 9,
            },
            duration_ns: 12,
            caller: 0x1000,
            is_err: true,
        };
        slot.record(&r);
        assert_eq!(slot.read(), Some(r));
    }

    #[test]
    fn hex_is_fixed_width() {
        let mut b32 = [0u8; 32];
        assert_eq!(
            hex(0x4bf92f3577b34da6a3ce929d0e0e4736, &mut b32),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        let mut b16 = [0u8; 16];
        assert_eq!(hex(0xf067aa0ba902b7, &mut b16), "00f067aa0ba902b7");
    }
}
