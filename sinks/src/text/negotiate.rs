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
//!
//! The header is parsed as bytes: every delimiter (`,` `;` `=` `/` `"`) is
//! ASCII, so splitting there never cuts a UTF-8 character, and `str`'s
//! pattern searching (with its Unicode tables and panic paths) stays out of
//! a wasm module or firmware that negotiates. Whitespace is HTTP's
//! optional whitespace around tokens, spaces and tabs (RFC 9110 §5.6.3);
//! anything else (a no-break space, a line break) is part of the token, so
//! the range it is in matches nothing, as in a strict HTTP parser.

/// A weight in thousandths (`q=0.5` is 500).
type Weight = u16;

/// Whether the header asks for OpenMetrics (see the module docs).
///
/// For each format this keeps only what the decision needs: OpenMetrics
/// counts only where it is named explicitly, so its weight is the highest
/// of those ranges (0 for none: a weight of 0 refuses it anyway); for
/// 0.0.4, the most specific matching range decides, the highest weight
/// among equally specific ones, which is the largest `(specificity,
/// weight)` pair, kept as one number (see [`text_match`]).
pub(crate) fn prefers_openmetrics(accept: &str) -> bool {
    let mut om: Weight = 0;
    let mut text: u16 = 0;
    let mut ranges = Some(accept.as_bytes());
    while let Some(remaining) = ranges {
        let (range, after) = split(remaining, b',');
        ranges = after;
        let (media, mut params) = split(range, b';');
        let (ty, Some(sub)) = split(media, b'/') else {
            continue;
        };
        let mut weight: Option<Weight> = Some(1000);
        let mut version = None;
        while let Some(remaining) = params {
            let (param, after) = split(remaining, b';');
            params = after;
            let (key, Some(value)) = split(param, b'=') else {
                continue;
            };
            let value = trim_quotes(trim(value));
            match word(key) {
                // RFC 9110: a range with a malformed weight is ignored.
                Kind::Q => weight = weight.and(parse_weight(value)),
                Kind::Version => version = Some(kind(value)),
                _ => {}
            }
        }
        let Some(weight) = weight else {
            continue;
        };
        // `version` as each of the formats knows it.
        let om_version = matches!(version, None | Some(Kind::V1_0_0 | Kind::V0_0_1));
        let text_version = matches!(version, None | Some(Kind::V1_0_0 | Kind::V0_0_4));
        match (word(ty), word(sub)) {
            (Kind::Application, Kind::OpenMetrics) if om_version => {
                om = om.max(weight);
            }
            (Kind::Any, Kind::Any) => text = text.max(text_match(1, weight)),
            (Kind::Text, Kind::Any) => text = text.max(text_match(2, weight)),
            (Kind::Text, Kind::Plain) if text_version => {
                text = text.max(text_match(3, weight));
            }
            _ => {}
        }
    }
    om > 0 && om >= text & WEIGHTS
}

/// The bits of a [`text_match`] that hold the weight (at most 1000).
const WEIGHTS: u16 = 0x3FF;

/// A range matching 0.0.4 as one number, specificity (3 for `text/plain`,
/// 2 for `text/*`, 1 for `*/*`) above weight: the larger number is the more
/// specific range, or the higher weight of two equally specific ones.
fn text_match(specificity: u16, weight: Weight) -> u16 {
    (specificity << 10) | weight
}

/// The words of an `Accept` header that matter here (case-insensitive),
/// and the versions the two formats know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `*`
    Any,
    Application,
    Text,
    OpenMetrics,
    Plain,
    Q,
    Version,
    /// `1.0.0`, the version of both OpenMetrics and (as Prometheus sends
    /// it) text.
    V1_0_0,
    /// `0.0.1`, an earlier OpenMetrics version.
    V0_0_1,
    /// `0.0.4`, Prometheus text.
    V0_0_4,
    Other,
}

/// Which of the words `word` is, around HTTP's optional whitespace.
fn word(word: &[u8]) -> Kind {
    kind(trim(word))
}

/// Which of the words `word` is, exactly.
fn kind(word: &[u8]) -> Kind {
    const WORDS: [(&[u8], Kind); 10] = [
        (b"*", Kind::Any),
        (b"application", Kind::Application),
        (b"text", Kind::Text),
        (b"openmetrics-text", Kind::OpenMetrics),
        (b"plain", Kind::Plain),
        (b"q", Kind::Q),
        (b"version", Kind::Version),
        (b"1.0.0", Kind::V1_0_0),
        (b"0.0.1", Kind::V0_0_1),
        (b"0.0.4", Kind::V0_0_4),
    ];
    WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map_or(Kind::Other, |&(_, k)| k)
}

/// `s` up to the first `delimiter`, and what follows it (`None` when there
/// is no delimiter): `str::split_once`, and, repeated on what follows,
/// `str::split`.
fn split(s: &[u8], delimiter: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == delimiter) {
        Some(at) => (s.get(..at).unwrap_or(s), s.get(at + 1..)),
        None => (s, None),
    }
}

/// `s` without HTTP's optional whitespace (spaces and tabs) at either end.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] | [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// `s` without leading and trailing `"` (as `str::trim_matches('"')`).
fn trim_quotes(mut s: &[u8]) -> &[u8] {
    while let [b'"', rest @ ..] | [rest @ .., b'"'] = s {
        s = rest;
    }
    s
}

/// `q` values: `0`, `1`, `0.5`, `1.000`, at most three decimals, at most 1.
#[inline(never)]
fn parse_weight(s: &[u8]) -> Option<Weight> {
    let (int, frac) = split(s, b'.');
    let mut w: Weight = match int {
        // Not `""` or `"."`: no digit at all.
        b"" if s.len() < 2 => return None,
        b"0" | b"" => 0,
        b"1" => 1000,
        _ => return None,
    };
    let frac = frac.unwrap_or(&[]);
    if frac.len() > 3 {
        return None;
    }
    // The first decimal counts hundreds of thousandths, the next tens.
    let mut scale = 100;
    for &b in frac {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        w += Weight::from(digit) * scale;
        scale /= 10;
    }
    (w <= 1000).then_some(w)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// How well one of the formats matches the header, as the reference
    /// parser below keeps it: `(specificity, weight)`, specificity 3 for
    /// `type/subtype`, 2 for `type/*`, 1 for `*/*`.
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

    fn weight(s: &str) -> Option<Weight> {
        parse_weight(s.as_bytes())
    }

    #[test]
    fn weights() {
        assert_eq!(weight("1"), Some(1000));
        assert_eq!(weight("0.5"), Some(500));
        assert_eq!(weight("0.125"), Some(125));
        assert_eq!(weight(".2"), Some(200));
        assert_eq!(weight("1.000"), Some(1000));
        assert_eq!(weight("1.5"), None);
        assert_eq!(weight("0.1234"), None);
        assert_eq!(weight("x"), None);
        assert_eq!(weight(""), None);
        assert_eq!(weight("."), None);
        assert_eq!(weight("0."), Some(0));
        assert_eq!(weight("1.0.0"), None);
    }

    /// The weight parser this module had before the single loop: the
    /// digits checked, then read, in two passes.
    fn reference_weight(s: &[u8]) -> Option<Weight> {
        let (int, frac) = split(s, b'.');
        let frac = frac.unwrap_or(&[]);
        if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let whole: Weight = match int {
            b"0" | b"" => 0,
            b"1" => 1,
            _ => return None,
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut thousandths: Weight = 0;
        for i in 0..3 {
            thousandths = thousandths * 10 + frac.get(i).map_or(0, |&b| Weight::from(b - b'0'));
        }
        let w = whole * 1000 + thousandths;
        (w <= 1000).then_some(w)
    }

    #[test]
    fn weights_agree_with_the_two_pass_parser() {
        // Every string of up to six of these bytes.
        let alphabet = *b"019.x/ ";
        let mut strings = std::vec![Vec::new()];
        let mut checked = 0;
        while let Some(s) = strings.pop() {
            assert_eq!(parse_weight(&s), reference_weight(&s), "{s:?}");
            checked += 1;
            if s.len() < 6 {
                for b in alphabet {
                    let mut longer = s.clone();
                    longer.push(b);
                    strings.push(longer);
                }
            }
        }
        assert!(checked > 100_000);
    }

    #[test]
    fn pieces_split_like_str_split() {
        for s in ["", ",", "a", "a,", ",a", "a,,b", "a,b,c,"] {
            let mut rest = Some(s.as_bytes());
            let mut ours = Vec::new();
            while let Some(r) = rest {
                let (p, after) = split(r, b',');
                ours.push(p);
                rest = after;
            }
            let theirs: Vec<&[u8]> = s.split(',').map(str::as_bytes).collect();
            assert_eq!(ours, theirs, "{s:?}");
        }
    }

    #[test]
    fn trims_spaces_and_tabs_only() {
        for (s, trimmed) in [
            ("", ""),
            (" ", ""),
            ("\t \t", ""),
            ("a", "a"),
            (" a b\t", "a b"),
            ("\r\n a \x0b", "\r\n a \x0b"),
            ("\u{a0}x\u{3000}", "\u{a0}x\u{3000}"),
            ("é ", "é"),
        ] {
            assert_eq!(trim(s.as_bytes()), trimmed.as_bytes(), "{s:?}");
        }
    }

    /// HTTP's optional whitespace, what the byte parser trims.
    fn ows(s: &str) -> &str {
        s.trim_matches([' ', '\t'])
    }

    /// The parser this module had before it went to bytes (on `str`, with
    /// its pattern searching; trimming only HTTP's whitespace): the byte
    /// parser must agree with it.
    fn reference(accept: &str) -> bool {
        let mut om = Match::default();
        let mut text = Match::default();
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = ows(parts.next().unwrap_or(""));
            let Some((ty, sub)) = media.split_once('/') else {
                continue;
            };
            let (ty, sub) = (ows(ty), ows(sub));
            let mut weight: Weight = 1000;
            let mut version = None;
            let mut valid = true;
            for param in parts {
                let Some((key, value)) = param.split_once('=') else {
                    continue;
                };
                let value = ows(value).trim_matches('"');
                match ows(key) {
                    k if k.eq_ignore_ascii_case("q") => match parse_weight(value.as_bytes()) {
                        Some(w) => weight = w,
                        None => valid = false,
                    },
                    k if k.eq_ignore_ascii_case("version") => version = Some(value),
                    _ => {}
                }
            }
            if !valid {
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

    #[test]
    fn agrees_with_the_str_parser() {
        // Every header of up to four pieces from these, joined every way.
        let pieces = [
            "application/openmetrics-text",
            "application/openmetrics-text;version=1.0.0;q=0.5",
            "Application/OpenMetrics-Text; Version=\"0.0.1\" ; Q=0.4",
            "application/openmetrics-text;version=2.0.0",
            "application/*;q=0.9",
            "text/plain;version=0.0.4;q=0.3",
            "text/plain;q=0.5",
            "TEXT/*;q=1",
            "*/*;q=0.2",
            "*/*",
            " \u{a0}application/openmetrics-text\u{3000};q=.6",
            "\t application/openmetrics-text \t; q=.6 ",
            "application/openmetrics-text;q=1.5",
            "application/openmetrics-text;q=0;q=1",
            "text/plain;version=1.0.0;q=0.7 ",
            "x/y;q",
            "bogus",
            "",
            ";q=1",
            "application/openmetrics-text;version=1.0.0;q=0.3",
            "application/openmetrics-text;version=\" 1.0.0\";q=0.8",
            "application/openmetrics-text;version=0.0.1x;q=0.9",
            "application/openmetrics-text;version=0.0.4",
            "text/plain;version=\"\"1.0.0\"\";q=0.2",
            "text/plain;version=0.0.1;q=0.9",
            "text/plain ;version= 0.0.4;q=0.05",
        ];
        let mut checked = 0;
        for a in &pieces {
            for b in &pieces {
                for c in [",", ";", ", ", ",,"] {
                    for d in &pieces[..6] {
                        let header = String::from_iter([*a, c, *b, ",", *d]);
                        assert_eq!(
                            prefers_openmetrics(&header),
                            reference(&header),
                            "{header:?}"
                        );
                        checked += 1;
                    }
                }
            }
            assert_eq!(prefers_openmetrics(a), reference(a), "{a:?}");
        }
        assert!(checked > 1000);
    }
}
