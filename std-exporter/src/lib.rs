//! The std adapter of omnimetrics (work in progress).
