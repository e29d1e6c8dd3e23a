//! Quick fixes: where a diagnostic names the one thing that was meant ("did you mean
//! `timeout`?" for a misspelt option, `$RESULT` for `$RESLT`, a variable of the flow or
//! the quoted string for an undefined name, a built-in for an unknown one), the fix is
//! to write it instead; an undefined name may also be declared a parameter.

use jfc_compiler::ast::Program;
use jfc_compiler::diagnostics::{Code, Diagnostic};

/// An edit that fixes a diagnostic: the byte range to replace, the text, and what the
/// editor shows.
pub struct Fix {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub title: String,
    /// The fix to apply when the editor applies one without asking.
    pub preferred: bool,
}

/// The fixes of `d` in `program`, the tree of `text`: the suggested name, and for an
/// undefined name also declaring it a parameter of the flow.
pub fn fixes(text: &str, program: &Program, d: &Diagnostic) -> Vec<Fix> {
    let mut found: Vec<Fix> = fix(text, d).into_iter().collect();
    if d.code == Code::UndefinedName {
        let name = &text[d.span.start as usize..d.span.end as usize];
        let (at, declaration) = match program.params.last() {
            Some(last) => (last.span.end as usize, format!("\n|{name}|")),
            None => (0, format!("|{name}|\n")),
        };
        found.push(Fix {
            start: at,
            end: at,
            text: declaration,
            title: format!("Declare `{name}` as a parameter of the flow"),
            preferred: false,
        });
    }
    found
}

fn fix(text: &str, d: &Diagnostic) -> Option<Fix> {
    if !matches!(
        d.code,
        Code::UnknownBuiltin | Code::UnknownKeyword | Code::UnknownStatus | Code::UndefinedName
    ) {
        return None;
    }
    let meant = [d.label.as_str(), d.help.as_deref().unwrap_or("")]
        .into_iter()
        .find_map(suggestion)?;
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    // Only the name is replaced, should a span ever reach past it (a call's arguments).
    let name = text.get(start..end)?;
    let end = start
        + name
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(name.len());
    Some(Fix {
        start,
        end,
        text: meant.to_string(),
        title: format!("Write `{meant}`"),
        preferred: true,
    })
}

/// `X` of "did you mean `X`?" or "did you mean the string `X`?".
fn suggestion(text: &str) -> Option<&str> {
    let rest = text.split("did you mean ").nth(1)?;
    let rest = rest.strip_prefix("the string ").unwrap_or(rest);
    let inner = rest.strip_prefix('`')?;
    let end = inner.find("`?")?;
    Some(&inner[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str) -> Vec<String> {
        let analysis = jfc_compiler::analyze(text);
        analysis
            .diagnostics
            .iter()
            .flat_map(|d| fixes(text, &analysis.program, d))
            .map(|f| format!("{}{}{}", &text[..f.start], f.text, &text[f.end..]))
            .collect()
    }

    #[test]
    fn each_suggestion_becomes_an_edit() {
        assert_eq!(fixed("print($RESLT)"), ["print($RESULT)"]);
        assert_eq!(
            fixed("urlopen(url='http://x', timout=3)"),
            ["urlopen(url='http://x', timeout=3)"]
        );
        assert_eq!(
            fixed("|host|\n[counter = 1] -> print(countr)"),
            [
                "|host|\n[counter = 1] -> print(counter)",
                "|host|\n|countr|\n[counter = 1] -> print(countr)"
            ]
        );
        assert_eq!(
            fixed("print(web1)"),
            ["print('web1')", "|web1|\nprint(web1)"]
        );
        assert_eq!(fixed("[x = lenght('ab')]"), ["[x = length('ab')]"]);
        assert!(fixed("print('fine')").is_empty());
    }
}
