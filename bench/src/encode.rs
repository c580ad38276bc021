//! The encoding comparison: one counter family of `n` series (one label,
//! `kind="0"` … `kind="9999"`, values 1000 + 37·i), built once per crate and
//! encoded to Prometheus text 0.0.4 again and again into a reused buffer.
//!
//! The omnimetrics family is a live `CounterVec` static (what a scrape of
//! the registry encodes; not an owned `Snapshot`), encoded by
//! `omnimetrics_sinks::text::encode`. The others are built the way their
//! crates' own encoding benchmarks build them.

use omnimetrics::metrics::{CounterVec, MetricFamily};
use omnimetrics::visit::{Source, Visitor};
use omnimetrics_sinks::text::{self, Format};

/// One user metric family as a [`Source`] on its own (the registry would
/// also hold the benchmark's instrumented functions).
#[derive(Clone, Copy)]
pub struct OneFamily(pub &'static dyn MetricFamily);

impl core::fmt::Debug for OneFamily {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("OneFamily").field(&self.0.name()).finish()
    }
}

impl Source for OneFamily {
    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        v.family(&self.0.describe())?;
        let mut failed = None;
        self.0.each_series(&mut |s| match v.series(s) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        });
        failed.map_or(Ok(()), Err)
    }
}

/// The floor of encoding: the least a visitor can do to write this
/// family's Prometheus text from the same visit (`# HELP`, `# TYPE`, then
/// per series the name, escaped label values, the value, with no name
/// checks and no format switch). Counters only: a reference for what the
/// visit API allows, not an encoder.
struct FloorVisitor<'a> {
    out: &'a mut String,
    prefix: String,
}

impl Visitor for FloorVisitor<'_> {
    type Error = core::convert::Infallible;

    fn family(&mut self, f: &omnimetrics::visit::FamilyDesc<'_>) -> Result<(), Self::Error> {
        self.prefix.clear();
        self.prefix.push_str(f.name);
        self.prefix.push_str("_total");
        for (what, text) in [("# HELP ", f.help), ("# TYPE ", "counter")] {
            self.out.push_str(what);
            self.out.push_str(&self.prefix);
            self.out.push(' ');
            self.out.push_str(text);
            self.out.push('\n');
        }
        Ok(())
    }

    fn series(&mut self, s: &omnimetrics::visit::Series<'_>) -> Result<(), Self::Error> {
        let omnimetrics::visit::SeriesValue::Counter(v) = s.value else {
            return Ok(());
        };
        let out = &mut *self.out;
        out.push_str(&self.prefix);
        let mut sep = '{';
        for l in s.labels {
            out.push(sep);
            sep = ',';
            out.push_str(l.name);
            out.push_str("=\"");
            if l.value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
                for c in l.value.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '"' => out.push_str("\\\""),
                        '\n' => out.push_str("\\n"),
                        c => out.push(c),
                    }
                }
            } else {
                out.push_str(l.value);
            }
            out.push('"');
        }
        if sep == ',' {
            out.push('}');
        }
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(v));
        out.push('\n');
        Ok(())
    }
}

static OMNI_1K: CounterVec<1, 1_000> = CounterVec::new("counters", "help text", ["kind"]);
static OMNI_10K: CounterVec<1, 10_000> = CounterVec::new("counters", "help text", ["kind"]);

fn value(i: usize) -> u64 {
    1000 + 37 * i as u64
}

mod me {
    use measured::lasso::RodeoReader;
    use measured::{CounterVec, LabelGroup, MetricGroup};

    #[derive(Clone, Copy, Debug, LabelGroup)]
    #[label(set = KindSet)]
    pub(super) struct Kind<'a> {
        #[label(fixed_with = RodeoReader)]
        pub(super) kind: &'a str,
    }

    #[derive(MetricGroup)]
    #[metric(new(kinds: RodeoReader))]
    pub(super) struct Metrics {
        /// help text
        #[metric(label_set = KindSet::new(kinds))]
        pub(super) counters: CounterVec<KindSet>,
    }
}

mod pc {
    use prometheus_client::encoding::EncodeLabelSet;

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(super) struct Kind {
        pub(super) kind: String,
    }
}

/// The same `n` series in each crate, with a reusable output buffer each.
pub struct Encoders {
    /// Number of series.
    pub n: usize,
    omni: OneFamily,
    omni_buf: String,
    omni_om_buf: String,
    floor_buf: String,
    floor_prefix: String,
    measured: me::Metrics,
    measured_enc: measured::text::BufferedTextEncoder,
    pc_registry: prometheus_client::registry::Registry,
    pc_buf: String,
    prom_registry: prometheus::Registry,
    prom_buf: String,
}

impl core::fmt::Debug for Encoders {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encoders")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl Encoders {
    /// Builds the `n`-series family in every crate (`n` is 1000 or 10000).
    pub fn new(n: usize) -> Self {
        let kinds: Vec<String> = (0..n).map(|i| i.to_string()).collect();

        let omni = match n {
            1_000 => {
                for (i, k) in kinds.iter().enumerate() {
                    OMNI_1K.with_label_values([k.as_str()]).inc_by(value(i));
                }
                OneFamily(&OMNI_1K)
            }
            10_000 => {
                for (i, k) in kinds.iter().enumerate() {
                    OMNI_10K.with_label_values([k.as_str()]).inc_by(value(i));
                }
                OneFamily(&OMNI_10K)
            }
            _ => panic!("the encoding benchmark has 1000 or 10000 series"),
        };

        let reader =
            measured::lasso::Rodeo::from_iter(kinds.iter().map(String::as_str)).into_reader();
        let measured = me::Metrics::new(reader);
        for (i, k) in kinds.iter().enumerate() {
            measured.counters.inc_by(me::Kind { kind: k }, value(i));
        }

        let mut pc_registry = prometheus_client::registry::Registry::default();
        let family = prometheus_client::metrics::family::Family::<
            pc::Kind,
            prometheus_client::metrics::counter::Counter,
        >::default();
        pc_registry.register("counters", "help text", family.clone());
        for (i, k) in kinds.iter().enumerate() {
            family
                .get_or_create(&pc::Kind { kind: k.clone() })
                .inc_by(value(i));
        }

        let prom_registry = prometheus::Registry::new();
        let vec = prometheus::IntCounterVec::new(
            prometheus::Opts::new("counters", "help text"),
            &["kind"],
        )
        .expect("valid counter");
        prom_registry
            .register(Box::new(vec.clone()))
            .expect("registers");
        for (i, k) in kinds.iter().enumerate() {
            vec.with_label_values(&[k.as_str()]).inc_by(value(i));
        }

        let mut this = Self {
            n,
            omni,
            omni_buf: String::new(),
            omni_om_buf: String::new(),
            floor_buf: String::new(),
            floor_prefix: String::new(),
            measured,
            measured_enc: measured::text::BufferedTextEncoder::new(),
            pc_registry,
            pc_buf: String::new(),
            prom_registry,
            prom_buf: String::new(),
        };
        // Grow every buffer to its size once.
        this.omnimetrics();
        this.floor();
        assert_eq!(
            this.omni_buf, this.floor_buf,
            "the floor writes the same text"
        );
        this.omnimetrics_openmetrics();
        assert_eq!(
            this.omni_om_buf,
            format!(
                "# TYPE counters counter\n# HELP counters help text\n{}# EOF\n",
                this.omni_buf
                    .split_inclusive('\n')
                    .skip(2)
                    .collect::<String>()
            ),
            "the OpenMetrics text differs from 0.0.4 in its header and `# EOF` only"
        );
        this.measured();
        this.prometheus_client();
        this.prometheus();
        this
    }

    /// `omnimetrics_sinks::text::encode` into a reused `String`; returns
    /// the bytes written.
    pub fn omnimetrics(&mut self) -> usize {
        self.omni_buf.clear();
        text::encode(&self.omni, Format::Prometheus, &mut self.omni_buf).expect("encodes");
        self.omni_buf.len()
    }

    /// The same, in OpenMetrics 1.0 (the format `prometheus_client`
    /// writes).
    pub fn omnimetrics_openmetrics(&mut self) -> usize {
        self.omni_om_buf.clear();
        text::encode(&self.omni, Format::OpenMetrics, &mut self.omni_om_buf).expect("encodes");
        self.omni_om_buf.len()
    }

    /// The floor visitor (the least a visitor does, see the module source)
    /// over the same live family, into a reused `String`.
    pub fn floor(&mut self) -> usize {
        self.floor_buf.clear();
        let mut v = FloorVisitor {
            out: &mut self.floor_buf,
            prefix: core::mem::take(&mut self.floor_prefix),
        };
        let Ok(()) = self.omni.visit(&mut v);
        self.floor_prefix = v.prefix;
        self.floor_buf.len()
    }

    /// `measured`'s `BufferedTextEncoder`, as its own benchmark uses it.
    pub fn measured(&mut self) -> usize {
        use measured::metric::group::MetricGroup as _;
        self.measured
            .collect_group_into(&mut self.measured_enc)
            .expect("encodes");
        self.measured_enc.finish().len()
    }

    /// `prometheus_client::encoding::text::encode` into a reused `String`.
    pub fn prometheus_client(&mut self) -> usize {
        self.pc_buf.clear();
        prometheus_client::encoding::text::encode(&mut self.pc_buf, &self.pc_registry)
            .expect("encodes");
        self.pc_buf.len()
    }

    /// The `prometheus` crate's `TextEncoder` over `gather()`.
    pub fn prometheus(&mut self) -> usize {
        self.prom_buf.clear();
        prometheus::TextEncoder::new()
            .encode_utf8(&self.prom_registry.gather(), &mut self.prom_buf)
            .expect("encodes");
        self.prom_buf.len()
    }

    /// The text omnimetrics wrote last (to check it holds every series).
    pub fn omnimetrics_text(&self) -> &str {
        &self.omni_buf
    }
}
