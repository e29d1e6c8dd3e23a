// The extension manifest against the files it names and the settings the docs promise.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');
const readJson = (file: string): any => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const manifest = readJson('package.json');

test('the jobflow language owns .jf and points at files that exist', () => {
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, 'jobflow');
  assert.deepEqual(language.extensions, ['.jf']);
  const configuration = readJson(language.configuration);
  assert.equal(configuration.comments.lineComment, '#');

  const [grammar] = manifest.contributes.grammars;
  assert.equal(grammar.language, 'jobflow');
  assert.equal(readJson(grammar.path).scopeName, grammar.scopeName);
});

test('the settings have the documented defaults', () => {
  const settings = manifest.contributes.configuration.properties;
  assert.equal(settings['jobflow.server.path'].default, 'jfc');
  assert.deepEqual(settings['jobflow.server.args'].default, ['lsp']);
  assert.equal(settings['jobflow.trace.server'].default, 'off');
  assert.deepEqual(settings['jobflow.trace.server'].enum, ['off', 'messages', 'verbose']);
});

test('auto-closing never pairs < and >, which are also comparison operators', () => {
  const configuration = readJson(manifest.contributes.languages[0].configuration);
  const pairs = [...configuration.brackets, ...configuration.autoClosingPairs.map((p: any) => [p.open, p.close])];
  assert.ok(pairs.every(([open]: string[]) => open !== '<'));
});
