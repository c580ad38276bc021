// A user metric may not take the name of a family the instrumented
// functions export: the family would appear twice. Refused at compile time.
use omnimetrics::metrics::Counter;

static CALLS: Counter = Counter::new("function_calls_total", "Mine.");

fn main() {
    CALLS.inc();
}
