//! Appending short byte strings to a buffer without `memcpy`.
//!
//! Rows are written as many short pieces (a column name, a number, a key).
//! In WebAssembly a variable-length copy becomes `memory.copy`, which
//! wasmtime runs as a call into the host: for ten bytes the call costs more
//! than the copy. Up to 256 bytes are copied here with word loads and stores
//! that overlap in the middle; longer slices still go to `memcpy`.

use std::ptr::{read_unaligned, write_unaligned};

/// The longest copy done here: column names, numbers, keys, URLs, user agents.
const SHORT: usize = 256;

/// Appends `bytes` to `out`, as `out.extend_from_slice(bytes)` does.
#[inline(always)]
pub fn append(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() > SHORT {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(bytes.len());
    // SAFETY: `bytes` cannot live in `out`'s spare capacity, which `reserve`
    // made `bytes.len()` long.
    unsafe { copy_short(bytes.as_ptr(), out, bytes.len()) }
}

/// Appends `bytes` between double quotes (a JSON string that needs no
/// escaping), with one check for room.
#[inline(always)]
pub fn append_quoted(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() > SHORT {
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    out.reserve(bytes.len() + 2);
    // SAFETY: room for the quotes and `bytes` was reserved; `bytes` is not
    // in `out`'s spare capacity.
    unsafe {
        let at = out.len();
        *out.as_mut_ptr().add(at) = b'"';
        out.set_len(at + 1);
        copy_short(bytes.as_ptr(), out, bytes.len());
        let end = out.len();
        *out.as_mut_ptr().add(end) = b'"';
        out.set_len(end + 1);
    }
}

/// Appends `out[range]` to `out`, as `out.extend_from_within(range)` does.
#[inline(always)]
pub fn append_within(out: &mut Vec<u8>, range: std::ops::Range<usize>) {
    let n = range.len();
    if n > SHORT {
        out.extend_from_within(range);
        return;
    }
    assert!(range.end <= out.len(), "range within the buffer");
    out.reserve(n);
    // SAFETY: after `reserve` (which may move the buffer, so the source is
    // taken after it) the source is initialised bytes before `len` and the
    // destination `n` spare bytes after it: they do not overlap.
    unsafe { copy_short(out.as_ptr().add(range.start), out, n) }
}

/// Copies `n <= SHORT` bytes from `src` to the end of `out` and extends it.
///
/// # Safety
/// `src..src + n` is readable and does not overlap `out`'s spare capacity,
/// which holds at least `n` bytes.
#[inline(always)]
unsafe fn copy_short(src: *const u8, out: &mut Vec<u8>, n: usize) {
    debug_assert!(n <= SHORT && out.capacity() - out.len() >= n);
    // Each branch reads only within `src..src + n` (its lower bound on `n`
    // covers the widest load) and writes only the `n` bytes after `len`;
    // the first and last words overlap for lengths between powers of two.
    unsafe {
        let dst = out.as_mut_ptr().add(out.len());
        let copy8 = |from: usize| write_unaligned(dst.add(from).cast::<u64>(), read_unaligned(src.add(from).cast::<u64>()));
        if n > 64 {
            // Whole 32-byte blocks, then the last 32 bytes (overlapping).
            let mut from = 0;
            while from + 32 < n {
                for word in [0, 8, 16, 24] {
                    copy8(from + word);
                }
                from += 32;
            }
            for from in [n - 32, n - 24, n - 16, n - 8] {
                copy8(from);
            }
        } else if n >= 32 {
            for from in [0, 8, 16, 24, n - 32, n - 24, n - 16, n - 8] {
                copy8(from);
            }
        } else if n >= 16 {
            for from in [0, 8, n - 16, n - 8] {
                copy8(from);
            }
        } else if n >= 8 {
            copy8(0);
            copy8(n - 8);
        } else if n >= 4 {
            write_unaligned(dst.cast::<u32>(), read_unaligned(src.cast::<u32>()));
            write_unaligned(dst.add(n - 4).cast::<u32>(), read_unaligned(src.add(n - 4).cast::<u32>()));
        } else if n > 0 {
            // 1 to 3 bytes: first, middle and last (some the same byte).
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        out.set_len(out.len() + n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_every_length_exactly() {
        let source: Vec<u8> = (0..280u16).map(|b| (b.wrapping_mul(37).wrapping_add(11) % 251) as u8).collect();
        for prefix in [0usize, 1, 7, 13] {
            for len in 0..=270 {
                for start in [0usize, 1, 3] {
                    let piece = &source[start..start + len];
                    let mut out: Vec<u8> = vec![b'x'; prefix];
                    // No spare capacity: the copy must reserve first.
                    out.shrink_to_fit();
                    append(&mut out, piece);
                    let mut expected: Vec<u8> = vec![b'x'; prefix];
                    expected.extend_from_slice(piece);
                    assert_eq!(out, expected, "prefix {prefix}, length {len}, start {start}");
                    let mut quoted: Vec<u8> = vec![b'x'; prefix];
                    append_quoted(&mut quoted, piece);
                    assert_eq!(quoted[prefix..], [&b"\""[..], piece, b"\""].concat(), "quoted: length {len}");
                    // The piece just appended, again.
                    let from = prefix..prefix + len;
                    out.shrink_to_fit();
                    append_within(&mut out, from.clone());
                    expected.extend_from_within(from);
                    assert_eq!(out, expected, "within: prefix {prefix}, length {len}, start {start}");
                }
            }
        }
    }
}
