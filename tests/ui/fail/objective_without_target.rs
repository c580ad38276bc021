const SLO: omnimetrics::Objective = omnimetrics::Objective::new("api");

#[omnimetrics::autometrics(objective = SLO)]
fn f() {}

fn main() {}
