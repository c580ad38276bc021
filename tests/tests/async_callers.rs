//! The caller label in async code: it survives `.await` points (even when
//! the task resumes on another worker thread), follows nesting, is right
//! for futures interleaved by `join!`, and does not leak into a task
//! spawned from inside an instrumented function.

use omnimetrics::{Snapshot, autometrics};
use std::time::Duration;

#[autometrics]
async fn leaf(fail: bool) -> Result<(), String> {
    tokio::task::yield_now().await;
    if fail {
        Err("leaf failed".into())
    } else {
        Ok(())
    }
}

#[autometrics]
fn sync_helper() -> u32 {
    7
}

#[autometrics]
async fn middle() -> Result<u32, String> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    leaf(false).await?;
    // A sync instrumented call after an await still sees `middle`.
    let v = sync_helper();
    tokio::task::yield_now().await;
    let _ = leaf(true).await;
    Ok(v)
}

#[autometrics]
async fn spawned_job() {
    tokio::task::yield_now().await;
}

#[autometrics]
async fn interleaved_a() {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
}

#[autometrics]
async fn interleaved_b() {
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[autometrics]
async fn outer() -> u32 {
    let v = middle().await.unwrap();
    tokio::join!(interleaved_a(), interleaved_b());
    let handle = tokio::spawn(spawned_job());
    handle.await.unwrap();
    v
}

fn calls(snap: &Snapshot, function: &str, caller: &str) -> u64 {
    snap.counter_sum(
        "function_calls",
        &[("function", function), ("caller_function", caller)],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caller_survives_await_and_does_not_leak() {
    for _ in 0..20 {
        assert_eq!(outer().await, 7);
    }
    // Outside any instrumented function, there is no current function.
    assert!(omnimetrics::current_function().is_none());

    let snap = Snapshot::capture(&omnimetrics::registry());
    assert_eq!(calls(&snap, "outer", ""), 20);
    assert_eq!(calls(&snap, "middle", "outer"), 20);
    assert_eq!(calls(&snap, "leaf", "middle"), 40);
    assert_eq!(
        snap.counter_sum(
            "function_calls",
            &[("function", "leaf"), ("result", "error")]
        ),
        20
    );
    assert_eq!(calls(&snap, "sync_helper", "middle"), 20);
    assert_eq!(calls(&snap, "interleaved_a", "outer"), 20);
    assert_eq!(calls(&snap, "interleaved_b", "outer"), 20);
    // Spawned from inside `outer`, but runs as its own task: no caller.
    assert_eq!(calls(&snap, "spawned_job", ""), 20);
    assert_eq!(calls(&snap, "spawned_job", "outer"), 0);
    // Every leaf call counted exactly once, all with the right caller.
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "leaf")]),
        40
    );
    // `caller_module` names the caller's module too.
    let module = module_path!();
    assert_eq!(
        snap.counter_sum(
            "function_calls",
            &[("function", "middle"), ("caller_module", module)]
        ),
        20
    );
    // Durations are measured across awaits: `middle` sleeps 2 ms each time.
    let h = snap
        .histograms("function_calls_duration_seconds", &[("function", "middle")])
        .next()
        .unwrap();
    assert_eq!(h.count(), 20);
    assert!(h.sum >= 20 * 2_000_000, "sum {} ns", h.sum);
}

#[autometrics]
async fn cancelled() {
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[tokio::test]
async fn cancelled_calls_are_not_counted_and_restore_the_context() {
    let r = tokio::time::timeout(Duration::from_millis(5), cancelled()).await;
    assert!(r.is_err());
    assert!(omnimetrics::current_function().is_none());
    let snap = Snapshot::capture(&omnimetrics::registry());
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "cancelled")]),
        0
    );
}
