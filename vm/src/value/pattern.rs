//! Patterns (language.md §8.7, library.md §2.5): `r` regular expressions with
//! Python `re` syntax, `g` globs with `fnmatch` rules, `e` exact matches.
//!
//! Python regex syntax is translated to fancy-regex where the two differ
//! (`\Z`, `$` before a final newline, literal `{`, `[` inside classes).

use std::rc::Rc;

use indexmap::IndexMap;

use super::compare::equals;
use jfc_compiler::regex::translate_mapped as translate_regex_mapped;

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
