//! Encoders for omnimetrics snapshots (work in progress).
#![no_std]
