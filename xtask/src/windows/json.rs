//! Just enough JSON to read cargo's `--message-format=json` lines: a recursive-descent parser
//! into a [`Value`] tree. Numbers are kept as their text, since nothing here computes with them.

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object; `None` for a missing key or a non-object.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements of an array; empty for anything else.
    pub(crate) fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) => items,
            _ => &[],
        }
    }
}

/// Parses one complete JSON document.
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let mut parser = Parser {
        chars: text.char_indices().peekable(),
        text,
    };
    let value = parser.value()?;
    parser.skip_space();
    match parser.chars.next() {
        None => Ok(value),
        Some((i, c)) => Err(format!("unexpected `{c}` after the value at byte {i}")),
    }
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    text: &'a str,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self
            .chars
            .next_if(|(_, c)| c.is_ascii_whitespace())
            .is_some()
        {}
    }

    fn expect(&mut self, wanted: char) -> Result<(), String> {
        match self.chars.next() {
            Some((_, c)) if c == wanted => Ok(()),
            Some((i, c)) => Err(format!("expected `{wanted}`, found `{c}` at byte {i}")),
            None => Err(format!("expected `{wanted}`, found the end")),
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        let Some(&(start, c)) = self.chars.peek() else {
            return Err("expected a value, found the end".to_owned());
        };
        match c {
            '{' => self.object(),
            '[' => self.array(),
            '"' => self.string().map(Value::String),
            't' => self.word("true", Value::Bool(true)),
            'f' => self.word("false", Value::Bool(false)),
            'n' => self.word("null", Value::Null),
            '-' | '0'..='9' => {
                let mut end = start;
                while let Some((i, c)) = self
                    .chars
                    .next_if(|(_, c)| matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                {
                    end = i + c.len_utf8();
                }
                Ok(Value::Number(self.text[start..end].to_owned()))
            }
            _ => Err(format!("unexpected `{c}` at byte {start}")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
        for wanted in word.chars() {
            self.expect(wanted)?;
        }
        Ok(value)
    }

    fn object(&mut self) -> Result<Value, String> {
        self.expect('{')?;
        let mut members = Vec::new();
        self.skip_space();
        if self.chars.next_if(|(_, c)| *c == '}').is_some() {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.skip_space();
            self.expect(':')?;
            members.push((key, self.value()?));
            self.skip_space();
            match self.chars.next() {
                Some((_, ',')) => {}
                Some((_, '}')) => return Ok(Value::Object(members)),
                other => {
                    return Err(format!(
                        "expected `,` or `}}` in an object, found {other:?}"
                    ));
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.expect('[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.chars.next_if(|(_, c)| *c == ']').is_some() {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.chars.next() {
                Some((_, ',')) => {}
                Some((_, ']')) => return Ok(Value::Array(items)),
                other => return Err(format!("expected `,` or `]` in an array, found {other:?}")),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.chars.next() {
                None => return Err("unterminated string".to_owned()),
                Some((_, '"')) => return Ok(out),
                Some((_, '\\')) => match self.chars.next().map(|(_, c)| c) {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('u') => out.push(self.unicode_escape()?),
                    Some(c @ ('"' | '\\' | '/')) => out.push(c),
                    other => return Err(format!("bad escape {other:?} in a string")),
                },
                Some((_, c)) => out.push(c),
            }
        }
    }

    /// The character of a `\uXXXX` escape, the `\u` already read; a surrogate pair is two
    /// escapes in a row.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            self.expect('\\')?;
            self.expect('u')?;
            let low = self.hex4()?;
            0x10000 + ((first - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| format!("bad \\u escape {code:#x}"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.chars.next().and_then(|(_, c)| c.to_digit(16));
            code = code * 16 + digit.ok_or("bad \\u escape")?;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cargo_artifact_line() {
        let line = r#"{"reason":"compiler-artifact","target":{"kind":["test"],"name":"a b","test":true},
            "profile":{"opt_level":"0","debuginfo":2,"test":false},"features":[],
            "executable":"C:\\t\\x.exe","fresh":true,"n":-1.5e3,"u":"\u00e9\ud83d\ude00","z":null}"#;
        let value = parse(line).unwrap();
        assert_eq!(
            value.get("reason").and_then(Value::as_str),
            Some("compiler-artifact")
        );
        let target = value.get("target").unwrap();
        assert_eq!(
            target.get("kind").unwrap().items()[0].as_str(),
            Some("test")
        );
        assert_eq!(target.get("name").and_then(Value::as_str), Some("a b"));
        let profile = value.get("profile").unwrap();
        assert_eq!(profile.get("test").and_then(Value::as_bool), Some(false));
        assert_eq!(
            value.get("executable").and_then(Value::as_str),
            Some(r"C:\t\x.exe")
        );
        assert_eq!(value.get("n"), Some(&Value::Number("-1.5e3".to_owned())));
        assert_eq!(value.get("u").and_then(Value::as_str), Some("é😀"));
        assert_eq!(value.get("z"), Some(&Value::Null));
        assert!(value.get("features").unwrap().items().is_empty());
        assert_eq!(value.get("missing"), None);
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in [
            "",
            "{",
            r#"{"a" 1}"#,
            "[1,]",
            r#""open"#,
            "{} x",
            "tru",
            r#""\q""#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
