//! Checks a chunk before it runs: every operand must point inside its table and
//! every jump to an instruction, so a chunk loaded from the store can never make
//! the VM index out of bounds; then the operand-stack depths ([`super::stack`]).

use super::{Chunk, Op};

/// `Ok` when every jump target, table index and slot of `chunk` is in range and no
/// instruction can pop from a stack too short for it.
pub fn verify(chunk: &Chunk) -> Result<(), String> {
    check_ranges(chunk)?;
    super::stack::check_depths(chunk)
}

fn check_ranges(chunk: &Chunk) -> Result<(), String> {
    // A jump target is an instruction: `n` (the end of the code) is not one.
    let n = chunk.code.len() as u32;
    let slots = chunk.slots.len();
    let bad = |pc: usize, what: &str| Err(format!("instruction {pc}: {what} out of range"));
    if !matches!(chunk.code.last(), Some(Op::Return)) {
        return Err("the code does not end with Return".into());
    }
    for (pc, op) in chunk.code.iter().enumerate() {
        let ok = match *op {
            Op::Const(i) | Op::LoadPath(i) | Op::Fail(i) => (i as usize) < chunk.consts.len(),
            Op::LoadSlot(s) | Op::StoreSlot(s) | Op::SessionClose(s) => (s as usize) < slots,
            Op::IfSet(s, t) | Op::IterNext(s, t) | Op::SessionBind(s, t) => {
                (s as usize) < slots && t < n
            }
            Op::LoadBuiltin(b) => crate::builtins::exists(b),
            Op::Template(i) => (i as usize) < chunk.templates.len(),
            Op::GetAttr(i) | Op::SetAttr(i) => (i as usize) < chunk.names.len(),
            Op::Call(i) => (i as usize) < chunk.calls.len(),
            Op::CallBuiltin(b, i) | Op::BuiltinJob(b, i) => {
                crate::builtins::exists(b) && (i as usize) < chunk.calls.len()
            }
            Op::Jump(t)
            | Op::JumpIfFalse(t)
            | Op::JumpIfTrue(t)
            | Op::JumpIfFalseKeep(t)
            | Op::JumpIfTrueKeep(t)
            | Op::CompareChain(_, t)
            | Op::TryStart(t) => t < n,
            Op::Job(i) => (i as usize) < chunk.jobs.len(),
            Op::Exec(i) | Op::SessionOpen(i) => chunk.execs.get(i as usize).is_some_and(|e| {
                e.controls.iter().all(|&(c, s)| {
                    (c as usize) < super::CONTROL_VARIABLES.len() && (s as usize) < slots
                })
            }),
            Op::RemoteJob(b, i) => {
                crate::builtins::exists(b)
                    && chunk.execs.get(i as usize).is_some_and(|e| {
                        !e.has_input
                            && e.controls.iter().all(|&(c, s)| {
                                (c as usize) < super::CONTROL_VARIABLES.len()
                                    && (s as usize) < slots
                            })
                    })
            }
            Op::Event(i) => (i as usize) < chunk.events.len(),
            Op::Fork(i) => chunk.forks.get(i as usize).is_some_and(|f| {
                f.end < n
                    && f.branches.iter().all(|&b| b < n)
                    && f.pfor_slot.is_none_or(|s| (s as usize) < slots)
            }),
            Op::Choice(i) => chunk.choices.get(i as usize).is_some_and(|c| {
                c.branches.iter().all(|&b| b < n)
                    && c.events.iter().all(|&e| (e as usize) < chunk.events.len())
            }),
            _ => true,
        };
        if !ok {
            return bad(pc, &format!("{op:?}"));
        }
    }
    for p in &chunk.params {
        if p.slot as usize >= slots {
            return Err(format!("parameter {} has no slot", p.name));
        }
    }
    Ok(())
}
