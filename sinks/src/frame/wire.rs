//! The format's types for serde, so that the decoder reads frames with
//! postcard itself (and the tests can check the hand-written encoder's
//! bytes against postcard's own serializer).
//!
//! Variant order is the wire's variant index: keep it in step with
//! `super::tag` and the module docs.

use alloc::boxed::Box;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) version: u8,
    pub(crate) kind: FrameKind,
    pub(crate) boot_id: u32,
    pub(crate) seq: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FrameKind {
    Description,
    Values,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Record<'a> {
    Family {
        name: &'a str,
        help: &'a str,
        kind: Kind,
        #[serde(borrow)]
        unit: Option<&'a str>,
    },
    Series {
        #[serde(borrow)]
        labels: Vec<Label<'a>>,
        buckets: Buckets,
    },
    Counter(u64),
    Gauge(i64),
    Histogram {
        counts: Vec<u64>,
        sum: u64,
    },
    Exemplar {
        #[serde(borrow)]
        labels: Vec<(&'a str, &'a str)>,
        mantissa: u64,
        scale: u8,
        bucket: Option<u64>,
    },
    End {
        schema: u32,
    },
    ScaledCounter {
        value: u64,
        scale: u8,
    },
    ScaledGauge {
        value: i64,
        scale: u8,
    },
    // The strings boxed: every record of a frame is held as a `Record`
    // while it is parsed, and the decoder's memory budget counts
    // `Record`'s size for each.
    Function {
        #[serde(borrow)]
        strings: Box<[&'a str; 7]>,
        concurrency: bool,
        buckets: Buckets,
        #[serde(borrow)]
        build: Build<'a>,
    },
    Caller(CallerRef),
    Labelled {
        caller: CallerRef,
        error: bool,
        #[serde(borrow)]
        label: &'a str,
    },
}

/// The build a `Function` record's `build_info` is of.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Build<'a> {
    /// The previous `Function` record's.
    Same,
    /// `version`, `commit`, `branch`, `repository_url`,
    /// `repository_provider` and `autometrics_version`.
    New(#[serde(borrow)] Box<[&'a str; 6]>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CallerRef {
    None,
    Other,
    Function(u32),
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Label<'a> {
    Same,
    Value(&'a str),
    Full(&'a str, &'a str),
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Buckets {
    None,
    Same,
    New { scale: u8, bounds: Vec<u64> },
}
