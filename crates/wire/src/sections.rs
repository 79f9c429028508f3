//! Reading records already written: where each record's TTL sits in encoded sections, so a
//! reply kept for reuse can have its TTLs counted down in place.
//!
//! The sections are what [`ResponseWriter::encoded_sections`](crate::ResponseWriter::encoded_sections)
//! returns: records after the question, names possibly compressed. Names are only skipped
//! (a pointer ends a name), never followed, so pointers into the question are fine.

/// Where each record's 32-bit TTL starts in `sections`, which hold `records` records, with
/// the TTL found there. `None` when the bytes do not hold that many well-formed records or
/// are longer than a message can be.
pub fn ttl_offsets(sections: &[u8], records: usize) -> Option<Vec<(u16, u32)>> {
    if sections.len() > usize::from(u16::MAX) {
        return None;
    }
    let mut found = Vec::with_capacity(records);
    let mut pos = 0;
    for _ in 0..records {
        pos = skip_name(sections, pos)?;
        // TYPE and CLASS, then the TTL, then RDLENGTH and RDATA.
        let ttl_at = pos + 4;
        let fixed = sections.get(ttl_at..ttl_at + 6)?;
        let ttl = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        let rdlength = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
        pos = ttl_at + 6 + rdlength;
        if pos > sections.len() {
            return None;
        }
        found.push((ttl_at as u16, ttl));
    }
    (pos == sections.len()).then_some(found)
}

/// Overwrites the TTL at `at` (an offset [`ttl_offsets`] returned) with `ttl`.
pub fn set_ttl(sections: &mut [u8], at: u16, ttl: u32) {
    let at = usize::from(at);
    sections[at..at + 4].copy_from_slice(&ttl.to_be_bytes());
}

/// Appends an EDNS option (`code`, `data`) to the OPT record of the finished message `msg`,
/// when that record is the message's last (as [`ResponseWriter::finish`](crate::ResponseWriter::finish)
/// writes it; a TSIG after it would no longer verify). Returns whether it did. The caller
/// keeps the message within its size limit.
pub fn append_option(msg: &mut Vec<u8>, code: u16, data: &[u8]) -> bool {
    let Some(opt) = last_record(msg).filter(|&at| {
        msg.get(at) == Some(&0) && msg.get(at + 1..at + 3) == Some(&crate::rtype::OPT.to_be_bytes())
    }) else {
        return false;
    };
    let rdlen_at = opt + 9;
    let rdlen = usize::from(u16::from_be_bytes([msg[rdlen_at], msg[rdlen_at + 1]]));
    let Ok(new_len) = u16::try_from(rdlen + 4 + data.len()) else {
        return false;
    };
    msg[rdlen_at..rdlen_at + 2].copy_from_slice(&new_len.to_be_bytes());
    msg.extend_from_slice(&code.to_be_bytes());
    msg.extend_from_slice(&(data.len() as u16).to_be_bytes());
    msg.extend_from_slice(data);
    true
}

/// Where the last record of `msg` starts, when the message is well formed and has one.
fn last_record(msg: &[u8]) -> Option<usize> {
    let count = |at: usize| usize::from(u16::from_be_bytes([msg[at], msg[at + 1]]));
    if msg.len() < 12 {
        return None;
    }
    let mut pos = 12;
    for _ in 0..count(4) {
        pos = skip_name(msg, pos)? + 4;
    }
    let mut last = None;
    for _ in 0..count(6) + count(8) + count(10) {
        last = Some(pos);
        let fixed = skip_name(msg, pos)?;
        let rdlength = msg.get(fixed + 8..fixed + 10)?;
        pos = fixed + 10 + usize::from(u16::from_be_bytes([rdlength[0], rdlength[1]]));
    }
    (pos == msg.len()).then_some(last?)
}

/// The position just past the (possibly compressed) name starting at `pos`.
fn skip_name(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *bytes.get(pos)?;
        match len {
            0 => return Some(pos + 1),
            // A pointer ends the name.
            l if l & 0xc0 == 0xc0 => return bytes.get(pos + 1).map(|_| pos + 2),
            l if l & 0xc0 != 0 => return None,
            l => pos += 1 + usize::from(l),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_an_option_to_the_last_opt_record_only() {
        // id, flags, 1 question, 0 answers, 0 authority, 1 additional; `a.` A IN; OPT.
        let mut msg = vec![
            0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, b'a', 0, 0, 1, 0, 1,
        ];
        msg.extend_from_slice(&[0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]);
        assert!(append_option(&mut msg, 10, &[1, 2, 3]));
        assert_eq!(&msg[msg.len() - 9..], &[0, 7, 0, 10, 0, 3, 1, 2, 3]);
        // Once more: the lengths add up.
        assert!(append_option(&mut msg, 15, &[0, 20]));
        assert_eq!(&msg[28..30], &[0, 13]);
        // No OPT record (ARCOUNT 0, bytes trimmed), or a record after it: nothing added.
        let mut plain = msg[..19].to_vec();
        plain[11] = 0;
        assert!(!append_option(&mut plain, 10, &[1]));
        assert_eq!(plain.len(), 19);
        let mut signed = msg.clone();
        signed[11] = 2;
        signed.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert!(!append_option(&mut signed, 10, &[1]));
    }

    #[test]
    fn finds_each_ttl_past_plain_and_compressed_names() {
        let mut sections = Vec::new();
        // www.<pointer to 12> CNAME ttl 300 -> pointer
        sections.extend_from_slice(&[3, b'w', b'w', b'w', 0xc0, 12]);
        sections.extend_from_slice(&[0, 5, 0, 1, 0, 0, 1, 44, 0, 2, 0xc0, 12]);
        // root name, A, ttl 60, 4 bytes
        sections.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        assert_eq!(ttl_offsets(&sections, 2), Some(vec![(10, 300), (23, 60)]));
        set_ttl(&mut sections, 23, 59);
        assert_eq!(ttl_offsets(&sections, 2), Some(vec![(10, 300), (23, 59)]));
        // Too few bytes for the count, or bytes left over, are refused.
        assert_eq!(ttl_offsets(&sections, 3), None);
        assert_eq!(ttl_offsets(&sections, 1), None);
        assert_eq!(ttl_offsets(&sections[..sections.len() - 1], 2), None);
        // A label type other than plain or pointer (0x40, 0x80) is refused.
        assert_eq!(
            ttl_offsets(&[0x40, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0], 1),
            None
        );
    }
}
