import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readSexps } from './sexp';

test('reads heads of balanced forms, skipping strings, characters and comments', () => {
  assert.deepEqual(readSexps('(a "(" ?\\( ?) ; )\n (b \'(c)))'), ['a']);
  assert.deepEqual(readSexps('(a) (b "x\\"y")'), ['a', 'b']);
});

test('rejects unbalanced forms and unterminated strings', () => {
  assert.throws(() => readSexps('(a (b)'), /1 unclosed '\(' in the form at offset 0/);
  assert.throws(() => readSexps('(a))'), /unbalanced '\)' at offset 3/);
  assert.throws(() => readSexps('(a "b)'), /unterminated string at offset 3/);
});
