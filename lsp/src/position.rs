//! Positions: LSP counts lines and UTF-16 code units in a line; the compiler counts
//! bytes. A [`Lines`] of a text converts both ways.

use tower_lsp::lsp_types::{Position, Range};

/// The line starts of a text.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The LSP position of byte `offset` (clamped to the text, and to a character).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of an LSP position; past the end of a line is its end, past the
    /// last line the end of the text.
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.text.len(), |next| next - 1);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= p.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_offsets_count_bytes() {
        let text = "ab\ncé😀x\n";
        let lines = Lines::new(text);
        // `x` is after c (1), é (1) and 😀 (2 units): character 4, byte 3 + 1 + 2 + 4.
        assert_eq!(lines.position(10), Position::new(1, 4));
        assert_eq!(lines.offset(Position::new(1, 4)), 10);
        assert_eq!(lines.offset(Position::new(1, 99)), 11);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
        assert_eq!(lines.position(0), Position::new(0, 0));
    }
}
