//! The firmware's own count of its calls, kept apart from omnimetrics.
//!
//! CI checks the library end to end: it decodes what the firmware sent over
//! the UART and compares every call and error total, per function and per
//! caller, with the counts the firmware made itself. This module is that
//! second count. It is deliberately simple and shares nothing with the
//! library: every call site names the callee and its caller explicitly
//! ([`tally!`]), so a wrong caller attribution in the library shows up as a
//! mismatch, not as two copies of the same mistake.
//!
//! It is compiled into every variant (also the one without omnimetrics), so
//! it cancels out of the size report.

use core::cell::RefCell;
use core::fmt;
use critical_section::Mutex;

/// The 16 functions of the workload, as the `function` label names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `workload::control_cycle`, the root, with an objective.
    ControlCycle,
    /// `workload::sample_sensors`.
    SampleSensors,
    /// `workload::read_sensor`.
    ReadSensor,
    /// `workload::i2c_transfer`.
    I2cTransfer,
    /// `workload::apply_calibration`.
    ApplyCalibration,
    /// `workload::Filter::update`, a method.
    FilterUpdate,
    /// `workload::handle_commands`.
    HandleCommands,
    /// `workload::parse_command`.
    ParseCommand,
    /// `workload::checksum`, called from six places (more than a function's
    /// caller table holds on 32-bit targets).
    Checksum,
    /// `workload::execute_command`.
    ExecuteCommand,
    /// `workload::store_reading`.
    StoreReading,
    /// `workload::erase_page`.
    ErasePage,
    /// `workload::flash_write`.
    FlashWrite,
    /// `workload::build_packet`.
    BuildPacket,
    /// `workload::send_packet`.
    SendPacket,
    /// `workload::feed_watchdog`.
    FeedWatchdog,
}

impl Func {
    /// The `function` label omnimetrics gives it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ControlCycle => "control_cycle",
            Self::SampleSensors => "sample_sensors",
            Self::ReadSensor => "read_sensor",
            Self::I2cTransfer => "i2c_transfer",
            Self::ApplyCalibration => "apply_calibration",
            Self::FilterUpdate => "Filter::update",
            Self::HandleCommands => "handle_commands",
            Self::ParseCommand => "parse_command",
            Self::Checksum => "checksum",
            Self::ExecuteCommand => "execute_command",
            Self::StoreReading => "store_reading",
            Self::ErasePage => "erase_page",
            Self::FlashWrite => "flash_write",
            Self::BuildPacket => "build_packet",
            Self::SendPacket => "send_packet",
            Self::FeedWatchdog => "feed_watchdog",
        }
    }
}

/// The `module` label of every workload function.
pub const MODULE: &str = "firmware_app::workload";

/// Whether a returned value counts as an error, the way omnimetrics
/// classifies it: `Err` is an error, any other type never is.
pub trait Outcome {
    /// `true` for an error.
    fn failed(&self) -> bool;
}

impl<T, E> Outcome for Result<T, E> {
    fn failed(&self) -> bool {
        self.is_err()
    }
}

macro_rules! never_fails {
    ($($t:ty),*) => {
        $(impl Outcome for $t {
            fn failed(&self) -> bool {
                false
            }
        })*
    };
}
never_fails!((), u8, i32);

/// Counts one call of `callee` from `caller` (`None`: from code that is not
/// instrumented) with the outcome of the value it returned.
pub fn record(callee: Func, caller: Option<Func>, failed: bool) {
    critical_section::with(|cs| LEDGER.borrow_ref_mut(cs).record(callee, caller, failed));
}

/// Calls an expression and counts it in the ledger: `tally!(Callee <-
/// Caller, expr)`, or `tally!(Callee, expr)` from uninstrumented code.
macro_rules! tally {
    ($callee:ident <- $caller:ident, $call:expr) => {{
        let value = $call;
        $crate::ledger::record(
            $crate::ledger::Func::$callee,
            Some($crate::ledger::Func::$caller),
            $crate::ledger::Outcome::failed(&value),
        );
        value
    }};
    ($callee:ident, $call:expr) => {{
        let value = $call;
        $crate::ledger::record(
            $crate::ledger::Func::$callee,
            None,
            $crate::ledger::Outcome::failed(&value),
        );
        value
    }};
}
pub(crate) use tally;

/// Distinct (callee, caller) pairs the workload has; more is a bug in it.
const EDGES: usize = 24;

#[derive(Clone, Copy)]
struct Edge {
    callee: Func,
    caller: Option<Func>,
    /// `[ok, error]`.
    counts: [u32; 2],
}

struct Table {
    edges: [Edge; EDGES],
    len: usize,
}

static LEDGER: Mutex<RefCell<Table>> = Mutex::new(RefCell::new(Table {
    edges: [Edge {
        callee: Func::ControlCycle,
        caller: None,
        counts: [0; 2],
    }; EDGES],
    len: 0,
}));

impl Table {
    fn record(&mut self, callee: Func, caller: Option<Func>, failed: bool) {
        let used = &mut self.edges[..self.len];
        let edge = match used
            .iter_mut()
            .position(|e| e.callee == callee && e.caller == caller)
        {
            Some(i) => &mut self.edges[i],
            None => {
                assert!(self.len < EDGES, "ledger: more call edges than EDGES");
                self.edges[self.len] = Edge {
                    callee,
                    caller,
                    counts: [0; 2],
                };
                self.len += 1;
                &mut self.edges[self.len - 1]
            }
        };
        edge.counts[usize::from(failed)] += 1;
    }
}

/// Writes the expected totals, one line per (function, caller):
/// `call function=NAME module=MODULE caller=NAME ok=N error=N` (`caller=`
/// empty for calls from uninstrumented code). `host-check` parses this.
pub fn write_expectations(out: &mut impl fmt::Write) -> fmt::Result {
    critical_section::with(|cs| {
        let table = LEDGER.borrow_ref(cs);
        for e in &table.edges[..table.len] {
            writeln!(
                out,
                "call function={} module={MODULE} caller={} ok={} error={}",
                e.callee.name(),
                e.caller.map_or("", Func::name),
                e.counts[0],
                e.counts[1],
            )?;
        }
        Ok(())
    })
}
