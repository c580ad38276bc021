#[omnimetrics::autometrics]
const fn f() -> u8 {
    1
}

fn main() {}
