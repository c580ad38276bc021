//! What a dashboard is told: where it lives, how often it samples, how much
//! history it keeps.
//!
//! Like the exporter's builder, setters never fail; [`DashboardConfig`] is
//! checked once, when the dashboard starts, and a bad value is an
//! [`Error::InvalidSetting`] naming the setter to fix.

use crate::error::Error;
use omnimetrics_query::queries::DEFAULT_PROMETHEUS_URL;
use std::time::Duration;

/// The fastest sampling allowed: each sample copies every series.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// The slowest: beyond an hour the page would hardly ever move.
const MAX_INTERVAL: Duration = Duration::from_secs(3600);
/// A rate needs two samples.
const MIN_HISTORY: usize = 2;
/// A cap well above any sensible screen width, so that a typo cannot ask
/// for gigabytes.
const MAX_HISTORY: usize = 100_000;

/// Settings of the built-in dashboard: turn it on with
/// [`ExporterBuilder::dashboard`](crate::ExporterBuilder::dashboard), or
/// serve it yourself with [`Dashboard::start`](crate::dashboard::Dashboard::start).
///
/// The defaults sample every second and keep 300 samples: the last five
/// minutes, in about 60 KB per instrumented function (a sample of a
/// function with the default latency buckets takes some 200 bytes).
///
/// ```
/// use omnimetrics_exporter::dashboard::DashboardConfig;
/// use std::time::Duration;
///
/// // Fifteen minutes at one sample every two seconds, under /ops/.
/// let config = DashboardConfig::new()
///     .path("/ops/")
///     .interval(Duration::from_secs(2))
///     .history(451)
///     .prometheus_url("http://prometheus.internal:9090");
/// assert_eq!(config.history_span(), Duration::from_secs(900));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a configuration does nothing until the dashboard is started"]
pub struct DashboardConfig {
    pub(crate) path: String,
    pub(crate) interval: Duration,
    pub(crate) history: usize,
    pub(crate) rate_window: Duration,
    pub(crate) prometheus_url: String,
    /// The metrics path of the server that serves the page, for a link.
    pub(crate) metrics_path: Option<String>,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            path: "/".to_string(),
            interval: Duration::from_secs(1),
            history: 300,
            rate_window: Duration::from_secs(10),
            prometheus_url: DEFAULT_PROMETHEUS_URL.to_string(),
            metrics_path: None,
        }
    }
}

impl DashboardConfig {
    /// The defaults: page at `/`, a sample every second, 300 samples kept,
    /// rates over 10 s, query links to `http://localhost:9090`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the page is served (default `/`; ASCII letters, digits and
    /// `/_.~-`, starting with `/`). Its data is served next to
    /// it: `/dashboard.json` for a path ending in `/`, else the path with
    /// `.json` appended (`/ops/dash` → `/ops/dash.json`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// How often a snapshot is taken (default 1 s; 10 ms to 1 h).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How many snapshots are kept (default 300; 2 to 100,000). Memory is
    /// reserved for them up front and never grows past it.
    pub fn history(mut self, samples: usize) -> Self {
        self.history = samples;
        self
    }

    /// The window rates, error ratios and latency percentiles are computed
    /// over, like the range of PromQL's `rate(x[10s])` (default 10 s; at
    /// least one interval). Longer is smoother, shorter reacts faster.
    pub fn rate_window(mut self, window: Duration) -> Self {
        self.rate_window = window;
        self
    }

    /// The Prometheus server the page's query links open (default
    /// `http://localhost:9090`; an `http://` or `https://` URL).
    pub fn prometheus_url(mut self, url: impl Into<String>) -> Self {
        self.prometheus_url = url.into();
        self
    }

    /// Where the metrics are served, for a link on the page (no link by
    /// default). The standalone exporter sets its own metrics path; with
    /// another framework, pass the path you serve them at.
    pub fn metrics_link(mut self, path: impl Into<String>) -> Self {
        self.metrics_path = Some(path.into());
        self
    }

    /// The time the history covers when full: interval × (history − 1).
    pub fn history_span(&self) -> Duration {
        let gaps = u32::try_from(self.history.saturating_sub(1)).unwrap_or(u32::MAX);
        self.interval.saturating_mul(gaps)
    }

    /// The path the page's JSON is served at.
    pub(crate) fn json_path(&self) -> String {
        if self.path.ends_with('/') {
            format!("{}dashboard.json", self.path)
        } else {
            format!("{}.json", self.path)
        }
    }

    /// The JSON's URL relative to the page, so the page also works behind a
    /// proxy that serves it under a prefix.
    pub(crate) fn json_href(&self) -> String {
        let json = self.json_path();
        json.rsplit('/')
            .next()
            .unwrap_or("dashboard.json")
            .to_string()
    }

    /// Checks every value; called when the dashboard starts.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let invalid = |setting, reason| Err(Error::InvalidSetting { setting, reason });
        // Only characters that mean the same thing to every router (no
        // `{id}`, `:id` or `*` patterns) and need no escaping.
        let path_ok = self.path.starts_with('/')
            && self
                .path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_.~-".contains(&b));
        if !path_ok {
            return invalid(
                "DashboardConfig::path",
                "it must start with `/` and hold only ASCII letters, digits and `/_.~-`, \
                 for example \"/\" or \"/dashboard\"",
            );
        }
        if self.interval < MIN_INTERVAL || self.interval > MAX_INTERVAL {
            return invalid(
                "DashboardConfig::interval",
                "sample between every 10 ms and every hour; 1 s is usual",
            );
        }
        if !(MIN_HISTORY..=MAX_HISTORY).contains(&self.history) {
            return invalid(
                "DashboardConfig::history",
                "keep between 2 and 100,000 samples; 300 (five minutes at 1 s) is usual",
            );
        }
        if self.rate_window < self.interval {
            return invalid(
                "DashboardConfig::rate_window",
                "a rate needs two samples, so the window must be at least one interval",
            );
        }
        let url = self.prometheus_url.to_ascii_lowercase();
        let url_ok = (url.starts_with("http://") || url.starts_with("https://"))
            && !self
                .prometheus_url
                .bytes()
                .any(|b| b.is_ascii_control() || b == b' ');
        if !url_ok {
            return invalid(
                "DashboardConfig::prometheus_url",
                "give an http:// or https:// URL without spaces, such as http://localhost:9090",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let c = DashboardConfig::new();
        c.check().unwrap();
        assert_eq!(c.history_span(), Duration::from_secs(299));
        assert_eq!(c.json_path(), "/dashboard.json");
        assert_eq!(c.json_href(), "dashboard.json");
    }

    #[test]
    fn json_lives_next_to_the_page() {
        let c = DashboardConfig::new().path("/ops/dash");
        assert_eq!(
            (c.json_path().as_str(), c.json_href().as_str()),
            ("/ops/dash.json", "dash.json")
        );
        let c = DashboardConfig::new().path("/ops/");
        assert_eq!(c.json_path(), "/ops/dashboard.json");
        assert_eq!(c.json_href(), "dashboard.json");
    }

    #[test]
    fn bad_values_name_their_setter() {
        let setting = |c: DashboardConfig| match c.check() {
            Err(Error::InvalidSetting { setting, .. }) => setting,
            other => panic!("{other:?}"),
        };
        let c = DashboardConfig::new;
        assert_eq!(setting(c().path("dash")), "DashboardConfig::path");
        assert_eq!(setting(c().path("/a?b")), "DashboardConfig::path");
        assert_eq!(setting(c().path("/é")), "DashboardConfig::path");
        assert_eq!(setting(c().path("/:id")), "DashboardConfig::path");
        assert_eq!(setting(c().path("/{x}")), "DashboardConfig::path");
        assert_eq!(setting(c().path("/a b")), "DashboardConfig::path");
        assert_eq!(
            setting(c().interval(Duration::ZERO)),
            "DashboardConfig::interval"
        );
        assert_eq!(
            setting(c().interval(Duration::from_secs(7200))),
            "DashboardConfig::interval"
        );
        assert_eq!(setting(c().history(1)), "DashboardConfig::history");
        assert_eq!(setting(c().history(usize::MAX)), "DashboardConfig::history");
        assert_eq!(
            setting(c().rate_window(Duration::from_millis(500))),
            "DashboardConfig::rate_window"
        );
        assert_eq!(
            setting(c().prometheus_url("javascript:alert(1)")),
            "DashboardConfig::prometheus_url"
        );
        assert_eq!(
            setting(c().prometheus_url("http://a b")),
            "DashboardConfig::prometheus_url"
        );
        c().prometheus_url("HTTPS://prom.example:9090/")
            .check()
            .unwrap();
    }
}
