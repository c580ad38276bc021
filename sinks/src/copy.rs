//! Byte copies that cannot panic.
//!
//! `<[u8]>::copy_from_slice` panics when the two lengths differ, and its
//! panic message formats both: wherever the compiler cannot prove the
//! lengths equal (a range `at..at + n` that could wrap, say), that brings
//! `core::fmt`'s integer formatting into the binary, about 1 KB of a wasm
//! module or a firmware, kept alive by the function table even when the
//! panic handler never prints. The encoders only copy into ranges they have
//! just sized for the source, so the lengths are equal; [`copy`] copies
//! without a length check at all, and the panic path is gone.

/// Copies as much of `src` as fits to the start of `dst` (all of it, where
/// the callers use it: they size `dst` for `src`).
#[inline(always)]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    // A zip has no length check to fail; the compiler still turns it into
    // one `memcpy`.
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::copy;

    #[test]
    fn copies_what_fits() {
        let mut dst = [0u8; 4];
        copy(&mut dst, b"ab");
        assert_eq!(&dst, b"ab\0\0");
        copy(&mut dst, b"wxyz!");
        assert_eq!(&dst, b"wxyz");
        copy(&mut dst[1..3], b"");
        assert_eq!(&dst, b"wxyz");
    }
}
