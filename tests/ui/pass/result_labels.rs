//! `result_labels`: the returned variant's name becomes the `ok`/`error` label.
use omnimetrics::{autometrics, ResultLabel, Snapshot};

#[derive(Debug, ResultLabel)]
enum ApiError {
    NotFound,
    #[result_label = "bad_input"]
    Invalid(String),
    #[result_label(skip)]
    Internal { code: u16 },
}

#[derive(Debug, ResultLabel)]
enum Found {
    Cached,
    Fresh,
}

#[autometrics(result_labels)]
fn get(key: u8) -> Result<Found, ApiError> {
    match key {
        0 => Err(ApiError::NotFound),
        1 => Err(ApiError::Invalid("key".into())),
        2 => Err(ApiError::Internal { code: 500 }),
        3 => Ok(Found::Cached),
        _ => Ok(Found::Fresh),
    }
}

#[autometrics(result_labels)]
async fn unlabelled_ok(fail: bool) -> Result<(), ApiError> {
    if fail { Err(ApiError::NotFound) } else { Ok(()) }
}

#[autometrics(result_labels)]
fn status() -> Found {
    Found::Fresh
}

fn main() {
    for key in [0, 0, 1, 2, 3, 4, 4] {
        let _ = get(key);
    }
    let _ = unlabelled_ok(false);
    status();
    let snap = Snapshot::capture(&omnimetrics::registry());
    let c = |f: &[(&str, &str)]| snap.counter_sum("function_calls", f);
    assert_eq!(c(&[("function", "get"), ("error", "NotFound")]), 2);
    assert_eq!(c(&[("function", "get"), ("error", "bad_input")]), 1);
    assert_eq!(c(&[("function", "get"), ("ok", "Cached")]), 1);
    assert_eq!(c(&[("function", "get"), ("ok", "Fresh"), ("result", "ok")]), 2);
    // The skipped variant is counted without a label; totals stay exact.
    assert_eq!(c(&[("function", "get"), ("result", "error")]), 4);
    assert_eq!(c(&[("function", "get")]), 7);
    assert_eq!(c(&[("function", "status"), ("ok", "Fresh")]), 1);
}
