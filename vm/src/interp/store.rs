//! The interpreter's store requests, each with the answer it expects.

use super::events::Fired;
use crate::host::{Host, StoreAnswer, StoreRequest};
use crate::scheduler::Vm;
use crate::value::{Error, Result, Value};
use jfc_compiler::bytecode::Chunk;

impl<H: Host> Vm<H> {
    /// Ask the store; a busy answer is noted (store_wait).
    fn store(&self, request: StoreRequest<'_>) -> Result<StoreAnswer> {
        if self.opts.checkpoint && request.writes() {
            self.checkpoint_due.set(true);
        }
        self.ask(self.host.store(request))
    }

    /// A request answered with a Value.
    pub(crate) fn store_value(&self, request: StoreRequest<'_>) -> Result<Value> {
        match self.store(request)? {
            StoreAnswer::Value(v) => Ok(v),
            _ => Err(unexpected("a Value")),
        }
    }

    /// A request answered with Values.
    pub(crate) fn store_values(&self, request: StoreRequest<'_>) -> Result<Vec<Value>> {
        match self.store(request)? {
            StoreAnswer::Values(v) => Ok(v),
            _ => Err(unexpected("Values")),
        }
    }

    /// A request answered with Done.
    pub(crate) fn store_done(&self, request: StoreRequest<'_>) -> Result<()> {
        match self.store(request)? {
            StoreAnswer::Done => Ok(()),
            _ => Err(unexpected("Done")),
        }
    }

    /// A receive, answered with a Message.
    pub(crate) fn store_message(&self, request: StoreRequest<'_>) -> Result<Option<Fired>> {
        match self.store(request)? {
            StoreAnswer::Message(m) => Ok(m.map(Fired::Got)),
            StoreAnswer::Closed(why) => Ok(Some(Fired::Closed(why))),
            _ => Err(unexpected("a Message")),
        }
    }

    /// A jobflow's directory and stamp.
    pub(crate) fn store_stamp(&self, request: StoreRequest<'_>) -> Result<(String, String)> {
        match self.store(request)? {
            StoreAnswer::Stamp { dir, stamp } => Ok((stamp, dir)),
            _ => Err(unexpected("a Stamp")),
        }
    }

    /// A jobflow's code.
    pub(crate) fn store_chunk(&self, request: StoreRequest<'_>) -> Result<Chunk> {
        match self.store(request)? {
            StoreAnswer::Chunk(c) => Ok(*c),
            _ => Err(unexpected("a Chunk")),
        }
    }
}

fn unexpected(wanted: &str) -> Error {
    Error::new(format!(
        "internal error: the host answered a store request that expects {wanted} with another answer"
    ))
}
