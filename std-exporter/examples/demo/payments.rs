//! A payment gateway with a strict objective (99.9 % of charges succeed)
//! that it does not meet: the dashboard shows an objective in the red.

use crate::chance;
use omnimetrics::{Objective, ObjectivePercentile, autometrics};

/// What the payments team promised.
pub(crate) const PAYMENTS: Objective =
    Objective::new("payments").success_rate(ObjectivePercentile::P99_9);

/// Why a charge failed.
#[derive(Debug)]
pub(crate) struct GatewayTimeout;

impl std::fmt::Display for GatewayTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the payment gateway did not answer")
    }
}

/// Charges `cents`; 2.5 % of charges time out after 150 ms.
#[autometrics(objective = PAYMENTS)]
pub(crate) async fn charge(cents: u64) -> Result<String, GatewayTimeout> {
    if chance::happens(0.025) {
        tokio::time::sleep(chance::millis(150, 160)).await;
        return Err(GatewayTimeout);
    }
    tokio::time::sleep(chance::millis(15, 60)).await;
    Ok(format!("receipt-{}-{cents}", chance::between(1000, 9999)))
}
