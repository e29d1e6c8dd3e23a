// The extension's server command line, from the manifest defaults, against a real `jfc` binary
// (path in $JFC): it must start, answer `initialize` over stdio and publish diagnostics.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { stdioServer } from '../../src/server';

const jfc = process.env.JFC;
if (jfc === undefined || !fs.existsSync(jfc)) {
  throw new Error(`set JFC to the path of a built jfc binary (JFC=${jfc ?? '<unset>'})`);
}
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const defaultArgs: string[] = manifest.contributes.configuration.properties['jobflow.server.args'].default;

test('jfc starts with the default arguments and reports a broken flow', { timeout: 20_000 }, async () => {
  const { run } = stdioServer(path.resolve(jfc), defaultArgs);
  const server = cp.spawn(run.command, run.args ?? [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  let stderr = '';
  server.stderr.on('data', (chunk) => (stderr += chunk));
  const connection = createMessageConnection(
    new StreamMessageReader(server.stdout),
    new StreamMessageWriter(server.stdin),
  );
  const uri = 'file:///work/broken.jf';
  const diagnostics = new Promise<{ uri: string; diagnostics: { source?: string }[] }>((resolve) =>
    connection.onNotification('textDocument/publishDiagnostics', resolve),
  );
  connection.listen();
  try {
    const init = await connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: null, // no workspace: a single file
      capabilities: {},
    });
    assert.ok(init.capabilities.textDocumentSync, `no textDocumentSync in ${JSON.stringify(init)}`);
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'jobflow', version: 1, text: "print('unclosed\n" },
    });
    const published = await diagnostics;
    assert.equal(published.uri, uri);
    assert.ok(published.diagnostics.length > 0, 'an unclosed string is reported');
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    server.stdin.end(); // as the client does when it stops: the server must then end cleanly
    const code = await exited;
    assert.equal(code, 0, `jfc lsp exited with ${code}: ${stderr}`);
  } finally {
    connection.dispose();
    server.kill();
  }
});
