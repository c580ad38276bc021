//! Process metrics (CPU, memory, file descriptors, threads, start time).
//!
//! Every Prometheus client library exports these under the same names, and
//! the standard dashboards and alerts (a restart shows as a new
//! `process_start_time_seconds`, a leak as a growing
//! `process_resident_memory_bytes`) expect them. They describe the process,
//! not instrumented functions, so they are not omnimetrics user metrics:
//! [`ProcessMetrics`] is a separate [`Source`] that is read from `/proc` at
//! each scrape and visited after the registry (see [`Chain`](crate::Chain)).
//!
//! On systems other than Linux nothing is exported.
//!
//! # Resolution
//!
//! `process_cpu_seconds_total` is exact to the kernel's tick (a hundredth of
//! a second, usually), exported as nanoseconds with nine decimal places.
//! `process_start_time_seconds` is in whole seconds: the kernel's boot time,
//! which it is counted from, has no finer resolution.

use omnimetrics::visit::{FamilyDesc, MetricKind, Series, SeriesValue, Source, Visitor};
use std::time::Duration;

/// What `/proc` says about this process now. Each value is `None` when it
/// could not be read (another operating system, a restricted `/proc`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessStats {
    /// User plus system CPU time.
    pub cpu_time: Option<Duration>,
    /// Resident set size, in bytes.
    pub resident_memory_bytes: Option<u64>,
    /// Virtual memory size, in bytes.
    pub virtual_memory_bytes: Option<u64>,
    /// Open file descriptors.
    pub open_fds: Option<u64>,
    /// The soft limit on open file descriptors (`None` when unlimited).
    pub max_fds: Option<u64>,
    /// When the process started, in whole seconds since the Unix epoch.
    pub start_time_seconds: Option<u64>,
    /// Threads of the process.
    pub threads: Option<u64>,
}

impl ProcessStats {
    /// Reads the current values.
    pub fn read() -> Self {
        #[cfg(target_os = "linux")]
        {
            linux::read()
        }
        #[cfg(not(target_os = "linux"))]
        {
            Self::default()
        }
    }
}

/// The process metrics, as a [`Source`] that reads `/proc` when visited.
///
/// ```
/// use omnimetrics::Snapshot;
/// use omnimetrics_exporter::ProcessMetrics;
///
/// let snap = Snapshot::capture(&ProcessMetrics);
/// if cfg!(target_os = "linux") {
///     assert!(snap.family("process_resident_memory_bytes").is_some());
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessMetrics;

/// One family: name (counters without `_total`), help, kind, unit.
type Desc = (&'static str, &'static str, MetricKind, Option<&'static str>);

const CPU: Desc = (
    "process_cpu_seconds",
    "Total user and system CPU time spent in seconds.",
    MetricKind::Counter,
    Some("seconds"),
);
const RESIDENT: Desc = (
    "process_resident_memory_bytes",
    "Resident memory size in bytes.",
    MetricKind::Gauge,
    Some("bytes"),
);
const VIRTUAL: Desc = (
    "process_virtual_memory_bytes",
    "Virtual memory size in bytes.",
    MetricKind::Gauge,
    Some("bytes"),
);
const OPEN_FDS: Desc = (
    "process_open_fds",
    "Number of open file descriptors.",
    MetricKind::Gauge,
    None,
);
const MAX_FDS: Desc = (
    "process_max_fds",
    "Maximum number of open file descriptors.",
    MetricKind::Gauge,
    None,
);
const START: Desc = (
    "process_start_time_seconds",
    "Start time of the process since unix epoch in seconds.",
    MetricKind::Gauge,
    Some("seconds"),
);
const THREADS: Desc = (
    "process_threads",
    "Number of OS threads in the process.",
    MetricKind::Gauge,
    None,
);

impl Source for ProcessMetrics {
    /// The families above are constants of the grammar, without labels.
    const VALID_NAMES: bool = true;
    /// Process statistics have no trace context.
    const EXEMPLARS: bool = false;

    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let stats = ProcessStats::read();
        let cpu_nanos = stats
            .cpu_time
            .map(|t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX));
        let families = [
            (CPU, cpu_nanos),
            (RESIDENT, stats.resident_memory_bytes),
            (VIRTUAL, stats.virtual_memory_bytes),
            (OPEN_FDS, stats.open_fds),
            (MAX_FDS, stats.max_fds),
            (START, stats.start_time_seconds),
            (THREADS, stats.threads),
        ];
        for ((name, help, kind, unit), value) in families {
            let Some(value) = value else { continue };
            v.family(&FamilyDesc {
                name,
                help,
                kind,
                unit,
            })?;
            let value = match kind {
                // The only counter is the CPU time, in nanoseconds.
                MetricKind::Counter => SeriesValue::ScaledCounter { value, scale: 9 },
                _ => SeriesValue::Gauge(i64::try_from(value).unwrap_or(i64::MAX)),
            };
            v.series(&Series {
                labels: &[],
                value,
                exemplar: None,
            })?;
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod linux {
    //! The `/proc` files behind [`ProcessStats`](super::ProcessStats).

    use super::ProcessStats;
    use std::fs;
    use std::sync::OnceLock;
    use std::time::Duration;

    pub(super) fn read() -> ProcessStats {
        let ticks = sysconf(libc::_SC_CLK_TCK);
        let page = sysconf(libc::_SC_PAGESIZE);
        let stat = fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| Stat::parse(&s));
        let boot = boot_time_once();
        let stat = stat.as_ref();
        ProcessStats {
            cpu_time: stat
                .zip(ticks)
                .map(|(s, t)| ticks_to_duration(s.utime.saturating_add(s.stime), t)),
            resident_memory_bytes: stat.zip(page).map(|(s, p)| s.rss_pages.saturating_mul(p)),
            virtual_memory_bytes: stat.map(|s| s.vsize),
            open_fds: fs::read_dir("/proc/self/fd")
                .ok()
                .map(|dir| dir.filter(Result::is_ok).count() as u64),
            max_fds: fs::read_to_string("/proc/self/limits")
                .ok()
                .and_then(|s| max_open_files(&s)),
            start_time_seconds: stat
                .zip(ticks)
                .zip(boot)
                .map(|((s, t), boot)| boot.saturating_add(s.starttime / t)),
            threads: stat.map(|s| s.threads),
        }
    }

    fn sysconf(name: libc::c_int) -> Option<u64> {
        // SAFETY: sysconf has no preconditions; it returns -1 for unknown names.
        let value = unsafe { libc::sysconf(name) };
        u64::try_from(value).ok().filter(|&v| v > 0)
    }

    fn ticks_to_duration(ticks: u64, per_second: u64) -> Duration {
        let secs = ticks / per_second;
        let rest = ticks % per_second;
        // rest < per_second, so rest * 1e9 / per_second < 1e9 and fits.
        let nanos = u32::try_from(rest.saturating_mul(1_000_000_000) / per_second).unwrap_or(0);
        Duration::new(secs, nanos)
    }

    /// The fields of `/proc/self/stat` that are exported.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Stat {
        pub(super) utime: u64,
        pub(super) stime: u64,
        pub(super) threads: u64,
        pub(super) starttime: u64,
        pub(super) vsize: u64,
        pub(super) rss_pages: u64,
    }

    impl Stat {
        /// Parses `pid (comm) state ppid ...`; `comm` may hold spaces and
        /// parentheses, so fields are counted after the last `)`.
        pub(super) fn parse(text: &str) -> Option<Self> {
            let rest = &text[text.rfind(')')? + 1..];
            // Field 3 (state) is index 0 here: field n is index n - 3.
            let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
            let num = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
            Some(Self {
                utime: num(14)?,
                stime: num(15)?,
                threads: num(20)?,
                starttime: num(22)?,
                vsize: num(23)?,
                // rss is signed in the kernel's format; negative never happens.
                rss_pages: num(24)?,
            })
        }
    }

    /// The boot time, read from `/proc/stat` by the first scrape that can.
    ///
    /// It does not change while the process runs, and `/proc/stat` is long
    /// (a line per CPU and per interrupt), so it is not read at every
    /// scrape; keeping it also keeps `process_start_time_seconds` steady
    /// when the clock is adjusted. A failed read is not kept: that scrape
    /// has no start time, as before, and the next one tries again.
    fn boot_time_once() -> Option<u64> {
        static BOOT_TIME: OnceLock<u64> = OnceLock::new();
        read_once(&BOOT_TIME, || {
            fs::read_to_string("/proc/stat")
                .ok()
                .and_then(|s| boot_time(&s))
        })
    }

    /// The value in `cell`, else what `read` returns, kept in `cell` if it
    /// is one.
    pub(super) fn read_once(
        cell: &OnceLock<u64>,
        read: impl FnOnce() -> Option<u64>,
    ) -> Option<u64> {
        if let Some(&value) = cell.get() {
            return Some(value);
        }
        // Two first scrapes at once may both read; both find the same value.
        let value = read()?;
        Some(*cell.get_or_init(|| value))
    }

    /// `btime` of `/proc/stat`: boot time, seconds since the epoch.
    pub(super) fn boot_time(text: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
    }

    /// The soft limit of the `Max open files` row of `/proc/self/limits`.
    pub(super) fn max_open_files(text: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix("Max open files"))
            .and_then(|rest| rest.split_ascii_whitespace().next())
            .and_then(|soft| soft.parse().ok())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn stat_with_a_hostile_command_name() {
            let text = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1 0 0 0 \
                        250 130 0 0 20 0 7 0 123456 987654321 2048 18446744073709551615 \
                        1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
            let s = Stat::parse(text).unwrap();
            assert_eq!(
                s,
                Stat {
                    utime: 250,
                    stime: 130,
                    threads: 7,
                    starttime: 123456,
                    vsize: 987654321,
                    rss_pages: 2048,
                }
            );
            assert_eq!(Stat::parse("garbage"), None);
            assert_eq!(Stat::parse("1 (x) S 1 2"), None);
            assert_eq!(Stat::parse(""), None);
        }

        #[test]
        fn limits_and_boot_time() {
            let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                          Max processes             63510                63510                processes\n\
                          Max open files            1024                 524288               files\n";
            assert_eq!(max_open_files(limits), Some(1024));
            assert_eq!(
                max_open_files(
                    "Max open files            unlimited            unlimited     files"
                ),
                None
            );
            assert_eq!(
                boot_time("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"),
                Some(1_700_000_000)
            );
            assert_eq!(boot_time("cpu 1\n"), None);
        }

        #[test]
        fn boot_time_is_read_until_it_is_known_then_kept() {
            let cell = OnceLock::new();
            let reads = std::cell::Cell::new(0);
            let read = |value| {
                reads.set(reads.get() + 1);
                value
            };
            assert_eq!(read_once(&cell, || read(None)), None);
            assert_eq!(
                read_once(&cell, || read(Some(1_700_000_000))),
                Some(1_700_000_000)
            );
            assert_eq!(read_once(&cell, || read(Some(42))), Some(1_700_000_000));
            assert_eq!(reads.get(), 2, "a known value is not read again");
        }

        #[test]
        fn ticks() {
            assert_eq!(ticks_to_duration(380, 100), Duration::from_millis(3800));
            assert_eq!(ticks_to_duration(1, 3), Duration::new(0, 333_333_333));
        }

        #[test]
        fn reads_this_process() {
            let s = super::super::ProcessStats::read();
            assert!(s.resident_memory_bytes.unwrap() > 1 << 20);
            assert!(s.virtual_memory_bytes.unwrap() >= s.resident_memory_bytes.unwrap());
            assert!(s.open_fds.unwrap() >= 3);
            assert!(s.max_fds.unwrap() >= s.open_fds.unwrap());
            assert!(s.threads.unwrap() >= 1);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let start = s.start_time_seconds.unwrap();
            assert!(start <= now && start + 3600 > now, "{start} vs {now}");
            assert!(s.cpu_time.is_some());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnimetrics::{Snapshot, ValueSnapshot};

    #[test]
    #[cfg(target_os = "linux")]
    fn exports_the_seven_standard_families() {
        let snap = Snapshot::capture(&ProcessMetrics);
        let names: Vec<&str> = snap.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "process_cpu_seconds",
                "process_resident_memory_bytes",
                "process_virtual_memory_bytes",
                "process_open_fds",
                "process_max_fds",
                "process_start_time_seconds",
                "process_threads",
            ]
        );
        let cpu = snap.family("process_cpu_seconds").unwrap();
        assert_eq!(cpu.kind, MetricKind::Counter);
        assert!(matches!(
            cpu.series[0].value,
            ValueSnapshot::ScaledCounter { scale: 9, .. }
        ));
        for f in &snap.families[1..] {
            assert_eq!(f.kind, MetricKind::Gauge, "{}", f.name);
            assert_eq!(f.series.len(), 1);
            assert!(f.series[0].labels.is_empty());
        }
    }
}
