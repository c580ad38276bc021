//! Methods and whole `impl` blocks: names are `Type::method`.
use omnimetrics::{autometrics, Snapshot};

struct Db {
    rows: Vec<u32>,
}

#[autometrics]
impl Db {
    fn new() -> Self {
        Db { rows: vec![1, 2, 3] }
    }

    pub fn get(&self, i: usize) -> Option<u32> {
        self.rows.get(i).copied()
    }

    fn insert(&mut self, v: u32) -> Result<(), String> {
        if v == 0 {
            return Err("zero".into());
        }
        self.rows.push(v);
        Ok(())
    }

    async fn count(&self) -> usize {
        self.rows.len()
    }

    #[skip_autometrics]
    fn not_instrumented(&self) -> usize {
        0
    }

    // A method's own attribute replaces the block's arguments.
    #[autometrics(track_concurrency)]
    fn tracked(&self) {}

    // Also when the attribute is written with its path.
    #[omnimetrics::autometrics(track_concurrency)]
    fn tracked_by_path(&self) {}
}

trait Store {
    fn put(&self, v: u32) -> Result<(), ()>;
}

struct Mem<T>(std::marker::PhantomData<T>);

#[autometrics]
impl<T> Store for Mem<T> {
    fn put(&self, v: u32) -> Result<(), ()> {
        if v > 10 { Err(()) } else { Ok(()) }
    }
}

struct Single;

impl Single {
    #[autometrics]
    fn standalone(&self) -> u8 {
        1
    }
}

fn main() {
    let mut db = Db::new();
    assert_eq!(db.get(0), Some(1));
    assert!(db.insert(0).is_err());
    db.insert(4).unwrap();
    let _ = db.count();
    assert_eq!(db.not_instrumented(), 0);
    db.tracked();
    db.tracked_by_path();
    Mem::<u8>(Default::default()).put(11).unwrap_err();
    // Called as a plain function, the method reports as `Single::standalone`.
    assert_eq!(Single.standalone(), 1);

    let snap = Snapshot::capture(&omnimetrics::registry());
    let c = |f: &str| snap.counter_sum("function_calls", &[("function", f)]);
    assert_eq!(c("Db::new"), 1);
    assert_eq!(c("Db::get"), 1);
    assert_eq!(snap.counter_sum("function_calls", &[("function", "Db::insert"), ("result", "error")]), 1);
    assert_eq!(c("Db::not_instrumented"), 0);
    assert_eq!(c("Mem::put"), 1);
    assert_eq!(c("standalone"), 1);
    assert!(snap.series("function_calls_concurrent", &[("function", "Db::tracked")]).next().is_some());
    // Instrumented once, as `Db::tracked_by_path`, not again as a function.
    assert_eq!(c("Db::tracked_by_path"), 1);
    assert_eq!(c("tracked_by_path"), 0);
}
