//! A chunk ready to run: the bytecode plus its constants turned into values once.

use std::rc::Rc;

use jfc_compiler::bytecode::{Chunk, Const, Template, TemplatePart};
use num_bigint::BigInt;

use crate::value::{Pattern, PatternKind, Value};

pub struct Code {
    pub chunk: Chunk,
    pub consts: Vec<Value>,
    /// Pattern literals without placeholders, compiled once (`None` for other templates).
    pub patterns: Vec<Option<Value>>,
}

impl Code {
    /// Verify `chunk` and prepare its constants.
    pub fn new(chunk: Chunk) -> Result<Rc<Code>, String> {
        jfc_compiler::bytecode::verify(&chunk)?;
        let consts = chunk.consts.iter().map(const_value).collect();
        let patterns = chunk.templates.iter().map(static_pattern).collect();
        Ok(Rc::new(Code {
            chunk,
            consts,
            patterns,
        }))
    }
}

fn const_value(c: &Const) -> Value {
    match c {
        Const::Int(i) => Value::Int(*i),
        Const::BigInt(s) => s.parse::<BigInt>().map_or(Value::Null, Value::from_bigint),
        Const::Float(f) => Value::Float(*f),
        Const::Str(s) | Const::Path(s) => Value::str(s),
        Const::Bytes(b) => Value::Bytes(Rc::from(b.as_slice())),
    }
}

/// A pattern literal whose text has no `$` placeholder is the same value every time.
fn static_pattern(t: &Template) -> Option<Value> {
    let (kind, icase) = t.pattern?;
    let mut text = String::new();
    for part in &t.parts {
        let TemplatePart::Text(s) = part else {
            return None;
        };
        text.push_str(s);
    }
    let pattern = Pattern::new(pattern_kind(kind), &text, icase).ok()?;
    Some(Value::Pattern(Rc::new(pattern)))
}

pub(crate) fn pattern_kind(kind: jfc_compiler::lexer::PatKind) -> PatternKind {
    match kind {
        jfc_compiler::lexer::PatKind::Regex => PatternKind::Regex,
        jfc_compiler::lexer::PatKind::Glob => PatternKind::Glob,
        jfc_compiler::lexer::PatKind::Exact => PatternKind::Exact,
    }
}
