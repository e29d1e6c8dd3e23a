//! Calls: arguments off the stack, built-in functions, methods, jobflow parameters.

use std::cell::RefCell;
use std::rc::Rc;

use jfc_compiler::builtins::{self, BuiltinKind};

use crate::builtins::{functions, methods};
use crate::host::{Host, StoreRequest};
use crate::process::{Frame, Process};
use crate::scheduler::Vm;
use crate::value::{Args, ChannelState, Error, Result, Value};

/// Pop the arguments laid out by `calls[c]` and spread `*`/`**` values.
pub(crate) fn pop_args(p: &mut Process, c: usize) -> Result<Args> {
    let spec = p.frame().code.chunk.calls[c].clone();
    pop_args_spec(p, &spec)
}

/// Pop arguments laid out by `spec`.
pub(crate) fn pop_args_spec(
    p: &mut Process,
    spec: &jfc_compiler::bytecode::CallSpec,
) -> Result<Args> {
    let values = p
        .stack
        .split_off(p.stack.len().saturating_sub(spec.width()));
    args_from(values, spec)
}

/// Arguments from their stack values laid out by `spec`.
pub(crate) fn args_from(
    values: Vec<Value>,
    spec: &jfc_compiler::bytecode::CallSpec,
) -> Result<Args> {
    let mut values = values.into_iter();
    let mut args = Args::default();
    args.pos.extend(values.by_ref().take(spec.npos as usize));
    if spec.spread {
        match &values.next() {
            Some(Value::Array(a)) => args.pos.extend(a.borrow().iter().cloned()),
            Some(other) => {
                return Err(Error::new(format!(
                    "`*` needs an Array, not {}",
                    other.type_name()
                )))
            }
            None => {}
        }
    }
    for k in &spec.keywords {
        args.kw
            .push((Rc::from(k.as_str()), values.next().unwrap_or(Value::Null)));
    }
    if spec.spread_named {
        match &values.next() {
            Some(Value::Dict(d)) => {
                for (k, v) in d.borrow().iter() {
                    let Value::Str(name) = k.value() else {
                        return Err(Error::new("`**` needs a Dictionary whose keys are Strings"));
                    };
                    args.kw.push((name.clone(), v.clone()));
                }
            }
            Some(other) => {
                return Err(Error::new(format!(
                    "`**` needs a Dictionary, not {}",
                    other.type_name()
                )))
            }
            None => {}
        }
    }
    Ok(args)
}

/// Bind call arguments to a jobflow's parameters (language.md §3).
pub(crate) fn bind_params(
    frame: &mut Frame,
    pos: Vec<Value>,
    kw: Vec<(Rc<str>, Value)>,
) -> Result<()> {
    let chunk = &frame.code.chunk;
    if pos.len() > chunk.params.len() {
        return Err(Error::new(format!(
            "{} takes {} parameter{} but {} positional arguments were given",
            chunk.name,
            chunk.params.len(),
            if chunk.params.len() == 1 { "" } else { "s" },
            pos.len()
        )));
    }
    for (param, v) in chunk.params.iter().zip(pos) {
        frame.slots[param.slot as usize] = Some(v);
    }
    for (name, v) in kw {
        let Some(param) = chunk.params.iter().find(|p| p.name == *name) else {
            let known: Vec<&str> = chunk.params.iter().map(|p| p.name.as_str()).collect();
            return Err(Error::new(format!(
                "{} has no parameter `{name}` (its parameters: {})",
                chunk.name,
                known.join(", ")
            )));
        };
        let slot = &mut frame.slots[param.slot as usize];
        if slot.is_some() {
            return Err(Error::new(format!(
                "parameter `{name}` of {} is given twice",
                chunk.name
            )));
        }
        *slot = Some(v);
    }
    let missing: Vec<&str> = chunk
        .params
        .iter()
        .filter(|p| !p.has_default && frame.slots[p.slot as usize].is_none())
        .map(|p| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(Error::new(format!(
            "{} needs a value for parameter `{}`",
            chunk.name,
            missing.join("`, `")
        )));
    }
    Ok(())
}

impl<H: Host> Vm<H> {
    /// Call a value in an expression: a built-in function or a bound method.
    pub(crate) fn call_value(
        &mut self,
        p: &mut Process,
        callee: &Value,
        args: Args,
    ) -> Result<Value> {
        match callee {
            Value::Builtin(id) => self.call_builtin(p, *id, args),
            Value::Method(m) => self.call_method(&m.receiver, &m.name, args),
            Value::Jobflow(_) => Err(Error::new("a jobflow cannot be called inside an expression; run it with an execution job `[flow: args]`")),
            other => Err(Error::new(format!("a {} cannot be called", other.type_name()))),
        }
    }

    /// A built-in function. Built-in jobs cannot be called this way.
    pub(crate) fn call_builtin(&mut self, p: &mut Process, id: u16, args: Args) -> Result<Value> {
        let b = builtins::get(id);
        match (b.name, args.pos.first()) {
            ("length", Some(Value::Lazy(la))) => return self.lazy(la, crate::host::LazyOp::Count),
            ("type", Some(v @ Value::Lazy(_))) => return Ok(Value::str(v.type_name())),
            ("length", Some(Value::Object(o))) if args.pos.len() == 1 => {
                return self.object_length(o)
            }
            ("has_key", Some(Value::Object(o))) if args.pos.len() == 2 => {
                return Ok(self.object_has_key(o, &args.pos[1]))
            }
            _ => {}
        }
        let args = self.materialize_args(args)?;
        if builtins::is_test(id) {
            return self.host.test_call(b.name, args).map_err(Error::new);
        }
        match b.name {
            "current" => Ok(Value::Process(p.info.clone())),
            "channel" => Ok(Value::Channel(Rc::new(RefCell::new(
                ChannelState::default(),
            )))),
            "path" => self.path_builtin(p, args),
            "user" | "group" => self.user_or_group(b.name, args),
            "now" => functions::now(args, self.host.now()),
            name if functions::is_pure_function(name) => functions::call_function(name, args),
            name if b.kind == BuiltinKind::Job => Err(Error::new(format!(
                "`{name}` is a built-in job; write it as a job of its own"
            ))),
            name => Err(Error::new(format!(
                "`{name}` needs the object store, which this version of jfc does not have yet"
            ))),
        }
    }

    /// A method of a value; channel methods are the VM's own, because `send` wakes processes.
    pub(crate) fn call_method(
        &mut self,
        receiver: &Value,
        name: &str,
        args: Args,
    ) -> Result<Value> {
        match receiver {
            Value::Channel(ch) => self.channel_method(ch, name, args),
            Value::Lazy(la) => self.lazy_method(la, name, args),
            // `p.delete()`: the process's record, which the host keeps.
            Value::Process(p) if name == "delete" => {
                let path = crate::value::process::abspath(p.borrow().pid);
                match self.store_value(StoreRequest::Resolve {
                    dir: "/",
                    path: &path,
                })? {
                    record @ Value::Object(_) => self.call_method(&record, name, args),
                    _ => Err(Error::new(format!("{path} is not a process record"))),
                }
            }
            Value::Object(o) => {
                let v = self.store_value(StoreRequest::Call(o, name, args))?;
                if name == "send" {
                    // A stored channel got a message: whoever waits on one looks again.
                    self.wake_store_waiters();
                }
                Ok(v)
            }
            _ => methods::call_method(receiver, name, args),
        }
    }

    fn channel_method(
        &mut self,
        ch: &Rc<RefCell<ChannelState>>,
        name: &str,
        args: Args,
    ) -> Result<Value> {
        let arg = |i: usize| {
            args.pos
                .get(i)
                .cloned()
                .or_else(|| args.kw.first().map(|(_, v)| v.clone()))
        };
        match name {
            "send" if ch.borrow().session.is_some() => {
                let msg = arg(0).ok_or_else(|| Error::new("send() needs the text to send"))?;
                self.session_send(ch, &msg.to_text())?;
                Ok(Value::Null)
            }
            "send" => {
                let msg = arg(0).ok_or_else(|| Error::new("send() needs a message"))?;
                let waiters = {
                    let mut c = ch.borrow_mut();
                    let id = c.next_id;
                    c.next_id += 1;
                    c.messages.push_back((id, msg.deep_copy()));
                    // They stay waiters until their event jobs go on (stop_listening).
                    c.waiters.clone()
                };
                waiters.into_iter().for_each(|w| self.wake(w));
                Ok(Value::Null)
            }
            "pop_message" => {
                let mut c = ch.borrow_mut();
                let m = c.messages.pop_front().map(|(_, m)| m);
                Ok(m.unwrap_or(Value::Null))
            }
            "peek_message" => {
                let c = ch.borrow();
                Ok(c.messages.front().map_or(Value::Null, |(id, m)| {
                    Value::array(vec![Value::Int(*id as i64), m.clone()])
                }))
            }
            "delete_message" => {
                let ids: Vec<Value> = args.pos.clone();
                let mut c = ch.borrow_mut();
                let before = c.messages.len();
                c.messages.retain(|(id, _)| {
                    !ids.iter()
                        .any(|v| matches!(v, Value::Int(i) if *i == *id as i64))
                });
                Ok(Value::Int((before - c.messages.len()) as i64))
            }
            "clear_messages" => {
                let mut c = ch.borrow_mut();
                let n = c.messages.len();
                c.messages.clear();
                Ok(Value::Int(n as i64))
            }
            "message_count" => Ok(Value::Int(ch.borrow().messages.len() as i64)),
            "event_count" => Ok(Value::Int(ch.borrow().waiters.len() as i64)),
            other => Err(Error::new(format!("Channel has no method `{other}`"))),
        }
    }
}
