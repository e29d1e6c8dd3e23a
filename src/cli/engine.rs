//! The options of the engine that `jfc run` and `jfc resume` share.

use clap::Args;

#[derive(Args)]
pub struct EngineArgs {
    /// Echo each job and command line on stderr as it runs (also JFC_TRACE=1).
    #[arg(long)]
    pub trace: bool,
    /// Echo command lines on stderr in this format ({username}, {hostname}, {sudomark}, {command});
    /// `--trace` uses "[{username}@{hostname}]{sudomark} {command}".
    #[arg(long, value_name = "FORMAT")]
    pub echo_format: Option<String>,
    /// Live processes at most; fork/pfor wait for room.
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_processes: u32,
    /// Bytes kept of each command's stdout and of its stderr; past them the output is
    /// dropped and `$ERROR` says so (also JFC_MAX_OUTPUT).
    #[arg(long, value_name = "BYTES", env = "JFC_MAX_OUTPUT",
          default_value_t = jfc_runtime::exec::DEFAULT_MAX_OUTPUT)]
    pub max_output: usize,
    /// SSH connections open at once at most (busy or kept for reuse); jobs past them
    /// wait for one. Logins in progress to one server are capped at 8 as well, under
    /// OpenSSH's MaxStartups.
    #[arg(long, value_name = "N",
          default_value_t = jfc_runtime::ssh::DEFAULT_MAX_CONNECTIONS as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

impl EngineArgs {
    /// The VM's options as these say (JFC_TRACE included).
    pub fn vm_options(&self) -> jfc_vm::VmOptions {
        let trace =
            self.trace || std::env::var("JFC_TRACE").is_ok_and(|v| !v.is_empty() && v != "0");
        jfc_vm::VmOptions {
            trace,
            command_echo: self
                .echo_format
                .clone()
                .or_else(|| trace.then(|| jfc_vm::DEFAULT_COMMAND_ECHO.to_string())),
            max_processes: self.max_processes as usize,
            ..jfc_vm::VmOptions::default()
        }
    }

    /// Apply the limits that hold for this OS process as a whole: open SSH connections.
    pub fn apply_process_limits(&self) {
        jfc_runtime::ssh::set_max_connections(self.max_connections as usize);
    }

    /// The same options on the command line of another jfc.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.trace {
            args.push("--trace".to_string());
        }
        if let Some(f) = &self.echo_format {
            args.extend(["--echo-format".to_string(), f.clone()]);
        }
        args.extend([
            "--max-processes".to_string(),
            self.max_processes.to_string(),
            "--max-output".to_string(),
            self.max_output.to_string(),
            "--max-connections".to_string(),
            self.max_connections.to_string(),
        ]);
        args
    }
}
