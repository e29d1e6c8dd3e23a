//! The instruction set. A stack machine: operands are popped from and results pushed
//! to the process's operand stack. "Outcome" is the per-process register that holds
//! how the last job ended (success, job failure, connection failure) and that
//! connectors read (language.md §5).

use serde::{Deserialize, Serialize};

use super::StatusVar;
use crate::ast::{CompareOp, Connector};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub enum Op {
    // ---- values -------------------------------------------------------------
    /// Push constant `consts[i]`.
    Const(u32),
    /// Push `null`.
    Null,
    /// Push a Boolean.
    Bool(bool),
    /// Push the value of variable slot `i`; a runtime error when it is unset.
    LoadSlot(u16),
    /// Pop a value into variable slot `i`.
    StoreSlot(u16),
    /// Push a status variable.
    LoadStatus(StatusVar),
    /// Push built-in function `i` as a value (a bare built-in name that no variable shadows).
    LoadBuiltin(u16),
    /// Push the object named by the path constant `consts[i]` (relative to this flow's directory).
    LoadPath(u32),
    /// Expand template `templates[i]` and push the String (or Pattern).
    Template(u32),
    /// Pop `n` values and push them as an Array.
    MakeArray(u32),
    /// Pop `n` key/value pairs (key pushed first) and push a Dictionary.
    MakeDict(u32),
    /// Jump when variable slot `i` is set (parameter defaults are computed only when missing).
    IfSet(u16, u32),
    /// Discard the top value.
    Pop,
    /// Push a copy of the top value.
    Dup,

    // ---- operators ----------------------------------------------------------
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Neg,
    Pos,
    /// Pop a value, push its logical negation.
    Not,
    /// Pop container then item (item pushed first); push `item in container`.
    In,
    NotIn,
    /// Pop b, a; push `a op b`.
    Compare(CompareOp),
    /// A link of a comparison chain: pop b, a; if `a op b` push b and go on,
    /// else push `false` and jump to `target`.
    CompareChain(CompareOp, u32),
    /// Pop a base value; push `base.names[i]` (property, method, field or entry).
    GetAttr(u32),
    /// Pop index, base; push `base[index]`.
    GetIndex,
    /// Pop base, then value (value pushed first): `base.names[i] = value` (update job).
    SetAttr(u32),
    /// Pop index, base, then value (value pushed first): `base[index] = value`.
    SetIndex,
    /// Call: the callee then its arguments (`calls[i]`) are on the stack; push the result.
    Call(u32),
    /// Call built-in `id` with arguments `calls[i]`; push the result.
    CallBuiltin(u16, u32),

    // ---- control flow -------------------------------------------------------
    Jump(u32),
    /// Pop; jump when false.
    JumpIfFalse(u32),
    /// Pop; jump when true.
    JumpIfTrue(u32),
    /// `and`: if the top is false jump (keeping it), else pop it.
    JumpIfFalseKeep(u32),
    /// `or`: if the top is true jump (keeping it), else pop it.
    JumpIfTrueKeep(u32),

    // ---- jobs ---------------------------------------------------------------
    /// Job `jobs[i]` starts: for error reports and `--trace`.
    Job(u32),
    /// A job that succeeded without touching `$RESULT`: `$STATUS = 0`, outcome success
    /// (skip, assignment and update jobs; `for`/`while` at their end).
    JobOk,
    /// Pop a value: `$RESULT = value`, `$STATUS = 0`, `$ERROR = ''`, outcome success
    /// (a built-in function or method used as a job).
    JobResult,
    /// Run built-in job `id` (print, exit, sleep...) with arguments `calls[i]`; sets the status variables.
    BuiltinJob(u16, u32),
    /// Execution job `execs[i]`: a command, a jobflow call, or a callable value.
    Exec(u32),
    /// Remote built-in job `id` (put, get, reboot) with the arguments and the control
    /// variables of `execs[i]` (which has no target or input on the stack).
    RemoteJob(u16, u32),
    /// Event job `events[i]`: wait for a message, a process or nothing (`<>`).
    Event(u32),
    /// After a job followed by this connector: abort the process unless the outcome may pass.
    Connect(Connector),

    // ---- blocks -------------------------------------------------------------
    /// Case matching: pop pattern; peek subject; push whether it matches (language.md §6.3).
    CaseMatch,
    /// No clause matched: `$STATUS = 1`, outcome job failure.
    CaseFail,
    /// Pop an iterable and start iterating it.
    IterStart,
    /// Store the next element into slot `i`, or stop iterating and jump to `end`.
    IterNext(u16, u32),
    /// Stop the innermost iteration (for `break`).
    IterEnd,
    /// Raise a runtime error with the message `consts[i]`.
    Fail(u32),
    /// Drop the innermost `try` handler without touching the status (leaving a `try` by `break`).
    TryDrop,
    /// Start a `try` whose handler is at `handler`.
    TryStart(u32),
    /// A `try` body ended normally: drop the handler, `$STATUS = 0`, outcome success.
    TryEnd,
    /// Open the session of a session block with the control variables of `execs[i]`
    /// (no operands): push its channel, or null when it could not open (the status
    /// variables then say why).
    SessionOpen(u32),
    /// Pop what `SessionOpen` pushed: a channel goes into slot `s`, null jumps to `end`.
    SessionBind(u16, u32),
    /// Close the session whose channel is in slot `s`: `$RESULT` = the channel,
    /// `$STATUS = 0`.
    SessionClose(u16),
    /// Start the children of `forks[i]` and wait for them.
    Fork(u32),
    /// End of a child's branch: the child process ends here.
    ChildEnd,
    /// Wait for the first ready event among the branches of `choices[i]`.
    Choice(u32),
    /// An `if` took no branch: `$STATUS = 0`, outcome success.
    NoBranch,
    /// End of the top-level flow or of a called jobflow.
    Return,
}
