//! The application and the exports on the host: the same code the `.wasm`
//! runs, minus the JS boundary (covered by `wasm_tests` under node). One
//! test, because the registry is global and the tests of a crate share it;
//! the only other test calling an instrumented function (`parse_number`)
//! does so without a caller, which the counts below filter out.

use crate::buffer::Buffer;
use crate::{demo, export, push};
use omnimetrics::Snapshot;
use omnimetrics_sinks::frame::FrameEncoder;
use omnimetrics_sinks::text::Format;
use std::string::String;
use std::string::ToString;

/// The live registry in `format`, written to the module's output buffer.
fn text_of(format: Format) -> String {
    let mut out = Buffer::new();
    export::text(format, &mut out).unwrap();
    String::from_utf8(out.as_bytes().to_vec()).unwrap()
}

fn calls(snap: &Snapshot, filter: &[(&str, &str)]) -> u64 {
    snap.counter_sum("function_calls", filter)
}

#[test]
fn routes_counts_callers_and_exports() {
    let requests = [
        ("GET", "/", 200),
        ("GET", "/items/1", 200),
        ("GET", "/items/2?x=y", 200),
        ("GET", "/items/9", 404),
        ("GET", "/items/abc", 400),
        ("POST", "/checkout/1/2", 200),
        ("POST", "/checkout/2/3", 409),
        ("POST", "/checkout/7/1", 404),
        ("GET", "/checkout/1/1", 405),
        ("GET", "/nope", 404),
    ];
    for (method, path, status) in requests {
        let mut body = Buffer::new();
        let got = demo::respond(method, path, &mut body);
        let body = String::from_utf8_lossy(body.as_bytes());
        assert_eq!(got, status, "{method} {path}: {body}");
        if status == 400 {
            assert_eq!(body, "ids and quantities are positive whole numbers\n");
        }
    }
    let mut body = Buffer::new();
    assert_eq!(demo::handle("POST", "/checkout/3/4", &mut body), Ok(()));
    assert_eq!(body.as_bytes(), b"ordered 4 x cup: 2400 cents\n");

    let snap = Snapshot::capture(&omnimetrics::registry());
    let f = |name| ("function", name);
    assert_eq!(calls(&snap, &[f("handle")]), 11);
    assert_eq!(calls(&snap, &[f("handle"), ("result", "error")]), 6);
    assert_eq!(calls(&snap, &[f("handle"), ("error", "NotFound")]), 2);
    assert_eq!(calls(&snap, &[f("handle"), ("objective_name", "api")]), 11);
    // get_item: 4 from the item routes, 4 from checkouts (the 405 never gets there).
    assert_eq!(
        calls(&snap, &[f("get_item"), ("caller_function", "handle")]),
        4
    );
    assert_eq!(
        calls(&snap, &[f("get_item"), ("caller_function", "checkout")]),
        4
    );
    assert_eq!(
        calls(
            &snap,
            &[f("get_item"), ("result", "error"), ("error", "NotFound")]
        ),
        2
    );
    // parse_number: once per get_item, once per checkout quantity (3 get
    // that far). Other unit tests call it without a caller, in parallel.
    assert_eq!(
        calls(&snap, &[f("parse_number"), ("caller_function", "get_item")]),
        8
    );
    assert_eq!(
        calls(&snap, &[f("parse_number"), ("caller_function", "checkout")]),
        3
    );
    assert_eq!(
        calls(
            &snap,
            &[
                f("reserve"),
                ("result", "error"),
                ("caller_function", "checkout")
            ]
        ),
        1
    );

    push::register();
    push::record(true);
    push::record(false);
    let text = text_of(Format::Prometheus);
    assert!(
        text.contains("omnimetrics_push_failures_total 1\n"),
        "{text}"
    );
    assert!(text.contains("omnimetrics_pushes_total 2\n"), "{text}");
    assert!(
        text.contains("function_calls_total{function=\"handle\""),
        "{text}"
    );
    let om = text_of(Format::OpenMetrics);
    assert!(om.ends_with("# EOF\n") && om.contains("# TYPE function_calls counter\n"));
    assert_eq!(export::negotiate(None), Format::Prometheus);

    // Through the module's own output buffer, as on wasm.
    let mut encoder = FrameEncoder::new(7);
    let mut out = Buffer::new();
    export::frames(&mut encoder, &mut out).unwrap();
    let frames = out.as_bytes().to_vec();
    assert_eq!(frames.last(), Some(&0));
    // Description + values first, then values only.
    assert_eq!(frames.iter().filter(|&&b| b == 0).count(), 2);
    out.clear();
    export::frames(&mut encoder, &mut out).unwrap();
    let again = out.as_bytes();
    assert_eq!(again.iter().filter(|&&b| b == 0).count(), 1);
    assert!(again.len() < frames.len(), "{}", again.len().to_string());
}
