// The grammar against the repository's jobflow corpora: programs the compiler accepts get no
// invalid.* scope anywhere, and each program of the lexical-error corpus (E0002) gets at least one,
// so the colours agree with the lexer in both directions. A regular-expression literal whose
// pattern does not compile is an E0002 too, but seeing that takes a regex parser, not a grammar:
// that program is left out of the second direction.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const extension = path.join(__dirname, '../..');
const repo = path.join(extension, '../..');

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => {
      const file = path.join(extension, 'syntaxes/jobflow.tmLanguage.json');
      return textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.jobflow');
  assert.ok(grammar, 'the grammar loads');
  return grammar;
}

/** `file:line:column text scope` for every token with an invalid.* scope. */
function invalidTokens(grammar: textmate.IGrammar, file: string): string[] {
  const found: string[] = [];
  let state = textmate.INITIAL;
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const result = grammar.tokenizeLine(line, state);
      for (const token of result.tokens) {
        const invalid = token.scopes.find((scope) => scope.startsWith('invalid.'));
        if (invalid !== undefined) {
          const text = JSON.stringify(line.slice(token.startIndex, token.endIndex));
          found.push(`${path.relative(repo, file)}:${index + 1}:${token.startIndex + 1} ${text} ${invalid}`);
        }
      }
      state = result.ruleStack;
    });
  return found;
}

function jobflowFiles(dir: string, keep: (name: string) => boolean): string[] {
  return fs
    .readdirSync(path.join(repo, dir))
    .filter((name) => name.endsWith('.jf') && keep(name))
    .map((name) => path.join(repo, dir, name));
}

test('programs the compiler accepts are free of invalid scopes', async () => {
  const grammar = await loadGrammar();
  const accepted = [
    ...jobflowFiles('examples', () => true),
    ...jobflowFiles('tests/run', (name) => !name.includes('-cerr-')),
    ...jobflowFiles('compiler/tests/diagnostics', (name) => /^(ok|W\d+)-/.test(name)),
  ];
  assert.ok(accepted.length > 50, `found only ${accepted.length} programs`);
  assert.deepEqual(accepted.flatMap((file) => invalidTokens(grammar, file)), []);
});

test('every lexical-error program has an invalid scope', async () => {
  const grammar = await loadGrammar();
  const lexicalErrors = jobflowFiles(
    'compiler/tests/diagnostics',
    (name) => name.startsWith('E0002-') && name !== 'E0002-invalid-regex.jf',
  );
  assert.ok(lexicalErrors.length >= 5, `found only ${lexicalErrors.length} programs`);
  const unmarked = lexicalErrors.filter((file) => invalidTokens(grammar, file).length === 0);
  assert.deepEqual(unmarked.map((file) => path.basename(file)), []);
});
