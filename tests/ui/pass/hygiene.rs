//! The expansion does not care what the user's names shadow.
#![allow(dead_code, non_camel_case_types, non_snake_case, clippy::all)]
#![forbid(unsafe_code)]

use omnimetrics::autometrics;

type Result<T> = std::result::Result<T, std::string::String>;
struct Option;
struct Some;
struct None;
fn Ok() {}
fn Err() {}
mod core {}
mod std_shadow {
    pub struct Vec;
}
use std_shadow::Vec;
struct Box;
struct String;
const __OMNIMETRICS_BOUNDS: u8 = 0;

#[autometrics]
fn uses_alias(fail: bool) -> Result<u8> {
    if fail { std::result::Result::Err("no".into()) } else { std::result::Result::Ok(1) }
}

#[autometrics]
async fn async_alias() -> Result<()> {
    std::result::Result::Ok(())
}

fn main() {
    let __omnimetrics_call = 5;
    let _ = uses_alias(false);
    let _ = uses_alias(true);
    let _ = async_alias();
    assert_eq!(__omnimetrics_call, 5);
    let snap = omnimetrics::Snapshot::capture(&omnimetrics::registry());
    assert_eq!(
        snap.counter_sum("function_calls", &[("function", "uses_alias"), ("result", "error")]),
        1
    );
}
