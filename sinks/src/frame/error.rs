//! Why a frame could not be written or read.

use core::fmt;

/// A frame could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The frames of the snapshot do not fit in the buffer given.
    BufferTooSmall,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall => f.write_str("the frames do not fit in the buffer"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why a received frame was dropped.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// More bytes than the decoder's limit came before a `0x00`.
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Not valid COBS.
    Cobs,
    /// Too short to hold a header and a CRC.
    TooShort,
    /// The CRC does not match: the frame was damaged on the way.
    Checksum,
    /// A format version this decoder does not read.
    Version(u8),
    /// The CRC matched but the body does not follow the format.
    Malformed,
    /// A frame would take more memory decoded than the decoder accepts (64
    /// times the frame's size, at least 64 KiB, counting every record,
    /// value and label, and what "same as before" references copy): a
    /// frame made to exhaust the host's memory.
    TooLarge,
    /// A value frame does not fit the description with its schema id
    /// (another number of series, or values of other types).
    SchemaMismatch {
        /// The schema id.
        schema: u32,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLong { limit } => {
                f.write_str("frame longer than the limit of ")?;
                fmt::Display::fmt(limit, f)?;
                f.write_str(" bytes")
            }
            DecodeError::Cobs => f.write_str("frame is not valid COBS"),
            DecodeError::TooShort => f.write_str("frame too short for a header and a CRC"),
            DecodeError::Checksum => f.write_str("frame CRC mismatch"),
            DecodeError::Version(v) => {
                f.write_str("unsupported frame format version ")?;
                fmt::Display::fmt(v, f)
            }
            DecodeError::Malformed => f.write_str("frame body does not follow the format"),
            DecodeError::TooLarge => {
                f.write_str("frame expands beyond the memory limit when decoded")
            }
            DecodeError::SchemaMismatch { schema } => {
                f.write_str("value frame does not match its description (schema ")?;
                fmt::LowerHex::fmt(schema, f)?;
                f.write_str(")")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for DecodeError {}
