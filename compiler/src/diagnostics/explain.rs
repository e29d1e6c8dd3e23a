//! Finding a code from what a person types (`jfc explain e15`), and the nearest code
//! when there is none. The explanations themselves are [`Code::explanation`].

use super::Code;

/// The code `text` names: its letter in either case, then its number with or without
/// the leading zeros (`E0015`, `e0015`, `E15`).
pub fn lookup(text: &str) -> Option<Code> {
    let (letter, number) = split(text)?;
    Code::ALL
        .iter()
        .copied()
        .find(|c| split(c.as_str()) == Some((letter, number)))
}

/// The code closest to `text` when it is not one: the same letter and the nearest number.
pub fn nearest(text: &str) -> Option<Code> {
    let (letter, number) = split(text)?;
    Code::ALL
        .iter()
        .copied()
        .filter_map(|c| split(c.as_str()).map(|(l, n)| (c, l, n)))
        .filter(|&(_, l, _)| l == letter)
        .min_by_key(|&(_, _, n)| n.abs_diff(number))
        .map(|(c, _, _)| c)
}

/// `E0015` as (`E`, 15); `None` when it is not a letter followed by digits.
fn split(text: &str) -> Option<(char, u32)> {
    let mut chars = text.trim().chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let digits = chars.as_str();
    if !letter.is_ascii_alphabetic() || digits.is_empty() || digits.len() > 6 {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((letter, digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_explanation_headed_by_its_code() {
        for code in Code::ALL {
            let text = code.explanation();
            let heading = text
                .lines()
                .find(|l| l.starts_with('#'))
                .unwrap_or_else(|| panic!("{}: no heading", code.as_str()));
            assert!(
                heading.starts_with(&format!("# {}: ", code.as_str())),
                "{}: the first heading is {heading:?}",
                code.as_str()
            );
            assert!(
                text.contains("## Why it is a problem") && text.contains("## Related"),
                "{}: a section is missing",
                code.as_str()
            );
        }
    }

    #[test]
    fn codes_are_found_in_any_case_with_or_without_zeros() {
        assert_eq!(lookup("E0015"), Some(Code::UndefinedName));
        assert_eq!(lookup("e0015"), Some(Code::UndefinedName));
        assert_eq!(lookup("E15"), Some(Code::UndefinedName));
        assert_eq!(lookup(" w7 "), Some(Code::UnsavedFieldChange));
        assert_eq!(lookup("E0020"), None);
        assert_eq!(lookup("X0001"), None);
        assert_eq!(lookup("E"), None);
        assert_eq!(lookup("E00x1"), None);
        assert_eq!(lookup("E99999999999999999999"), None);
    }

    #[test]
    fn the_nearest_code_has_the_same_letter() {
        assert_eq!(nearest("E0020"), Some(Code::BytecodeLimit));
        assert_eq!(nearest("w0009"), Some(Code::UnsavedFieldChange));
        assert_eq!(nearest("W0000"), Some(Code::UnassignedRead));
        assert_eq!(nearest("X0001"), None);
        assert_eq!(nearest("hello"), None);
    }
}
