#[derive(omnimetrics::ResultLabel)]
struct NotAnEnum;

fn main() {}
