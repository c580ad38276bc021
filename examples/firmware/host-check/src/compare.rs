//! Exact comparison of call totals: what the host decoded against what the
//! firmware counted itself.
//!
//! Every `function_calls_total` series must equal the firmware's own count
//! for that function, caller and result. One rule needs care: a function
//! keeps a fixed number of caller slots (4 on 32-bit targets), claimed in
//! the order callers first appear; the calls of any further caller go to
//! `caller_function="(other)"`. So for each function the named callers must
//! match one for one, no more than the slots may be named, and `(other)`
//! must hold exactly the sum of the callers that are not named.

use crate::expect::Expectations;
use std::collections::{BTreeMap, BTreeSet};

/// The caller label of the overflow slot.
pub(crate) const OVERFLOW: &str = "(other)";

/// One `function_calls_total` series, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallSeries {
    pub(crate) function: String,
    pub(crate) module: String,
    pub(crate) caller_function: String,
    pub(crate) caller_module: String,
    pub(crate) result: String,
    pub(crate) value: u64,
}

/// `[ok, error]` per caller of one function.
type PerCaller = BTreeMap<String, [u64; 2]>;

/// What matched, for printing.
#[derive(Debug, Default)]
pub(crate) struct Matched {
    /// `(function, ok, error, named callers, callers in (other))`.
    pub(crate) functions: Vec<(String, u64, u64, usize, usize)>,
}

impl Matched {
    pub(crate) fn print(&self) {
        println!("  {:<20} {:>6} {:>6}  callers", "function", "ok", "error");
        for (f, ok, err, named, other) in &self.functions {
            let callers = if *other > 0 {
                format!("{named} named + {other} in {OVERFLOW}")
            } else {
                format!("{named}")
            };
            println!("  {f:<20} {ok:>6} {err:>6}  {callers}");
        }
    }

    pub(crate) fn totals(&self) -> (u64, u64) {
        self.functions
            .iter()
            .fold((0, 0), |(o, e), f| (o + f.1, e + f.2))
    }
}

/// Checks `actual` against `expect` with `slots` caller slots per function.
pub(crate) fn check_calls(
    expect: &Expectations,
    actual: &[CallSeries],
    slots: usize,
) -> Result<Matched, Vec<String>> {
    let mut errors = Vec::new();
    let mut want: BTreeMap<&str, PerCaller> = BTreeMap::new();
    for e in &expect.edges {
        let slot = want
            .entry(e.function.as_str())
            .or_default()
            .entry(e.caller.clone())
            .or_default();
        slot[0] += e.ok;
        slot[1] += e.error;
    }
    let mut got: BTreeMap<&str, PerCaller> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for s in actual {
        let r = match s.result.as_str() {
            "ok" => 0,
            "error" => 1,
            other => {
                errors.push(format!("{}: result label {other:?}", s.function));
                continue;
            }
        };
        if !seen.insert((&s.function, &s.caller_function, &s.result)) {
            errors.push(format!(
                "{} from {:?} result={}: series appears twice",
                s.function, s.caller_function, s.result
            ));
        }
        match expect.module_of(&s.function) {
            Some(m) if m == s.module => {}
            Some(m) => errors.push(format!("{}: module {:?}, want {m:?}", s.function, s.module)),
            None => errors.push(format!(
                "{}: not a function the firmware called",
                s.function
            )),
        }
        let want_caller_module = match s.caller_function.as_str() {
            "" => Some(""),
            OVERFLOW => Some(OVERFLOW),
            c => expect.module_of(c),
        };
        if want_caller_module != Some(s.caller_module.as_str()) {
            errors.push(format!(
                "{} from {:?}: caller_module {:?}, want {want_caller_module:?}",
                s.function, s.caller_function, s.caller_module
            ));
        }
        got.entry(s.function.as_str())
            .or_default()
            .entry(s.caller_function.clone())
            .or_default()[r] += s.value;
    }
    let mut matched = Matched::default();
    for (function, want_callers) in &want {
        let empty = PerCaller::new();
        let got_callers = got.get(function).unwrap_or(&empty);
        let named: Vec<&String> = got_callers
            .keys()
            .filter(|c| !c.is_empty() && *c != OVERFLOW)
            .collect();
        if named.len() > slots {
            errors.push(format!(
                "{function}: {} named callers, but a function has {slots} slots",
                named.len()
            ));
        }
        for (caller, counts) in got_callers {
            if caller == OVERFLOW {
                continue;
            }
            let want = want_callers.get(caller).copied().unwrap_or_default();
            if *counts != want {
                errors.push(format!(
                    "{function} from {caller:?}: [ok, error] = {counts:?}, firmware counted {want:?}"
                ));
            }
        }
        let overflowed: Vec<(&String, &[u64; 2])> = want_callers
            .iter()
            .filter(|(c, _)| !got_callers.contains_key(*c))
            .collect();
        let want_other = overflowed
            .iter()
            .fold([0, 0], |acc, (_, c)| [acc[0] + c[0], acc[1] + c[1]]);
        let got_other = got_callers.get(OVERFLOW).copied().unwrap_or_default();
        if got_other != want_other {
            errors.push(format!(
                "{function}: {OVERFLOW} holds {got_other:?}, the callers without a slot ({:?}) made {want_other:?}",
                overflowed.iter().map(|(c, _)| c).collect::<Vec<_>>()
            ));
        }
        if !overflowed.is_empty() && named.len() != slots {
            errors.push(format!(
                "{function}: callers {overflowed:?} went to {OVERFLOW} with only {} of {slots} slots used",
                named.len()
            ));
        }
        let total = want_callers
            .values()
            .fold([0, 0], |a, c| [a[0] + c[0], a[1] + c[1]]);
        matched.functions.push((
            (*function).to_owned(),
            total[0],
            total[1],
            named.len(),
            overflowed.len(),
        ));
    }
    for function in got.keys() {
        if !want.contains_key(function) {
            errors.push(format!(
                "{function}: reported, but the firmware never called it"
            ));
        }
    }
    if errors.is_empty() {
        Ok(matched)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(function: &str, caller: &str, result: &str, value: u64) -> CallSeries {
        let module = |f: &str| match f {
            "" => "",
            OVERFLOW => OVERFLOW,
            _ => "m",
        };
        CallSeries {
            function: function.into(),
            module: "m".into(),
            caller_function: caller.into(),
            caller_module: module(caller).into(),
            result: result.into(),
            value,
        }
    }

    fn expect(lines: &str) -> Expectations {
        Expectations::parse(&format!(
            "omnimetrics-firmware device=t\n{lines}summary rounds=1 failed=0 reports=1 bytes=1\n"
        ))
        .unwrap()
    }

    #[test]
    fn exact_match_with_overflow() {
        let e = expect(
            "call function=a module=m caller= ok=5 error=0\n\
             call function=b module=m caller=a ok=2 error=1\n\
             call function=c module=m caller=a ok=1 error=0\n\
             call function=c module=m caller=b ok=4 error=1\n",
        );
        let got = [
            series("a", "", "ok", 5),
            series("a", "", "error", 0),
            series("b", "", "ok", 0),
            series("b", "a", "ok", 2),
            series("b", "a", "error", 1),
            series("c", "a", "ok", 1),
            series("c", "a", "error", 0),
            series("c", OVERFLOW, "ok", 4),
            series("c", OVERFLOW, "error", 1),
        ];
        let m = check_calls(&e, &got, 1).unwrap();
        assert_eq!(m.totals(), (12, 2));
        // With two slots, `b` should have had one.
        assert!(check_calls(&e, &got, 2).is_err());
    }

    #[test]
    fn a_wrong_count_or_caller_fails() {
        let e = expect(
            "call function=b module=m caller=a ok=2 error=1\ncall function=a module=m caller= ok=1 error=0\n",
        );
        let wrong = [
            series("a", "", "ok", 1),
            series("b", "a", "ok", 2),
            series("b", "a", "error", 2),
        ];
        assert!(check_calls(&e, &wrong, 4).is_err());
        let misattributed = [
            series("a", "", "ok", 1),
            series("b", "", "ok", 2),
            series("b", "", "error", 1),
        ];
        assert!(check_calls(&e, &misattributed, 4).is_err());
        let right = [
            series("a", "", "ok", 1),
            series("b", "a", "ok", 2),
            series("b", "a", "error", 1),
        ];
        assert!(check_calls(&e, &right, 4).is_ok());
    }
}
