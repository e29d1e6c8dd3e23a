//! Operand-stack depths of a chunk, checked before it runs: no instruction may pop
//! more values than every path to it leaves on the stack. With the range checks of
//! [`super::verify`], a tampered chunk (one loaded from the store, say) is refused
//! with a message instead of making the VM panic or misbehave.
//!
//! The check walks every path from the entry and from each fork branch (a child
//! process starts with an empty stack), keeping for each instruction the smallest
//! depth any path reaches it with.

use super::{Chunk, EventSpec, Op};

/// How control goes on after an instruction, with the depth it leaves.
enum Next {
    /// To the next instruction.
    Fall(usize),
    /// To the next instruction and to jump targets, each with its depth.
    Also(Vec<(u32, usize)>, usize),
    /// Only to the given targets.
    Only(Vec<(u32, usize)>),
    /// Nowhere: the process or the frame ends, or an error is raised.
    Stop,
}

/// How many times, per instruction, the walk may revisit code before it gives up
/// (depths only decrease, but a crafted loop could make them decrease slowly).
const REVISITS: usize = 64;

/// `Err` names the first instruction that could pop from a stack too short for it.
pub fn check_depths(chunk: &Chunk) -> Result<(), String> {
    let n = chunk.code.len();
    let mut least: Vec<Option<usize>> = vec![None; n];
    let mut work: Vec<(usize, usize)> = vec![(0, 0)];
    let mut budget = n.saturating_mul(REVISITS);
    while let Some((pc, depth)) = work.pop() {
        if least[pc].is_some_and(|d| d <= depth) {
            continue;
        }
        budget = budget
            .checked_sub(1)
            .ok_or("the operand stack depths do not settle")?;
        least[pc] = Some(depth);
        let go = |t: u32, d: usize, work: &mut Vec<(usize, usize)>| work.push((t as usize, d));
        match next(chunk, chunk.code[pc], depth).map_err(|m| format!("instruction {pc}: {m}"))? {
            Next::Fall(d) => go(pc as u32 + 1, d, &mut work),
            Next::Also(targets, d) => {
                go(pc as u32 + 1, d, &mut work);
                targets.into_iter().for_each(|(t, d)| go(t, d, &mut work));
            }
            Next::Only(targets) => targets.into_iter().for_each(|(t, d)| go(t, d, &mut work)),
            Next::Stop => {}
        }
    }
    Ok(())
}

fn event_width(e: &EventSpec) -> usize {
    e.has_target as usize + e.guard.is_some() as usize + e.call.width()
}

/// What `op` does to a stack of `depth` values, or why it cannot run on it.
/// Table indices were checked by `verify` before.
fn next(chunk: &Chunk, op: Op, depth: usize) -> Result<Next, String> {
    // Pop `pops` values, push `pushes`.
    let take = |pops: usize, pushes: usize| -> Result<usize, String> {
        depth.checked_sub(pops).map(|d| d + pushes).ok_or_else(|| {
            format!(
                "{op:?} needs {pops} values on the operand stack, but only {depth} can be there"
            )
        })
    };
    let calls = |i: u32| chunk.calls[i as usize].width();
    Ok(match op {
        Op::Const(_)
        | Op::Null
        | Op::Bool(_)
        | Op::LoadSlot(_)
        | Op::LoadStatus(_)
        | Op::LoadBuiltin(_)
        | Op::LoadPath(_)
        | Op::Template(_) => Next::Fall(take(0, 1)?),
        Op::Dup => Next::Fall(take(1, 2)?),
        Op::StoreSlot(_) | Op::Pop | Op::JobResult | Op::IterStart => Next::Fall(take(1, 0)?),
        Op::MakeArray(k) => Next::Fall(take(k as usize, 1)?),
        Op::MakeDict(k) => Next::Fall(take(2 * k as usize, 1)?),
        Op::Add
        | Op::Sub
        | Op::Mul
        | Op::Div
        | Op::Rem
        | Op::In
        | Op::NotIn
        | Op::Compare(_)
        | Op::GetIndex => Next::Fall(take(2, 1)?),
        Op::Neg | Op::Pos | Op::Not | Op::GetAttr(_) => Next::Fall(take(1, 1)?),
        Op::CaseMatch => Next::Fall(take(2, 2)?),
        Op::SetAttr(_) => Next::Fall(take(2, 0)?),
        Op::SetIndex => Next::Fall(take(3, 0)?),
        Op::Call(c) => Next::Fall(take(calls(c) + 1, 1)?),
        Op::CallBuiltin(_, c) => Next::Fall(take(calls(c), 1)?),
        Op::BuiltinJob(_, c) => Next::Fall(take(calls(c), 0)?),
        Op::Exec(i) => {
            let e = &chunk.execs[i as usize];
            Next::Fall(take(1 + e.has_input as usize + e.call.width(), 0)?)
        }
        Op::RemoteJob(_, i) => Next::Fall(take(chunk.execs[i as usize].call.width(), 0)?),
        Op::SessionOpen(i) => Next::Fall(take(chunk.execs[i as usize].call.width(), 1)?),
        Op::SessionBind(_, t) => {
            let d = take(1, 0)?;
            Next::Also(vec![(t, d)], d)
        }
        Op::Event(i) => Next::Fall(take(event_width(&chunk.events[i as usize]), 0)?),
        Op::CompareChain(_, t) => {
            let d = take(2, 1)?;
            Next::Also(vec![(t, d)], d)
        }
        Op::Jump(t) => Next::Only(vec![(t, depth)]),
        Op::JumpIfFalse(t) | Op::JumpIfTrue(t) => {
            let d = take(1, 0)?;
            Next::Also(vec![(t, d)], d)
        }
        Op::JumpIfFalseKeep(t) | Op::JumpIfTrueKeep(t) => {
            let d = take(1, 0)?;
            Next::Also(vec![(t, depth)], d)
        }
        Op::IfSet(_, t) | Op::IterNext(_, t) | Op::TryStart(t) => {
            Next::Also(vec![(t, depth)], depth)
        }
        Op::Fork(i) => {
            let f = &chunk.forks[i as usize];
            let parent = take(f.pfor_slot.is_some() as usize, 0)?;
            let children = f.branches.iter().map(|&b| (b, 0));
            Next::Only(std::iter::once((f.end, parent)).chain(children).collect())
        }
        Op::Choice(i) => {
            let c = &chunk.choices[i as usize];
            let total = c
                .events
                .iter()
                .map(|&e| event_width(&chunk.events[e as usize]))
                .sum();
            let d = take(total, 0)?;
            Next::Only(c.branches.iter().map(|&b| (b, d)).collect())
        }
        Op::Job(_)
        | Op::JobOk
        | Op::NoBranch
        | Op::Connect(_)
        | Op::CaseFail
        | Op::IterEnd
        | Op::TryEnd
        | Op::TryDrop
        | Op::SessionClose(_) => Next::Fall(depth),
        Op::Fail(_) | Op::ChildEnd | Op::Return => Next::Stop,
    })
}
