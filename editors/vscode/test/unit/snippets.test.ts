// Every Lua, TOML, JSON and Emacs Lisp block of editors/README.md must parse, so a set-up snippet
// cannot rot unnoticed. (The editors themselves are not on CI machines; these are their syntaxes.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as luaparse from 'luaparse';
import { parse as parseToml } from 'smol-toml';
import { readSexps } from './sexp';

const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');

function blocks(lang: string): string[] {
  const fence = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  return [...readme.matchAll(fence)].map((match) => match[1]);
}

test('the README has a snippet for each editor', () => {
  assert.ok(blocks('lua').length >= 4, 'Neovim: filetype, vim.lsp.start, lspconfig, vim.lsp.config');
  assert.equal(blocks('toml').length, 1, 'Helix: languages.toml');
  assert.equal(blocks('elisp').length, 1, 'Emacs: major mode and eglot');
  assert.equal(blocks('json').length, 1, 'VS Code: settings');
});

test('Lua snippets parse and start jfc lsp for the jobflow filetype', () => {
  for (const lua of blocks('lua')) {
    luaparse.parse(lua, { luaVersion: '5.1' });
    assert.match(lua, /jf = 'jobflow'|filetype = 'jobflow'|pattern = '\*\.jf'/);
  }
  assert.ok(blocks('lua').some((lua) => lua.includes("vim.lsp.start") && lua.includes("cmd = { 'jfc', 'lsp' }")));
  assert.ok(blocks('lua').some((lua) => lua.includes("require('lspconfig')")));
});

test('the Helix languages.toml declares the server and the language', () => {
  const [source] = blocks('toml');
  // A JSON round trip gives plain objects (the parser's tables have no prototype).
  const config = JSON.parse(JSON.stringify(parseToml(source))) as {
    'language-server': Record<string, { command: string; args: string[] }>;
    language: { name: string; 'file-types': string[]; 'language-servers': string[] }[];
  };
  assert.deepEqual(config['language-server'].jfc, { command: 'jfc', args: ['lsp'] });
  const [language] = config.language;
  assert.equal(language.name, 'jobflow');
  assert.deepEqual(language['file-types'], ['jf']);
  assert.deepEqual(language['language-servers'], ['jfc']);
});

test('the Emacs Lisp reads as balanced forms naming eglot and the mode', () => {
  const [source] = blocks('elisp');
  const heads = readSexps(source);
  assert.deepEqual(heads, [
    'defconst',
    'defconst',
    'define-derived-mode',
    'add-to-list',
    'with-eval-after-load',
    'add-hook',
  ]);
  assert.match(source, /eglot-server-programs '\(jobflow-mode \. \("jfc" "lsp"\)\)/);
});

test('the VS Code settings block is JSON with the extension settings', () => {
  const settings = JSON.parse(blocks('json')[0]) as Record<string, unknown>;
  assert.deepEqual(Object.keys(settings).sort(), [
    'jobflow.server.args',
    'jobflow.server.path',
    'jobflow.trace.server',
  ]);
});
