#[omnimetrics::autometrics(track_concurrent)]
fn f() {}

fn main() {}
