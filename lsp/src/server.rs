//! The LSP methods: documents opened, changed and closed (each change analysed, the
//! diagnostics of an older version dropped when a newer one has come), hover,
//! completion, signature help, quick fixes, navigation (navigate.rs) and formatting.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Mutex;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

use crate::documents::Document;
use crate::navigate::{self, Names};
use crate::position::Lines;
use crate::{
    completion, diagnostics, hover, quick_fix, semantic, signature, store_paths, test_lens,
    workspace,
};
use serde_json::Value;

/// The registration that asks the client to tell of every flow file created, changed
/// or deleted (`workspace/didChangeWatchedFiles`).
fn watch_flows() -> Registration {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/*.jf".into()),
            kind: None,
        }],
    };
    Registration {
        id: "jfc-flow-files".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    }
}

pub struct Backend {
    client: Client,
    documents: Arc<Mutex<HashMap<Url, Document>>>,
    /// The folder the editor opened, if any: its flows are analysed at start.
    root: std::sync::Mutex<Option<std::path::PathBuf>>,
    /// The project's object store, if there is one (read only).
    store: std::sync::Mutex<Option<std::path::PathBuf>>,
    /// The client registers file watchers the server asks for (`**/*.jf`).
    watches: std::sync::atomic::AtomicBool,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            documents: Arc::default(),
            root: std::sync::Mutex::default(),
            store: std::sync::Mutex::default(),
            watches: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Flow files created, changed or deleted on disk (or saved): the open documents
    /// are analysed again (a call of a flow that now exists, or no longer does), and
    /// the closed flows of the workspace that the change may touch are published
    /// again; a deleted flow's problems go with it.
    async fn refresh(&self, changed: Vec<Url>) {
        let open: Vec<(Url, i32)> = {
            let docs = self.documents.lock().await;
            docs.iter().map(|(u, d)| (u.clone(), d.version)).collect()
        };
        for (uri, version) in &open {
            self.analyse(uri.clone(), *version).await;
        }
        let root = self.root.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(root) = root else {
            return;
        };
        let touched = tokio::task::spawn_blocking(move || {
            let paths: Vec<_> = changed
                .iter()
                .filter_map(|u| u.to_file_path().ok())
                .collect();
            workspace::touched_by(&root, &paths)
        })
        .await
        .unwrap_or_default();
        for path in touched {
            let Ok(uri) = Url::from_file_path(&path) else {
                continue;
            };
            if self.documents.lock().await.contains_key(&uri) {
                continue;
            }
            let file = uri.clone();
            let found = tokio::task::spawn_blocking(move || workspace::check_file(&file)).await;
            let found = found.ok().flatten().unwrap_or_default();
            self.client.publish_diagnostics(uri, found, None).await;
        }
    }

    /// Analyse `uri` at `version` and publish its diagnostics, unless a newer version
    /// came meanwhile (its own analysis publishes).
    async fn analyse(&self, uri: Url, version: i32) {
        let Some(text) = self.text_at(&uri, version).await else {
            return;
        };
        let analysed = {
            let (text, file) = (text.clone(), uri.clone());
            tokio::task::spawn_blocking(move || workspace::analyse_with_names(&file, text)).await
        };
        let Ok((found, names, tree)) = analysed else {
            return tracing::error!("the analysis of {uri} stopped on an internal error");
        };
        {
            let mut docs = self.documents.lock().await;
            match docs.get_mut(&uri).filter(|d| d.version == version) {
                Some(doc) => doc.names = Some(Arc::new(names)),
                None => return,
            }
        }
        let published = diagnostics::to_lsp(&uri, &text, &found);
        self.client
            .publish_diagnostics(uri, published, Some(version))
            .await;
        tokio::task::spawn_blocking(move || drop(tree));
    }

    /// The text of `uri` when it is still at `version`.
    async fn text_at(&self, uri: &Url, version: i32) -> Option<String> {
        let docs = self.documents.lock().await;
        docs.get(uri)
            .filter(|d| d.version == version)
            .map(|d| d.text.clone())
    }

    async fn text(&self, uri: &Url) -> Option<String> {
        self.documents.lock().await.get(uri).map(|d| d.text.clone())
    }

    fn store_file(&self) -> Option<std::path::PathBuf> {
        self.store.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The names of document `uri`: those of its last analysis when it is of this
    /// version, else analysed now on a blocking thread.
    async fn names(&self, uri: &Url) -> Option<Arc<Names>> {
        let (text, version) = {
            let docs = self.documents.lock().await;
            let doc = docs.get(uri)?;
            if let Some(names) = &doc.names {
                return Some(names.clone());
            }
            (doc.text.clone(), doc.version)
        };
        let names = Arc::new(
            tokio::task::spawn_blocking(move || Names::of(text))
                .await
                .ok()?,
        );
        let mut docs = self.documents.lock().await;
        if let Some(doc) = docs.get_mut(uri).filter(|d| d.version == version) {
            doc.names = Some(names.clone());
        }
        Some(names)
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        #[allow(deprecated)] // `root_uri`: older clients send only it.
        let root = params
            .workspace_folders
            .and_then(|f| f.into_iter().next().map(|f| f.uri))
            .or(params.root_uri)
            .and_then(|u| u.to_file_path().ok());
        *self.store.lock().unwrap_or_else(|e| e.into_inner()) =
            store_paths::store_of(root.as_deref());
        *self.root.lock().unwrap_or_else(|e| e.into_inner()) = root;
        let watches = params
            .capabilities
            .workspace
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.watches
            .store(watches, std::sync::atomic::Ordering::Relaxed);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        // A save may create the flow another one calls.
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![
                        "$".into(),
                        "_".into(),
                        ".".into(),
                        "/".into(),
                        ":".into(),
                    ]),
                    ..CompletionOptions::default()
                }),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: semantic::legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            ..SemanticTokensOptions::default()
                        },
                    ),
                ),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![test_lens::RUN_TEST.into()],
                    ..ExecuteCommandOptions::default()
                }),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into(), ":".into()]),
                    ..SignatureHelpOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "jfc lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.watches.load(std::sync::atomic::Ordering::Relaxed) {
            // Asked in a task of its own: the client answers it while it goes on sending.
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(e) = client.register_capability(vec![watch_flows()]).await {
                    tracing::warn!("the client did not watch the flow files: {e}");
                }
            });
        }
        let root = self.root.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(root) = root else {
            return;
        };
        let (client, documents) = (self.client.clone(), self.documents.clone());
        tokio::spawn(async move {
            for file in tokio::task::spawn_blocking(move || workspace::flows(&root))
                .await
                .unwrap_or_default()
            {
                let Ok(uri) = Url::from_file_path(&file) else {
                    continue;
                };
                if documents.lock().await.contains_key(&uri) {
                    continue;
                }
                let checked = uri.clone();
                let found = tokio::task::spawn_blocking(move || workspace::check_file(&checked));
                if let Ok(Some(found)) = found.await {
                    client.publish_diagnostics(uri, found, None).await;
                }
            }
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let changed: Vec<Url> = params
            .changes
            .into_iter()
            .map(|e| e.uri)
            .filter(workspace::is_flow)
            .collect();
        if !changed.is_empty() {
            self.refresh(changed).await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if workspace::is_flow(&uri) {
            self.refresh(vec![uri]).await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let version = doc.version;
        self.documents.lock().await.insert(
            doc.uri.clone(),
            Document {
                text: doc.text,
                version,
                names: None,
            },
        );
        self.analyse(doc.uri, version).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        {
            let mut docs = self.documents.lock().await;
            let Some(doc) = docs.get_mut(&uri) else {
                return tracing::warn!("a change of {uri}, which is not open");
            };
            doc.apply(version, params.content_changes);
        }
        self.analyse(uri, version).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.documents.lock().await.remove(&uri);
        // A closed document's problems are now those of its file (none when there is no
        // file: the text was the editor's only).
        let file = uri.clone();
        let found = tokio::task::spawn_blocking(move || workspace::check_file(&file)).await;
        let found = found.ok().flatten().unwrap_or_default();
        self.client.publish_diagnostics(uri, found, None).await;
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        Ok(Some(test_lens::lenses(&params.text_document.uri)))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        let file = params
            .arguments
            .first()
            .and_then(Value::as_str)
            .and_then(|u| Url::parse(u).ok())
            .and_then(|u| u.to_file_path().ok());
        let (true, Some(file)) = (params.command == test_lens::RUN_TEST, file) else {
            return Err(tower_lsp::jsonrpc::Error::invalid_params(format!(
                "{} takes the URI of a test file",
                test_lens::RUN_TEST
            )));
        };
        let ran = tokio::task::spawn_blocking(move || test_lens::run(&file)).await;
        let (kind, message, outcome) =
            ran.map_err(|_| tower_lsp::jsonrpc::Error::internal_error())?;
        self.client.show_message(kind, message).await;
        Ok(Some(outcome))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let uri = at.text_document.uri;
        let Some(names) = self.names(&uri).await else {
            return Ok(None);
        };
        let lines = Lines::new(&names.text);
        let dialect = workspace::dialect(&uri);
        let known = hover::word_at(&names.text, lines.offset(at.position)).and_then(
            |(start, end, word)| {
                let text = match names.text[..start].strip_suffix('.') {
                    Some(receiver) => hover::member(names.type_of(receiver)?, word)?,
                    None => hover::describe(word, dialect)?,
                };
                Some((text, lines.range(start, end)))
            },
        );
        let found = match (known, names.store_path_at(at.position), self.store_file()) {
            (Some(k), _, _) => Some(k),
            (None, Some((path, range)), Some(store)) => {
                tokio::task::spawn_blocking(move || store_paths::describe(&store, &path))
                    .await
                    .ok()
                    .flatten()
                    .map(|text| (text, range))
            }
            _ => names.hover(&uri, at.position),
        };
        Ok(found.map(|(value, range)| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(range),
        }))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let uri = at.text_document.uri;
        let Some(names) = self.names(&uri).await else {
            return Ok(None);
        };
        let offset = Lines::new(&names.text).offset(at.position);
        let dialect = workspace::dialect(&uri);
        let items = match completion::context(&names.text, offset) {
            completion::Context::Status => completion::status_variables(),
            completion::Context::Member(receiver) => {
                match (
                    names.type_of(receiver),
                    names.object_of(receiver),
                    self.store_file(),
                ) {
                    (Some(t), _, _) => completion::members(t),
                    (None, Some(path), Some(store)) => {
                        tokio::task::spawn_blocking(move || store_paths::members(&store, &path))
                            .await
                            .unwrap_or_default()
                    }
                    _ => Vec::new(),
                }
            }
            completion::Context::Path(typed) => navigate::path_dir(&uri, typed)
                .map(|dir| completion::paths_in(&dir))
                .unwrap_or_default(),
            completion::Context::StorePath(typed) => match self.store_file() {
                Some(store) => {
                    let typed = typed.to_string();
                    tokio::task::spawn_blocking(move || store_paths::children(&store, &typed))
                        .await
                        .unwrap_or_default()
                }
                None => Vec::new(),
            },
            completion::Context::Anywhere => match signature::call_at(&names.text, offset, dialect)
            {
                Some(signature::Call::Flow(path, _)) => navigate::flow_params(&uri, path)
                    .map(|params| completion::arguments(&params))
                    .unwrap_or_default(),
                _ => completion::items(&names.text, offset, &names.variables(), dialect),
            },
        };
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(text) = self.text(&uri).await else {
            return Ok(None);
        };
        let lines = Lines::new(&text);
        let wanted = lines.offset(params.range.start)..=lines.offset(params.range.end);
        // Analysed as the published diagnostics are (the file's dialect, the files
        // beside it), and the structural fixes tried, on a blocking thread.
        let fixed = {
            let (text, file) = (text.clone(), uri.clone());
            tokio::task::spawn_blocking(move || {
                quick_fix::fixes_within(&text, wanted, &|t| workspace::analyse(&file, t))
            })
            .await
        };
        let Ok(fixed) = fixed else {
            return Ok(None);
        };
        let mut actions = Vec::new();
        for (d, fixes) in fixed {
            let diagnostic = diagnostics::to_lsp(&uri, &text, std::slice::from_ref(&d));
            for fix in fixes {
                let edit = TextEdit {
                    range: lines.range(fix.start, fix.end),
                    new_text: fix.text,
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(diagnostic.clone()),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(fix.preferred),
                    ..CodeAction::default()
                }));
            }
        }
        Ok(Some(actions))
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let at = params.text_document_position_params;
        let uri = at.text_document.uri;
        let Some(text) = self.text(&uri).await else {
            return Ok(None);
        };
        let offset = Lines::new(&text).offset(at.position);
        let dialect = workspace::dialect(&uri);
        Ok(match signature::call_at(&text, offset, dialect) {
            Some(signature::Call::Builtin(name, active)) => {
                signature::builtin_help(name, active, dialect)
            }
            Some(signature::Call::Flow(path, active)) => navigate::flow_params(&uri, path)
                .map(|params| signature::flow_help(path, &params, active)),
            None => None,
        })
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let uri = at.text_document.uri;
        let Some(names) = self.names(&uri).await else {
            return Ok(None);
        };
        Ok(names
            .definition(&uri, at.position)
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let uri = at.text_document.uri;
        let Some(names) = self.names(&uri).await else {
            return Ok(None);
        };
        let declaration = params.context.include_declaration;
        Ok(Some(names.references(&uri, at.position, declaration)))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let uri = at.text_document.uri;
        if let Some(why) = navigate::not_a_new_name(&params.new_name, workspace::dialect(&uri)) {
            return Err(tower_lsp::jsonrpc::Error::invalid_params(why));
        }
        let Some(names) = self.names(&uri).await else {
            return Ok(None);
        };
        Ok(names.rename(&uri, at.position, &params.new_name))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(names) = self.names(&params.text_document.uri).await else {
            return Ok(None);
        };
        Ok(Some(DocumentSymbolResponse::Nested(names.symbols())))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(names) = self.names(&params.text_document.uri).await else {
            return Ok(None);
        };
        let parameters: Vec<String> = names
            .variables()
            .into_iter()
            .filter_map(|(name, parameter)| parameter.then_some(name))
            .collect();
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: semantic::tokens(
                &names.text,
                &parameters,
                workspace::dialect(&params.text_document.uri),
            ),
        })))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(names) = self.names(&params.text_document.uri).await else {
            return Ok(None);
        };
        Ok(Some(names.folding()))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(text) = self.text(&params.text_document.uri).await else {
            return Ok(None);
        };
        let formatted = {
            let text = text.clone();
            tokio::task::spawn_blocking(move || jfc_compiler::fmt::format(&text)).await
        };
        // A text with syntax errors is left as it is: its diagnostics say why.
        let Ok(Ok(formatted)) = formatted else {
            return Ok(None);
        };
        if formatted == text {
            return Ok(Some(Vec::new()));
        }
        let lines = Lines::new(&text);
        Ok(Some(vec![TextEdit {
            range: lines.range(0, text.len()),
            new_text: formatted,
        }]))
    }
}
