//! Patterns (language.md §8.7, library.md §2.5): `r` regular expressions with
//! Python `re` syntax, `g` globs with `fnmatch` rules, `e` exact matches.
//!
//! Python regex syntax is translated to fancy-regex where the two differ
//! (`\Z`, `$` before a final newline, literal `{`, `[` inside classes).

use std::rc::Rc;

use indexmap::IndexMap;

use super::compare::equals;
use super::{regex_error, Error, Key, Pattern, PatternKind, Result, Value};

/// Backtracking budget of one match; beyond it the match counts as failed
/// rather than hanging the process.
const BACKTRACK_LIMIT: usize = 1_000_000;

impl Pattern {
    /// Compile a pattern; an invalid regular expression is an error.
    pub fn new(kind: PatternKind, text: &str, icase: bool) -> Result<Pattern> {
        let regex = match kind {
            PatternKind::Regex => {
                let (translated, map) = translate_regex_mapped(text);
                let re = compile(&format!("\\A(?:{translated})"), icase, text);
                Some(re.map_err(|_| Error::new(regex_error::describe(text, &translated, &map)))?)
            }
            PatternKind::Glob => Some(compile(&glob_to_regex(text), icase, text)?),
            PatternKind::Exact => None,
        };
        Ok(Pattern {
            kind,
            text: Rc::from(text),
            icase,
            regex,
        })
    }

    /// Whether the pattern matches `v` (used by `=~`, `case` and guards):
    /// `r` at the start of a String, `g` the whole String, `e` by equality.
    pub fn is_match(&self, v: &Value) -> bool {
        match self.kind {
            PatternKind::Exact => match v {
                Value::Str(s) if self.icase => s.to_lowercase() == self.text.to_lowercase(),
                _ => equals(&Value::Str(self.text.clone()), v),
            },
            _ => match (v, &self.regex) {
                (Value::Str(s), Some(re)) => re.is_match(s).unwrap_or(false),
                _ => false,
            },
        }
    }

    /// `p.match(s)`: `false`, `true` (g/e), or for `r` the match Dictionary
    /// `{group, groups, groupdict, start, end}` with character offsets.
    pub fn match_value(&self, v: &Value) -> Value {
        if self.kind != PatternKind::Regex {
            return Value::Bool(self.is_match(v));
        }
        let (Value::Str(s), Some(re)) = (v, &self.regex) else {
            return Value::Bool(false);
        };
        let caps = match re.captures(s) {
            Ok(Some(c)) => c,
            _ => return Value::Bool(false),
        };
        let Some(whole) = caps.get(0) else {
            return Value::Bool(false);
        };
        let text = |m: Option<fancy_regex::Match>| match m {
            Some(m) => Value::str(m.as_str()),
            None => Value::Null,
        };
        let groups: Vec<Value> = (1..caps.len()).map(|i| text(caps.get(i))).collect();
        let mut named = IndexMap::new();
        for name in re.capture_names().flatten() {
            named.insert(Key::str(name), text(caps.name(name)));
        }
        let char_offset = |byte: usize| s[..byte].chars().count() as i64;
        let mut m = IndexMap::new();
        m.insert(Key::str("group"), Value::str(whole.as_str()));
        m.insert(Key::str("groups"), Value::array(groups));
        m.insert(Key::str("groupdict"), Value::dict(named));
        m.insert(Key::str("start"), Value::Int(char_offset(whole.start())));
        m.insert(Key::str("end"), Value::Int(char_offset(whole.end())));
        Value::dict(m)
    }

    /// The kind letter as `type` shows it.
    pub fn kind_letter(&self) -> &'static str {
        match self.kind {
            PatternKind::Regex => "r",
            PatternKind::Glob => "g",
            PatternKind::Exact => "e",
        }
    }
}

fn compile(src: &str, icase: bool, original: &str) -> Result<fancy_regex::Regex> {
    let src = if icase {
        format!("(?i){src}")
    } else {
        src.to_string()
    };
    fancy_regex::RegexBuilder::new(&src)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| Error::new(format!("invalid regular expression '{original}': {e}")))
}

/// A case-sensitive (or insensitive) glob match of a whole string, for `case`.
pub(crate) fn glob_match(glob: &str, s: &str, icase: bool) -> Result<bool> {
    let re = compile(&glob_to_regex(glob), icase, glob)?;
    Ok(re.is_match(s).unwrap_or(false))
}

/// Escape a character for use as a regex literal.
fn push_literal(out: &mut String, c: char) {
    // `\<` and `\>` are word boundaries to the regex engine: `<` and `>` stay bare.
    if (c.is_ascii_punctuation() && c != '<' && c != '>') || c == ' ' {
        out.push('\\');
    }
    out.push(c);
}

/// Python `fnmatch.translate`, anchored at both ends, `.` matching newlines.
pub(crate) fn glob_to_regex(pat: &str) -> String {
    let p: Vec<char> = pat.chars().collect();
    let mut out = String::from("\\A(?s:");
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        i += 1;
        match c {
            '*' => {
                // Consecutive stars are one star.
                while i < p.len() && p[i] == '*' {
                    i += 1;
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < p.len() && p[j] == '!' {
                    j += 1;
                }
                if j < p.len() && p[j] == ']' {
                    j += 1;
                }
                while j < p.len() && p[j] != ']' {
                    j += 1;
                }
                if j >= p.len() {
                    out.push_str("\\[");
                    continue;
                }
                let stuff: Vec<char> = p[i..j].to_vec();
                i = j + 1;
                if stuff.is_empty() {
                    // `[]` can never match (Python: "(?!)").
                    out.push_str("(?!)");
                    continue;
                }
                if stuff == ['!'] {
                    out.push('.');
                    continue;
                }
                out.push('[');
                let mut k = 0;
                if stuff[0] == '!' {
                    out.push('^');
                    k = 1;
                } else if stuff[0] == '^' {
                    out.push_str("\\^");
                    k = 1;
                }
                for &ch in &stuff[k..] {
                    match ch {
                        // A range dash stays; everything else is literal in the class.
                        '-' => out.push('-'),
                        '\\' | '[' | ']' | '&' | '~' | '|' | '^' => {
                            out.push('\\');
                            out.push(ch);
                        }
                        ch => out.push(ch),
                    }
                }
                out.push(']');
            }
            c => push_literal(&mut out, c),
        }
    }
    out.push_str(")\\z");
    out
}

/// Translate Python `re` syntax to fancy-regex syntax; with the character of `src` each
/// byte of the result comes from (and one more entry, `src`'s length, for the end), so
/// that error positions are told in `src`.
fn translate_regex_mapped(src: &str) -> (String, Vec<usize>) {
    let p: Vec<char> = src.chars().collect();
    let mut map = Vec::with_capacity(src.len() + 8);
    let mut from = 0;
    // With a global (?m) flag, `$` already means "before a newline or at the end".
    let multiline =
        src.starts_with("(?") && src[2..].split(')').next().is_some_and(|f| f.contains('m'));
    let mut out = String::with_capacity(src.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false;
    while i < p.len() {
        map.resize(out.len(), from);
        from = i;
        let c = p[i];
        i += 1;
        if c == '\\' {
            match p.get(i) {
                Some('Z') => out.push_str("\\z"),
                // Python's `\<` and `\>` are the characters; the engine's are word boundaries.
                Some(&n @ ('<' | '>')) => out.push(n),
                Some(&n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            }
            i += 1;
            class_start = false;
            continue;
        }
        if in_class {
            match c {
                ']' if !class_start => in_class = false,
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                    class_start = false;
                    continue;
                }
                '-' if p.get(i) == Some(&'-') => {
                    out.push_str("\\-");
                    class_start = false;
                    continue;
                }
                '^' if class_start => {
                    out.push('^');
                    // `[^]...]`: the `]` right after `^` is still literal.
                    continue;
                }
                _ => {}
            }
            class_start = false;
            out.push(c);
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
            }
            '$' if !multiline => out.push_str("(?=\\n?\\z)"),
            '{' => {
                // A `{` that does not start a quantifier is a literal in Python.
                let rest: String = p[i..].iter().take(40).collect();
                match quantifier_len(&rest) {
                    Some((len, fixed)) => {
                        out.push('{');
                        out.push_str(&fixed);
                        i += len;
                    }
                    None => out.push_str("\\{"),
                }
            }
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
    }
    map.resize(out.len(), from);
    map.push(p.len());
    (out, map)
}

/// If `rest` (the text after `{`) is a quantifier body `m}`, `m,}`, `m,n}`
/// or `,n}`, its length and the body to emit (with `,n` made `0,n`).
fn quantifier_len(rest: &str) -> Option<(usize, String)> {
    let end = rest.find('}')?;
    let body = &rest[..end];
    let (a, b) = match body.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(a) || !b.is_none_or(digits) || (a.is_empty() && b.is_none_or(str::is_empty)) {
        return None;
    }
    let fixed = if a.is_empty() {
        format!("0{body}}}")
    } else {
        format!("{body}}}")
    };
    Some((end + 1, fixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(kind: PatternKind, t: &str, i: bool) -> Pattern {
        Pattern::new(kind, t, i).unwrap()
    }

    #[test]
    fn regex_matches_at_start_only() {
        let r = p(PatternKind::Regex, r"^server\d+$", false);
        assert!(r.is_match(&Value::str("server42")));
        assert!(!r.is_match(&Value::str("Server42")));
        let r = p(PatternKind::Regex, r"\d+", false);
        assert!(r.is_match(&Value::str("12ab")));
        assert!(!r.is_match(&Value::str("ab12")));
        assert!(!r.is_match(&Value::Int(12)));
        let r = p(PatternKind::Regex, r"^windows (95|nt)$", true);
        assert!(r.is_match(&Value::str("Windows NT")));
        // Python `$` also matches before a final newline.
        let r = p(PatternKind::Regex, "abc$", false);
        assert!(r.is_match(&Value::str("abc\n")));
        assert!(!r.is_match(&Value::str("abc\nd")));
        let r = p(PatternKind::Regex, r"a\Z", false);
        assert!(!r.is_match(&Value::str("a\n")));
    }

    #[test]
    fn python_syntax_differences() {
        assert!(p(PatternKind::Regex, "a{", false).is_match(&Value::str("a{")));
        assert!(p(PatternKind::Regex, "x{,2}y", false).is_match(&Value::str("xxy")));
        assert!(p(PatternKind::Regex, "{foo}", false).is_match(&Value::str("{foo}")));
        assert!(p(PatternKind::Regex, "[[]", false).is_match(&Value::str("[")));
        assert!(p(PatternKind::Regex, "[a&&b]", false).is_match(&Value::str("&")));
        assert!(p(PatternKind::Regex, r"(\w)\1", false).is_match(&Value::str("aa")));
        assert!(p(PatternKind::Regex, r"(?P<x>a)(?P=x)", false).is_match(&Value::str("aa")));
        assert!(p(PatternKind::Regex, "[]a]", false).is_match(&Value::str("]")));
        assert!(Pattern::new(PatternKind::Regex, "(", false).is_err());
        // `\<` and `\>` are the characters in Python, not word boundaries.
        let r = p(PatternKind::Regex, r"a\<b\>$", false);
        assert!(r.is_match(&Value::str("a<b>")));
        assert!(!r.is_match(&Value::str("ab")));
        assert!(p(PatternKind::Regex, r"[\<]x", false).is_match(&Value::str("<x")));
    }

    #[test]
    fn globs() {
        let g = p(PatternKind::Glob, "*.txt", false);
        assert!(g.is_match(&Value::str("report.txt")));
        assert!(!g.is_match(&Value::str("report.csv")));
        assert!(!g.is_match(&Value::str("report.txt.bak")));
        let g = p(PatternKind::Glob, "file?.[!a-c]og", false);
        assert!(g.is_match(&Value::str("file1.log")));
        assert!(!g.is_match(&Value::str("file1.bog")));
        let g = p(PatternKind::Glob, "A[", true);
        assert!(g.is_match(&Value::str("a[")));
        assert!(glob_match("a\\b", "a\\b", false).unwrap());
        assert!(glob_match("x*", "x\ny", false).unwrap());
        assert!(!glob_match("[]", "]", false).unwrap());
        assert!(glob_match("[]]", "]", false).unwrap());
        // `<` and `>` are literals, as in shell redirections of a mocked command.
        assert!(glob_match("cat > *", "cat > /tmp/x.csv", false).unwrap());
        assert!(glob_match("a<b", "a<b", false).unwrap());
        assert!(!glob_match("a>", "a", false).unwrap());
    }

    #[test]
    fn exact() {
        let e = p(PatternKind::Exact, "kompira", true);
        assert!(e.is_match(&Value::str("KOMPIRA")));
        assert!(!p(PatternKind::Exact, "kompira", false).is_match(&Value::str("KOMPIRA")));
        assert!(!e.is_match(&Value::Int(1)));
    }

    #[test]
    fn match_dictionary() {
        let r = p(PatternKind::Regex, r"(\w+)@(\w+)\.com", false);
        let m = r.match_value(&Value::str("alice@example.com"));
        assert_eq!(
            m.to_text(),
            "{group='alice@example.com', groups=['alice', 'example'], groupdict={}, start=0, end=17}"
        );
        let r = p(PatternKind::Regex, r"(?P<user>\w+)@(x)?", false);
        let m = r.match_value(&Value::str("bob@"));
        assert_eq!(
            m.to_text(),
            "{group='bob@', groups=['bob', null], groupdict={user='bob'}, start=0, end=4}"
        );
        let r = p(PatternKind::Regex, "é+", false);
        let m = r.match_value(&Value::str("ééx"));
        assert_eq!(
            m.to_text(),
            "{group='éé', groups=[], groupdict={}, start=0, end=2}"
        );
        assert!(matches!(
            r.match_value(&Value::str("x")),
            Value::Bool(false)
        ));
        let g = p(PatternKind::Glob, "web*", false);
        assert!(matches!(
            g.match_value(&Value::str("web1")),
            Value::Bool(true)
        ));
        assert!(matches!(g.match_value(&Value::Int(1)), Value::Bool(false)));
    }
}
