//! Rust source with comments and literal contents blanked out, so the tidy rules match code
//! only: `unsafe` in a doc comment or `"todo!("` in a string is not a violation.
//!
//! A small lexer, enough for rustfmt-formatted code: line and nested block comments, string
//! literals with escapes, raw strings (`r#"…"#`, with any `b`/`c` prefix), and char literals
//! told apart from lifetimes. Blanked characters become spaces, so columns and line numbers
//! stay those of the file.

/// The lines of `source` with comments and the contents of string and char literals replaced
/// by spaces (the quotes themselves are kept).
pub(crate) fn code_lines(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                blank(&mut out, &chars[start..i]);
            }
            '/' if next == Some('*') => {
                i = block_comment_end(&chars, i);
                blank(&mut out, &chars[start..i]);
            }
            '"' => {
                i = string_end(&chars, i + 1);
                quoted(&mut out, &chars[start..i]);
            }
            'r' if starts_raw_string(&chars, i) => {
                // Keep the `r#"` opener and the `"#` closer, blank the contents.
                let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
                let open = i + 2 + hashes;
                i = raw_string_end(&chars, i);
                let close = i.saturating_sub(1 + hashes).max(open);
                out.extend(&chars[start..open]);
                blank(&mut out, &chars[open..close]);
                out.extend(&chars[close..i]);
            }
            '\'' if is_char_literal(&chars, i) => {
                i = char_end(&chars, i + 1);
                quoted(&mut out, &chars[start..i]);
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.lines().map(str::to_owned).collect()
}

/// Spaces for every character but newlines.
fn blank(out: &mut String, span: &[char]) {
    out.extend(span.iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
}

/// A quoted literal: the first and last characters kept, the rest blanked.
fn quoted(out: &mut String, span: &[char]) {
    match span {
        [open, inner @ .., close] => {
            out.push(*open);
            blank(out, inner);
            out.push(*close);
        }
        _ => blank(out, span),
    }
}

fn block_comment_end(chars: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// The index after the closing quote of a string whose contents start at `i`.
fn string_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `r"`, `r#"`, `br"`, `cr##"`…, but not `r#ident` or an identifier ending in `r`.
fn starts_raw_string(chars: &[char], i: usize) -> bool {
    let prefix_start = match i.checked_sub(1).map(|p| chars[p]) {
        Some('b' | 'c') => i - 1,
        _ => i,
    };
    if prefix_start > 0 && is_ident(chars[prefix_start - 1]) {
        return false;
    }
    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
    chars.get(i + 1 + hashes) == Some(&'"')
}

fn raw_string_end(chars: &[char], i: usize) -> usize {
    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
    let mut j = i + 2 + hashes;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return j + 1 + hashes;
        }
        j += 1;
    }
    chars.len()
}

/// `'x'` and `'\n'` are char literals; `'a` in `&'a T` or `'outer:` is a lifetime or label.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    if i > 0 && is_ident(chars[i - 1]) {
        return false;
    }
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

fn char_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\'' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// The line numbers (1-based) of `mod name;` declarations inside a macro call or a
/// `macro_rules!` body, in `masked` code (from [`code_lines`]). rustfmt does not look inside
/// macro calls, so it never formats the file such a declaration names.
pub(crate) fn mods_in_macros(masked: &[String]) -> Vec<usize> {
    let tokens = tokens(masked);
    // For each open bracket, whether it opens a macro call or definition.
    let mut stack: Vec<bool> = Vec::new();
    let mut found = Vec::new();
    for (i, (token, line)) in tokens.iter().enumerate() {
        let before = |back: usize| i.checked_sub(back).map(|j| tokens[j].0.as_str());
        match token.as_str() {
            "(" | "[" | "{" => {
                // `name!(`, or `macro_rules! name {`.
                let call = before(1) == Some("!") && before(2).is_some_and(is_word);
                let definition = before(2) == Some("!") && before(3) == Some("macro_rules");
                stack.push(call || definition);
            }
            ")" | "]" | "}" => {
                stack.pop();
            }
            "mod" if stack.contains(&true) => {
                // `mod name;`, or `mod $name;` in a `macro_rules!` body.
                let next: Vec<&str> = tokens[i + 1..]
                    .iter()
                    .take(3)
                    .map(|t| t.0.as_str())
                    .collect();
                let declares_file = match next.as_slice() {
                    [name, ";", ..] | ["$", name, ";", ..] => is_word(name),
                    _ => false,
                };
                if declares_file {
                    found.push(*line);
                }
            }
            _ => {}
        }
    }
    found
}

/// Words (identifiers, keywords, numbers) and single punctuation characters, each with its
/// line number (1-based).
fn tokens(masked: &[String]) -> Vec<(String, usize)> {
    let mut tokens = Vec::new();
    for (n, line) in masked.iter().enumerate() {
        let mut word = String::new();
        for c in line.chars() {
            if is_ident(c) {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                tokens.push((std::mem::take(&mut word), n + 1));
            }
            if !c.is_whitespace() {
                tokens.push((c.to_string(), n + 1));
            }
        }
        if !word.is_empty() {
            tokens.push((word, n + 1));
        }
    }
    tokens
}

fn is_word(token: &str) -> bool {
    token.chars().all(is_ident)
}

#[cfg(test)]
mod tests {
    use super::code_lines;

    fn code(source: &str) -> String {
        code_lines(source).join("\n")
    }

    #[test]
    fn comments_and_literals_are_blanked_in_place() {
        let source =
            "let a = \"unsafe { \\\" }\"; // unsafe {\nlet b = 'x'; /* todo!( /* n */ */ c";
        let masked = code_lines(source);
        assert_eq!(masked.len(), 2);
        assert_eq!(
            masked[0].trim_end(),
            format!("let a = \"{}\";", " ".repeat(13))
        );
        assert_eq!(masked[1], format!("let b = ' '; {} c", " ".repeat(20)));
        for (masked, line) in masked.iter().zip(source.lines()) {
            assert_eq!(masked.chars().count(), line.chars().count());
        }
    }

    #[test]
    fn raw_strings_lifetimes_and_chars() {
        let source = r####"let s = r#"todo!( "quoted" "#; fn f<'a>(x: &'a u8) -> char { '\'' }"####;
        let masked = code(source);
        assert!(!masked.contains("todo"), "{masked}");
        assert!(!masked.contains("quoted"), "{masked}");
        assert!(
            masked.contains("fn f<'a>(x: &'a u8) -> char { '  ' }"),
            "{masked}"
        );
        assert_eq!(
            code("let r#type = br\"x\"; 'label: loop {}"),
            "let r#type = br\" \"; 'label: loop {}"
        );
    }

    #[test]
    fn newlines_in_comments_and_strings_are_kept() {
        let source = "/* a\n b */ x\n\"c\nd\" y\n/// doc\nz";
        assert_eq!(
            code_lines(source),
            ["    ", "      x", "\" ", " \" y", "       ", "z"]
        );
    }
}
