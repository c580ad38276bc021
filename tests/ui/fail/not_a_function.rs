#[omnimetrics::autometrics]
struct S;

fn main() {}
