//! RDATA in wire form, with the positions of the names the writer may compress.

use crate::rtype;

/// One record's RDATA, uncompressed, plus where its compressible names lie.
///
/// Only the types of RFC 1035 may have names compressed in RDATA (RFC 3597 §4): NS, CNAME,
/// PTR, MX and SOA here. Every other type is copied verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rdata {
    bytes: Box<[u8]>,
    names: [(u16, u16); 2],
    name_count: u8,
}

/// RDATA that does not match its type's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadRdata;

impl Rdata {
    /// Wraps wire RDATA of `rtype`, locating its compressible names.
    pub fn new(rtype: u16, bytes: Vec<u8>) -> Result<Self, BadRdata> {
        let mut names = [(0u16, 0u16); 2];
        let mut name_count = 0u8;
        let mut add = |start: usize, bytes: &[u8]| -> Result<usize, BadRdata> {
            let end = name_end(bytes, start)?;
            names[name_count as usize] = (start as u16, end as u16);
            name_count += 1;
            Ok(end)
        };
        match rtype {
            rtype::NS | rtype::CNAME | rtype::PTR => {
                let end = add(0, &bytes)?;
                if end != bytes.len() {
                    return Err(BadRdata);
                }
            }
            rtype::MX => {
                if bytes.len() < 3 {
                    return Err(BadRdata);
                }
                let end = add(2, &bytes)?;
                if end != bytes.len() {
                    return Err(BadRdata);
                }
            }
            rtype::SOA => {
                let end = add(0, &bytes)?;
                let end = add(end, &bytes)?;
                if end + 20 != bytes.len() {
                    return Err(BadRdata);
                }
            }
            _ => {}
        }
        if bytes.len() > u16::MAX as usize {
            return Err(BadRdata);
        }
        Ok(Self {
            bytes: bytes.into_boxed_slice(),
            names,
            name_count,
        })
    }

    /// The uncompressed RDATA.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The compressible names, as `(start, end)` ranges into [`Self::bytes`].
    pub fn names(&self) -> &[(u16, u16)] {
        &self.names[..self.name_count as usize]
    }
}

/// The end of an uncompressed name starting at `start`.
fn name_end(bytes: &[u8], mut pos: usize) -> Result<usize, BadRdata> {
    let start = pos;
    loop {
        let len = *bytes.get(pos).ok_or(BadRdata)? as usize;
        if len > 63 {
            return Err(BadRdata);
        }
        pos += 1 + len;
        if pos - start > 255 || pos > bytes.len() {
            return Err(BadRdata);
        }
        if len == 0 {
            return Ok(pos);
        }
    }
}
