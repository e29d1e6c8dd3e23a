//! `jfc doc`: reference pages generated from the sources of truth, so they never drift:
//! the standard library from its flows' doc comments and parameter declarations
//! (jfc_compiler::doc), the CLI from clap's own help of every subcommand, the
//! troubleshooting of diagnostics from the explanations `jfc explain` prints.
//! `jfc doc all --out docs/reference` writes the three files the user guide links to.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Subcommand, ValueEnum};
use jfc_compiler::diagnostics::{Code, Severity};
use jfc_compiler::doc::{flow_doc, FlowDoc};
use jfc_runtime::run::{EXIT_COMPILE, EXIT_NOINPUT};
use serde_json::json;

#[derive(Args)]
#[command(
    after_help = "Regenerate the guide's reference pages after changing a flow of stdlib/, a command or a diagnostic: `jfc doc all --out docs/reference`."
)]
pub struct DocArgs {
    #[command(subcommand)]
    pub what: DocCommand,
}

#[derive(Subcommand)]
pub enum DocCommand {
    /// The reference of a library of flows: each flow's doc comment and parameters.
    Stdlib(StdlibArgs),
    /// The reference of every jfc command, from its `--help`, as Markdown.
    Cli,
    /// Every diagnostic code with its explanation, as Markdown.
    Errors,
    /// Write stdlib.md, cli.md and errors.md into a directory.
    All(AllArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Args)]
pub struct StdlibArgs {
    /// A directory of flows (`*.jf`, tests left out); default: the standard library built
    /// into this jfc, the one installed under /lib.
    pub dir: Option<PathBuf>,
    /// Markdown (the default), or a JSON array of {path, doc, params: [{name, default, comment}]}.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
}

#[derive(Args)]
pub struct AllArgs {
    /// The directory the files are written to (made when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// One flow of a library: its path inside it without `.jf`, and what it says.
struct Entry {
    path: String,
    doc: FlowDoc,
    /// Whether its folder has a README.md that says more.
    readme: Option<String>,
}

/// A failure of `jfc doc`: the message and the exit status.
struct Failure(String, u8);

pub fn run(args: DocArgs) -> ExitCode {
    let done = match args.what {
        DocCommand::Stdlib(a) => stdlib(&a).map(|text| out!("{text}")),
        DocCommand::Cli => {
            out!("{}", cli_reference());
            Ok(())
        }
        DocCommand::Errors => {
            out!("{}", errors_reference());
            Ok(())
        }
        DocCommand::All(a) => write_all(&a.out),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message, status)) => {
            eprintln!("error: {message}");
            ExitCode::from(status)
        }
    }
}

fn stdlib(args: &StdlibArgs) -> Result<String, Failure> {
    let entries = match &args.dir {
        Some(dir) => entries(&read_dir(dir)?)?,
        None => entries(&embedded())?,
    };
    Ok(match args.format {
        Format::Markdown => stdlib_markdown(&entries, args.dir.is_none()),
        Format::Json => format!("{}\n", stdlib_json(&entries)),
    })
}

fn write_all(out: &Path) -> Result<(), Failure> {
    let pages = [
        ("stdlib.md", stdlib_markdown(&entries(&embedded())?, true)),
        ("cli.md", cli_reference()),
        ("errors.md", errors_reference()),
    ];
    std::fs::create_dir_all(out)
        .map_err(|e| Failure(format!("cannot make {}: {e}", out.display()), 1))?;
    for (name, text) in pages {
        let path = out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display()), 1))?;
        outln!("wrote {}", path.display());
    }
    Ok(())
}

// ---- the library ---------------------------------------------------------------------

/// The library built into jfc: (path, text) of its flows and READMEs.
fn embedded() -> Vec<(String, String)> {
    jfc_store::stdlib::sources()
        .into_iter()
        .map(|(p, t)| (p, t.to_string()))
        .collect()
}

/// The flows and READMEs under `dir` as (path relative to it, text), sorted; hidden
/// entries, `*_test.jf` and `tests/` folders skipped as `jfc import` skips them.
fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, Failure> {
    if !dir.is_dir() {
        return Err(Failure(
            format!("{}: no such directory", dir.display()),
            EXIT_NOINPUT,
        ));
    }
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.') || (name == "tests" && e.file_type().is_dir()))
        });
    for entry in walk {
        let entry = entry.map_err(|e| Failure(e.to_string(), EXIT_NOINPUT))?;
        let name = entry.file_name().to_string_lossy();
        let wanted = (name.ends_with(".jf") && !name.ends_with("_test.jf")) || name == "README.md";
        if !entry.file_type().is_file() || !wanted {
            continue;
        }
        let text = std::fs::read_to_string(entry.path())
            .map_err(|e| Failure(format!("{}: {e}", entry.path().display()), EXIT_NOINPUT))?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        files.push((rel.to_string_lossy().replace('\\', "/"), text));
    }
    files.sort();
    Ok(files)
}

/// The documented flows of a library's files; a flow that does not parse is an error
/// (exit 2, as `jfc check` gives), naming it.
fn entries(files: &[(String, String)]) -> Result<Vec<Entry>, Failure> {
    let readmes: Vec<&str> = files
        .iter()
        .filter(|(p, _)| p.ends_with("README.md"))
        .map(|(p, _)| p.as_str())
        .collect();
    let mut out = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".jf")) {
        let doc = flow_doc(text).map_err(|errors| {
            let first = errors
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_default();
            Failure(
                format!("{path} does not parse ({first}); `jfc check` shows every error"),
                EXIT_COMPILE,
            )
        })?;
        let name = path.trim_end_matches(".jf");
        out.push(Entry {
            path: name.to_string(),
            doc,
            readme: readme_of(name, files, &readmes),
        });
    }
    Ok(out)
}

/// The README that says more about the flow `name`: its folder's, else the top one
/// when it has a section `## name`.
fn readme_of(name: &str, files: &[(String, String)], readmes: &[&str]) -> Option<String> {
    let folder = name.rsplit_once('/').map(|(f, _)| f);
    let own = folder.map(|f| format!("{f}/README.md"));
    if let Some(own) = own.filter(|r| readmes.contains(&r.as_str())) {
        return Some(own);
    }
    let top = files.iter().find(|(p, _)| p == "README.md")?;
    top.1
        .lines()
        .any(|l| l.trim_end() == format!("## {name}"))
        .then(|| "README.md".to_string())
}

fn stdlib_markdown(entries: &[Entry], embedded: bool) -> String {
    let mut out = String::new();
    if embedded {
        out.push_str(
            "# Standard library reference\n\n\
             <!-- Generated by `jfc doc stdlib` from the flows of stdlib/: edit the flows' \
             comments, then run `jfc doc all --out docs/reference`. -->\n\n\
             Every flow of `stdlib/` is installed in each store under `/lib` and called by \
             that path: `[/lib/service/restart: 'nginx', host='web1']`. The text below is each \
             flow's leading comment; a parameter without a default must be given. \
             `stdlib/README.md` gives the conventions they share (approval tasks, the \
             dictionary they return, how they fail).\n",
        );
    } else {
        out.push_str("# Flow reference\n\n<!-- Generated by `jfc doc stdlib DIR`. -->\n");
    }
    for e in entries {
        let name = if embedded {
            format!("/lib/{}", e.path)
        } else {
            e.path.clone()
        };
        out.push_str(&format!("\n## `{name}`\n\n"));
        if !e.doc.doc.is_empty() {
            out.push_str(&e.doc.doc);
            out.push_str("\n\n");
        }
        out.push_str(&params_table(&e.doc));
        if let Some(readme) = &e.readme {
            let root = if embedded { "stdlib/" } else { "" };
            out.push_str(&format!("\nMore in `{root}{readme}`.\n"));
        }
    }
    out
}

fn params_table(doc: &FlowDoc) -> String {
    if doc.params.is_empty() {
        return "No parameters.\n".into();
    }
    let mut out = String::from("| parameter | default | meaning |\n|---|---|---|\n");
    for p in &doc.params {
        let default = p
            .default
            .as_deref()
            .map_or("(required)".to_string(), code_cell);
        let meaning = p.comment.as_deref().map(cell).unwrap_or_default();
        out.push_str(&format!("| `{}` | {default} | {meaning} |\n", p.name));
    }
    out
}

/// Text for a table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Code for a table cell, with a fence longer than any run of backticks inside.
fn code_cell(text: &str) -> String {
    let fence = if text.contains('`') { "``" } else { "`" };
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", cell(text))
}

fn stdlib_json(entries: &[Entry]) -> serde_json::Value {
    entries
        .iter()
        .map(|e| json!({ "path": e.path, "doc": e.doc.doc, "params": e.doc.params, "readme": e.readme }))
        .collect()
}

// ---- the command line ----------------------------------------------------------------

/// Every command of jfc with its `--help` text, depth first in clap's order.
fn cli_reference() -> String {
    let mut root = without_env_values(super::Cli::command());
    root.build();
    let mut out = String::from(
        "# Command-line reference\n\n\
         <!-- Generated by `jfc doc cli` from jfc's own `--help`: change the help in \
         src/cli/, then run `jfc doc all --out docs/reference`. -->\n\n\
         Every command exits 64 on a bad command line; `jfc COMMAND --help` prints the \
         text below.\n",
    );
    out.push_str(&contents(&root));
    command_section(&mut root, &mut out);
    out
}

/// A linked list of the commands (one level down), with what each does.
fn contents(root: &clap::Command) -> String {
    let mut out = String::from(
        "
",
    );
    for sub in root.get_subcommands().filter(|s| shown(s)) {
        let name = format!("jfc {}", sub.get_name());
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let anchor = name.replace(' ', "-");
        out.push_str(&format!("- [`{name}`](#{anchor}): {about}\n"));
    }
    out
}

/// Whether a command is documented: not hidden, and not clap's own `help`.
fn shown(cmd: &clap::Command) -> bool {
    cmd.get_name() != "help" && !cmd.is_hide_set()
}

/// The help shows `[env: JFC_SERVER=...]` with the value of the caller's environment:
/// the reference must not depend on who generates it.
fn without_env_values(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| a.hide_env_values(true))
        .mut_subcommands(without_env_values)
}

fn command_section(cmd: &mut clap::Command, out: &mut String) {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string();
    // `jfc` and `jfc run` at level 2, `jfc obj ls` at 3.
    let level = name.split(' ').count().clamp(2, 4);
    out.push_str(&format!("\n{} `{name}`\n\n", "#".repeat(level)));
    let help = cmd.render_long_help().to_string();
    out.push_str("```text\n");
    for line in help.trim_end().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("```\n");
    for sub in cmd.get_subcommands_mut() {
        if shown(sub) {
            command_section(sub, out);
        }
    }
}

// ---- diagnostics ---------------------------------------------------------------------

/// Every code's explanation, headings one level down, under a table of them all.
fn errors_reference() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         <!-- Generated by `jfc doc errors` from compiler/src/diagnostics/explain/: edit \
         those, then run `jfc doc all --out docs/reference`. -->\n\n\
         `jfc check` (and the editor, through `jfc lsp`) reports each problem with one of \
         these codes; `jfc explain CODE` prints the same text in a terminal. Errors stop a \
         flow from running (`jfc run` exits 2); warnings do not, unless `jfc check \
         --deny-warnings`.\n\n| code | severity | summary |\n|---|---|---|\n",
    );
    for &code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "| [{c}](#{a}) | {severity} | {} |\n",
            cell(code.summary()),
            c = code.as_str(),
            a = anchor(code),
        ));
    }
    for &code in Code::ALL {
        out.push('\n');
        out.push_str(&demote_headings(code.explanation()));
    }
    out
}

/// The anchor GitHub gives the heading `## E0015: summary...`.
fn anchor(code: Code) -> String {
    let heading = format!("{}: {}", code.as_str(), code.summary());
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `# x` → `## x` outside code fences, so each explanation sits under the page title.
fn demote_headings(text: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            out.push('#');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_go_down_a_level_but_not_inside_code() {
        let text = "# E1: x\n\n```jobflow\n# a comment\n```\n## Why\n";
        assert_eq!(
            demote_headings(text),
            "## E1: x\n\n```jobflow\n# a comment\n```\n### Why\n"
        );
    }

    #[test]
    fn table_cells_keep_their_pipes_and_backticks() {
        assert_eq!(code_cell("'x|y'"), "`'x\\|y'`");
        assert_eq!(code_cell("`a`"), "`` `a` ``");
        assert_eq!(cell("a | b"), "a \\| b");
    }

    #[test]
    fn a_flow_without_parameters_or_doc_still_has_a_section() {
        let files = vec![
            ("a/README.md".to_string(), "# a\n".to_string()),
            ("a/hello.jf".to_string(), "print('hi')\n".to_string()),
        ];
        let md = stdlib_markdown(&entries(&files).ok().expect("parses"), false);
        assert!(
            md.contains("\n## `a/hello`\n\nNo parameters.\n\nMore in `a/README.md`.\n"),
            "{md}"
        );
    }
}
