// findServerCommand against real files and permissions in a temporary directory.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findServerCommand, stdioServer } from '../../src/server';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jobflow-server-'));
}

function writeFile(dir: string, name: string, mode: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
}

test('finds the first executable of that name on PATH', () => {
  const first = tempDir();
  const second = tempDir();
  writeFile(first, 'jfc', 0o644); // not executable: skipped
  const wanted = writeFile(second, 'jfc', 0o755);
  const env = { PATH: [first, second].join(path.delimiter) };
  assert.equal(findServerCommand('jfc', env, 'linux'), wanted);
});

test('takes a path with a separator as it is, when it is executable', () => {
  const dir = tempDir();
  const binary = writeFile(dir, 'jfc', 0o755);
  assert.equal(findServerCommand(binary, { PATH: '' }, 'linux'), binary);
  assert.equal(findServerCommand(path.join(dir, 'missing'), { PATH: '' }, 'linux'), undefined);
});

test('is undefined for a missing command, a directory, or an empty PATH', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'jfc'));
  assert.equal(findServerCommand('jfc', { PATH: dir }, 'linux'), undefined);
  assert.equal(findServerCommand('jfc', {}, 'linux'), undefined);
});

test('reads a leading ~/ as the home directory', () => {
  const home = tempDir();
  const binary = writeFile(home, 'jfc', 0o755);
  const saved = process.env.HOME;
  process.env.HOME = home; // os.homedir() reads HOME on Unix
  try {
    assert.equal(findServerCommand('~/jfc', { PATH: '' }, 'linux'), binary);
  } finally {
    process.env.HOME = saved;
  }
});

test('the server runs with exactly the configured arguments, over stdio', () => {
  const args = ['lsp'];
  const { run, debug } = stdioServer('/usr/bin/jfc', args);
  // A transport would make vscode-languageclient append --stdio (or --pipe=…) to the arguments.
  assert.deepEqual(run, { command: '/usr/bin/jfc', args: ['lsp'] });
  assert.deepEqual(debug, run);
  assert.notEqual(run.args, args, 'a copy, so the setting value is never mutated');
});
