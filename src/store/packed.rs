//! The cells of one hour packed in a blob: per cell, seven LEB128 varints (the store ids of
//! its ISP, source IP, VirtualMTA, pool, record kind and class, then its row count), in key
//! order, compressed with zstd. Two to three bytes a cell, where a table row with its index
//! took forty.

/// The most bytes one cell takes before compression (seven varints of ten bytes).
const MAX_CELL_BYTES: usize = 70;
/// The most bytes one hour's cells are unpacked into (a damaged or hostile blob cannot ask
/// for more).
const MAX_HOUR_BYTES: usize = 1 << 30;

/// One cell of an hour, by the store's name ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoredCell {
    pub isp: u64,
    pub source_ip: u64,
    pub vmta: u64,
    pub pool: u64,
    pub kind: u64,
    pub class: u64,
}

/// Packs `cells` (sorted here) into a blob.
pub fn pack(cells: &mut [(StoredCell, u64)]) -> Vec<u8> {
    let raw = encode(cells);
    zstd::bulk::compress(&raw, 3).expect("compressing to memory cannot fail")
}

/// The `cells` cells of a blob; `None` when it does not hold exactly that many well-formed
/// cells.
pub fn unpack(data: &[u8], cells: usize) -> Option<Vec<(StoredCell, u64)>> {
    // The frame says its size; it must fit the cells recorded beside it.
    let size = zstd::zstd_safe::get_frame_content_size(data).ok()??;
    let size = usize::try_from(size).ok()?;
    if size > cells.saturating_mul(MAX_CELL_BYTES).min(MAX_HOUR_BYTES) {
        return None;
    }
    let raw = zstd::bulk::decompress(data, size).ok()?;
    decode(&raw).filter(|decoded| decoded.len() == cells)
}

fn encode(cells: &mut [(StoredCell, u64)]) -> Vec<u8> {
    cells.sort_unstable();
    let mut out = Vec::with_capacity(cells.len() * 10);
    for (cell, count) in cells.iter() {
        for value in [
            cell.isp,
            cell.source_ip,
            cell.vmta,
            cell.pool,
            cell.kind,
            cell.class,
            *count,
        ] {
            push_varint(&mut out, value);
        }
    }
    out
}

/// The cells of an uncompressed blob; `None` when it is not a whole number of well-formed
/// cells.
fn decode(mut data: &[u8]) -> Option<Vec<(StoredCell, u64)>> {
    let mut cells = Vec::with_capacity(data.len() / 10);
    while !data.is_empty() {
        let mut next = || read_varint(&mut data);
        let cell = StoredCell {
            isp: next()?,
            source_ip: next()?,
            vmta: next()?,
            pool: next()?,
            kind: next()?,
            class: next()?,
        };
        cells.push((cell, next()?));
    }
    Some(cells)
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(data: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &byte) in data.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        if i == 9 && bits > 1 {
            return None;
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            *data = &data[i + 1..];
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_come_back_as_they_were_packed() {
        let cell = |isp, source_ip, class| StoredCell {
            isp,
            source_ip,
            vmta: 3,
            pool: 4,
            kind: 5,
            class,
        };
        let mut cells = vec![
            (cell(1, 300, 0), 1),
            (cell(1, 2, 7), u64::MAX),
            (cell(u64::MAX, 0, 127), 128),
        ];
        let data = pack(&mut cells);
        assert_eq!(unpack(&data, 3), Some(cells));
        assert_eq!(unpack(&pack(&mut []), 0), Some(vec![]));
    }

    #[test]
    fn a_damaged_blob_is_refused_not_misread() {
        let mut cells = vec![(StoredCell::default(), 5); 2];
        let data = pack(&mut cells);
        assert_eq!(unpack(&data[..data.len() - 1], 2), None, "truncated");
        assert_eq!(unpack(&data, 1), None, "more cells than recorded");
        assert_eq!(unpack(&data, 3), None, "fewer cells than recorded");
        assert_eq!(unpack(b"not zstd", 2), None);
        assert_eq!(decode(&[0x80; 11]), None, "a varint that never ends");
        assert_eq!(decode(&[0xff; 10]), None, "a varint beyond 64 bits");
        assert_eq!(decode(&[1, 2, 3]), None, "part of a cell");
    }
}
