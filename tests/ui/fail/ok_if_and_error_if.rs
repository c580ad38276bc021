fn yes(_: &()) -> bool {
    true
}

#[omnimetrics::autometrics(ok_if = yes, error_if = yes)]
fn f() {}

fn main() {}
