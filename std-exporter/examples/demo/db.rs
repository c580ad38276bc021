//! A database-like function: usually fast, sometimes slow, sometimes
//! failing, and now and then under pressure for a few seconds (an
//! "incident"), so the charts have something to show.

use crate::chance;
use omnimetrics::{ResultLabel, autometrics};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What a query returns: here, just how many rows it "read".
#[derive(Debug)]
pub(crate) struct Rows(pub(crate) u64);

/// How a query fails. The variant's name becomes the `error` label of its
/// series (`result_labels`), e.g. `error="Timeout"`.
#[derive(Debug, ResultLabel)]
pub(crate) enum DbError {
    /// The query waited too long for a connection.
    Timeout,
    /// Two transactions wanted the same rows.
    Deadlock,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DbError::Timeout => "database timeout",
            DbError::Deadlock => "database deadlock",
        })
    }
}

/// Every `PERIOD`, the database is under pressure for `INCIDENT`: queries
/// are twice as slow and fail more often.
const PERIOD: Duration = Duration::from_secs(90);
const INCIDENT: Duration = Duration::from_secs(10);
/// The first incident starts this long after the demo.
const FIRST_INCIDENT: Duration = Duration::from_secs(45);

fn under_pressure() -> bool {
    static START: OnceLock<Instant> = OnceLock::new();
    let elapsed = START.get_or_init(Instant::now).elapsed();
    let Some(since_first) = elapsed.checked_sub(FIRST_INCIDENT) else {
        return false;
    };
    since_first.as_millis() % PERIOD.as_millis() < INCIDENT.as_millis()
}

/// Runs `sql` against the "database".
#[autometrics(track_concurrency, result_labels)]
pub(crate) async fn query(sql: &'static str) -> Result<Rows, DbError> {
    let pressure = under_pressure();
    let slow_down = if pressure { 2 } else { 1 };
    let roll = chance::unit();
    let fail_share = if pressure { 0.10 } else { 0.04 };
    let (wait, outcome) = if roll < fail_share * 0.75 {
        (chance::millis(120, 200), Err(DbError::Timeout))
    } else if roll < fail_share {
        (chance::millis(2, 8), Err(DbError::Deadlock))
    } else if roll < fail_share + 0.07 {
        (chance::millis(40, 180), Ok(()))
    } else if roll < fail_share + 0.075 {
        (chance::millis(300, 700), Ok(()))
    } else {
        (chance::millis(1, 6), Ok(()))
    };
    tokio::time::sleep(wait * slow_down).await;
    outcome.map(|()| Rows(sql.len() as u64 % 7 + 1))
}
