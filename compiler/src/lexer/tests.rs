use super::*;

fn kinds(text: &str) -> Vec<Token<'_>> {
    let (toks, errs) = lex(text);
    assert!(errs.is_empty(), "{errs:?}");
    toks.into_iter().map(|(_, t, _)| t).collect()
}

#[test]
fn numbers() {
    use Token::*;
    assert_eq!(
        kinds("9.E5 0.5e-3 007 1."),
        vec![Float("9.E5"), Float("0.5e-3"), Int("007"), Float("1.")]
    );
    assert_eq!(kinds("1e5"), vec![Int("1"), Ident("e5")]);
}

#[test]
fn paths() {
    use Token::*;
    assert_eq!(
        kinds("/a/b ./x ../../y ./ ../"),
        vec![
            Path("/a/b"),
            Path("./x"),
            Path("../../y"),
            Path("./"),
            Path("../")
        ]
    );
    assert_eq!(kinds("/a/"), vec![Path("/a"), Slash]);
    assert_eq!(kinds("a/b"), vec![Ident("a"), Path("/b")]);
    assert_eq!(kinds("a / b"), vec![Ident("a"), Slash, Ident("b")]);
    assert_eq!(kinds("a/2"), vec![Ident("a"), Slash, Int("2")]);
    assert_eq!(kinds("./.add"), vec![Path("./"), Dot, Ident("add")]);
    assert_eq!(kinds("/system/for"), vec![Path("/system/for")]);
}

#[test]
fn identifiers_and_keywords() {
    use Token::*;
    assert_eq!(
        kinds("ノード __host__ form fork $RESULT"),
        vec![
            Ident("ノード"),
            Ident("__host__"),
            Ident("form"),
            Fork,
            Special("RESULT")
        ]
    );
    assert_eq!(
        kinds("r r2 e_x"),
        vec![Ident("r"), Ident("r2"), Ident("e_x")]
    );
}

#[test]
fn literals() {
    use Token::*;
    assert_eq!(
        kinds(r"'a\tb' 'it\'s'"),
        vec![Str("a\tb".into()), Str("it's".into())]
    );
    assert_eq!(kinds("'''''''"), vec![Str("'".into())]);
    assert_eq!(kinds("b'\\x01a'"), vec![Bytes(vec![1, b'a'])]);
    assert_eq!(
        kinds(r"r'it\'s'i"),
        vec![Pattern((PatKind::Regex, r"it\'s".into(), true))]
    );
    assert_eq!(
        kinds("r'a'in x"),
        vec![
            Pattern((PatKind::Regex, "a".into(), true)),
            Ident("n"),
            Ident("x")
        ]
    );
}

#[test]
fn symbols() {
    use Token::*;
    assert_eq!(
        kinds("<ch>=>[]"),
        vec![Lt, Ident("ch"), Gt, FatArrow, LBracket, RBracket]
    );
    assert_eq!(
        kinds("a>=>>b"),
        vec![Ident("a"), Gt, FatArrowArrow, Ident("b")]
    );
    assert_eq!(kinds("a>=b"), vec![Ident("a"), Ge, Ident("b")]);
    assert_eq!(
        kinds("x=-1 a=~b ->> ?? **"),
        vec![
            Ident("x"),
            Assign,
            Minus,
            Int("1"),
            Ident("a"),
            Match,
            Ident("b"),
            ArrowArrow,
            QuestionQuestion,
            StarStar
        ]
    );
}

#[test]
fn errors_do_not_stop_lexing() {
    let (toks, errs) = lex("a ; 'open\nb");
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].kind, LexErrorKind::IllegalChar);
    assert_eq!(errs[1].kind, LexErrorKind::UnclosedString);
    assert!(matches!(toks.last(), Some((_, Token::Ident("b"), _))));
}

#[test]
fn comments_and_blanks() {
    use Token::*;
    assert_eq!(kinds("a # c 'x\n\x0cb\r\n"), vec![Ident("a"), Ident("b")]);
    let (_, errs) = lex("a\u{a0}b");
    assert_eq!(errs.len(), 1);
}
