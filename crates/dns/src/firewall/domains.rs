//! The domain index: every domain of every domain list a rule uses, in one hash map keyed by
//! the name in lowercase wire form, so that a query costs one lookup per label of its name
//! however many domains the lists hold ([ROUTE53-NEXT.md §E]).
//!
//! A list entry is one of three shapes:
//! - `example.com`: that name only (an *exact* entry, looked up with the whole query name);
//! - `*.example.com`: any name strictly below it, at any depth (a *below* entry, looked up
//!   with each proper ancestor of the query name);
//! - `*`: every name (kept apart: no lookup needed).
//!
//! Case and a trailing dot do not matter. A name in several lists points to the set of those
//! lists; sets are interned, so a map entry is two `u32`s whatever the number of lists.

use foldhash::fast::RandomState;
use std::collections::HashMap;

use super::names::NameTable;

/// A domain list's position in the index (the order [`DomainIndexBuilder::add_list`] saw it).
pub type ListIx = u32;

/// No set: the name has no entry of this shape.
const NONE: u32 = u32::MAX;

/// The sets of lists that hold a name, as an exact entry and as a `*.` entry.
#[derive(Debug, Clone, Copy)]
struct Entry {
    exact: u32,
    below: u32,
}

/// Every domain of the lists in use, ready to match.
pub struct DomainIndex {
    /// Lowercase wire name → its sets.
    names: NameTable<Entry>,
    /// Interned sets of lists, ascending within each.
    sets: Vec<Box<[ListIx]>>,
    /// The lists that hold `*`.
    star: Box<[ListIx]>,
    /// Bit `n` set: some key is `n` bytes long, so lookups of other lengths are skipped.
    lengths: [u64; 4],
}

// Sizes only: a snapshot's Debug output must not list a million domains.
impl std::fmt::Debug for DomainIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainIndex")
            .field("names", &self.names.len())
            .field("sets", &self.sets.len())
            .field("star", &self.star)
            .finish()
    }
}

impl Default for DomainIndex {
    fn default() -> Self {
        DomainIndexBuilder::default().finish()
    }
}

impl DomainIndex {
    /// Calls `hit` with every set of lists that matches `name` (lowercase wire): the lists
    /// holding `*`, the exact entries of `name` itself, and the `*.` entries of each of its
    /// proper ancestors (the root excepted: `*` covers it). One hash lookup per label.
    #[inline]
    pub fn for_each_hit(&self, name: &[u8], mut hit: impl FnMut(&[ListIx])) {
        if !self.star.is_empty() {
            hit(&self.star);
        }
        if self.names.is_empty() {
            return;
        }
        let mut suffix = name;
        let mut whole = true;
        while suffix.first().is_some_and(|&len| len != 0) {
            if let Some(entry) = self.get(suffix) {
                let set = if whole { entry.exact } else { entry.below };
                if set != NONE {
                    hit(&self.sets[set as usize]);
                }
            }
            whole = false;
            suffix = &suffix[1 + usize::from(suffix[0])..];
        }
    }

    fn get(&self, key: &[u8]) -> Option<&Entry> {
        let len = key.len();
        if len >= 256 || self.lengths[len / 64] & (1 << (len % 64)) == 0 {
            return None;
        }
        self.names.get(key)
    }

    /// How many distinct names are indexed (exact and `*.` entries of one name count once).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is indexed (and no list holds `*`).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.star.is_empty()
    }
}

/// Builds a [`DomainIndex`], one list at a time.
#[derive(Default)]
pub struct DomainIndexBuilder {
    names: NameTable<Entry>,
    sets: Vec<Box<[ListIx]>>,
    interned: HashMap<Box<[ListIx]>, u32, RandomState>,
    star: Vec<ListIx>,
    lists: u32,
}

/// What adding one list found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// Entries indexed.
    pub indexed: usize,
    /// Entries that are not domain names (skipped).
    pub skipped: usize,
}

impl DomainIndexBuilder {
    /// Adds a list's `domains` as stored (`example.com`, `*.example.com`, `*`) and returns
    /// its [`ListIx`] with what was indexed.
    pub fn add_list<'d>(&mut self, domains: impl IntoIterator<Item = &'d str>) -> (ListIx, Added) {
        let list = self.lists;
        self.lists += 1;
        let mut added = Added::default();
        let mut wire = Vec::with_capacity(256);
        for domain in domains {
            let domain = domain.trim();
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            let (below, name) = match domain.strip_prefix('*') {
                Some("") => {
                    if self.star.last() != Some(&list) {
                        self.star.push(list);
                    }
                    added.indexed += 1;
                    continue;
                }
                Some(rest) => match rest.strip_prefix('.') {
                    Some(name) => (true, name),
                    None => {
                        added.skipped += 1;
                        continue;
                    }
                },
                None => (false, domain),
            };
            if !to_wire(name, &mut wire) {
                added.skipped += 1;
                continue;
            }
            added.indexed += 1;
            let none = Entry {
                exact: NONE,
                below: NONE,
            };
            let entry = self.names.get_or_insert(&wire, none);
            let slot = if below {
                &mut entry.below
            } else {
                &mut entry.exact
            };
            *slot = with_list(&mut self.sets, &mut self.interned, *slot, list);
        }
        (list, added)
    }

    /// The index.
    pub fn finish(self) -> DomainIndex {
        let mut lengths = [0u64; 4];
        for key in self.names.names() {
            let len = key.len();
            if len < 256 {
                lengths[len / 64] |= 1 << (len % 64);
            }
        }
        let mut names = self.names;
        names.shrink_to_fit();
        DomainIndex {
            names,
            sets: self.sets,
            star: self.star.into(),
            lengths,
        }
    }
}

/// The interned set `set` with `list` added (lists are added in ascending order, so `list`
/// is either already last or new at the end).
fn with_list(
    sets: &mut Vec<Box<[ListIx]>>,
    interned: &mut HashMap<Box<[ListIx]>, u32, RandomState>,
    set: u32,
    list: ListIx,
) -> u32 {
    let mut members: Vec<ListIx> = match set {
        NONE => Vec::with_capacity(1),
        set => {
            let members = &sets[set as usize];
            if members.last() == Some(&list) {
                return set;
            }
            members.to_vec()
        }
    };
    members.push(list);
    if let Some(&known) = interned.get(members.as_slice()) {
        return known;
    }
    let id = sets.len() as u32;
    let members: Box<[ListIx]> = members.into();
    sets.push(members.clone());
    interned.insert(members, id);
    id
}

/// Writes dotted `name` (no leading `*`, no trailing dot) as lowercase wire into `out`;
/// `false` when it is not a name (an empty or over-long label, over 255 bytes).
fn to_wire(name: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    if name.is_empty() {
        return false;
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        out.push(label.len() as u8);
        out.extend(label.bytes().map(|b| b.to_ascii_lowercase()));
    }
    out.push(0);
    out.len() <= 255
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        cairn_wire::NameKey::from_text(text).unwrap().to_vec()
    }

    fn hits(index: &DomainIndex, name: &str) -> Vec<ListIx> {
        let mut all = Vec::new();
        index.for_each_hit(&wire(name), |set| all.extend_from_slice(set));
        all.sort_unstable();
        all
    }

    #[test]
    fn exact_wildcard_and_star_entries_match_as_route_53_says() {
        let mut b = DomainIndexBuilder::default();
        let (exact, _) = b.add_list(["Example.COM."]);
        let (below, _) = b.add_list(["*.example.com"]);
        let (star, _) = b.add_list(["*"]);
        let index = b.finish();
        assert_eq!(hits(&index, "example.com"), vec![exact, star]);
        assert_eq!(hits(&index, "EXAMPLE.com."), vec![exact, star]);
        assert_eq!(hits(&index, "www.example.com"), vec![below, star]);
        assert_eq!(hits(&index, "a.b.c.example.com"), vec![below, star]);
        assert_eq!(hits(&index, "example.org"), vec![star]);
        assert_eq!(hits(&index, "com"), vec![star]);
    }

    #[test]
    fn a_name_in_several_lists_hits_each_once() {
        let mut b = DomainIndexBuilder::default();
        let (one, _) = b.add_list(["a.test", "a.test", "b.test"]);
        let (two, _) = b.add_list(["a.test", "*.a.test"]);
        let index = b.finish();
        assert_eq!(hits(&index, "a.test"), vec![one, two]);
        assert_eq!(hits(&index, "b.test"), vec![one]);
        assert_eq!(hits(&index, "x.a.test"), vec![two]);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn entries_that_are_not_names_are_skipped() {
        let mut b = DomainIndexBuilder::default();
        let (_, added) = b.add_list(["ok.test", "bad..test", "*x.test", "", &"a".repeat(64)]);
        assert_eq!(
            added,
            Added {
                indexed: 1,
                skipped: 4
            }
        );
    }
}
