//! The bytes of a frame as they are produced: postcard primitives, then
//! CRC-32C, COBS and the `0x00` terminator, streamed.
//!
//! Nothing of a frame is kept beyond the current COBS block (at most 254
//! bytes, the most COBS ever needs to see before it can write a block's
//! length byte), so a snapshot of any size goes out in bounded RAM.
//!
//! The same writer also feeds the schema fingerprint (FNV-1a): each byte can
//! go to the frame, to the fingerprint, or to both, which is how one walk of
//! the source writes the value records while it fingerprints the
//! description records it does not send.
//!
//! The postcard encoding of the few types the format uses is written by
//! hand: a varint is ten lines, whereas serde's derive and postcard's
//! serializer would add their generic machinery to a firmware's flash. The
//! tests check the bytes against postcard's own deserializer and serializer.
//!
//! Written for a firmware's flash: every byte goes through one function
//! ([`FrameWriter::byte`]), and a failed write is remembered rather than
//! returned from every call (the encoder checks [`FrameWriter::status`] once
//! per record), so the many call sites stay a few instructions each.

use crate::out::{ByteOut, Failed};
use core::mem::MaybeUninit;

/// CRC-32C (Castagnoli), reflected polynomial; computed bit by bit, so no
/// 1 KiB table in flash.
const CRC32C: u32 = 0x82f6_3b78;

/// FNV-1a, 32 bits: offset basis and prime.
pub(crate) const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// The longest run of non-zero bytes in one COBS block.
const BLOCK: usize = 254;

pub(crate) struct FrameWriter<'o> {
    out: &'o mut dyn ByteOut,
    /// The running CRC-32C, before the final xor.
    crc: u32,
    /// The current COBS block as it goes out: its length byte (set when
    /// it is flushed), `len` bytes, and room for the frame's `0x00` after
    /// the last block, so that each block is one write. Only
    /// `block[1..=len]` is written, the rest is not (left uninitialised:
    /// zeroing 256 bytes per frame costs flash for `memset` on a
    /// Cortex-M0, and nothing reads past what was written).
    block: [MaybeUninit<u8>; BLOCK + 2],
    len: usize,
    hash: u32,
    /// Bytes go into the frame (CRC and COBS).
    pub(crate) to_frame: bool,
    /// Bytes go into the schema fingerprint.
    pub(crate) to_hash: bool,
    /// The destination refused a write; nothing more is written.
    failed: bool,
}

impl<'o> FrameWriter<'o> {
    // Inlined so the writer is set up in place, not built and copied.
    #[inline(always)]
    pub(crate) fn new(out: &'o mut dyn ByteOut) -> Self {
        Self {
            out,
            crc: u32::MAX,
            block: [const { MaybeUninit::uninit() }; BLOCK + 2],
            len: 0,
            hash: FNV_OFFSET,
            to_frame: true,
            to_hash: false,
            failed: false,
        }
    }

    /// The fingerprint of the bytes hashed so far.
    pub(crate) fn hash(&self) -> u32 {
        self.hash
    }

    /// `Err` once the destination refused a write.
    pub(crate) fn status(&self) -> Result<(), Failed> {
        if self.failed { Err(Failed) } else { Ok(()) }
    }

    /// Where the next bytes go.
    pub(crate) fn route(&mut self, hash: bool, frame: bool) {
        self.to_hash = hash;
        self.to_frame = frame;
    }

    /// A postcard `u8` (and `bool`, and the tag of an `Option`): one byte.
    /// Every byte of a frame's body goes through here.
    pub(crate) fn byte(&mut self, b: u8) {
        if self.to_hash {
            self.hash = (self.hash ^ u32::from(b)).wrapping_mul(FNV_PRIME);
        }
        if self.to_frame {
            let mut crc = self.crc ^ u32::from(b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (CRC32C & (crc & 1).wrapping_neg());
            }
            self.crc = crc;
            self.cobs(b);
        }
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    /// A postcard `u16`/`u32`/`u64`/`usize` and enum tag: LEB128, seven
    /// bits per byte, least significant first.
    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte(v as u8 | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    /// A postcard sequence of `u64`: varint count, then each as a varint.
    pub(crate) fn u64s(&mut self, values: &[u64]) {
        self.varint(values.len() as u64);
        for &v in values {
            self.varint(v);
        }
    }

    /// A postcard `str`: varint length, then the UTF-8 bytes.
    pub(crate) fn str(&mut self, s: &str) {
        self.varint(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    /// Ends the frame: CRC (little-endian, not itself checksummed), the
    /// last COBS block, `0x00`.
    pub(crate) fn finish(&mut self) -> Result<(), Failed> {
        // Through `byte`, so that `cobs` has one caller and is inlined
        // there; the CRC it goes on computing is not used.
        let mut crc = !self.crc;
        self.route(false, true);
        for _ in 0..4 {
            self.byte(crc as u8);
            crc >>= 8;
        }
        self.flush_block(true);
        self.status()
    }

    fn cobs(&mut self, b: u8) {
        if b == 0 {
            // The block's length byte stands for this zero.
            self.flush_block(false);
            return;
        }
        if let Some(slot) = self.block.get_mut(self.len + 1) {
            slot.write(b);
            self.len += 1;
        }
        if self.len >= BLOCK {
            // Length byte 0xFF: a full block, no zero implied after it.
            self.flush_block(false);
        }
    }

    /// Writes the block out with its length byte, and the frame's `0x00`
    /// after it when it is the `last`.
    fn flush_block(&mut self, last: bool) {
        let len = self.len.min(BLOCK);
        self.len = 0;
        self.block[0].write(len as u8 + 1);
        let mut end = len + 1;
        if last {
            self.block[end].write(0);
            end += 1;
        }
        // SAFETY: `block[0]` and (when `last`) `block[len + 1]` were just
        // written, and `block[1..=len]` by `cobs` since the block was last
        // flushed (`len` only grows by writing the next element, and is
        // reset here); `MaybeUninit<u8>` has the layout of `u8`.
        let bytes = unsafe { core::slice::from_raw_parts(self.block.as_ptr().cast::<u8>(), end) };
        if !self.failed && self.out.put(bytes).is_err() {
            self.failed = true;
        }
    }
}

/// FNV-1a over `bytes`, continuing from `hash` (the tests' reference).
#[cfg(all(test, feature = "alloc"))]
pub(crate) fn fnv(mut hash: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        hash = (hash ^ u32::from(b)).wrapping_mul(FNV_PRIME);
    }
    hash
}
