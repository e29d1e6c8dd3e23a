// Folding ranges for `{ … }` blocks that span lines, found by a scan that skips comments and
// literals (so a brace inside '…', """…""" or a # comment does not count).

export interface LineRange {
  start: number;
  end: number;
}

/** Zero-based line ranges: from the line of `{` to the line before its `}` (which stays visible). */
export function braceFoldingRanges(text: string): LineRange[] {
  const ranges: LineRange[] = [];
  const open: number[] = [];
  let line = 0;
  let i = 0;
  const skipTo = (end: number): void => {
    for (; i < end; i++) {
      if (text[i] === '\n') line++;
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      const newline = text.indexOf('\n', i);
      skipTo(newline === -1 ? text.length : newline);
    } else if (c === "'" || c === '"') {
      skipTo(literalEnd(text, i));
    } else {
      if (c === '{') {
        open.push(line);
      } else if (c === '}' && open.length > 0) {
        const start = open.pop() as number;
        if (line - 1 > start) ranges.push({ start, end: line - 1 });
      } else if (c === '\n') {
        line++;
      }
      i++;
    }
  }
  return ranges.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Offset just past the literal that opens at `at`: a string, binary or pattern body. */
function literalEnd(text: string, at: number): number {
  const quote = text[at];
  const triple = quote.repeat(3);
  if (text.startsWith(triple, at)) {
    let close = at + 3;
    for (;;) {
      if (text[close] === '\\') {
        close += 2;
      } else if (close >= text.length) {
        return text.length;
      } else if (text.startsWith(triple, close)) {
        // In a run of more than three quotes, the last three close the literal.
        let end = close + 3;
        while (text[end] === quote) end++;
        return end;
      } else {
        close++;
      }
    }
  }
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === quote) {
      return i + 1;
    } else if (text[i] === '\n') {
      return i; // unclosed: the literal ends with its line
    }
  }
  return text.length;
}
