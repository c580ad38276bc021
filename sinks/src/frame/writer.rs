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

use crate::out::{ByteOut, Failed};

/// CRC-32C (Castagnoli), computed bit by bit: no 1 KiB table in flash.
static CRC: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISCSI);

/// FNV-1a, 32 bits: offset basis and prime.
pub(crate) const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// The longest run of non-zero bytes in one COBS block.
const BLOCK: usize = 254;

pub(crate) struct FrameWriter<'o> {
    out: &'o mut dyn ByteOut,
    crc: crc::Digest<'static, u32, crc::NoTable>,
    block: [u8; BLOCK],
    len: usize,
    hash: u32,
    /// Bytes go into the frame (CRC and COBS).
    pub(crate) to_frame: bool,
    /// Bytes go into the schema fingerprint.
    pub(crate) to_hash: bool,
}

impl<'o> FrameWriter<'o> {
    // Inlined so the block buffer is set up in place, not built and copied.
    #[inline(always)]
    pub(crate) fn new(out: &'o mut dyn ByteOut) -> Self {
        Self {
            out,
            crc: CRC.digest(),
            block: [0; BLOCK],
            len: 0,
            hash: FNV_OFFSET,
            to_frame: true,
            to_hash: false,
        }
    }

    /// The fingerprint of the bytes hashed so far.
    pub(crate) fn hash(&self) -> u32 {
        self.hash
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        if self.to_hash {
            self.hash = fnv(self.hash, bytes);
        }
        if self.to_frame {
            self.crc.update(bytes);
            self.cobs(bytes)?;
        }
        Ok(())
    }

    /// A postcard `u8` (and `bool`, and the tag of an `Option`): one byte.
    pub(crate) fn byte(&mut self, b: u8) -> Result<(), Failed> {
        self.bytes(&[b])
    }

    /// A postcard `u16`/`u32`/`u64`/`usize` and enum tag: LEB128, seven
    /// bits per byte, least significant first.
    pub(crate) fn varint(&mut self, mut v: u64) -> Result<(), Failed> {
        let mut buf = [0u8; 10];
        let mut n = 0;
        for slot in buf.iter_mut() {
            n += 1;
            if v < 0x80 {
                *slot = v as u8;
                break;
            }
            *slot = (v as u8) | 0x80;
            v >>= 7;
        }
        self.bytes(buf.get(..n).unwrap_or(&[]))
    }

    /// A postcard `i64`: zigzag, then varint.
    pub(crate) fn signed(&mut self, v: i64) -> Result<(), Failed> {
        self.varint(((v << 1) ^ (v >> 63)) as u64)
    }

    /// A postcard `str`: varint length, then the UTF-8 bytes.
    pub(crate) fn str(&mut self, s: &str) -> Result<(), Failed> {
        self.varint(s.len() as u64)?;
        self.bytes(s.as_bytes())
    }

    /// Ends the frame: CRC (little-endian, not itself checksummed), the
    /// last COBS block, `0x00`.
    pub(crate) fn finish(&mut self) -> Result<(), Failed> {
        // (By reference: moving the writer would copy its block buffer.)
        let crc = self.crc.clone().finalize();
        self.cobs(&crc.to_le_bytes())?;
        self.flush_block()?;
        self.out.put(&[0])
    }

    fn cobs(&mut self, bytes: &[u8]) -> Result<(), Failed> {
        for &b in bytes {
            if b == 0 {
                // The block's length byte stands for this zero.
                self.flush_block()?;
                continue;
            }
            if let Some(slot) = self.block.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
            if self.len == BLOCK {
                // Length byte 0xFF: a full block, no zero implied after it.
                self.flush_block()?;
            }
        }
        Ok(())
    }

    fn flush_block(&mut self) -> Result<(), Failed> {
        let len = self.len.min(BLOCK);
        self.len = 0;
        self.out.put(&[len as u8 + 1])?;
        self.out.put(self.block.get(..len).unwrap_or(&[]))
    }
}

/// FNV-1a over `bytes`, continuing from `hash`.
pub(crate) fn fnv(mut hash: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        hash = (hash ^ u32::from(b)).wrapping_mul(FNV_PRIME);
    }
    hash
}
