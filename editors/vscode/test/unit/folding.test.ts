import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { braceFoldingRanges } from '../../src/folding';

test('folds nested multi-line blocks from the { line to the line before }', () => {
  const source = [
    '{ for x in xs |', // 0
    '    { if x |', // 1
    '        print(x)', // 2
    '    }', // 3
    '}', // 4
  ].join('\n');
  assert.deepEqual(braceFoldingRanges(source), [
    { start: 0, end: 3 },
    { start: 1, end: 2 },
  ]);
});

test('a block on one or two lines has nothing to fold', () => {
  assert.deepEqual(braceFoldingRanges('{ print(1) }\n{ [x = {a = 1}]\n}'), []);
});

test('braces in comments and literals do not count, multi-line strings keep the line count', () => {
  const source = [
    "{ print('{', \"}\") # {", // 0
    "    -> ['''echo }", // 1
    "    ''''] -> print(r'\\'{')", // 2
    '    -> print(1)', // 3
    '}', // 4
    "print('unclosed {", // 5
    '{', // 6
    '', // 7
    '}', // 8
  ].join('\n');
  assert.deepEqual(braceFoldingRanges(source), [
    { start: 0, end: 3 },
    { start: 6, end: 7 },
  ]);
});
