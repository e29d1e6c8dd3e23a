//! What is wrong with an invalid regular expression: the compiler's description
//! ([`jfc_compiler::regex`]), so that `jfc check` and a run say the same.

pub use jfc_compiler::regex::{describe, untranslated};

#[cfg(test)]
mod tests {
    fn check(pattern: &str, want: &str) {
        let err = crate::value::Pattern::new(crate::value::PatternKind::Regex, pattern, false)
            .err()
            .map(|e| e.message);
        assert_eq!(err.as_deref(), Some(want), "{pattern}");
    }

    #[test]
    fn positions_are_in_the_pattern_as_written() {
        check(
            "a(b",
            "invalid regular expression 'a(b': unclosed group at position 1",
        );
        check(
            "x(a(b)",
            "invalid regular expression 'x(a(b)': unclosed group at position 1",
        );
        check(
            "a)b",
            "invalid regular expression 'a)b': unbalanced parenthesis at position 1",
        );
        check(
            "ab[c",
            "invalid regular expression 'ab[c': unterminated character set at position 2",
        );
        check(
            "*a",
            "invalid regular expression '*a': nothing to repeat at position 0",
        );
        check(
            "a{2}$(",
            "invalid regular expression 'a{2}$(': unclosed group at position 5",
        );
        check(
            "x[z-a]",
            "invalid regular expression 'x[z-a]': invalid character class range, the start must be <= the end at position 2",
        );
        check(
            "(?<=a+)b",
            "invalid regular expression '(?<=a+)b': look-behind assertion without constant size",
        );
    }
}
