//! What the macro wraps around an instrumented call: the hot path.
//!
//! Entry: register on first call, bump the concurrency gauge if asked, put
//! this function in the caller context, read the clock. Exit: read the
//! clock, restore the context, count the result per caller, record the
//! duration. Nothing here hashes, locks or allocates; everything touched
//! besides the clock and the context is this function's own static.
//!
//! A synchronous call is a [`Call`] guard on the stack. An async call is an
//! [`Instrumented`] future that sets the context around every poll of the
//! body (so it survives `.await`, and a task spawned from inside starts with
//! no caller), and hands back an [`AsyncCall`] with the result.

use crate::clock;
use crate::context;
use crate::function::{FunctionDesc, FunctionMetrics, TypedDesc};
use crate::registry::register_function;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr;
use core::task::{Context, Poll};

/// One synchronous instrumented call in progress.
///
/// Dropped without [`finish`](Call::finish) (the body panicked and is
/// unwinding), the call counts as an error.
#[must_use]
#[derive(Debug)]
pub struct Call<const C: usize, const N: usize> {
    desc: &'static TypedDesc<C, N>,
    caller: *const FunctionDesc,
    start: Option<u64>,
}

#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline)]
fn begin<const C: usize, const N: usize>(desc: &'static TypedDesc<C, N>) {
    let metrics = desc.metrics();
    if !metrics.link.is_registered() {
        register_function(desc.desc());
    }
    if desc.tracks_concurrency() {
        metrics.enter_concurrent();
    }
}

#[cfg_attr(target_pointer_width = "64", inline(always))]
#[cfg_attr(not(target_pointer_width = "64"), inline)]
fn end<const C: usize, const N: usize>(
    desc: &'static TypedDesc<C, N>,
    caller: *const FunctionDesc,
    start: Option<u64>,
    is_err: bool,
    label: Option<&'static str>,
) {
    let duration = match start {
        Some(s) => clock::now().map(|e| e.saturating_sub(s)),
        None => None,
    };
    // Also ends the call's concurrency count, on the stripe it looks up
    // anyway.
    FunctionMetrics::record(desc, caller, is_err, label, duration);
}

impl<const C: usize, const N: usize> Call<C, N> {
    /// Starts a call of the function these statics describe.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    pub fn enter(desc: &'static TypedDesc<C, N>) -> Self {
        begin(desc);
        let caller = context::replace(desc.desc());
        Self {
            desc,
            caller,
            start: clock::now(),
        }
    }

    /// Ends the call with its outcome.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    pub fn finish(self, is_err: bool) {
        let this = ManuallyDrop::new(self);
        this.complete(is_err, None);
    }

    /// Ends the call with its outcome and the returned variant's label
    /// (`#[autometrics(result_labels)]`).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    pub fn finish_labelled(self, is_err: bool, label: Option<&'static str>) {
        let this = ManuallyDrop::new(self);
        this.complete(is_err, label);
    }

    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    fn complete(&self, is_err: bool, label: Option<&'static str>) {
        context::replace(self.caller);
        end(self.desc, self.caller, self.start, is_err, label);
    }
}

impl<const C: usize, const N: usize> Drop for Call<C, N> {
    // Runs only while unwinding (`finish` forgets the guard): one shared
    // out-of-line copy per capacity, not one per function.
    #[inline(never)]
    fn drop(&mut self) {
        self.complete(true, None);
    }
}

/// The body of an instrumented `async fn`, run with the caller context set
/// around each poll. Resolves to the body's output and the [`AsyncCall`] to
/// finish with its outcome.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Instrumented<F, const C: usize, const N: usize> {
    inner: F,
    desc: &'static TypedDesc<C, N>,
    state: AsyncState,
}

#[derive(Debug, Clone, Copy)]
enum AsyncState {
    NotStarted,
    Running {
        caller: Option<&'static FunctionDesc>,
        start: Option<u64>,
    },
    Done,
}

/// Forces an async block's output type to the function's declared return
/// type, so the result can be classified after `.await`.
#[inline]
pub fn typed<R, F: Future<Output = R>>(future: F) -> F {
    future
}

impl<F: Future, const C: usize, const N: usize> Instrumented<F, C, N> {
    /// Wraps the body of an instrumented `async fn`.
    #[inline]
    pub fn new(desc: &'static TypedDesc<C, N>, inner: F) -> Self {
        Self {
            inner,
            desc,
            state: AsyncState::NotStarted,
        }
    }
}

/// Puts the saved caller back even if the body's poll panics.
struct Restore(*const FunctionDesc);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        context::replace(self.0);
    }
}

impl<F: Future, const C: usize, const N: usize> Future for Instrumented<F, C, N> {
    type Output = (F::Output, AsyncCall<C, N>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and the other fields are plain data that are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // The poller's context, put back when this poll ends; on the first
        // poll it is also the call's caller.
        let previous = context::replace(this.desc.desc());
        let restore = Restore(previous);
        let (caller, start) = match this.state {
            AsyncState::Running { caller, start } => (caller, start),
            AsyncState::NotStarted => {
                begin(this.desc);
                // SAFETY: the context holds null or `&'static FunctionDesc`.
                let caller = unsafe { previous.as_ref() };
                let start = clock::now();
                this.state = AsyncState::Running { caller, start };
                (caller, start)
            }
            AsyncState::Done => panic!("`Instrumented` polled after completion"),
        };
        // SAFETY: see above; `inner` stays where it is.
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let polled = inner.poll(cx);
        drop(restore);
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(output) => {
                this.state = AsyncState::Done;
                Poll::Ready((
                    output,
                    AsyncCall {
                        desc: this.desc,
                        caller,
                        start,
                    },
                ))
            }
        }
    }
}

impl<F, const C: usize, const N: usize> Drop for Instrumented<F, C, N> {
    fn drop(&mut self) {
        if let AsyncState::Running { caller, start } = self.state {
            // Dropped while running: cancelled, or unwinding from a panic in
            // the body. Only the panic is a result; a cancelled call has
            // none, so it is not counted, but it no longer runs either.
            if panicking() {
                end(self.desc, caller_ptr(caller), start, true, None);
            } else if self.desc.tracks_concurrency() {
                self.desc.metrics().exit_concurrent();
            }
        }
    }
}

#[cfg(feature = "std")]
fn panicking() -> bool {
    std::thread::panicking()
}

#[cfg(not(feature = "std"))]
fn panicking() -> bool {
    false
}

fn caller_ptr(caller: Option<&'static FunctionDesc>) -> *const FunctionDesc {
    caller.map_or(ptr::null(), ptr::from_ref)
}

/// A finished async call waiting for its outcome.
#[must_use]
#[derive(Debug)]
pub struct AsyncCall<const C: usize, const N: usize> {
    desc: &'static TypedDesc<C, N>,
    caller: Option<&'static FunctionDesc>,
    start: Option<u64>,
}

impl<const C: usize, const N: usize> AsyncCall<C, N> {
    /// Records the call with its outcome.
    #[inline]
    pub fn finish(self, is_err: bool) {
        self.finish_labelled(is_err, None);
    }

    /// Records the call with its outcome and the returned variant's label.
    #[inline]
    pub fn finish_labelled(self, is_err: bool, label: Option<&'static str>) {
        let this = ManuallyDrop::new(self);
        let caller = caller_ptr(this.caller);
        end(this.desc, caller, this.start, is_err, label);
    }
}

impl<const C: usize, const N: usize> Drop for AsyncCall<C, N> {
    fn drop(&mut self) {
        let caller = caller_ptr(self.caller);
        end(self.desc, caller, self.start, true, None);
    }
}
