//! The demo worker's application: a tiny shop behind three routes.
//!
//! It exists to give the adapter something realistic to measure: a request
//! handler with an objective and a concurrency gauge, calls that nest two
//! and three levels deep (so `caller_function` has something to say), and
//! failures of several kinds (so `result="error"` and the `error="..."`
//! variant labels do too). The JS worker turns a request into
//! [`respond`]`(method, path, out)` and the status and body back into a
//! `Response`.
//!
//! | route | calls | fails with |
//! |---|---|---|
//! | `GET /` | `handle` | - |
//! | `GET /items/{id}` | `handle` → `get_item` → `parse_number`, `find_item` | `BadNumber` (400), `NotFound` (404) |
//! | `POST /checkout/{id}/{qty}` | `handle` → `checkout` → `get_item` → …, `parse_number`, `reserve` | also `OutOfStock` (409) |
//! | anything else | `handle` | `NoRoute` (404), `MethodNotAllowed` (405) |
//!
//! Bodies are written straight into the module's output [`Buffer`] (the
//! one the host reads the reply from), without `core::fmt` (see
//! [`push_decimal`]): the formatting machinery would be most of the
//! `.wasm`, and a body built elsewhere first would be one more copy, and
//! its code, per request.

use crate::buffer::Buffer;
use omnimetrics::{Objective, ObjectiveLatency, ObjectivePercentile, ResultLabel, autometrics};

/// The objective of the request handler: 99 % of requests succeed, 95 % of
/// them within 250 ms.
pub const API: Objective = Objective::new("api")
    .success_rate(ObjectivePercentile::P99)
    .latency(ObjectiveLatency::from_millis(250), ObjectivePercentile::P95);

/// Why a request failed; each variant is exported as an `error="..."` label
/// of the functions that return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ResultLabel)]
pub enum ShopError {
    /// An id or quantity that is not a positive whole number.
    BadNumber,
    /// No item with that id.
    NotFound,
    /// Fewer items in stock than ordered.
    OutOfStock,
    /// No such route.
    NoRoute,
    /// The route exists, with another method.
    MethodNotAllowed,
}

impl ShopError {
    /// The HTTP status to answer with.
    pub fn status(self) -> u16 {
        match self {
            ShopError::BadNumber => 400,
            ShopError::NotFound | ShopError::NoRoute => 404,
            ShopError::MethodNotAllowed => 405,
            ShopError::OutOfStock => 409,
        }
    }

    /// A one-line explanation for the response body.
    pub fn message(self) -> &'static str {
        match self {
            ShopError::BadNumber => "ids and quantities are positive whole numbers\n",
            ShopError::NotFound => "no such item\n",
            ShopError::OutOfStock => "not enough in stock\n",
            ShopError::NoRoute => "no such route; try /items/1 or POST /checkout/1/2\n",
            ShopError::MethodNotAllowed => "method not allowed\n",
        }
    }
}

/// The most a reply body holds: the longest the demo writes is the index
/// (82 bytes); an order with the largest numbers is 49 (see the test
/// `the_longest_bodies_fit`). The host reserves this much before a request,
/// so that a body is written whole or (out of memory) not at all.
pub const BODY_CAPACITY: usize = 128;

/// The body of the answer to a request the host could not pass on as text
/// (bytes that are not UTF-8), which is 400 without calling the shop.
pub const BAD_INPUT: &str = "the request's method or path is not UTF-8\n";

/// Answers one request: appends the body to `out` and returns the status.
/// [`handle`] writes the body of a success; a failure is answered with
/// its [`ShopError::message`] and [`ShopError::status`].
pub fn respond(method: &str, path: &str, out: &mut Buffer) -> u16 {
    match handle(method, path, out) {
        Ok(()) => 200,
        Err(e) => {
            put(out, e.message());
            e.status()
        }
    }
}

/// An item of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    /// Its id in URLs.
    pub id: u32,
    /// What it is.
    pub name: &'static str,
    /// Price per item, in cents.
    pub price_cents: u32,
    /// How many can be ordered at once.
    pub stock: u32,
}

/// Everything the shop sells (ids 1 to 3).
pub static CATALOGUE: [Item; 3] = [
    Item {
        id: 1,
        name: "teapot",
        price_cents: 2_500,
        stock: 5,
    },
    Item {
        id: 2,
        name: "kettle",
        price_cents: 4_000,
        stock: 2,
    },
    Item {
        id: 3,
        name: "cup",
        price_cents: 600,
        stock: 40,
    },
];

/// The body of `GET /`.
const INDEX: &str =
    "omnimetrics wasm demo: GET /items/{id}, POST /checkout/{id}/{qty}, GET /metrics\n";

/// Answers one request, appending the body of a success to `out` (a
/// failure writes nothing; see [`respond`]); the query string, if any, is
/// ignored.
#[autometrics(objective = API, track_concurrency, result_labels)]
pub fn handle(method: &str, path: &str, out: &mut Buffer) -> Result<(), ShopError> {
    let (mut path, _query) = cut(path, b'?');
    // Leading slashes (`str::strip_prefix('/')` until there is none).
    while let ("", Some(rest)) = cut(path, b'/') {
        path = rest;
    }
    // The first four `/`-separated parts (as `str::split` gives them).
    let mut rest = Some(path);
    let mut part = || {
        let (part, after) = cut(rest?, b'/');
        rest = after;
        Some(part)
    };
    match (part(), part(), part(), part()) {
        (Some(""), None, None, None) => {
            allow(method, "GET")?;
            put(out, INDEX);
        }
        (Some("items"), Some(id), None, None) => {
            allow(method, "GET")?;
            let item = get_item(id)?;
            item_body(out, item);
        }
        (Some("checkout"), Some(id), Some(qty), None) => {
            allow(method, "POST")?;
            let (item, qty, total) = checkout(id, qty)?;
            order_body(out, item, qty, total);
        }
        _ => return Err(ShopError::NoRoute),
    }
    Ok(())
}

/// Looks an item up by the id as written in the URL.
#[autometrics(result_labels)]
pub fn get_item(raw_id: &str) -> Result<&'static Item, ShopError> {
    let id = parse_number(raw_id)?;
    find_item(id)
}

/// Orders `raw_qty` of item `raw_id`; returns the item, the quantity and
/// the total in cents.
#[autometrics(result_labels)]
pub fn checkout(raw_id: &str, raw_qty: &str) -> Result<(&'static Item, u32, u32), ShopError> {
    let item = get_item(raw_id)?;
    let qty = parse_number(raw_qty)?;
    reserve(item, qty)?;
    Ok((item, qty, item.price_cents.saturating_mul(qty)))
}

/// A positive whole number of at most nine digits.
#[autometrics]
pub fn parse_number(raw: &str) -> Result<u32, ShopError> {
    // At most nine digits: fits in a u32 without overflow.
    if raw.len() > 9 {
        return Err(ShopError::BadNumber);
    }
    let mut n = 0u32;
    for b in raw.bytes() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(ShopError::BadNumber);
        }
        n = n * 10 + u32::from(digit);
    }
    // No digits, or only zeros.
    if n == 0 {
        Err(ShopError::BadNumber)
    } else {
        Ok(n)
    }
}

/// The catalogue entry with id `id`.
#[autometrics]
pub fn find_item(id: u32) -> Result<&'static Item, ShopError> {
    CATALOGUE
        .iter()
        .find(|i| i.id == id)
        .ok_or(ShopError::NotFound)
}

/// Checks that `qty` of `item` can be ordered.
#[autometrics]
pub fn reserve(item: &Item, qty: u32) -> Result<(), ShopError> {
    if qty <= item.stock {
        Ok(())
    } else {
        Err(ShopError::OutOfStock)
    }
}

fn allow(method: &str, expected: &str) -> Result<(), ShopError> {
    if method.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(ShopError::MethodNotAllowed)
    }
}

/// `teapot: 2500 cents, 5 in stock`
fn item_body(out: &mut Buffer, item: &Item) {
    put(out, item.name);
    put(out, ": ");
    push_decimal(out, item.price_cents);
    put(out, " cents, ");
    push_decimal(out, item.stock);
    put(out, " in stock\n");
}

/// `ordered 2 x teapot: 5000 cents`
fn order_body(out: &mut Buffer, item: &Item, qty: u32, total: u32) {
    put(out, "ordered ");
    push_decimal(out, qty);
    put(out, " x ");
    put(out, item.name);
    put(out, ": ");
    push_decimal(out, total);
    put(out, " cents\n");
}

/// Appends `s` to `out`. Out of memory, the body ends early here; the host
/// reserves [`BODY_CAPACITY`] first and drops the body if that fails, so
/// that it never sees part of one.
fn put(out: &mut Buffer, s: &str) {
    let _ = out.push(s.as_bytes());
}

/// `s` up to the first `delimiter` (an ASCII byte), and what follows it
/// (`None` when there is none): `str::split_once`, and, repeated,
/// `str::split`, without `str`'s pattern machinery (see the module docs).
fn cut(s: &str, delimiter: u8) -> (&str, Option<&str>) {
    let bytes = s.as_bytes();
    let at = bytes.iter().position(|&b| b == delimiter);
    match at.and_then(|at| Some((bytes.get(..at)?, bytes.get(at + 1..)?))) {
        Some((part, rest)) if delimiter.is_ascii() => {
            // SAFETY: `s` is UTF-8 and the delimiter is an ASCII byte, a
            // whole character: the bytes before and after it are whole
            // characters too.
            unsafe {
                (
                    core::str::from_utf8_unchecked(part),
                    Some(core::str::from_utf8_unchecked(rest)),
                )
            }
        }
        _ => (s, None),
    }
}

/// Appends `n` in decimal, without `core::fmt`.
pub fn push_decimal(out: &mut Buffer, n: u32) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    // One ASCII digit: `n % 10` is below 10.
    let _ = out.push(&[b'0' + (n % 10) as u8]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `write` appends to an empty buffer, as text.
    fn written(write: impl FnOnce(&mut Buffer)) -> std::string::String {
        let mut out = Buffer::new();
        write(&mut out);
        std::string::String::from_utf8(out.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn decimals() {
        let s = written(|out| {
            put(out, "n=");
            push_decimal(out, 4_000_000_007);
        });
        assert_eq!(s, "n=4000000007");
        for (n, text) in [(0, "0"), (7, "7"), (10, "10"), (u32::MAX, "4294967295")] {
            assert_eq!(written(|out| push_decimal(out, n)), text);
        }
    }

    #[test]
    fn the_longest_bodies_fit() {
        // (Not through `handle`: the host tests count its calls.)
        assert!(INDEX.len() <= BODY_CAPACITY && BAD_INPUT.len() <= BODY_CAPACITY);
        let longest_name = CATALOGUE.iter().max_by_key(|i| i.name.len()).unwrap();
        let widest = Item {
            price_cents: u32::MAX,
            stock: u32::MAX,
            ..*longest_name
        };
        let item = written(|out| item_body(out, &widest));
        assert!(
            item.ends_with(" in stock\n") && item.len() <= BODY_CAPACITY,
            "{item}"
        );
        let order = written(|out| order_body(out, &widest, u32::MAX, u32::MAX));
        assert_eq!(order, "ordered 4294967295 x kettle: 4294967295 cents\n");
        for e in [
            ShopError::BadNumber,
            ShopError::NotFound,
            ShopError::OutOfStock,
            ShopError::NoRoute,
            ShopError::MethodNotAllowed,
        ] {
            assert!(e.message().len() <= BODY_CAPACITY, "{e:?}");
        }
    }

    #[test]
    fn cut_splits_like_str() {
        for s in [
            "",
            "/",
            "a",
            "a/",
            "/a",
            "a//b",
            "items/1/2/3/",
            "é/ü?x=/",
            "?",
        ] {
            for d in [b'/', b'?'] {
                let theirs = s.split_once(char::from(d));
                let ours = cut(s, d);
                assert_eq!(
                    ours,
                    theirs.map_or((s, None), |(a, b)| (a, Some(b))),
                    "{s:?} at {d}"
                );
            }
        }
        // A non-ASCII delimiter byte never splits a character.
        assert_eq!(cut("é", 0xa9), ("é", None));
    }

    #[test]
    fn numbers_from_urls() {
        assert_eq!(parse_number("007"), Ok(7));
        assert_eq!(parse_number("999999999"), Ok(999_999_999));
        for bad in ["", "0", "000", "1000000000", "-1", "+1", "1e3", " 1", "١"] {
            assert_eq!(parse_number(bad), Err(ShopError::BadNumber), "{bad:?}");
        }
    }
}
