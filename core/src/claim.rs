//! Fixed tables whose slots are claimed once and never freed: the caller
//! slots of `result_labels` and the series of labelled families.
//!
//! Finding a key is a lock-free scan. Claiming a slot writes more than one
//! word, so it happens inside a `critical-section`; slots are claimed in
//! index order and never given back, so a scan that meets an unclaimed slot
//! knows every later one is unclaimed too, and a scan that finds every slot
//! claimed without a match knows the table is full. Only the first case
//! takes the lock: a full table costs its callers a scan, never a lock.

use portable_atomic::{AtomicBool, Ordering};

/// What a scan found.
enum Scan<'a, S> {
    Found(&'a S),
    /// No match; this is the first unclaimed slot.
    Free(&'a S),
    Full,
}

fn scan<'a, S>(
    slots: &'a [S],
    ready: &impl Fn(&S) -> &AtomicBool,
    matches: &impl Fn(&S) -> bool,
) -> Scan<'a, S> {
    for s in slots {
        if !crate::acquire::bool(ready(s)) {
            return Scan::Free(s);
        }
        if matches(s) {
            return Scan::Found(s);
        }
    }
    Scan::Full
}

/// The slot whose key `matches`, claiming the first free one with `claim`
/// (which writes the key) if there is none; `None` when the table is full.
///
/// `matches` is asked only about claimed slots (their `ready` flag was seen
/// set, with Acquire); `claim` runs inside the critical section on an
/// unclaimed slot, which is published (`ready` set with Release) after it.
#[inline]
pub(crate) fn find_or_claim<S>(
    slots: &[S],
    ready: impl Fn(&S) -> &AtomicBool,
    matches: impl Fn(&S) -> bool,
    claim: impl FnOnce(&S),
) -> Option<&S> {
    match scan(slots, &ready, &matches) {
        Scan::Found(s) => return Some(s),
        Scan::Full => return None,
        Scan::Free(_) => {}
    }
    critical_section::with(|_| {
        // Someone may have claimed it, or filled the table, since the scan.
        match scan(slots, &ready, &matches) {
            Scan::Found(s) => Some(s),
            Scan::Full => None,
            Scan::Free(free) => {
                claim(free);
                ready(free).store(true, Ordering::Release);
                Some(free)
            }
        }
    })
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::find_or_claim;
    use core::cell::Cell;
    use portable_atomic::AtomicBool;
    use std::sync::mpsc;
    use std::time::Duration;

    struct Slot {
        ready: AtomicBool,
        key: Cell<u32>,
    }

    // SAFETY: `key` is written before `ready` is published and read after,
    // as in the real tables (test only).
    unsafe impl Sync for Slot {}

    fn table<const N: usize>() -> [Slot; N] {
        core::array::from_fn(|_| Slot {
            ready: AtomicBool::new(false),
            key: Cell::new(0),
        })
    }

    fn get(slots: &[Slot], key: u32) -> Option<usize> {
        let found = find_or_claim(
            slots,
            |s| &s.ready,
            |s| s.key.get() == key,
            |s| s.key.set(key),
        )?;
        slots.iter().position(|s| core::ptr::eq(s, found))
    }

    #[test]
    fn claims_in_order_finds_again_and_reports_full() {
        let slots = table::<3>();
        assert_eq!(get(&slots, 7), Some(0));
        assert_eq!(get(&slots, 9), Some(1));
        assert_eq!(get(&slots, 7), Some(0));
        assert_eq!(get(&slots, 5), Some(2));
        assert_eq!(get(&slots, 4), None);
        assert_eq!(get(&slots, 9), Some(1));
    }

    #[test]
    fn a_full_table_answers_without_taking_the_lock() {
        static SLOTS: std::sync::OnceLock<[Slot; 2]> = std::sync::OnceLock::new();
        let slots = SLOTS.get_or_init(table::<2>);
        get(slots, 1);
        get(slots, 2);
        let (tx, rx) = mpsc::channel();
        // Hold the critical section while another thread asks the full
        // table for a new key and for a known one: both must answer.
        critical_section::with(|_| {
            std::thread::spawn(move || {
                let _ = tx.send((get(slots, 3), get(slots, 2)));
            });
            let answer = rx.recv_timeout(Duration::from_secs(10));
            assert_eq!(
                answer,
                Ok((None, Some(1))),
                "the lookup waited for the lock"
            );
        });
    }
}
