//! Quick fixes: where a diagnostic names the one thing that was meant ("did you mean
//! `timeout`?" for a misspelt option, `$RESULT` for `$RESLT`, a variable of the flow or
//! the quoted string for an undefined name, a built-in for an unknown one), the fix is
//! to write it instead.

use jfc_compiler::diagnostics::{Code, Diagnostic};

/// The replacement a diagnostic suggests: the byte range to replace and the text.
pub struct Fix {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

pub fn fix(text: &str, d: &Diagnostic) -> Option<Fix> {
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
            .filter_map(|d| fix(text, d))
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
            fixed("[counter = 1] -> print(countr)"),
            ["[counter = 1] -> print(counter)"]
        );
        assert_eq!(fixed("print(web1)"), ["print('web1')"]);
        assert_eq!(fixed("[x = lenght('ab')]"), ["[x = length('ab')]"]);
        assert!(fixed("print('fine')").is_empty());
    }
}
