//! Checking that the host's bytes are UTF-8, in a fraction of `core`'s code.
//!
//! The raw exports take strings as bytes the host wrote into wasm memory.
//! The adapter writes them with `TextEncoder`, which only produces UTF-8,
//! but any other caller can write anything, so each string is checked once
//! before it becomes a `&str`. `core::str::from_utf8` is built for speed on
//! long texts (a word-at-a-time ASCII loop and a 256-byte width table):
//! about 0.9 KiB of a module whose goal is 24 KiB, for strings that are a
//! method, a path, an `Accept` header and a service name. This is the same
//! check byte by byte: each sequence is decoded, and the code point must be
//! one that needs exactly that many bytes and not a surrogate, which is
//! what the table of well-formed sequences in the Unicode Standard (§3.9,
//! table 3-7) says range by range. It is tested against `core`'s check.

/// `bytes` as text, or `None` when they are not well-formed UTF-8.
pub fn str_of(bytes: &[u8]) -> Option<&str> {
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        i += 1;
        if lead < 0x80 {
            continue;
        }
        // How many continuation bytes follow the lead byte, and the least
        // code point that needs that many (less is an overlong form).
        let (more, least) = if lead & 0xE0 == 0xC0 {
            (1, 0x80)
        } else if lead & 0xF0 == 0xE0 {
            (2, 0x800)
        } else if lead & 0xF8 == 0xF0 {
            (3, 0x1_0000)
        } else {
            return None;
        };
        // The code point: the lead's low bits, then six from each
        // continuation byte (`10xxxxxx`).
        let mut code = u32::from(lead & (0x3F >> more));
        for _ in 0..more {
            let next = *bytes.get(i)?;
            if next & 0xC0 != 0x80 {
                return None;
            }
            code = (code << 6) | u32::from(next & 0x3F);
            i += 1;
        }
        // Overlong, a surrogate, or past the last code point.
        if code < least || (0xD800..0xE000).contains(&code) || code > 0x10_FFFF {
            return None;
        }
    }
    // SAFETY: every sequence was checked to be well-formed just above.
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::str_of;

    /// Agrees with `core` on `bytes`.
    fn agrees(bytes: &[u8]) {
        assert_eq!(
            str_of(bytes),
            core::str::from_utf8(bytes).ok(),
            "{bytes:02x?}"
        );
    }

    #[test]
    fn every_sequence_of_up_to_three_bytes() {
        agrees(b"");
        for a in 0..=255u8 {
            agrees(&[a]);
            for b in 0..=255u8 {
                agrees(&[a, b]);
                for c in 0..=255u8 {
                    agrees(&[a, b, c]);
                }
            }
        }
    }

    #[test]
    fn four_byte_sequences_around_every_boundary() {
        // Every lead byte with second bytes at and around the edges of the
        // allowed ranges, and every kind of third and fourth byte.
        let edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF];
        for a in 0xE0..=0xFFu8 {
            for b in edges {
                for c in edges {
                    for d in edges {
                        agrees(&[a, b, c, d]);
                        agrees(&[b'x', a, b, c, d, b'y']);
                    }
                }
            }
        }
    }

    #[test]
    fn text_and_truncations() {
        let text = "GET /items/1 ✓ 𝄞 é, Zürich; q=0.5";
        assert_eq!(str_of(text.as_bytes()), Some(text));
        for end in 0..=text.len() {
            agrees(&text.as_bytes()[..end]);
            agrees(&text.as_bytes()[end..]);
        }
    }
}
