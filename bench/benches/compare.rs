//! The whole comparison, in one `cargo bench -p omnimetrics-bench` run.
//!
//! The global clock is chosen once per process and the `autometrics` crate
//! takes one backend per build, so the run has three processes, one after
//! the other:
//! 1. this driver (std clock): first it builds the sibling package
//!    `autometrics-prometheus/` (into its own target directory), then it
//!    measures the call variants with the std clock;
//! 2. right after, `cargo bench` of that sibling package: the `autometrics`
//!    crate with its `prometheus` backend (no build left to do);
//! 3. back in the driver: the thread benchmarks and the encoders;
//! 4. this same binary again with `OMNIMETRICS_BENCH_ROLE=fast`, which
//!    installs `FastClock`: the floor and `#[autometrics]` with the fast
//!    clock, and the thread benchmarks again.
//!
//! Each process measures the bare call (and a floor) itself, so every
//! "added cost" is a difference within one process. All of them write into
//! the same criterion directory, from which the driver then prints the
//! figures and the goals (`omnimetrics_bench::summary`). Criterion's command
//! line options (`--warm-up-time`, `--measurement-time`, `--sample-size`,
//! filters) are passed on to the other processes.

use criterion::{BenchmarkId, Criterion, Throughput};
use omnimetrics::clock::FastClock;
use omnimetrics_bench::CallFn;
use omnimetrics_bench::alloc_count::{self, Counting};
use omnimetrics_bench::encode::Encoders;
use omnimetrics_bench::subjects::{self, Subject};
use omnimetrics_bench::summary::{self, EncodeAllocations, Estimates};
use omnimetrics_bench::threads;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

#[global_allocator]
static ALLOC: Counting = Counting;

const ROLE: &str = "OMNIMETRICS_BENCH_ROLE";

fn bench_calls(c: &mut Criterion, group: &str, subjects: &[Subject]) {
    let mut g = c.benchmark_group(group);
    for &(name, f) in subjects {
        g.bench_function(name, |b| {
            let mut i = 0u64;
            b.iter(|| {
                i = i.wrapping_add(1);
                f(black_box(i))
            })
        });
    }
    g.finish();
}

fn bench_threads(c: &mut Criterion, group: &str, floor: CallFn) {
    let mut g = c.benchmark_group(group);
    let one: [CallFn; 1] = [subjects::omnimetrics_call];
    let same: [CallFn; 2] = [subjects::omnimetrics_call, subjects::omnimetrics_call];
    let different: [CallFn; 2] = [subjects::omnimetrics_call, subjects::omnimetrics_call_2];
    // The floor's statics are one unpadded, unstriped set: what two threads
    // on one function cost without striping.
    let floor_one: [CallFn; 1] = [floor];
    let floor_same: [CallFn; 2] = [floor, floor];
    for (name, fns) in [
        ("one_thread", &one[..]),
        ("two_threads_same_fn", &same[..]),
        ("two_threads_different_fns", &different[..]),
        ("floor_one_thread", &floor_one[..]),
        ("floor_two_threads_same_statics", &floor_same[..]),
    ] {
        g.throughput(Throughput::Elements(fns.len() as u64));
        g.bench_function(name, |b| b.iter_custom(|iters| threads::run(iters, fns)));
    }
    g.finish();
}

fn bench_encoding(c: &mut Criterion) -> Vec<EncodeAllocations> {
    let mut allocs = Vec::new();
    for n in [1_000usize, 10_000] {
        let mut enc = Encoders::new(n);
        // Every series is there (one sample line each, plus HELP and TYPE;
        // the OpenMetrics text, checked against it in `Encoders::new`, adds
        // `# EOF`).
        let lines = enc.omnimetrics_text().lines().count();
        assert_eq!(
            lines,
            n + 2,
            "omnimetrics wrote {lines} lines for {n} series"
        );

        // Allocations per encode: counted once, after the buffers have grown.
        let counts = [
            alloc_count::count(|| enc.omnimetrics()).1,
            alloc_count::count(|| enc.omnimetrics_openmetrics()).1,
            alloc_count::count(|| enc.floor()).1,
            alloc_count::count(|| enc.measured()).1,
            alloc_count::count(|| enc.prometheus_client()).1,
            alloc_count::count(|| enc.prometheus()).1,
        ];
        allocs.push(EncodeAllocations { n, counts });

        let mut g = c.benchmark_group(format!("encode_{n}"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::from_parameter("omnimetrics"), |b| {
            b.iter(|| enc.omnimetrics())
        });
        g.bench_function(
            BenchmarkId::from_parameter("omnimetrics_openmetrics"),
            |b| b.iter(|| enc.omnimetrics_openmetrics()),
        );
        g.bench_function(BenchmarkId::from_parameter("floor"), |b| {
            b.iter(|| enc.floor())
        });
        g.bench_function(BenchmarkId::from_parameter("measured"), |b| {
            b.iter(|| enc.measured())
        });
        g.bench_function(BenchmarkId::from_parameter("prometheus_client"), |b| {
            b.iter(|| enc.prometheus_client())
        });
        g.bench_function(BenchmarkId::from_parameter("prometheus"), |b| {
            b.iter(|| enc.prometheus())
        });
        g.finish();
    }
    allocs
}

/// Where criterion writes: `$CRITERION_HOME`, else `<target dir>/criterion`
/// (this binary is `<target dir>/<profile>/deps/compare-<hash>`).
fn criterion_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(dir);
    }
    target_dir().join("criterion")
}

fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        if dir.is_absolute() {
            return dir;
        }
        return Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    }
    let exe = std::env::current_exe().expect("the benchmark's own path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn criterion_args() -> Vec<String> {
    std::env::args().skip(1).collect()
}

fn run_child(what: &str, mut cmd: Command) {
    eprintln!("\n--- {what} ---");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not start {what}: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

/// Whether the command line names benchmarks (a criterion filter), so
/// that not every figure is expected.
fn filtered() -> bool {
    const WITH_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--profile-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--color",
        "--format",
        "--plotting-backend",
        "--output-format",
    ];
    let mut args = criterion_args().into_iter();
    while let Some(a) = args.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return true;
        }
    }
    false
}

fn main() {
    let run_start = SystemTime::now();
    let crit_dir = criterion_dir();
    let mut c = Criterion::default()
        .output_directory(&crit_dir)
        .configure_from_args();

    if std::env::var(ROLE).as_deref() == Ok("fast") {
        FastClock::install().expect("the first clock set in this process");
        if let Some(hz) = FastClock::frequency() {
            eprintln!("FastClock: cycle counter at {:.3} GHz", hz as f64 / 1e9);
        } else {
            eprintln!("FastClock: no usable cycle counter here; it runs as the std clock");
        }
        let _ = subjects::omnimetrics_call(1);
        bench_calls(
            &mut c,
            "call_fast",
            &[
                ("bare", subjects::bare),
                ("floor", subjects::floor_fast),
                ("omnimetrics", subjects::omnimetrics_call),
            ],
        );
        bench_threads(&mut c, "threads_fast", subjects::floor_fast);
        c.final_summary();
        return;
    }

    // The autometrics `prometheus` backend is a separate build: compile it
    // first, so that its benchmarks run right after `call_std` below.
    let nested = Path::new(env!("CARGO_MANIFEST_DIR")).join("autometrics-prometheus/Cargo.toml");
    let nested_target = target_dir().join("autometrics-prometheus");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let nested_cmd = |extra: &[&str]| {
        let mut cmd = Command::new(&cargo);
        cmd.arg("bench")
            .arg("--manifest-path")
            .arg(&nested)
            .args(extra)
            .env("CARGO_TARGET_DIR", &nested_target)
            .env("CRITERION_HOME", &crit_dir)
            .env_remove(ROLE);
        cmd
    };
    run_child(
        "build of the autometrics-prometheus package",
        nested_cmd(&["--no-run"]),
    );

    // 1. The calls, std clock, in this process.
    subjects::warm_up();
    bench_calls(
        &mut c,
        "call_std",
        &[
            ("bare", subjects::bare),
            ("floor", subjects::floor_std),
            ("floor_instant", subjects::floor_instant),
            ("omnimetrics", subjects::omnimetrics_call),
            ("omnimetrics_nested", subjects::omnimetrics_nested_caller),
            ("autometrics_prometheus_client", subjects::autometrics_call),
            ("measured", subjects::measured_call),
            ("prometheus", subjects::prometheus_call),
            ("prometheus_client", subjects::prometheus_client_call),
        ],
    );

    // 2. The autometrics crate's prometheus backend, right after.
    let mut am = nested_cmd(&["--"]);
    am.args(criterion_args().into_iter().filter(|a| a != "--bench"));
    run_child(
        "autometrics with its prometheus backend (sibling package)",
        am,
    );

    // 3. Threads and encoding, in this process.
    bench_threads(&mut c, "threads_std", subjects::floor_std);
    let allocs = bench_encoding(&mut c);
    c.final_summary();

    // 4. The fast clock, in a process of its own.
    let mut fast = Command::new(std::env::current_exe().expect("own path"));
    fast.args(criterion_args())
        .env(ROLE, "fast")
        .env("CRITERION_HOME", &crit_dir);
    run_child("fast clock (child process)", fast);

    let printed = summary::print(Estimates::new(&crit_dir, run_start), &allocs);
    assert!(
        printed.missing == 0 || filtered() || std::env::args().any(|a| a == "--list"),
        "{} goal figures are missing: a benchmark did not run",
        printed.missing
    );
    // Not a time: encoding must not allocate (either format).
    for a in &allocs {
        assert_eq!(
            (a.counts[0], a.counts[1]),
            (0, 0),
            "omnimetrics allocated while encoding {} series (0.0.4, OpenMetrics)",
            a.n
        );
    }
}
