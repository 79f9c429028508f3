//! A first pass over a zone file: where each entry starts, and SPF records.
//!
//! `domain`'s zone-file scanner does the real reading, but it neither says
//! on which line a record starts nor reads SPF data (type 99 is not among
//! its zone types). This pass splits the text into entries with the same
//! rules (RFC 1035 §5.1, as `domain` implements them: blanks, `;` comments,
//! `( … )` groups, quoted strings, backslash escapes), notes each entry's
//! first line, and rewrites the type of SPF records to TXT (same wire
//! format, RFC 7208 §3.1) while remembering that they were SPF. Line breaks
//! are left where they are, so `domain`'s line numbers stay true.

use std::ops::Range;
use std::str::FromStr;

use domain::base::iana::{Class, Rtype};

//------------ Entry ------------------------------------------------------------

/// One entry of the zone file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The line of the entry's first token (1-based).
    pub first_line: usize,
    /// The line where the entry's last token ends.
    pub last_line: usize,
    /// What the entry is.
    pub kind: EntryKind,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A `$` control entry (`$ORIGIN`, `$TTL`, …) other than `$INCLUDE`.
    Control,
    /// An `$INCLUDE` entry starting at this byte of the text.
    Include {
        /// Where the entry's `$` is.
        offset: usize,
    },
    /// A record whose owner is a quoted string, starting at this byte. Zone files have no
    /// quoted owner names, and `domain` 0.12 panics on some of them, so it never sees one.
    QuotedOwner {
        /// Where the entry's first token is.
        offset: usize,
    },
    /// A resource record; `spf` when its type was SPF and now reads TXT.
    Record {
        /// The type was SPF in the file.
        spf: bool,
    },
}

/// The zone file split into entries, and the text to give `domain`.
#[derive(Debug)]
pub(crate) struct Lexed {
    /// Every control and record entry, in file order.
    pub entries: Vec<Entry>,
    /// The file with SPF types rewritten as TXT; same lines as the input.
    pub text: String,
}

/// Splits `text` into entries. Never fails: what is malformed here is left
/// for `domain` to report.
pub(crate) fn lex(text: &str) -> Lexed {
    let bytes = text.as_bytes();
    let mut lexer = Lexer {
        bytes,
        pos: 0,
        line: 1,
        parens: 0,
    };
    let mut entries = Vec::new();
    let mut spf_types: Vec<Range<usize>> = Vec::new();
    while lexer.pos < bytes.len() {
        let indented = matches!(bytes[lexer.pos], b' ' | b'\t' | b'\r');
        let (tokens, lines) = lexer.entry_tokens();
        let Some((first_line, last_line)) = lines else {
            continue;
        };
        let first = &tokens[0].range;
        if !indented && bytes.get(first.start) == Some(&b'$') {
            let kind = if text[first.clone()].eq_ignore_ascii_case("$INCLUDE") {
                EntryKind::Include {
                    offset: first.start,
                }
            } else {
                EntryKind::Control
            };
            entries.push(Entry {
                first_line,
                last_line,
                kind,
            });
            continue;
        }
        // A quoted token's range starts after its opening quote.
        if !indented && first.start > 0 && bytes[first.start - 1] == b'"' {
            let offset = first.start - 1;
            entries.push(Entry {
                first_line,
                last_line,
                kind: EntryKind::QuotedOwner { offset },
            });
            continue;
        }
        let fields = if indented { &tokens[..] } else { &tokens[1..] };
        let type_token = type_token(text, fields);
        let spf = type_token.is_some_and(|t| {
            Rtype::from_str(&text[t.range.clone()]).is_ok_and(|r| r == Rtype::SPF)
        });
        if let (true, Some(t)) = (spf, type_token) {
            spf_types.push(t.range.clone());
        }
        entries.push(Entry {
            first_line,
            last_line,
            kind: EntryKind::Record { spf },
        });
    }
    Lexed {
        entries,
        text: rewrite_as_txt(text, &spf_types),
    }
}

/// The token that holds the record type, found as `domain` finds it:
/// `[TTL] [class] type` or `[class] [TTL] type`.
fn type_token<'t>(text: &str, fields: &'t [Token]) -> Option<&'t Token> {
    let word = |i: usize| fields.get(i).map(|t| &text[t.range.clone()]);
    let is_ttl = |w: &str| u32::from_str(w).is_ok();
    let is_type = |w: &str| Rtype::from_str(w).is_ok();
    let is_class = |w: &str| Class::from_str(w).is_ok();
    let first = word(0)?;
    let index = if is_ttl(first) {
        if is_type(word(1)?) {
            1
        } else {
            2
        }
    } else if is_type(first) {
        0
    } else if is_class(first) {
        if is_ttl(word(1)?) {
            2
        } else {
            1
        }
    } else {
        return None;
    };
    fields.get(index)
}

fn rewrite_as_txt(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for range in ranges {
        out.push_str(&text[copied..range.start]);
        out.push_str("TXT");
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

//------------ Lexer ------------------------------------------------------------

/// A token's place in the text (without its quotes).
#[derive(Debug, Clone)]
struct Token {
    range: Range<usize>,
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    parens: usize,
}

impl Lexer<'_> {
    /// Reads one entry: up to a line feed outside parentheses, or the end.
    /// Returns its tokens and the lines where the first one starts and the
    /// last one ends (`None` for a line with no tokens).
    fn entry_tokens(&mut self) -> (Vec<Token>, Option<(usize, usize)>) {
        let mut tokens = Vec::new();
        let mut first_line = None;
        let mut last_line = 0;
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'(' => {
                    self.parens += 1;
                    self.pos += 1;
                }
                b')' => {
                    self.parens = self.parens.saturating_sub(1);
                    self.pos += 1;
                }
                b';' => {
                    while self.bytes.get(self.pos).is_some_and(|&b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    if self.parens == 0 {
                        break;
                    }
                }
                b'"' => {
                    let opened_on = self.line;
                    first_line.get_or_insert(opened_on);
                    let (token, closed) = self.quoted_token();
                    tokens.push(token);
                    // A string never closed is blamed on the line it opened.
                    last_line = if closed { self.line } else { opened_on };
                }
                _ => {
                    first_line.get_or_insert(self.line);
                    tokens.push(self.unquoted_token());
                    last_line = self.line;
                }
            }
        }
        (tokens, first_line.map(|first| (first, last_line)))
    }

    /// Reads a quoted token; tells whether its closing quote was found.
    fn quoted_token(&mut self) -> (Token, bool) {
        self.pos += 1;
        let start = self.pos;
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b'"' => {
                    let range = start..self.pos;
                    self.pos += 1;
                    return (Token { range }, true);
                }
                b'\\' => self.skip_escaped(),
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        (
            Token {
                range: start..self.pos,
            },
            false,
        )
    }

    fn unquoted_token(&mut self) -> Token {
        let start = self.pos;
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b';' | b'"' => break,
                b'\\' => self.skip_escaped(),
                _ => self.pos += 1,
            }
        }
        Token {
            range: start..self.pos,
        }
    }

    /// Skips a backslash and the character after it.
    fn skip_escaped(&mut self) {
        self.pos += 1;
        if let Some(&byte) = self.bytes.get(self.pos) {
            if byte == b'\n' {
                self.line += 1;
            }
            // Step over a whole UTF-8 character, so ranges stay on char
            // boundaries.
            self.pos += 1;
            while self.bytes.get(self.pos).is_some_and(|b| b & 0xc0 == 0x80) {
                self.pos += 1;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md B3)
mod tests {
    use super::*;

    fn lines_and_kinds(text: &str) -> Vec<(usize, EntryKind)> {
        lex(text)
            .entries
            .into_iter()
            .map(|e| (e.first_line, e.kind))
            .collect()
    }

    const PLAIN: EntryKind = EntryKind::Record { spf: false };

    #[test]
    fn entries_start_at_their_first_token() {
        let text = "; comment\n$ORIGIN example.\n\n@ IN SOA ns host (\n 1 2 3\n 4 5 )\n  IN NS ns\nwww A 192.0.2.1 ; x\n$include x\n";
        assert_eq!(
            lines_and_kinds(text),
            [
                (2, EntryKind::Control),
                (4, PLAIN),
                (7, PLAIN),
                (8, PLAIN),
                (
                    9,
                    EntryKind::Include {
                        offset: text.find("$include").unwrap()
                    }
                )
            ]
        );
    }

    #[test]
    fn quoted_line_breaks_and_semicolons_do_not_end_entries() {
        let text = "a TXT \"x;y\" \"two\nlines\"\nb TXT \"z\"\n";
        assert_eq!(lines_and_kinds(text), [(1, PLAIN), (3, PLAIN)]);
    }

    #[test]
    fn spf_types_are_read_as_txt_in_every_position() {
        let lexed = lex(
            "a SPF \"v\"\nb 300 IN spf \"v\"\nc IN 300 SPF \"v\"\n\tSPF \"w\"\nspf TXT \"SPF\"\n",
        );
        assert_eq!(
            lexed.text,
            "a TXT \"v\"\nb 300 IN TXT \"v\"\nc IN 300 TXT \"v\"\n\tTXT \"w\"\nspf TXT \"SPF\"\n"
        );
        let spf: Vec<bool> = lexed
            .entries
            .iter()
            .map(|e| matches!(e.kind, EntryKind::Record { spf: true }))
            .collect();
        assert_eq!(spf, [true, true, true, true, false]);
    }
}
