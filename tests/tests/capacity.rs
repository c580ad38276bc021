//! Fixed capacities: filling a function's caller table and a labelled family
//! past capacity keeps totals exact, makes the overflow visible in the
//! snapshot, and never panics.

use omnimetrics::metrics::{CounterVec, HistogramVec, LabelErrorKind, OVERFLOW_LABEL};
use omnimetrics::{Buckets, DEFAULT_CALLERS, OVERFLOW_CALLER, Snapshot, autometrics};

#[autometrics]
fn popular(fail: bool) -> Result<(), ()> {
    if fail { Err(()) } else { Ok(()) }
}

// More distinct instrumented callers than the table holds.
macro_rules! callers {
    ($($name:ident),*) => {
        $(
            #[autometrics]
            fn $name(fail: bool) {
                let _ = popular(fail);
            }
        )*
        const CALLERS: &[fn(bool)] = &[$($name),*];
    };
}
callers!(c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12);

#[test]
fn caller_table_overflow_keeps_totals() {
    assert!(CALLERS.len() > DEFAULT_CALLERS);
    let mut expected_err = 0;
    for (i, caller) in CALLERS.iter().enumerate() {
        for k in 0..=i {
            let fail = k % 2 == 1;
            expected_err += u64::from(fail);
            caller(fail);
        }
    }
    let total: u64 = (1..=CALLERS.len() as u64).sum();

    let snap = Snapshot::capture(&omnimetrics::registry());
    let sum = |filter: &[(&str, &str)]| {
        let mut f = vec![("function", "popular")];
        f.extend_from_slice(filter);
        snap.counter_sum("function_calls", &f)
    };
    assert_eq!(sum(&[]), total, "no call lost");
    assert_eq!(sum(&[("result", "error")]), expected_err);
    // The first DEFAULT_CALLERS callers have their own series...
    let named: Vec<_> = snap
        .series("function_calls", &[("function", "popular")])
        .filter_map(|s| s.label("caller_function"))
        .filter(|c| c.starts_with('c'))
        .collect();
    assert_eq!(named.len(), 2 * DEFAULT_CALLERS);
    // ...and the rest are counted, visibly, as overflow.
    let overflow = sum(&[("caller_function", OVERFLOW_CALLER)]);
    let first: u64 = (1..=DEFAULT_CALLERS as u64).sum();
    assert_eq!(overflow, total - first);
}

static ROUTES: CounterVec<2, 4, 16> = CounterVec::new(
    "capacity_routes_total",
    "Hits by route.",
    ["method", "route"],
);

#[test]
fn labelled_family_overflow_keeps_totals() {
    let mut errors = 0;
    for i in 0..10 {
        let route = format!("/r{i}");
        match ROUTES.try_with_label_values(["GET", &route]) {
            Ok(c) => c.inc(),
            Err(e) => {
                assert_eq!(e.kind(), LabelErrorKind::Full { capacity: 4 });
                assert!(e.to_string().contains("capacity_routes"));
                errors += 1;
                e.into_overflow().inc();
            }
        }
    }
    // A value longer than the family stores goes to overflow too.
    let long = "x".repeat(17);
    let err = ROUTES.try_with_label_values(["GET", &long]).unwrap_err();
    assert_eq!(
        err.kind(),
        LabelErrorKind::ValueTooLong { index: 1, max: 16 }
    );
    err.into_overflow().inc();
    // Hostile values are fine: they are escaped by encoders, not rejected.
    ROUTES.with_label_values(["\"}\n", "/r0"]).inc();

    assert_eq!(errors, 6);
    assert_eq!(ROUTES.len(), 4);
    assert_eq!(ROUTES.overflowed(), 8);

    let snap = Snapshot::capture(&omnimetrics::registry());
    assert_eq!(
        snap.counter_sum("capacity_routes", &[]),
        12,
        "no sample lost"
    );
    assert_eq!(
        snap.counter_sum(
            "capacity_routes",
            &[("route", OVERFLOW_LABEL), ("method", OVERFLOW_LABEL)]
        ),
        8
    );
    assert_eq!(snap.family("capacity_routes").unwrap().series.len(), 5);
}

static SIZES: HistogramVec<2, 1, 1> = HistogramVec::new(
    "capacity_sizes",
    "Sizes.",
    ["kind"],
    Buckets::from_integers([10, 100]),
);

#[test]
fn histogram_family_overflow() {
    SIZES.with_label_values(["a"]).observe(5);
    SIZES.with_label_values(["b"]).observe(50);
    SIZES.with_label_values(["c"]).observe(500);
    let snap = Snapshot::capture(&omnimetrics::registry());
    let counts: Vec<u64> = snap
        .histograms("capacity_sizes", &[])
        .map(|h| h.count())
        .collect();
    assert_eq!(counts, [1, 2]);
    let overflow = snap
        .histograms("capacity_sizes", &[("kind", OVERFLOW_LABEL)])
        .next()
        .unwrap();
    assert_eq!(overflow.counts, [0, 1, 1]);
    assert_eq!(overflow.sum, 550);
}

#[autometrics]
fn panics(boom: bool) -> u32 {
    if boom {
        panic!("boom");
    }
    1
}

#[test]
fn a_panic_counts_as_an_error_and_restores_the_caller() {
    assert_eq!(panics(false), 1);
    assert!(std::panic::catch_unwind(|| panics(true)).is_err());
    assert!(omnimetrics::current_function().is_none());
    let snap = Snapshot::capture(&omnimetrics::registry());
    let f = |r| snap.counter_sum("function_calls", &[("function", "panics"), ("result", r)]);
    assert_eq!((f("ok"), f("error")), (1, 1));
}

#[autometrics]
fn never_called() {}

#[test]
#[cfg(target_os = "linux")]
fn functions_are_exported_at_zero_before_their_first_call() {
    let snap = Snapshot::capture(&omnimetrics::registry());
    let series: Vec<_> = snap
        .series("function_calls", &[("function", "never_called")])
        .collect();
    assert_eq!(series.len(), 2, "ok and error, both zero");
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "never_called")]),
        0
    );
    assert_eq!(
        snap.histograms(
            "function_calls_duration_seconds",
            &[("function", "never_called")]
        )
        .count(),
        1
    );
    if false {
        never_called();
    }
}
