//! The open documents: their text as the editor has it, kept by applying each change
//! (incremental sync), and the version it is at.

use tower_lsp::lsp_types::TextDocumentContentChangeEvent;

use crate::position::Lines;

pub struct Document {
    pub text: String,
    pub version: i32,
    /// The names of this version, once analysed: requests read them instead of
    /// analysing the text again.
    pub names: Option<std::sync::Arc<crate::navigate::Names>>,
}

impl Document {
    /// Apply the changes of one `didChange`, in order: a change with a range replaces
    /// that range, one without replaces the whole text.
    pub fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let lines = Lines::new(&self.text);
                    let (start, end) = (lines.offset(range.start), lines.offset(range.end));
                    let end = end.max(start);
                    self.text.replace_range(start..end, &change.text);
                }
                None => self.text = change.text,
            }
        }
        self.version = version;
        self.names = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp::lsp_types::{Position, Range};

    fn edit(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn changes_apply_in_order() {
        let mut doc = Document {
            text: "print('a')\nprint('b')\n".into(),
            version: 1,
            names: None,
        };
        doc.apply(
            2,
            vec![
                edit(Some(((0, 7), (0, 8))), "hello"),
                edit(Some(((1, 0), (1, 0))), "# x\n"),
            ],
        );
        assert_eq!(doc.text, "print('hello')\n# x\nprint('b')\n");
        assert_eq!(doc.version, 2);
        doc.apply(3, vec![edit(None, "new")]);
        assert_eq!(doc.text, "new");
    }
}
