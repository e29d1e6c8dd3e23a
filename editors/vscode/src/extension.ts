// Starts `jfc lsp` (or the configured command) as the jobflow language server over stdio.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions } from 'vscode-languageclient/node';
import { braceFoldingRanges } from './folding';
import { findServerCommand, stdioServer } from './server';

const SECTION = 'jobflow';
let client: LanguageClient | undefined;
let watcher: vscode.FileSystemWatcher | undefined;
let output: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('jobflow');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('jobflow.restartServer', restart),
    // Folding works without the server too: by `{ … }` blocks.
    vscode.languages.registerFoldingRangeProvider(
      { language: 'jobflow' },
      {
        provideFoldingRanges: (document) =>
          braceFoldingRanges(document.getText()).map(
            (range) => new vscode.FoldingRange(range.start, range.end),
          ),
      },
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (
        event.affectsConfiguration(`${SECTION}.server.path`) ||
        event.affectsConfiguration(`${SECTION}.server.args`)
      ) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const path = config.get<string>('server.path', 'jfc').trim() || 'jfc';
  const args = config.get<string[]>('server.args', ['lsp']);

  const command = findServerCommand(path, process.env);
  if (command === undefined) {
    // Without a server the grammar still highlights; say what to change instead of failing silently.
    const message =
      `jobflow: the language server command '${path}' was not found. ` +
      `Install jfc or set "${SECTION}.server.path" to the full path of the jfc binary.`;
    output?.appendLine(message);
    // Not awaited: activation must not wait for the user to dismiss the message.
    void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
      }
    });
    return;
  }

  const serverOptions = stdioServer(command, args);
  // Flow files created, changed or deleted outside the editor change the problems of the flows
  // that call them: the server is told (workspace/didChangeWatchedFiles) and checks them again.
  watcher = vscode.workspace.createFileSystemWatcher('**/*.jf');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'jobflow' },
      { scheme: 'untitled', language: 'jobflow' },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel: output,
  };
  // The id 'jobflow' makes vscode-languageclient read the `jobflow.trace.server` setting.
  client = new LanguageClient(SECTION, 'jobflow language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `jobflow: '${command} ${args.join(' ')}' did not start as a language server (${reason}). ` +
        `Check "${SECTION}.server.path" and "${SECTION}.server.args".`,
    );
    client = undefined;
    watcher?.dispose();
    watcher = undefined;
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
  watcher?.dispose();
  watcher = undefined;
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
