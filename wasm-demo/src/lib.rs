//! The wasm adapter of omnimetrics (work in progress).
#![no_std]
