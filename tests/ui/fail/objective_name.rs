use omnimetrics::{Objective, ObjectivePercentile};

const SLO: Objective = Objective::new("my api").success_rate(ObjectivePercentile::P99);

#[omnimetrics::autometrics(objective = SLO)]
fn f() {}

fn main() {}
