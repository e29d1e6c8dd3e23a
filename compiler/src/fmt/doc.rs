//! A small Wadler-style document model and its printer.
//!
//! The layout code builds a [`Doc`]; [`print`] decides, group by group, whether a
//! group fits flat on the rest of its line ([`WIDTH`] columns) or must break.
//! Comments and kept blank lines always break every group around them, so a
//! comment can never end up in the middle of a line with code after it.

/// The column limit a flat group must fit in.
pub const WIDTH: usize = 100;

/// Indentation added by [`Doc::Indent`].
const INDENT: usize = 4;

#[derive(Clone, Debug)]
pub enum Doc {
    /// Text printed as is. It may hold line feeds only when it is a literal copied
    /// from the source (triple-quoted strings); those are never re-indented.
    Text(String),
    /// A space when the enclosing group is flat, a line break when it is broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// Keep one empty line here (a blank line of the source).
    Blank,
    /// A comment; `own_line` ones start a line of their own, others follow code.
    /// A line break always follows.
    Comment {
        text: String,
        own_line: bool,
    },
    Indent(Vec<Doc>),
    Concat(Vec<Doc>),
    /// A unit printed flat when it fits; `hard` when it must break anyway.
    Group {
        docs: Vec<Doc>,
        hard: bool,
    },
}

impl Doc {
    pub fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    /// A group that breaks only when it does not fit (or holds a comment).
    pub fn group(docs: Vec<Doc>) -> Doc {
        let hard = docs.iter().any(Doc::is_hard);
        Doc::Group { docs, hard }
    }

    /// A group that is always broken.
    pub fn broken(docs: Vec<Doc>) -> Doc {
        Doc::Group { docs, hard: true }
    }

    /// Whether this forces the groups around it to break.
    fn is_hard(&self) -> bool {
        match self {
            Doc::Blank | Doc::Comment { .. } => true,
            Doc::Text(_) | Doc::Line | Doc::SoftLine => false,
            Doc::Indent(ds) | Doc::Concat(ds) => ds.iter().any(Doc::is_hard),
            Doc::Group { hard, .. } => *hard,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

type Cmd<'d> = (usize, Mode, &'d Doc);

/// Lay out a document. The result has no trailing blanks on any line that the
/// printer made and ends with exactly one line feed (or is empty).
pub fn print(doc: &Doc) -> String {
    let mut p = Printer::default();
    let mut stack: Vec<Cmd<'_>> = vec![(0, Mode::Break, doc)];
    while let Some((indent, mode, d)) = stack.pop() {
        match d {
            Doc::Text(s) => p.write(s),
            Doc::Line if mode == Mode::Flat => p.space(),
            Doc::SoftLine if mode == Mode::Flat => {}
            Doc::Line | Doc::SoftLine => p.newline(indent),
            Doc::Blank => p.blank(indent),
            Doc::Comment { text, own_line } => p.comment(text, *own_line, indent),
            Doc::Indent(ds) => push_all(&mut stack, indent + INDENT, mode, ds),
            Doc::Concat(ds) => push_all(&mut stack, indent, mode, ds),
            Doc::Group { docs, hard } => {
                let flat = mode == Mode::Flat
                    || (!hard && fits(WIDTH.saturating_sub(p.column()), docs, &stack));
                let mode = if flat { Mode::Flat } else { Mode::Break };
                push_all(&mut stack, indent, mode, docs);
            }
        }
    }
    p.finish()
}

fn push_all<'d>(stack: &mut Vec<Cmd<'d>>, indent: usize, mode: Mode, docs: &'d [Doc]) {
    stack.extend(docs.iter().rev().map(|d| (indent, mode, d)));
}

/// Whether `docs`, printed flat, and what follows them up to the next line break
/// fit in `room` columns. A multi-line literal fits when its first line does.
fn fits(room: usize, docs: &[Doc], rest: &[Cmd<'_>]) -> bool {
    let mut room = room as isize;
    let mut local: Vec<(Mode, &Doc)> = docs.iter().rev().map(|d| (Mode::Flat, d)).collect();
    let mut rest = rest.iter().rev();
    loop {
        let (mode, d) = match local.pop() {
            Some(x) => x,
            None => match rest.next() {
                Some(&(_, mode, d)) => (mode, d),
                None => return true,
            },
        };
        match d {
            Doc::Text(s) => match s.split_once('\n') {
                Some((first, _)) => return width(first) as isize <= room,
                None => room -= width(s) as isize,
            },
            Doc::Line if mode == Mode::Flat => room -= 1,
            Doc::SoftLine if mode == Mode::Flat => {}
            Doc::Line | Doc::SoftLine | Doc::Blank | Doc::Comment { .. } => return true,
            Doc::Indent(ds) | Doc::Concat(ds) => local.extend(ds.iter().rev().map(|d| (mode, d))),
            Doc::Group { docs, hard } => {
                let mode = if *hard { Mode::Break } else { mode };
                local.extend(docs.iter().rev().map(|d| (mode, d)));
            }
        }
        if room < 0 {
            return false;
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// The output being written. Indentation is written lazily, with the first text
/// of a line, so that two line breaks in a row make one (a comment ends its line
/// and the layout's own break after it must not add an empty line).
#[derive(Default)]
struct Printer {
    out: String,
    /// Characters on the current line so far (0 at a line start).
    col: usize,
    /// The indentation of the line about to start, when nothing is on it yet.
    pending: Option<usize>,
}

impl Printer {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.pending.is_some()
    }

    fn column(&self) -> usize {
        self.pending.unwrap_or(self.col)
    }

    fn write(&mut self, s: &str) {
        if let Some(indent) = self.pending.take() {
            self.out.push_str(&" ".repeat(indent));
            self.col = indent;
        }
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.col = width(&s[i + 1..]),
            None => self.col += width(s),
        }
    }

    fn space(&mut self) {
        if !self.at_line_start() && !self.out.ends_with(' ') {
            self.write(" ");
        }
    }

    fn newline(&mut self, indent: usize) {
        if !self.at_line_start() {
            let kept = self.out.trim_end_matches(' ').len();
            self.out.truncate(kept);
            self.out.push('\n');
        }
        self.pending = Some(indent);
    }

    fn blank(&mut self, indent: usize) {
        if self.out.is_empty() {
            return;
        }
        self.newline(indent);
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn comment(&mut self, text: &str, own_line: bool, indent: usize) {
        if own_line {
            self.newline(indent);
        } else {
            self.space();
        }
        self.write(text);
        self.newline(indent);
    }

    fn finish(mut self) -> String {
        let kept = self.out.trim_end().len();
        self.out.truncate(kept);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }
}
