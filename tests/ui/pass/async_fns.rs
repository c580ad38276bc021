//! `async fn`s, with `?`, references and an `impl Trait` return.
use omnimetrics::{autometrics, Snapshot};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[autometrics]
async fn fetch(ok: bool) -> Result<u8, std::fmt::Error> {
    if !ok {
        Err(std::fmt::Error)?;
    }
    Ok(1)
}

#[autometrics]
async fn borrow(s: &str) -> &str {
    s
}

#[autometrics]
async fn nothing() {}

#[autometrics]
pub async fn opaque() -> impl std::fmt::Debug {
    fetch(true).await
}

fn main() {
    assert_eq!(block_on(fetch(true)), Ok(1));
    assert!(block_on(fetch(false)).is_err());
    assert_eq!(block_on(borrow("a")), "a");
    block_on(nothing());
    let _ = block_on(opaque());
    let snap = Snapshot::capture(&omnimetrics::registry());
    assert_eq!(snap.counter_sum("function_calls", &[("function", "fetch"), ("result", "error")]), 1);
    assert_eq!(snap.counter_sum("function_calls", &[("function", "fetch"), ("caller_function", "opaque")]), 1);
}
