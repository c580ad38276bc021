//! Every form of plain function the attribute accepts.
use omnimetrics::{autometrics, Snapshot};

#[autometrics]
fn unit() {}

#[autometrics]
pub fn returns_result(x: u8) -> Result<u8, String> {
    let y = x.checked_mul(2).ok_or_else(|| "overflow".to_string())?;
    if y > 100 {
        return Err("too big".into());
    }
    Ok(y)
}

#[autometrics]
fn io_style(path: &str) -> std::io::Result<usize> {
    Ok(path.len())
}

#[autometrics]
fn elided_lifetime(s: &str) -> &str {
    s.trim()
}

#[autometrics]
fn named_lifetime<'a, T: AsRef<str> + ?Sized>(s: &'a T) -> &'a str {
    s.as_ref()
}

#[autometrics]
fn generic<T: Clone + Default>(v: &[T]) -> T {
    v.first().cloned().unwrap_or_default()
}

#[autometrics]
fn impl_trait_return(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

#[autometrics]
fn impl_trait_arg(it: impl IntoIterator<Item = u32>) -> u32 {
    it.into_iter().sum()
}

#[autometrics]
fn mut_args(mut v: Vec<u8>, (a, b): (u8, u8)) -> Vec<u8> {
    v.push(a);
    v.push(b);
    v
}

#[autometrics]
fn recursive(n: u32) -> u32 {
    if n == 0 { 0 } else { 1 + recursive(n - 1) }
}

#[autometrics]
unsafe fn unsafe_fn(p: *const u8) -> u8 {
    // SAFETY: callers pass a valid pointer.
    unsafe { *p }
}

#[autometrics]
fn r#match() -> bool {
    true
}

fn main() {
    unit();
    assert_eq!(returns_result(2), Ok(4));
    assert!(returns_result(60).is_err());
    assert!(returns_result(200).is_err());
    assert_eq!(io_style("abc").unwrap(), 3);
    assert_eq!(elided_lifetime(" x "), "x");
    assert_eq!(named_lifetime("y"), "y");
    assert_eq!(generic(&[3u8]), 3);
    assert_eq!(impl_trait_return(3).count(), 3);
    assert_eq!(impl_trait_arg([1, 2]), 3);
    assert_eq!(mut_args(vec![], (1, 2)), [1, 2]);
    assert_eq!(recursive(3), 3);
    let b = 9u8;
    // SAFETY: a valid pointer.
    assert_eq!(unsafe { unsafe_fn(&b) }, 9);
    assert!(r#match());

    let snap = Snapshot::capture(&omnimetrics::registry());
    let c = |f: &str, r: &str| snap.counter_sum("function_calls", &[("function", f), ("result", r)]);
    assert_eq!(c("returns_result", "error"), 2);
    assert_eq!(c("recursive", "ok"), 4);
    assert_eq!(snap.counter_sum("function_calls", &[("function", "recursive"), ("caller_function", "recursive")]), 3);
    assert_eq!(c("match", "ok"), 1);
}
