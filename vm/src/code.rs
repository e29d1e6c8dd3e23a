//! A chunk ready to run: the bytecode plus its constants turned into values once.

use std::rc::Rc;

use jfc_compiler::bytecode::{Chunk, Const};
use num_bigint::BigInt;

use crate::value::Value;

pub struct Code {
    pub chunk: Chunk,
    pub consts: Vec<Value>,
}

impl Code {
    /// Verify `chunk` and prepare its constants.
    pub fn new(chunk: Chunk) -> Result<Rc<Code>, String> {
        jfc_compiler::bytecode::verify(&chunk)?;
        let consts = chunk.consts.iter().map(const_value).collect();
        Ok(Rc::new(Code { chunk, consts }))
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
