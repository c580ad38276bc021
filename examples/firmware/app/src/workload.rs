//! A small sensor node: 16 instrumented functions that call each other and
//! sometimes fail.
//!
//! Nothing here touches hardware: sensors, bus, flash and radio are played
//! by a deterministic pseudo-random generator, so every run makes the same
//! calls and the same failures on both boards. What matters is the shape
//! omnimetrics has to get right on a microcontroller:
//! - nesting three levels deep (`control_cycle` → `sample_sensors` →
//!   `read_sensor` → `i2c_transfer`), so `caller_function` must be the
//!   nearest instrumented caller;
//! - functions returning `Result` that fail now and then, and functions that
//!   cannot fail (always `result="ok"`);
//! - an objective on the root (`CYCLE_SLO`);
//! - a method (`Filter::update`);
//! - `checksum`, called from six functions, two more than a function's
//!   caller table holds on 32-bit targets, so the callers seen last are
//!   counted together under `caller_function="(other)"`;
//! - `erase_page`, slow enough to land in a higher latency bucket.
//!
//! Every call site also counts the call in the [ledger](crate::ledger).
//!
//! With the `instrument` feature every function here is instrumented; with
//! only `metrics`, only `control_cycle` is (the size report's reference
//! point); with neither, none (the firmware without the library).

use crate::ledger::tally;

/// The objective of a control cycle: 99 % succeed, 99 % within 100 ms.
#[cfg(feature = "metrics")]
pub const CYCLE_SLO: omnimetrics::Objective = omnimetrics::Objective::new("sensor-cycle")
    .success_rate(omnimetrics::ObjectivePercentile::P99)
    .latency(
        omnimetrics::ObjectiveLatency::from_millis(100),
        omnimetrics::ObjectivePercentile::P99,
    );

/// The state of the node between cycles.
#[derive(Debug)]
pub struct Node {
    rng: u32,
    /// The current cycle number, from 1.
    pub round: u32,
    filter: Filter,
    stores: u32,
    writes: u32,
    sent: u32,
}

impl Node {
    /// A node whose simulated peripherals follow `seed`.
    pub const fn new(seed: u32) -> Self {
        Self {
            rng: seed,
            round: 0,
            filter: Filter::new(),
            stores: 0,
            writes: 0,
            sent: 0,
        }
    }

    /// Xorshift32: the dice the simulated peripherals roll.
    fn roll(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }

    /// Packets sent successfully so far.
    pub const fn sent(&self) -> u32 {
        self.sent
    }
}

/// Why a control cycle failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CycleError {
    /// A sensor did not answer, even after a retry.
    Sensor,
    /// The radio was busy.
    Link,
}

/// The bus did not acknowledge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nack;

/// A command failed its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadChecksum;

/// A command has an unknown opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOp(pub u8);

/// Writing flash failed to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteFailed;

/// The radio had no free slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

/// One control cycle: sample, filter, serve commands, store now and then,
/// and send a packet.
#[cfg_attr(feature = "metrics", omnimetrics::autometrics(objective = CYCLE_SLO))]
pub fn control_cycle(node: &mut Node) -> Result<(), CycleError> {
    let Ok(raw) = tally!(SampleSensors <- ControlCycle, sample_sensors(node)) else {
        tally!(FeedWatchdog <- ControlCycle, feed_watchdog(node));
        return Err(CycleError::Sensor);
    };
    let smooth = tally!(FilterUpdate <- ControlCycle, node.filter.update(raw));
    tally!(HandleCommands <- ControlCycle, handle_commands(node));
    if node.round.is_multiple_of(4) {
        // A failed write is retried with the next reading; the cycle goes on.
        let _ = tally!(StoreReading <- ControlCycle, store_reading(node, smooth));
    }
    let packet = tally!(BuildPacket <- ControlCycle, build_packet(node.round, smooth));
    let sent = tally!(SendPacket <- ControlCycle, send_packet(node, &packet));
    tally!(FeedWatchdog <- ControlCycle, feed_watchdog(node));
    sent.map_err(|Busy| CycleError::Link)
}

/// Reads both channels and combines them; fails if either does not answer.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn sample_sensors(node: &mut Node) -> Result<i32, Nack> {
    let mut total = 0;
    for channel in [0x48, 0x40] {
        let raw = tally!(ReadSensor <- SampleSensors, read_sensor(node, channel))?;
        total += tally!(ApplyCalibration <- SampleSensors, apply_calibration(raw));
    }
    Ok(total)
}

/// Reads one sensor, retrying once when the bus does not acknowledge.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn read_sensor(node: &mut Node, address: u8) -> Result<u8, Nack> {
    match tally!(I2cTransfer <- ReadSensor, i2c_transfer(node, address)) {
        Ok(v) => Ok(v),
        Err(Nack) => tally!(I2cTransfer <- ReadSensor, i2c_transfer(node, address)),
    }
}

/// One bus transaction, checked with a packet error code.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn i2c_transfer(node: &mut Node, address: u8) -> Result<u8, Nack> {
    let dice = node.roll();
    if dice.is_multiple_of(6) {
        return Err(Nack);
    }
    let value = (dice >> 8) as u8;
    let _pec = tally!(Checksum <- I2cTransfer, checksum(&[address, value]));
    Ok(value)
}

/// Turns a raw reading into centidegrees.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn apply_calibration(raw: u8) -> i32 {
    i32::from(raw) * 50 - 4_000
}

/// An exponential moving average.
#[derive(Debug)]
pub struct Filter {
    state: i32,
}

impl Filter {
    const fn new() -> Self {
        Self { state: 0 }
    }
}

#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
impl Filter {
    /// Adds a reading and returns the smoothed value.
    pub fn update(&mut self, value: i32) -> i32 {
        self.state += (value - self.state) / 4;
        self.state
    }
}

/// Serves the commands that arrived since the last cycle (none, one or two).
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn handle_commands(node: &mut Node) {
    let pending = node.roll() % 3;
    for _ in 0..pending {
        let dice = node.roll();
        let op = (dice & 0x7) as u8;
        let arg = (dice >> 8) as u8;
        let mut frame = [op, arg, 0];
        frame[2] = tally!(Checksum <- HandleCommands, checksum(&frame[..2]));
        if dice.is_multiple_of(5) {
            frame[2] ^= 0x5a; // line noise
        }
        if let Ok(op) = tally!(ParseCommand <- HandleCommands, parse_command(&frame)) {
            let _ = tally!(ExecuteCommand <- HandleCommands, execute_command(op));
        }
    }
}

/// Checks a command frame `[op, arg, checksum]` and returns its opcode.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn parse_command(frame: &[u8; 3]) -> Result<u8, BadChecksum> {
    let sum = tally!(Checksum <- ParseCommand, checksum(&frame[..2]));
    if sum == frame[2] {
        Ok(frame[0])
    } else {
        Err(BadChecksum)
    }
}

/// An 8-bit additive checksum.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0x5au8, |acc, b| acc.rotate_left(1).wrapping_add(*b))
}

/// Runs a command; opcode 7 does not exist.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn execute_command(op: u8) -> Result<(), UnknownOp> {
    if op == 7 { Err(UnknownOp(op)) } else { Ok(()) }
}

/// Appends a reading to the log in flash, erasing a page every 8 stores.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn store_reading(node: &mut Node, value: i32) -> Result<(), WriteFailed> {
    if node.stores.is_multiple_of(8) {
        tally!(ErasePage <- StoreReading, erase_page());
    }
    node.stores += 1;
    let word = value.to_le_bytes();
    let sum = tally!(Checksum <- StoreReading, checksum(&word));
    tally!(FlashWrite <- StoreReading, flash_write(node, word, sum))
}

/// Erases a flash page: slow, so it lands in a higher latency bucket.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn erase_page() {
    spin(3_000_000);
}

/// Writes one word; every seventh write fails to verify.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn flash_write(node: &mut Node, word: [u8; 4], sum: u8) -> Result<(), WriteFailed> {
    node.writes += 1;
    let _ = (word, sum);
    if node.writes.is_multiple_of(7) {
        Err(WriteFailed)
    } else {
        Ok(())
    }
}

/// A radio packet.
#[derive(Clone, Copy, Debug)]
pub struct Packet {
    bytes: [u8; 9],
}

impl crate::ledger::Outcome for Packet {
    fn failed(&self) -> bool {
        false
    }
}

/// Frames a reading for the radio.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn build_packet(round: u32, value: i32) -> Packet {
    let mut bytes = [0; 9];
    bytes[..4].copy_from_slice(&round.to_le_bytes());
    bytes[4..8].copy_from_slice(&value.to_le_bytes());
    bytes[8] = tally!(Checksum <- BuildPacket, checksum(&bytes[..8]));
    Packet { bytes }
}

/// Hands a packet to the radio, which is busy one time in ten.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn send_packet(node: &mut Node, packet: &Packet) -> Result<(), Busy> {
    let sum = tally!(Checksum <- SendPacket, checksum(&packet.bytes[..8]));
    debug_assert_eq!(sum, packet.bytes[8]);
    if node.roll().is_multiple_of(10) {
        return Err(Busy);
    }
    node.sent += 1;
    Ok(())
}

/// Tells the watchdog the firmware is alive.
#[cfg_attr(feature = "instrument", omnimetrics::autometrics)]
pub fn feed_watchdog(node: &mut Node) {
    let _ = core::hint::black_box(node.round);
}

/// Burns time without the compiler removing the loop.
fn spin(iterations: u32) {
    for i in 0..iterations {
        core::hint::black_box(i);
    }
}
