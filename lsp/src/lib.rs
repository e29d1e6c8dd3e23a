//! The language server of jobflow (`jfc lsp`): diagnostics as the editor types,
//! completion, hover on built-ins, quick fixes, definition, references, rename,
//! symbols, folding, formatting, a lens that runs a test. It speaks LSP over stdio (tower-lsp) and analyses
//! each document with the compiler's tolerant entry point, which gives a tree and
//! every diagnostic for any text, never a failure.

mod completion;
mod diagnostics;
mod documents;
mod exit;
mod hover;
mod members;
mod names;
mod navigate;
mod position;
mod quick_fix;
mod semantic;
mod server;
mod signature;
mod store_paths;
mod test_lens;
mod types;
mod workspace;

/// Serve one client on stdin and stdout until it exits.
pub fn serve_stdio() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the language server: {e}"))?;
    runtime.block_on(async {
        let (service, socket) = tower_lsp::LspService::new(server::Backend::new);
        let (service, exited) = exit::ExitWatch::new(service);
        let serving =
            tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket).serve(service);
        tokio::select! {
            _ = serving => {}
            _ = exited => {}
        }
    });
    // A read of stdin may still wait on its thread: the server ends at `exit`, as the
    // protocol says, not when the client closes the pipe.
    runtime.shutdown_background();
    Ok(())
}
