// A reader for the Emacs Lisp subset the README uses: lists, strings, ?c characters, comments,
// quote and backquote marks. It returns the head symbol of each top-level form and throws on
// unbalanced parentheses or an unterminated string, with the offset of the problem.

export function readSexps(source: string): string[] {
  const heads: string[] = [];
  let depth = 0;
  let i = 0;
  let formStart = -1;
  while (i < source.length) {
    const c = source[i];
    if (c === ';') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      const start = i++;
      while (i < source.length && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
      if (i >= source.length) throw new Error(`unterminated string at offset ${start}`);
      i++;
    } else if (c === '?') {
      i += source[i + 1] === '\\' ? 3 : 2;
    } else if (c === '(') {
      if (depth === 0) formStart = i;
      depth++;
      i++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) throw new Error(`unbalanced ')' at offset ${i}`);
      if (depth === 0) heads.push(/^\(\s*([^\s()]+)/.exec(source.slice(formStart))?.[1] ?? '');
      i++;
    } else {
      i++;
    }
  }
  if (depth !== 0) throw new Error(`${depth} unclosed '(' in the form at offset ${formStart}`);
  return heads;
}
