use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile};

const SLO: Objective =
    Objective::new("api").latency(ObjectiveLatency::from_millis(300), ObjectivePercentile::P99);

#[omnimetrics::autometrics(objective = SLO)]
fn f() {}

fn main() {}
