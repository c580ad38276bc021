//! Tunable parts of the generated queries, kept apart so that the builders
//! stay pure text assembly and invalid settings are caught once, here.

use alloc::string::{String, ToString};
use core::fmt;

/// Settings shared by all query builders.
///
/// ```
/// use omnimetrics_query::queries::QueryOptions;
///
/// let opts = QueryOptions::default();
/// assert_eq!((opts.rate_window(), opts.build_info_lookback()), ("5m", "1h"));
///
/// let opts = QueryOptions::default().with_rate_window("1m30s").unwrap();
/// assert_eq!(opts.rate_window(), "1m30s");
/// assert!(QueryOptions::default().with_rate_window("5 minutes").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueryOptions {
    rate_window: String,
    build_info_lookback: String,
}

impl Default for QueryOptions {
    /// A `5m` rate window and a `1h` `build_info` lookback.
    fn default() -> Self {
        QueryOptions {
            rate_window: "5m".to_string(),
            build_info_lookback: "1h".to_string(),
        }
    }
}

impl QueryOptions {
    /// The range of every `rate(...[window])` (default `5m`).
    pub fn rate_window(&self) -> &str {
        &self.rate_window
    }

    /// How far back a target's last `build_info` sample is looked for
    /// (default `1h`); it must exceed the interval at which `build_info` is
    /// scraped or pushed.
    pub fn build_info_lookback(&self) -> &str {
        &self.build_info_lookback
    }

    /// Sets the rate window, a PromQL duration such as `5m` or `1m30s`.
    pub fn with_rate_window(mut self, window: &str) -> Result<Self, InvalidDuration> {
        check_duration(window)?;
        self.rate_window = window.to_string();
        Ok(self)
    }

    /// Sets the `build_info` lookback, a PromQL duration such as `6h`.
    pub fn with_build_info_lookback(mut self, lookback: &str) -> Result<Self, InvalidDuration> {
        check_duration(lookback)?;
        self.build_info_lookback = lookback.to_string();
        Ok(self)
    }
}

/// A string that is not a positive PromQL duration (`5m`, `1h30m`, `250ms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDuration(pub String);

impl fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a positive PromQL duration such as 5m or 1h30m",
            self.0
        )
    }
}

impl core::error::Error for InvalidDuration {}

/// Accepts what Prometheus 2.x accepts: one or more `<digits><unit>` with
/// units `y w d h m s ms`, each at most once and from largest to smallest.
pub(crate) fn check_duration(text: &str) -> Result<(), InvalidDuration> {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let err = || InvalidDuration(text.to_string());
    let mut rest = text;
    let mut next_unit = 0;
    let mut positive = false;
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(err());
        }
        positive |= rest[..digits].bytes().any(|b| b != b'0');
        rest = &rest[digits..];
        // `ms` before `m`, so that "5ms" is not read as "5m" + "s".
        let unit = UNITS[next_unit..]
            .iter()
            .enumerate()
            .filter(|(_, u)| rest.starts_with(**u))
            .max_by_key(|(_, u)| u.len())
            .ok_or_else(err)?;
        rest = &rest[unit.1.len()..];
        next_unit += unit.0 + 1;
    }
    if positive { Ok(()) } else { Err(err()) }
}

#[cfg(test)]
mod tests {
    use super::check_duration;

    #[test]
    fn durations() {
        for ok in [
            "5m",
            "1h30m",
            "250ms",
            "1y2w3d4h5m6s7ms",
            "90s",
            "30d",
            "1m0s",
        ] {
            assert!(check_duration(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "5", "m", "0m", "5 m", "5min", "1m1h", "1m1m", "-5m", "1.5h", "5m;",
        ] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
    }
}
