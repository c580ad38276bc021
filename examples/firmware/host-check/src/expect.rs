//! What the firmware says it did: the lines it printed over semihosting.
//!
//! The firmware counts its own calls (its `ledger` module) independently of
//! omnimetrics and prints them at the end of a run; this module reads that
//! text back:
//!
//! ```text
//! omnimetrics-firmware device=microbit
//! call function=read_sensor module=firmware_app::workload caller=sample_sensors ok=462 error=13
//! summary rounds=240 failed=38 reports=24 bytes=52011
//! ```
//!
//! Other lines (QEMU's own messages) are ignored.

use std::collections::BTreeMap;

/// One expected (function, caller) pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) function: String,
    pub(crate) module: String,
    /// `""` for calls from uninstrumented code.
    pub(crate) caller: String,
    pub(crate) ok: u64,
    pub(crate) error: u64,
}

/// Everything the firmware printed about its run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expectations {
    pub(crate) device: String,
    pub(crate) edges: Vec<Edge>,
    pub(crate) rounds: u64,
    pub(crate) failed: u64,
    pub(crate) reports: u64,
    pub(crate) bytes: u64,
}

fn fields(rest: &str) -> Result<BTreeMap<&str, &str>, String> {
    rest.split(' ')
        .filter(|f| !f.is_empty())
        .map(|f| {
            f.split_once('=')
                .ok_or_else(|| format!("field without '=': {f:?}"))
        })
        .collect()
}

fn get<'a>(f: &BTreeMap<&str, &'a str>, name: &str, line: &str) -> Result<&'a str, String> {
    f.get(name)
        .copied()
        .ok_or_else(|| format!("no {name}= in {line:?}"))
}

fn number(f: &BTreeMap<&str, &str>, name: &str, line: &str) -> Result<u64, String> {
    get(f, name, line)?
        .parse()
        .map_err(|e| format!("{name} in {line:?}: {e}"))
}

impl Expectations {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut out = Self::default();
        let (mut header, mut summary) = (false, false);
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("omnimetrics-firmware ") {
                out.device = get(&fields(rest)?, "device", line)?.to_owned();
                header = true;
            } else if let Some(rest) = line.strip_prefix("call ") {
                let f = fields(rest)?;
                out.edges.push(Edge {
                    function: get(&f, "function", line)?.to_owned(),
                    module: get(&f, "module", line)?.to_owned(),
                    caller: get(&f, "caller", line)?.to_owned(),
                    ok: number(&f, "ok", line)?,
                    error: number(&f, "error", line)?,
                });
            } else if let Some(rest) = line.strip_prefix("summary ") {
                let f = fields(rest)?;
                out.rounds = number(&f, "rounds", line)?;
                out.failed = number(&f, "failed", line)?;
                out.reports = number(&f, "reports", line)?;
                out.bytes = number(&f, "bytes", line)?;
                summary = true;
            }
        }
        if !header || !summary || out.edges.is_empty() {
            return Err("incomplete expectations: the firmware did not finish its run".into());
        }
        Ok(out)
    }

    /// The module of an instrumented caller (the callee's module when the
    /// caller is also a workload function).
    pub(crate) fn module_of(&self, function: &str) -> Option<&str> {
        self.edges
            .iter()
            .find(|e| e.function == function)
            .map(|e| e.module.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_run() {
        let e = Expectations::parse(
            "omnimetrics-firmware device=microbit\n\
             call function=a module=m caller= ok=3 error=1\n\
             call function=b module=m caller=a ok=2 error=0\n\
             summary rounds=4 failed=1 reports=2 bytes=99\n\
             Timer with period zero, disabling\n",
        )
        .unwrap();
        assert_eq!(e.device, "microbit");
        assert_eq!(e.edges.len(), 2);
        assert_eq!(e.edges[0].caller, "");
        assert_eq!(e.edges[1].ok, 2);
        assert_eq!((e.rounds, e.reports, e.bytes), (4, 2, 99));
        assert_eq!(e.module_of("a"), Some("m"));
    }

    #[test]
    fn refuses_an_unfinished_run() {
        assert!(Expectations::parse("omnimetrics-firmware device=x\n").is_err());
    }
}
