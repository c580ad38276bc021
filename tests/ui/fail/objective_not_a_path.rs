#[omnimetrics::autometrics(objective = "api")]
fn f() {}

fn main() {}
