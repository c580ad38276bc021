//! Every device's latest snapshot as one [`Source`], for the exporter.
//!
//! Prometheus wants each family once per scrape, but every device sends
//! its own `function_calls`, `build_info` and so on. So a scrape walks the
//! families in the order they first appear across devices, and under each
//! writes the series of every device that has it, with a `device` label
//! first. Series are borrowed from the stored snapshots, not copied. A
//! device whose family has another type than the same family of an earlier
//! device (two different firmwares disagreeing on a name) has that family
//! left out. The bridge's own families come last.

use super::clean::DEVICE_LABEL;
use super::device::{DeviceStatus, Devices};
use super::own;
use omnimetrics::visit::{Exemplar, FamilyDesc, Label, Series, Source, Visitor};
use omnimetrics::{Decimal, FamilySnapshot};
use std::collections::HashMap;
use std::sync::Arc;

/// What a bridge serves: every device's latest snapshot with a `device`
/// label, then the bridge's own `omnimetrics_bridge_*` metrics. Cheap to
/// clone; hand it to [`ExporterBuilder::source`](crate::ExporterBuilder::source)
/// or [`Endpoint::with_source`](crate::Endpoint::with_source).
#[derive(Clone, Debug)]
pub struct BridgeSource {
    devices: Arc<Devices>,
}

impl BridgeSource {
    pub(crate) fn new(devices: Arc<Devices>) -> Self {
        Self { devices }
    }
}

impl Source for BridgeSource {
    fn visit<V: Visitor + ?Sized>(&self, v: &mut V) -> Result<(), V::Error> {
        let statuses = self.devices.statuses();
        visit_devices(&statuses, v)?;
        own::snapshot(&statuses).visit(v)
    }
}

/// One family across devices: the first device's header, and each
/// device's listing of it.
type Group<'a> = (&'a FamilySnapshot, Vec<(&'a str, &'a FamilySnapshot)>);

fn visit_devices<V: Visitor + ?Sized>(
    statuses: &[DeviceStatus],
    v: &mut V,
) -> Result<(), V::Error> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for status in statuses {
        let Some(snapshot) = &status.snapshot else {
            continue;
        };
        for family in &snapshot.families {
            match by_name.get(family.name.as_str()) {
                Some(&i) => {
                    if let Some((first, members)) = groups.get_mut(i)
                        && first.kind == family.kind
                    {
                        members.push((&status.name, family));
                    }
                }
                None => {
                    by_name.insert(&family.name, groups.len());
                    groups.push((family, vec![(&status.name, family)]));
                }
            }
        }
    }
    let mut labels: Vec<Label<'_>> = Vec::new();
    let mut exemplar_labels: Vec<Label<'_>> = Vec::new();
    for (first, members) in &groups {
        v.family(&FamilyDesc {
            name: &first.name,
            help: &first.help,
            kind: first.kind,
            unit: first.unit.as_deref(),
        })?;
        for (device, family) in members {
            for series in &family.series {
                labels.clear();
                labels.push(Label::new(DEVICE_LABEL, device));
                labels.extend(series.labels.iter().map(|(n, v)| Label::new(n, v)));
                exemplar_labels.clear();
                let exemplar = series.exemplar.as_ref().map(|e| {
                    exemplar_labels.extend(e.labels.iter().map(|(n, v)| Label::new(n, v)));
                    (Decimal::new(e.value.0, e.value.1), e.bucket)
                });
                v.series(&Series {
                    labels: &labels,
                    value: series.value.as_value(),
                    exemplar: exemplar.map(|(value, bucket)| Exemplar {
                        labels: &exemplar_labels,
                        value,
                        bucket,
                    }),
                })?;
            }
        }
    }
    Ok(())
}
