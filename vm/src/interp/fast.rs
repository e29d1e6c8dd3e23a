//! The fast path of the interpreter loop: the instructions of tight loops
//! (constants, variables, Integer arithmetic and comparisons, jumps, job markers)
//! run here with the program counter in a local, without going through
//! [`super::Vm::step`]. Anything else — and any Integer operation that would
//! overflow or fail — stops the fast path at that instruction, which the general
//! `step` then runs with its full semantics.

use jfc_compiler::ast::CompareOp;
use jfc_compiler::bytecode::Op;

use crate::process::{Outcome, Process};
use crate::value::Value;

/// Run fast instructions while `fuel` lasts; returns with the frame's pc on the first
/// instruction it did not run. With `slow_jobs` (tracing, or stopping at jobs) a job
/// marker is left to `step`.
pub(crate) fn run(p: &mut Process, fuel_left: &mut u32, slow_jobs: bool) {
    let Process {
        frames,
        stack,
        job,
        outcome,
        ..
    } = p;
    let Some(frame) = frames.last_mut() else {
        return;
    };
    let code = frame.code.clone();
    let ops = &code.chunk.code;
    let mut pc = frame.pc;
    let mut fuel = *fuel_left;
    while fuel > 0 {
        let Some(&op) = ops.get(pc) else { break };
        match op {
            Op::Const(i) => stack.push(copy(&code.consts[i as usize])),
            Op::LoadSlot(s) => match &frame.slots[s as usize] {
                Some(v) => stack.push(copy(v)),
                None => break,
            },
            Op::StoreSlot(s) => match stack.pop() {
                Some(v) => match &mut frame.slots[s as usize] {
                    Some(old) => overwrite(old, v),
                    empty => *empty = Some(v),
                },
                None => break,
            },
            Op::Add | Op::Sub | Op::Mul | Op::Rem | Op::Compare(_) => {
                let n = stack.len();
                if n < 2 {
                    break;
                }
                let (Value::Int(a), Value::Int(b)) = (&stack[n - 2], &stack[n - 1]) else {
                    break;
                };
                let Some(r) = int_op(op, *a, *b) else { break };
                // Both operands are Integers: nothing to drop.
                std::mem::forget(stack.pop());
                overwrite(&mut stack[n - 2], r);
            }
            Op::Jump(t) => {
                pc = t as usize;
                fuel -= 1;
                continue;
            }
            Op::JumpIfFalse(t) | Op::JumpIfTrue(t) => {
                let truthy = match stack.last() {
                    Some(Value::Bool(b)) => *b,
                    // Its truth is a query: the slow path asks the host.
                    Some(Value::Lazy(_)) | None => break,
                    Some(other) => other.truthy(),
                };
                stack.pop();
                if truthy == matches!(op, Op::JumpIfTrue(_)) {
                    pc = t as usize;
                    fuel -= 1;
                    continue;
                }
            }
            Op::Job(i) if !slow_jobs => *job = i,
            Op::Connect(_) if *outcome == Outcome::Success && !slow_jobs => {}
            Op::JobOk => {
                overwrite(&mut frame.status.status, Value::Int(0));
                *outcome = Outcome::Success;
            }
            _ => break,
        }
        pc += 1;
        fuel -= 1;
    }
    frame.pc = pc;
    *fuel_left = fuel;
}

/// An Integer operation that cannot fail or overflow, else `None`.
fn int_op(op: Op, a: i64, b: i64) -> Option<Value> {
    Some(match op {
        Op::Add => Value::Int(a.checked_add(b)?),
        Op::Sub => Value::Int(a.checked_sub(b)?),
        Op::Mul => Value::Int(a.checked_mul(b)?),
        Op::Rem => {
            // Python's floored remainder: the result has the sign of the divisor.
            let r = a.checked_rem(b)?;
            Value::Int(if r != 0 && (r < 0) != (b < 0) {
                r + b
            } else {
                r
            })
        }
        Op::Compare(c) => Value::Bool(match c {
            CompareOp::Lt => a < b,
            CompareOp::Gt => a > b,
            CompareOp::Le => a <= b,
            CompareOp::Ge => a >= b,
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            CompareOp::Match | CompareOp::NotMatch => return None,
        }),
        _ => return None,
    })
}

/// Clone, without the out-of-line call for the scalar values of tight loops.
#[inline(always)]
fn copy(v: &Value) -> Value {
    match v {
        Value::Int(i) => Value::Int(*i),
        Value::Bool(b) => Value::Bool(*b),
        other => other.clone(),
    }
}

/// Assign, skipping the drop glue when the old value owns nothing.
#[inline(always)]
fn overwrite(slot: &mut Value, v: Value) {
    if matches!(
        slot,
        Value::Int(_) | Value::Bool(_) | Value::Null | Value::Float(_)
    ) {
        std::mem::forget(std::mem::replace(slot, v));
    } else {
        *slot = v;
    }
}
