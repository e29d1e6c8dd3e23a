//! What a run covered, for `jfc test --coverage`: how often each job of each flow ran,
//! and for each connector whether the job after it was reached on a success or on a
//! failure the connector let through, or the run stopped there. Recorded only when
//! asked ([`Vm::record_coverage`]): it takes the slow path at every job.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use jfc_compiler::bytecode::Op;

use crate::process::Outcome;
use crate::{Code, Host, Vm};

/// How the runs went past one connector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectorHits {
    /// The job before succeeded.
    pub success: u64,
    /// The job before failed and the connector let it through (`=>`, `->>`, `=>>`).
    pub failure: u64,
    /// The job before failed and the connector stopped the process.
    pub stopped: u64,
}

/// The hits of one flow, by the name of its code (its file or object path).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowHits {
    /// Runs of each job, by its index in the chunk's job table.
    pub jobs: Vec<u64>,
    /// Each connector, by the index of the job after it.
    pub connectors: BTreeMap<u32, ConnectorHits>,
}

impl FlowHits {
    /// Add the hits of another run of the same flow.
    pub fn merge(&mut self, other: &FlowHits) {
        if self.jobs.len() < other.jobs.len() {
            self.jobs.resize(other.jobs.len(), 0);
        }
        for (mine, theirs) in self.jobs.iter_mut().zip(&other.jobs) {
            *mine += theirs;
        }
        for (job, hits) in &other.connectors {
            let mine = self.connectors.entry(*job).or_default();
            mine.success += hits.success;
            mine.failure += hits.failure;
            mine.stopped += hits.stopped;
        }
    }
}

/// The hits of a run so far, by code.
#[derive(Default)]
pub(crate) struct Coverage {
    flows: HashMap<*const Code, (Rc<Code>, FlowHits)>,
}

impl Coverage {
    fn flow(&mut self, code: &Rc<Code>) -> &mut FlowHits {
        let (_, hits) = self.flows.entry(Rc::as_ptr(code)).or_insert_with(|| {
            let jobs = vec![0; code.chunk.jobs.len()];
            (
                code.clone(),
                FlowHits {
                    jobs,
                    ..FlowHits::default()
                },
            )
        });
        hits
    }

    pub(crate) fn job(&mut self, code: &Rc<Code>, job: u32) {
        if let Some(n) = self.flow(code).jobs.get_mut(job as usize) {
            *n += 1;
        }
    }

    /// The connector at `pc` saw `outcome`, and let it through or not.
    pub(crate) fn connector(&mut self, code: &Rc<Code>, pc: usize, outcome: Outcome, passes: bool) {
        // A connector is known by the job it leads to: the next job of the code.
        let next = code.chunk.code[pc..].iter().find_map(|op| match op {
            Op::Job(i) => Some(*i),
            _ => None,
        });
        let Some(next) = next else { return };
        let hits = self.flow(code).connectors.entry(next).or_default();
        match (outcome, passes) {
            (Outcome::Success, _) => hits.success += 1,
            (_, true) => hits.failure += 1,
            (_, false) => hits.stopped += 1,
        }
    }

    fn by_name(&self) -> Vec<(String, FlowHits)> {
        let mut all: HashMap<&str, FlowHits> = HashMap::new();
        for (code, hits) in self.flows.values() {
            all.entry(code.chunk.name.as_str()).or_default().merge(hits);
        }
        let mut all: Vec<(String, FlowHits)> =
            all.into_iter().map(|(n, h)| (n.to_string(), h)).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }
}

impl<H: Host> Vm<H> {
    /// Record which jobs run and how each connector is passed, from now on.
    pub fn record_coverage(&mut self) {
        self.coverage.get_or_insert_with(Coverage::default);
    }

    /// The hits recorded so far, by flow name (a flow loaded twice counts once).
    pub fn coverage(&self) -> Vec<(String, FlowHits)> {
        self.coverage
            .as_ref()
            .map_or_else(Vec::new, Coverage::by_name)
    }
}
