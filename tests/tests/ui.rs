//! `trybuild` UI tests of `#[autometrics]`: every accepted form compiles and
//! runs (`ui/pass`), and mistakes give clear errors at the user's span
//! (`ui/fail`, expected output in the `.stderr` files beside them).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
