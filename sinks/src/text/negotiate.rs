//! Choosing the text format from a scrape's `Accept` header.
//!
//! Prometheus asks for OpenMetrics with a higher weight than text 0.0.4
//! when it wants exemplars, and other scrapers send anything from nothing to
//! `*/*`. SPEC's rule: OpenMetrics only when the client names it, 0.0.4 for
//! everything else. Weights (`q`) are honoured: for each of the two formats
//! the most specific matching media range decides its weight (RFC 9110
//! §12.5.1), and OpenMetrics wins when it was named explicitly with a
//! non-zero weight no lower than 0.0.4's. Parsing allocates nothing and uses
//! no floating point (weights are thousandths).

/// A weight in thousandths (`q=0.5` is 500).
type Weight = u16;

/// How well one of our formats matches the header: `(specificity, weight)`,
/// specificity 3 for `type/subtype`, 2 for `type/*`, 1 for `*/*`.
#[derive(Clone, Copy, Default)]
struct Match {
    specificity: u8,
    weight: Weight,
}

impl Match {
    fn consider(&mut self, specificity: u8, weight: Weight) {
        if specificity > self.specificity {
            *self = Match {
                specificity,
                weight,
            };
        } else if specificity == self.specificity && weight > self.weight {
            self.weight = weight;
        }
    }
}

/// Whether the header asks for OpenMetrics (see the module docs).
pub(crate) fn prefers_openmetrics(accept: &str) -> bool {
    let mut om = Match::default();
    let mut text = Match::default();
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let Some((ty, sub)) = media.split_once('/') else {
            continue;
        };
        let (ty, sub) = (ty.trim(), sub.trim());
        let mut weight: Weight = 1000;
        let mut version = None;
        let mut valid = true;
        for param in parts {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match key.trim() {
                k if k.eq_ignore_ascii_case("q") => match parse_weight(value) {
                    Some(w) => weight = w,
                    None => valid = false,
                },
                k if k.eq_ignore_ascii_case("version") => version = Some(value),
                _ => {}
            }
        }
        if !valid {
            // RFC 9110: a range with a malformed weight is ignored.
            continue;
        }
        let any_type = ty == "*";
        let any_sub = sub == "*";
        if any_type && any_sub {
            om.consider(1, weight);
            text.consider(1, weight);
        } else if ty.eq_ignore_ascii_case("application") {
            if any_sub {
                om.consider(2, weight);
            } else if sub.eq_ignore_ascii_case("openmetrics-text")
                && matches!(version, None | Some("1.0.0") | Some("0.0.1"))
            {
                om.consider(3, weight);
            }
        } else if ty.eq_ignore_ascii_case("text") {
            if any_sub {
                text.consider(2, weight);
            } else if sub.eq_ignore_ascii_case("plain")
                && matches!(version, None | Some("0.0.4") | Some("1.0.0"))
            {
                text.consider(3, weight);
            }
        }
    }
    om.specificity == 3 && om.weight > 0 && om.weight >= text.weight
}

/// `q` values: `0`, `1`, `0.5`, `1.000`, at most three decimals, at most 1.
fn parse_weight(s: &str) -> Option<Weight> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: Weight = match int {
        "0" | "" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut thousandths: Weight = 0;
    for (i, b) in frac.bytes().enumerate() {
        let place = [100, 10, 1][i];
        thousandths += Weight::from(b - b'0') * place;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let w = whole * 1000 + thousandths;
    (w <= 1000).then_some(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights() {
        assert_eq!(parse_weight("1"), Some(1000));
        assert_eq!(parse_weight("0.5"), Some(500));
        assert_eq!(parse_weight("0.125"), Some(125));
        assert_eq!(parse_weight(".2"), Some(200));
        assert_eq!(parse_weight("1.000"), Some(1000));
        assert_eq!(parse_weight("1.5"), None);
        assert_eq!(parse_weight("0.1234"), None);
        assert_eq!(parse_weight("x"), None);
        assert_eq!(parse_weight(""), None);
        assert_eq!(parse_weight("."), None);
    }
}
