//! The host side of compact function records: SPEC's families and label
//! sets built from `Function`, `Caller` and `Labelled` records,
//! exactly as the live registry shows them (the tests compare the two).

use super::decoder::{Cost, FamilyShape, SeriesShape, label_cost};
use super::error::DecodeError;
use super::wire::CallerRef;
use alloc::collections::BTreeSet;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use omnimetrics::OVERFLOW_CALLER;
use omnimetrics::names::{BUILD_INFO_LABELS, CALLS_LABELS, DURATION_LABELS, FAMILIES};
use omnimetrics::visit::FamilyDesc;

/// Where a value of the value frame goes, in the order the description's
/// records give them.
#[derive(Clone, Copy, Debug)]
pub(super) enum Slot {
    /// Series `.1` of the frame's `.0`-th `Family` record.
    Generic(usize, usize),
    /// The `.1`-th `function_calls_total` series of function `.0`.
    Calls(usize, usize),
    /// The latency histogram of function `.0`.
    Duration(usize),
    /// The concurrency gauge of function `.0`.
    Concurrent(usize),
}

/// A function's strings, in the record's order: `function`, `module`,
/// `service_name`, `objective_name`, the calls' `objective_percentile`,
/// the latency's `objective_percentile` and `objective_latency_threshold`.
type Strings = [String; 7];

#[derive(Debug)]
struct Function {
    strings: Strings,
    concurrency: bool,
    buckets: Option<(Vec<u64>, u8)>,
    /// Its build, in `Functions::builds`.
    build: usize,
    /// Its rows of calls after the root: `(caller, None)` for a caller's
    /// ok and error series, `(caller, Some((is_err, label)))` for one
    /// labelled series.
    calls: Vec<(CallerRef, Option<(bool, String)>)>,
    /// How many calls series it has so far (the root's two included).
    series: usize,
}

/// The function records of one description frame.
#[derive(Debug, Default)]
pub(super) struct Functions {
    list: Vec<Function>,
    /// The builds the records gave: `version`, `commit`, `branch`,
    /// `repository_url`, `repository_provider`, `autometrics_version`.
    builds: Vec<[String; 6]>,
    /// `Caller` and `Labelled` records may follow: the last record was the
    /// last function's `Function`, `Caller` or `Labelled` record.
    open: bool,
}

impl Functions {
    /// A `Function` record (`build` `None`: the previous record's); its
    /// root's two values come next.
    pub(super) fn function(
        &mut self,
        strings: [&str; 7],
        concurrency: bool,
        buckets: Option<(Vec<u64>, u8)>,
        build: Option<[&str; 6]>,
        slots: &mut Vec<Slot>,
        cost: &mut Cost,
    ) -> Result<(), DecodeError> {
        self.close(slots);
        cost.allow_compact();
        cost.add(size_of::<Function>() + strings.iter().map(|s| s.len()).sum::<usize>())?;
        if let Some(values) = build {
            cost.add(size_of::<[String; 6]>() + values.iter().map(|s| s.len()).sum::<usize>())?;
            self.builds.push(values.map(ToString::to_string));
        }
        // `Same` on the first record has nothing to refer to.
        let build = self.builds.len().checked_sub(1);
        let build = build.ok_or(DecodeError::Malformed)?;
        let f = self.list.len();
        self.list.push(Function {
            strings: strings.map(ToString::to_string),
            concurrency,
            buckets,
            build,
            calls: Vec::new(),
            series: 2,
        });
        slots.extend([Slot::Calls(f, 0), Slot::Calls(f, 1)]);
        self.open = true;
        Ok(())
    }

    /// A `Caller` (`label` `None`) or `Labelled` record of the last
    /// function.
    pub(super) fn row(
        &mut self,
        caller: CallerRef,
        label: Option<(bool, &str)>,
        slots: &mut Vec<Slot>,
        cost: &mut Cost,
    ) -> Result<(), DecodeError> {
        let f = self.list.len().checked_sub(1).filter(|_| self.open);
        let f = f.ok_or(DecodeError::Malformed)?;
        let function = &mut self.list[f];
        // `None` is no caller: only a labelled series has none beyond the
        // root. A table of labelled series has no overflow row (a full one
        // counts in the function's rows instead).
        if matches!(
            (label.is_some(), caller),
            (false, CallerRef::None) | (true, CallerRef::Other)
        ) {
            return Err(DecodeError::Malformed);
        }
        cost.add(
            size_of::<(CallerRef, Option<(bool, String)>)>() + label.map_or(0, |l| l.1.len()),
        )?;
        let n = if label.is_some() { 1 } else { 2 };
        slots.extend((0..n).map(|i| Slot::Calls(f, function.series + i)));
        function.series += n;
        function
            .calls
            .push((caller, label.map(|(e, l)| (e, l.to_string()))));
        Ok(())
    }

    /// Any other record, or the end: the last function's histogram and
    /// gauge values come now.
    pub(super) fn close(&mut self, slots: &mut Vec<Slot>) {
        if !core::mem::take(&mut self.open) {
            return;
        }
        let f = self.list.len() - 1;
        let function = &self.list[f];
        if function.buckets.is_some() {
            slots.push(Slot::Duration(f));
        }
        if function.concurrency {
            slots.push(Slot::Concurrent(f));
        }
    }

    /// SPEC's families of the records (those with series), in the live
    /// registry's order, and where each [`Slot`] but `Generic` lands in
    /// them.
    pub(super) fn expand(
        self,
        cost: &mut Cost,
    ) -> Result<(Vec<FamilyShape>, Placement), DecodeError> {
        let mut place = Placement::default();
        let mut calls = Vec::new();
        let mut durations = Vec::new();
        let mut concurrent = Vec::new();
        for f in &self.list {
            place.calls.push(calls.len());
            let s = f.strings.each_ref().map(String::as_str);
            let mut row = |caller: &CallerRef, result: Option<(bool, &str)>| {
                let (caller_function, caller_module) = match *caller {
                    CallerRef::None => ("", ""),
                    CallerRef::Other => (OVERFLOW_CALLER, OVERFLOW_CALLER),
                    CallerRef::Function(i) => {
                        let to = usize::try_from(i).ok().and_then(|i| self.list.get(i));
                        let to = to.ok_or(DecodeError::Malformed)?;
                        (to.strings[0].as_str(), to.strings[1].as_str())
                    }
                };
                let results: &[bool] = match &result {
                    None => &[false, true],
                    Some((true, _)) => &[true],
                    Some((false, _)) => &[false],
                };
                for &is_err in results {
                    let result_text = if is_err { "error" } else { "ok" };
                    let values = [
                        s[0],
                        s[1],
                        s[2],
                        result_text,
                        caller_function,
                        caller_module,
                        s[3],
                        s[4],
                    ];
                    let mut labels = named(&CALLS_LABELS, values, cost)?;
                    if let Some((_, label)) = result {
                        labels.push(pair(result_text, label, cost)?);
                    }
                    calls.push(SeriesShape {
                        labels,
                        buckets: None,
                        fixed: None,
                    });
                }
                Ok::<(), DecodeError>(())
            };
            row(&CallerRef::None, None)?;
            for (caller, label) in &f.calls {
                row(caller, label.as_ref().map(|(e, l)| (*e, l.as_str())))?;
            }
            if let Some(buckets) = &f.buckets {
                cost.add(buckets.0.len().saturating_mul(size_of::<u64>()))?;
                place.durations.push(Some(durations.len()));
                let values = [s[0], s[1], s[2], s[3], s[5], s[6]];
                durations.push(SeriesShape {
                    labels: named(&DURATION_LABELS, values, cost)?,
                    buckets: Some(buckets.clone()),
                    fixed: None,
                });
            } else {
                place.durations.push(None);
            }
            place.concurrent.push(concurrent.len());
            if f.concurrency {
                concurrent.push(SeriesShape {
                    labels: named(&CALLS_LABELS[..3], [s[0], s[1], s[2]], cost)?,
                    buckets: None,
                    fixed: None,
                });
            }
        }
        // One `build_info` per `service_name`, of the first function with
        // it, as the live registry has them; always 1.
        let mut builds = Vec::new();
        let mut services = BTreeSet::new();
        for f in &self.list {
            let service = &f.strings[2];
            if !services.insert(service) {
                continue;
            }
            let b = &self.builds[f.build];
            let values = [service, &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]];
            builds.push(SeriesShape {
                labels: named(&BUILD_INFO_LABELS, values.map(String::as_str), cost)?,
                buckets: None,
                fixed: Some(1),
            });
        }
        let mut families = Vec::new();
        for (i, series) in [calls, durations, concurrent, builds]
            .into_iter()
            .enumerate()
        {
            place.family[i] = families.len();
            if !series.is_empty() {
                families.push(family(&FAMILIES[i], series, cost)?);
            }
        }
        Ok((families, place))
    }
}

/// Where the series built by [`Functions::expand`] are.
#[derive(Debug, Default)]
pub(super) struct Placement {
    /// Index in the families of calls, durations, concurrency and
    /// `build_info` (meaningful where they have series).
    family: [usize; 4],
    /// Per function: its first calls series.
    calls: Vec<usize>,
    /// Per function: its histogram series, if any.
    durations: Vec<Option<usize>>,
    /// Per function: its concurrency series if it has one.
    concurrent: Vec<usize>,
}

impl Placement {
    /// The family and series a slot's value belongs to; `None` for a
    /// `Generic` slot.
    pub(super) fn place(&self, slot: Slot) -> Option<(usize, usize)> {
        Some(match slot {
            Slot::Generic(..) => return None,
            Slot::Calls(f, i) => (self.family[0], self.calls[f] + i),
            Slot::Duration(f) => (self.family[1], self.durations[f]?),
            Slot::Concurrent(f) => (self.family[2], self.concurrent[f]),
        })
    }
}

/// Labels of these names and values, booked in `cost`.
fn named<const N: usize>(
    names: &[&str],
    values: [&str; N],
    cost: &mut Cost,
) -> Result<Vec<(String, String)>, DecodeError> {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| pair(n, v, cost))
        .collect()
}

fn pair(name: &str, value: &str, cost: &mut Cost) -> Result<(String, String), DecodeError> {
    cost.add(label_cost(name.len(), value.len()))?;
    Ok((name.to_string(), value.to_string()))
}

fn family(
    desc: &FamilyDesc<'_>,
    series: Vec<SeriesShape>,
    cost: &mut Cost,
) -> Result<FamilyShape, DecodeError> {
    cost.add(size_of::<FamilyShape>() + size_of::<SeriesShape>().saturating_mul(series.len()))?;
    Ok(FamilyShape {
        name: desc.name.to_string(),
        help: desc.help.to_string(),
        kind: desc.kind,
        unit: desc.unit.map(ToString::to_string),
        series,
    })
}
