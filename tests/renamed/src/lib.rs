//! Hygiene: the facade is a dependency only under another name (`om`), so
//! the macro must find it through `Cargo.toml`, not assume `::omnimetrics`.

/// An instrumented function in a crate that calls the facade `om`.
#[om::autometrics(track_concurrency)]
pub fn renamed(ok: bool) -> Result<(), ()> {
    if ok { Ok(()) } else { Err(()) }
}

/// Methods too.
#[derive(Debug)]
pub struct Thing;

#[om::autometrics]
impl Thing {
    /// An instrumented method.
    pub async fn method(&self) -> u8 {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_through_the_renamed_facade() {
        renamed(true).unwrap();
        renamed(false).unwrap_err();
        let snap = om::Snapshot::capture(&om::registry());
        let c = |r| snap.counter_sum("function_calls", &[("function", "renamed"), ("result", r)]);
        assert_eq!((c("ok"), c("error")), (1, 1));
        let s = snap
            .series("function_calls", &[("function", "renamed")])
            .next()
            .unwrap();
        // The service is the package the function was compiled in.
        assert_eq!(s.label("service_name"), Some("omnimetrics-renamed-check"));
    }
}
