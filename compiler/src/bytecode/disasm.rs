//! A readable listing of a chunk (`jfc disasm`).

use std::fmt::Write;

use super::{Chunk, Const, Op, TemplatePart};
use crate::builtins;
use crate::span::LineIndex;

/// The listing: tables first, then one instruction a line with its source line.
pub fn disassemble(chunk: &Chunk) -> String {
    let mut out = String::new();
    let index = LineIndex::new(&chunk.source);
    let _ = writeln!(out, "chunk {}", chunk.name);
    for p in &chunk.params {
        let _ = writeln!(
            out,
            "  param {} -> slot {}{}",
            p.name,
            p.slot,
            if p.has_default { " (default)" } else { "" }
        );
    }
    if !chunk.slots.is_empty() {
        let _ = writeln!(out, "  slots: {}", chunk.slots.join(", "));
    }
    let mut last_line = 0;
    for (pc, op) in chunk.code.iter().enumerate() {
        let (line, _) = index.line_col(&chunk.source, chunk.span_at(pc).start as usize);
        let line_col = if line != last_line {
            last_line = line;
            format!("{line:>4}")
        } else {
            "   |".to_string()
        };
        let _ = writeln!(out, "{line_col} {pc:>5}  {}", describe(chunk, op));
    }
    out
}

fn describe(chunk: &Chunk, op: &Op) -> String {
    let slot = |i: u16| {
        chunk
            .slots
            .get(i as usize)
            .map_or("?", String::as_str)
            .to_string()
    };
    let name = |i: u32| {
        chunk
            .names
            .get(i as usize)
            .map_or("?", String::as_str)
            .to_string()
    };
    match *op {
        Op::Const(i) => format!("Const {}", constant(chunk, i)),
        Op::LoadSlot(i) => format!("LoadSlot {i} ({})", slot(i)),
        Op::StoreSlot(i) => format!("StoreSlot {i} ({})", slot(i)),
        Op::IfSet(i, t) => format!("IfSet {i} ({}) -> {t}", slot(i)),
        Op::LoadStatus(v) => format!("LoadStatus ${}", v.name()),
        Op::LoadBuiltin(id) => format!("LoadBuiltin {}", builtins::get(id).name),
        Op::LoadPath(i) => format!("LoadPath {}", constant(chunk, i)),
        Op::Template(i) => format!("Template {}", template(chunk, i)),
        Op::GetAttr(i) => format!("GetAttr .{}", name(i)),
        Op::SetAttr(i) => format!("SetAttr .{}", name(i)),
        Op::Call(i) => format!("Call {}", call(chunk, i)),
        Op::CallBuiltin(id, i) => {
            format!("CallBuiltin {} {}", builtins::get(id).name, call(chunk, i))
        }
        Op::BuiltinJob(id, i) => {
            format!("BuiltinJob {} {}", builtins::get(id).name, call(chunk, i))
        }
        Op::Compare(c) => format!("Compare {}", c.symbol()),
        Op::CompareChain(c, t) => format!("CompareChain {} else -> {t}", c.symbol()),
        Op::Connect(c) => format!("Connect {}", c.symbol()),
        Op::Job(i) => {
            let span = chunk.jobs.get(i as usize).copied().unwrap_or_default();
            let text = chunk.source.get(span.range()).unwrap_or("");
            let first = text.lines().next().unwrap_or("");
            format!("Job {i}  ; {}", shorten(first, 50))
        }
        Op::Exec(i) => {
            let e = &chunk.execs[i as usize];
            format!(
                "Exec{} {}{}",
                if e.has_input { " <<" } else { "" },
                describe_call(&e.call),
                controls(e)
            )
        }
        Op::RemoteJob(id, i) => {
            let e = &chunk.execs[i as usize];
            format!(
                "RemoteJob {} {}{}",
                builtins::get(id).name,
                describe_call(&e.call),
                controls(e)
            )
        }
        Op::SessionOpen(i) => format!("SessionOpen{}", controls(&chunk.execs[i as usize])),
        Op::Event(i) => {
            let e = &chunk.events[i as usize];
            format!(
                "Event{}{} {}",
                if e.has_target { "" } else { " <>" },
                e.guard.map_or("", |g| match g {
                    crate::ast::Guard::Head => " ?",
                    crate::ast::Guard::Scan => " ??",
                }),
                describe_call(&e.call)
            )
        }
        Op::Fork(i) => {
            let f = &chunk.forks[i as usize];
            let kind = if f.pfor_slot.is_some() {
                "Pfor"
            } else {
                "Fork"
            };
            format!("{kind} branches {:?} end {}", f.branches, f.end)
        }
        Op::Choice(i) => {
            let c = &chunk.choices[i as usize];
            format!("Choice events {:?} branches {:?}", c.events, c.branches)
        }
        other => format!("{other:?}").replace('(', " ").replace(')', ""),
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}...", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

fn constant(chunk: &Chunk, i: u32) -> String {
    match chunk.consts.get(i as usize) {
        Some(Const::Int(v)) => v.to_string(),
        Some(Const::BigInt(v)) => v.clone(),
        Some(Const::Float(v)) => format!("{v:?}"),
        Some(Const::Str(s)) => format!("{s:?}"),
        Some(Const::Bytes(b)) => format!("b{:?}", String::from_utf8_lossy(b)),
        Some(Const::Path(p)) => p.clone(),
        None => "?".into(),
    }
}

fn template(chunk: &Chunk, i: u32) -> String {
    let Some(t) = chunk.templates.get(i as usize) else {
        return "?".into();
    };
    let text: String = t
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Text(s) => s.clone(),
            TemplatePart::Slot { slot, .. } => format!("{{slot {slot}}}"),
            TemplatePart::Status { var, .. } => format!("{{${}}}", var.name()),
        })
        .collect();
    match t.pattern {
        Some((k, icase)) => format!("{}{:?}{}", k.letter(), text, if icase { "i" } else { "" }),
        None => format!("{text:?}"),
    }
}

fn call(chunk: &Chunk, i: u32) -> String {
    chunk
        .calls
        .get(i as usize)
        .map_or("?".into(), describe_call)
}

fn describe_call(c: &super::CallSpec) -> String {
    let mut parts = vec![format!("{} pos", c.npos)];
    if c.spread {
        parts.push("*".into());
    }
    for k in &c.keywords {
        parts.push(format!("{k}="));
    }
    if c.spread_named {
        parts.push("**".into());
    }
    format!("({})", parts.join(", "))
}

/// ` controls [__host__, __user__]`: the control variables a job reads (empty: none).
fn controls(e: &super::ExecSpec) -> String {
    let ctl: Vec<&str> = e
        .controls
        .iter()
        .map(|&(c, _)| super::CONTROL_VARIABLES[c as usize])
        .collect();
    if ctl.is_empty() {
        String::new()
    } else {
        format!(" controls [{}]", ctl.join(", "))
    }
}
