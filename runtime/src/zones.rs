//! Jobs that run from an agent zone (`__zone__`, or the `zone` field of `__node__`): the
//! runtime hands them, their node and account resolved here, to the broker side
//! (`jfc agent`, crate jfc-agent) through this seam, and knows nothing of AMQP itself.

use std::path::Path;

use crate::session::Link;
use jfc_vm::host::{CommandRequest, Completion, RebootRequest, ScriptRequest, TransferRequest};

/// What an agent zone is asked to run.
#[derive(Clone, Debug)]
pub enum ZoneJob {
    Command(CommandRequest),
    /// A script job, its text read here (`file` None).
    Script(ScriptRequest),
    /// `put` or `get`: the files on this side are read or written here.
    Transfer(TransferRequest),
    Reboot(RebootRequest),
}

impl ZoneJob {
    /// The host, account and options the job runs with.
    pub fn target(&self) -> &CommandRequest {
        match self {
            ZoneJob::Command(c) => c,
            ZoneJob::Script(ScriptRequest { target, .. })
            | ZoneJob::Transfer(TransferRequest { target, .. })
            | ZoneJob::Reboot(RebootRequest { target, .. }) => target,
        }
    }
}

/// The broker side: runs a job from an agent of a zone and waits for its end.
pub trait Zones: Send + Sync + std::fmt::Debug {
    /// Run `job` from an agent of `zone`. Every way it can go wrong (no agent, a lost
    /// agent, a lost broker) is a `Completion::ConnectionFailed` naming it.
    fn run(&self, zone: &str, job: ZoneJob) -> Completion;

    /// Run a session block's shell on `target` from an agent of `zone`, to its end:
    /// why it ended. What the flow sends comes from `link.input`; the shell's lines go
    /// to `link`.
    fn session(&self, zone: &str, target: CommandRequest, link: &mut Link) -> String;

    /// Stop the command that the worker of `job` waits for on an agent, if one does
    /// (the flow's process was terminated).
    fn cancel(&self, job: crate::exec::children::Job);

    /// The agents heard from lately, by zone (`jfc agents --json`, `GET /api/v1/agents`).
    fn agents(&self) -> serde_json::Value;
}

/// The zone a job with target `req` runs from, and `req` resolved here (its node and
/// account filled in, so the agent needs no store); None: it runs from this process.
pub fn zone_of(
    req: &CommandRequest,
    store: Option<&Path>,
) -> Result<Option<(String, CommandRequest)>, String> {
    if req.zone.is_none() && req.node.is_none() {
        return Ok(None);
    }
    let resolved = if req.node.is_some() || req.account.is_some() {
        crate::ssh::target::resolve(req, store)?
    } else {
        req.clone()
    };
    let Some(zone) = resolved.zone.clone() else {
        return Ok(None);
    };
    let mut resolved = resolved;
    read_jump_hosts(&mut resolved, store, 0)?;
    Ok(Some((zone, resolved)))
}

/// Read the NodeInfo jump host of `req`, and its own, into `proxy_via`: the agent has
/// no store to read them from.
fn read_jump_hosts(
    req: &mut CommandRequest,
    store: Option<&Path>,
    hops: usize,
) -> Result<(), String> {
    let Some(id) = req.proxy_node.take() else {
        return Ok(());
    };
    if hops >= crate::ssh::proxy::MAX_HOPS {
        return Err(format!(
            "the jump host (__proxy__): more than {} jump hosts in a row (does a NodeInfo's proxy lead back to itself?)",
            crate::ssh::proxy::MAX_HOPS
        ));
    }
    let node = CommandRequest {
        node: Some(id),
        ..CommandRequest::default()
    };
    let mut via =
        crate::ssh::target::resolve(&node, store).map_err(|e| format!("__proxy__: {e}"))?;
    read_jump_hosts(&mut via, store, hops + 1)?;
    req.proxy_via = Some(Box::new(via));
    Ok(())
}

/// Run `job` from its zone when it has one: None when it runs from this process.
pub fn route(
    target: &CommandRequest,
    job: impl FnOnce(CommandRequest) -> ZoneJob,
    zones: Option<&dyn Zones>,
    store: Option<&Path>,
) -> Option<Completion> {
    routed(target, zones, store, |z, zone, resolved| {
        z.run(zone, job(resolved))
    })
    .map(|r| r.unwrap_or_else(Completion::ConnectionFailed))
}

/// Run the session block on `target` from its zone when it has one, to its end: why
/// it ended; None when it runs from this process.
pub fn session(
    target: &CommandRequest,
    zones: Option<&dyn Zones>,
    store: Option<&Path>,
    link: &mut Link,
) -> Option<String> {
    routed(target, zones, store, |z, zone, resolved| {
        z.session(zone, resolved, link)
    })
    .map(|r| r.unwrap_or_else(|why| why))
}

/// `then` with the broker side, the zone and the resolved target, when `target` has a
/// zone; Err: why it cannot go there.
fn routed<T>(
    target: &CommandRequest,
    zones: Option<&dyn Zones>,
    store: Option<&Path>,
    then: impl FnOnce(&dyn Zones, &str, CommandRequest) -> T,
) -> Option<Result<T, String>> {
    let (zone, resolved) = match zone_of(target, store) {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => return Some(Err(e)),
    };
    Some(match zones {
        Some(z) => Ok(then(z, &zone, resolved)),
        None => Err(format!(
            "the job runs from agent zone `{zone}`, and this jfc has no broker: give --broker URL (or JFC_BROKER) to jfc run or jfc serve"
        )),
    })
}
