// A type error in the user's body points at the user's line.
#[omnimetrics::autometrics]
fn f() -> u8 {
    let x: u8 = "not a number";
    x
}

fn main() {}
