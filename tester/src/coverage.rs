//! `--coverage` and `--lcov FILE`: which jobs of the flows under test ran, and which
//! branches were taken: each arm of an `if` or `case` (and the way past it when none
//! applies), each loop body and `choice` branch, and each connector after a success
//! and, where it lets one through (`=>`, `->>`, `=>>`), after a failure.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use jfc_compiler::ast::{BlockKind, Connector, Flow, Job, JobKind};
use jfc_compiler::span::{LineIndex, Span};
use jfc_vm::coverage::FlowHits;

/// One job of a flow and how often it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct JobCov {
    pub line: usize,
    /// The job's text, on one line.
    pub text: String,
    pub hits: u64,
}

/// One branch and how often it was taken; `block` numbers the construct it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct BranchCov {
    pub line: usize,
    pub block: usize,
    pub label: String,
    pub hits: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FlowCoverage {
    /// As the report names it (relative to the directory `jfc test` ran in).
    pub name: String,
    pub file: PathBuf,
    pub jobs: Vec<JobCov>,
    pub branches: Vec<BranchCov>,
}

/// The coverage of each flow file that ran (tests left out), sorted by name.
pub fn report(hits: &BTreeMap<PathBuf, FlowHits>, tests: &[PathBuf]) -> Vec<FlowCoverage> {
    hits.iter()
        .filter(|(file, _)| !tests.contains(file))
        .filter_map(|(file, hits)| flow_coverage(file, hits))
        .collect()
}

/// Hits of one run keyed by the canonical path of their file (flows of the store, which
/// have no file, are left out).
pub fn by_file(run: Vec<(String, FlowHits)>, into: &mut BTreeMap<PathBuf, FlowHits>) {
    for (name, hits) in run {
        if let Ok(file) = std::fs::canonicalize(&name) {
            into.entry(file).or_default().merge(&hits);
        }
    }
}

fn flow_coverage(file: &Path, hits: &FlowHits) -> Option<FlowCoverage> {
    let text = std::fs::read_to_string(file).ok()?;
    let analysis = jfc_compiler::analyze(&text);
    let chunk = jfc_compiler::codegen::compile(&analysis.program, "", &text).ok()?;
    let index = LineIndex::new(&text);
    let line = |s: Span| index.line_col(&text, s.start as usize).0;
    let job_of: HashMap<(u32, u32), usize> = chunk
        .jobs
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.start, s.end), i))
        .collect();
    let jobs = chunk
        .jobs
        .iter()
        .enumerate()
        .map(|(i, s)| JobCov {
            line: line(*s),
            text: one_line(&text[s.start as usize..s.end as usize]),
            hits: hits.jobs.get(i).copied().unwrap_or(0),
        })
        .collect();
    let mut walk = Walk {
        hits,
        job_of: &job_of,
        line: &line,
        branches: Vec::new(),
        blocks: 0,
    };
    if let Some(body) = &analysis.program.body {
        walk.flow(body);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    Some(FlowCoverage {
        name: file
            .strip_prefix(&cwd)
            .unwrap_or(file)
            .display()
            .to_string(),
        file: file.to_path_buf(),
        jobs,
        branches: walk.branches,
    })
}

fn one_line(text: &str) -> String {
    let flat: Vec<&str> = text.split_whitespace().collect();
    let flat = flat.join(" ");
    match flat.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &flat[..i]),
        None => flat,
    }
}

struct Walk<'a> {
    hits: &'a FlowHits,
    job_of: &'a HashMap<(u32, u32), usize>,
    line: &'a dyn Fn(Span) -> usize,
    branches: Vec<BranchCov>,
    blocks: usize,
}

impl Walk<'_> {
    fn runs(&self, job: &Job) -> u64 {
        self.job_of
            .get(&(job.span.start, job.span.end))
            .and_then(|&i| self.hits.jobs.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// How often `flow` was entered: the runs of its first job.
    fn entered(&self, flow: &Flow) -> u64 {
        flow.steps.first().map_or(0, |s| self.runs(&s.job))
    }

    fn branch(&mut self, at: Span, label: String, hits: u64) {
        self.branches.push(BranchCov {
            line: (self.line)(at),
            block: self.blocks,
            label,
            hits,
        });
    }

    fn flow(&mut self, flow: &Flow) {
        for (i, step) in flow.steps.iter().enumerate() {
            self.job(&step.job);
            let (Some((c, at)), Some(next)) = (step.connector, flow.steps.get(i + 1)) else {
                continue;
            };
            let next = self
                .job_of
                .get(&(next.job.span.start, next.job.span.end))
                .and_then(|&j| self.hits.connectors.get(&(j as u32)))
                .copied()
                .unwrap_or_default();
            self.blocks += 1;
            self.branch(
                at,
                format!("`{}` after a success", c.symbol()),
                next.success,
            );
            if c != Connector::Then {
                self.branch(
                    at,
                    format!("`{}` after a failure", c.symbol()),
                    next.failure,
                );
            }
        }
    }

    fn job(&mut self, job: &Job) {
        let JobKind::Block(block) = &job.kind else {
            return;
        };
        let runs = self.runs(job);
        self.blocks += 1;
        match &block.kind {
            BlockKind::If {
                then,
                elifs,
                otherwise,
                ..
            } => {
                let mut arms: Vec<(&str, &Flow)> = vec![("then", then)];
                arms.extend(elifs.iter().map(|(_, f)| ("elif", f)));
                arms.extend(otherwise.iter().map(|f| ("else", f)));
                self.arms(
                    "if",
                    job,
                    runs,
                    &arms,
                    otherwise.is_none(),
                    "no arm (condition false)",
                );
            }
            BlockKind::Case {
                clauses, otherwise, ..
            } => {
                let mut arms: Vec<(&str, &Flow)> =
                    clauses.iter().map(|c| ("clause", &c.body)).collect();
                arms.extend(otherwise.iter().map(|f| ("else", f)));
                self.arms(
                    "case",
                    job,
                    runs,
                    &arms,
                    otherwise.is_none(),
                    "no clause matched",
                );
            }
            BlockKind::For { body, .. }
            | BlockKind::Pfor { body, .. }
            | BlockKind::While { body, .. } => {
                let hits = self.entered(body);
                self.branch(body.span, "loop body".into(), hits);
                self.flow(body);
            }
            BlockKind::Choice { branches } => {
                for (k, b) in branches.iter().enumerate() {
                    let hits = self.entered(b);
                    self.branch(b.span, format!("choice branch {}", k + 1), hits);
                }
                branches.iter().for_each(|b| self.flow(b));
            }
            BlockKind::Fork { branches } => branches.iter().for_each(|b| self.flow(b)),
            BlockKind::Simple { body, .. }
            | BlockKind::Session { body, .. }
            | BlockKind::Try { body } => self.flow(body),
        }
    }

    /// The arms of an `if` or `case`, and when none may apply, the way past them all.
    fn arms(
        &mut self,
        what: &str,
        job: &Job,
        runs: u64,
        arms: &[(&str, &Flow)],
        fallthrough: bool,
        none: &str,
    ) {
        let mut taken = 0;
        for (k, (kind, flow)) in arms.iter().enumerate() {
            let hits = self.entered(flow);
            taken += hits;
            self.branch(flow.span, format!("{what} {kind} (arm {})", k + 1), hits);
        }
        if fallthrough {
            self.branch(
                job.span,
                format!("{what}: {none}"),
                runs.saturating_sub(taken),
            );
        }
        arms.iter().for_each(|(_, f)| self.flow(f));
    }
}

/// The text report: a line per flow, then what was missed.
pub fn write_text(out: &mut impl Write, flows: &[FlowCoverage]) -> std::io::Result<()> {
    for f in flows {
        let ran = f.jobs.iter().filter(|j| j.hits > 0).count();
        let taken = f.branches.iter().filter(|b| b.hits > 0).count();
        writeln!(
            out,
            "coverage {}: jobs {ran}/{}, branches {taken}/{}",
            f.name,
            f.jobs.len(),
            f.branches.len()
        )?;
        for j in f.jobs.iter().filter(|j| j.hits == 0) {
            writeln!(out, "  line {:>4}  job never ran: {}", j.line, j.text)?;
        }
        for b in f.branches.iter().filter(|b| b.hits == 0) {
            writeln!(out, "  line {:>4}  branch never taken: {}", b.line, b.label)?;
        }
    }
    Ok(())
}

/// The lcov tracefile (`genhtml`, editors' coverage gutters): a line's count is the
/// fewest runs of the jobs that start on it.
pub fn write_lcov(out: &mut impl Write, flows: &[FlowCoverage]) -> std::io::Result<()> {
    for f in flows {
        writeln!(out, "TN:")?;
        writeln!(out, "SF:{}", f.file.display())?;
        let mut lines: BTreeMap<usize, u64> = BTreeMap::new();
        for j in &f.jobs {
            let n = lines.entry(j.line).or_insert(u64::MAX);
            *n = (*n).min(j.hits);
        }
        let mut branch_no: HashMap<usize, usize> = HashMap::new();
        for b in &f.branches {
            let n = branch_no.entry(b.block).or_insert(0);
            writeln!(out, "BRDA:{},{},{},{}", b.line, b.block, n, b.hits)?;
            *n += 1;
        }
        writeln!(out, "BRF:{}", f.branches.len())?;
        writeln!(
            out,
            "BRH:{}",
            f.branches.iter().filter(|b| b.hits > 0).count()
        )?;
        for (line, hits) in &lines {
            writeln!(out, "DA:{line},{hits}")?;
        }
        writeln!(out, "LF:{}", lines.len())?;
        writeln!(out, "LH:{}", lines.values().filter(|&&h| h > 0).count())?;
        writeln!(out, "end_of_record")?;
    }
    Ok(())
}
