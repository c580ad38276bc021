//! Cross-crate tests of omnimetrics. The tests live in `tests/`, one
//! concern per file (each file is its own test binary, so a counting
//! global allocator in one does not disturb the others); `ui/` holds the
//! `trybuild` cases of the `#[autometrics]` attribute.
//!
//! The project README follows, included so that its Rust examples are
//! compiled (and run) as doctests of this crate.
//!
#![doc = include_str!("../../README.md")]
