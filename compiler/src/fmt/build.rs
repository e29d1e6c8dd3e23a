//! The state shared by the layout code: the source, its comments (handed out in
//! order as the layout passes their place) and the blank-line rule.

use super::doc::Doc;
use crate::lexer::{self, Token};
use crate::span::Span;

/// Keywords whose position the tree does not record but comments are placed by.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kw {
    Then,
    Elif,
    Else,
}

pub(super) struct Builder<'s> {
    src: &'s str,
    comments: Vec<(Span, &'s str)>,
    /// Index of the first comment not yet placed.
    next: usize,
    /// False at the start of a sequence (file, block body, clause list): a blank
    /// line is kept between items, never right after an opening.
    blank_ok: bool,
    keywords: Vec<(usize, Kw)>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(src: &'s str) -> Builder<'s> {
        let keywords = lexer::lex(src)
            .0
            .into_iter()
            .filter_map(|(at, tok, _)| match tok {
                Token::Then => Some((at, Kw::Then)),
                Token::Elif => Some((at, Kw::Elif)),
                Token::Else => Some((at, Kw::Else)),
                _ => None,
            })
            .collect();
        Builder {
            src,
            comments: lexer::comments::comments(src),
            next: 0,
            blank_ok: false,
            keywords,
        }
    }

    /// The source text of a literal, copied exactly (quotes and escapes as written).
    pub(super) fn source(&self, span: Span) -> Doc {
        Doc::text(self.src.get(span.range()).unwrap_or_default())
    }

    /// Where the first `kw` at or after `from` starts (`from` if there is none).
    pub(super) fn keyword(&self, kw: Kw, from: usize) -> usize {
        self.keywords
            .iter()
            .find(|&&(at, k)| k == kw && at >= from)
            .map_or(from, |&(at, _)| at)
    }

    /// Start a sequence: no blank line before its first item.
    pub(super) fn open_sequence(&mut self) {
        self.blank_ok = false;
    }

    /// Every comment that starts before `pos`, in order. Called where the layout
    /// reaches source position `pos`, so comments keep their place among the code.
    pub(super) fn comments_before(&mut self, pos: usize) -> Doc {
        let mut docs = Vec::new();
        while let Some(&(span, text)) = self.comments.get(self.next) {
            if span.start as usize >= pos {
                break;
            }
            self.next += 1;
            let own_line = self.starts_line(span.start as usize);
            if own_line && self.blank_ok && self.blank_before(span.start as usize) {
                docs.push(Doc::Blank);
            }
            docs.push(Doc::Comment {
                text: text.trim_end().to_string(),
                own_line,
            });
            self.blank_ok = true;
        }
        Doc::Concat(docs)
    }

    /// What goes before an item of a sequence (a parameter, job, clause, branch)
    /// starting at `pos`: the comments before it, then one blank line if the source
    /// had one or more just before any of `gaps` (the item and its connector).
    pub(super) fn item_prefix(&mut self, pos: usize, gaps: &[usize]) -> Doc {
        let comments = self.comments_before(pos);
        let blank = self.blank_ok && gaps.iter().any(|&g| self.blank_before(g));
        self.blank_ok = true;
        if blank {
            Doc::Concat(vec![comments, Doc::Blank])
        } else {
            comments
        }
    }

    /// Whether only blanks stand between the last line feed and `pos`.
    fn starts_line(&self, pos: usize) -> bool {
        let before = &self.src.as_bytes()[..pos.min(self.src.len())];
        before
            .iter()
            .rev()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | 0x0c))
            .is_none_or(|&b| b == b'\n')
    }

    /// Whether the blanks right before `pos` hold an empty line.
    fn blank_before(&self, pos: usize) -> bool {
        let before = &self.src.as_bytes()[..pos.min(self.src.len())];
        before
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c))
            .filter(|&&b| b == b'\n')
            .count()
            >= 2
    }

    /// Whether a comment not placed yet starts before `pos`.
    pub(super) fn has_comment_before(&self, pos: usize) -> bool {
        self.comments
            .get(self.next)
            .is_some_and(|(span, _)| (span.start as usize) < pos)
    }

    /// Every comment not placed yet (the end of the file).
    pub(super) fn rest(&mut self) -> Doc {
        self.comments_before(usize::MAX)
    }
}
