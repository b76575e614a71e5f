//! Small, panic-free text helpers shared by the parsers and the classifier.
//!
//! Everything here works on an ASCII-lowercased copy of the input (`to_ascii_lowercase` keeps byte
//! offsets identical, so an offset found in the copy is a valid char boundary in the original as
//! long as the needle is ASCII). No regex: the needles are fixed phrases and `key: value` shapes.

/// Bytes that continue a word: a phrase only matches when it is not glued to one of these.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every whitespace run (spaces, tabs, newlines, also literal `\r\n` escapes) collapsed to one
/// space, ASCII-lowercased. Phrase rules match against this so a line-wrapped SDK rendering
/// ("…to complete the\noperation.") still matches.
pub(crate) fn haystack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Byte offset of `needle` (already lowercase ASCII) in `hay` (ASCII-lowercased), honouring word
/// boundaries at whichever end of the needle is alphanumeric ("msa" does not match "msal").
pub(crate) fn find_phrase(hay: &str, needle: &str) -> Option<usize> {
    find_phrase_from(hay, needle, 0)
}

pub(crate) fn find_phrase_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    let hb = hay.as_bytes();
    let nb = needle.as_bytes();
    let check_start = nb.first().copied().is_some_and(is_word_byte);
    let check_end = nb.last().copied().is_some_and(is_word_byte);
    let mut start = from;
    while start <= hb.len() {
        let rest = hay.get(start..)?;
        let pos = start + rest.find(needle)?;
        let end = pos + nb.len();
        let ok_start = !check_start || pos == 0 || !is_word_byte(hb[pos - 1]);
        let ok_end = !check_end || end >= hb.len() || !is_word_byte(hb[end]);
        if ok_start && ok_end {
            return Some(pos);
        }
        start = pos + 1;
        while start < hb.len() && !hay.is_char_boundary(start) {
            start += 1;
        }
    }
    None
}

pub(crate) fn contains_phrase(hay: &str, needle: &str) -> bool {
    find_phrase(hay, needle).is_some()
}

/// What a value after `key:` looks like, so reading stops at the right place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// An identifier such as `Authorization_RequestDenied` (must contain a letter).
    Ident,
    /// A request or correlation id: hex, dashes, or a reporter's mask such as `***` or `GUID`.
    Id,
    /// A timestamp: ISO 8601 (`2021-10-25T15:30:49`, `2017-03-22 01:47:49Z`) or RFC 1123 (`Fri, 31 May 2024 11:39:21 GMT`).
    Date,
    /// The rest of the line (up to a quote).
    Line,
}

/// The value written after `key` (`key: value`, `key = value`, `"key": "value"`, `key=value`),
/// from the first occurrence of `key` that has one. `lower` is `text.to_ascii_lowercase()`.
pub(crate) fn value_after(text: &str, lower: &str, key: &str, kind: ValueKind) -> Option<String> {
    value_after_unless(text, lower, key, kind, &[])
}

/// [`value_after`], skipping occurrences of `key` directly preceded by one of `not_after`
/// (lowercase), e.g. `status ` so that `Status Code: Unauthorized` is not read as an error code.
pub(crate) fn value_after_unless(
    text: &str,
    lower: &str,
    key: &str,
    kind: ValueKind,
    not_after: &[&str],
) -> Option<String> {
    let kb = key.as_bytes();
    let lb = lower.as_bytes();
    let mut from = 0;
    // A real paste names a key a few times; the cap keeps hostile repetition linear.
    for _ in 0..256 {
        let Some(rel) = lower.get(from..).and_then(|r| r.find(key)) else {
            break;
        };
        let pos = from + rel;
        from = pos + kb.len().max(1);
        if not_after.iter().any(|p| lower[..pos].ends_with(p)) {
            continue;
        }
        // Not glued to a longer key: "client-request-id" must not answer "request-id".
        if pos > 0 {
            let b = lb[pos - 1];
            if is_word_byte(b) || b == b'-' || b == b'.' {
                continue;
            }
        }
        let end = pos + kb.len();
        if end < lb.len()
            && (is_word_byte(lb[end]) || lb[end] == b'-')
            && kb.last().is_some_and(|b| is_word_byte(*b))
        {
            continue;
        }
        let Some(rest) = text.get(end..) else {
            continue;
        };
        let rest = rest.trim_start_matches(['"', '\'', '\\', ' ', '\t']);
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let rest = rest.trim_start_matches(['\\', ' ', '\t', '=']);
        // A quoted value ends at its closing quote (Python reprs quote with ').
        let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''));
        let rest = rest.trim_start_matches(['"', '\'', '\\']);
        let rest = match (quote, kind) {
            (Some(q), ValueKind::Line) => rest.split(q).next().unwrap_or_default(),
            _ => rest,
        };
        if let Some(v) = read_value(rest, kind) {
            return Some(v);
        }
    }
    None
}

fn read_value(rest: &str, kind: ValueKind) -> Option<String> {
    let v: String = match kind {
        ValueKind::Ident => rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .take(120)
            .collect(),
        ValueKind::Id => rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '_'))
            .take(80)
            .collect(),
        ValueKind::Date => read_date(rest),
        ValueKind::Line => rest
            .chars()
            .take_while(|c| !matches!(c, '\n' | '\r' | '"'))
            .take(400)
            .collect(),
    };
    let v = match kind {
        ValueKind::Line => v.trim().to_string(),
        _ => v
            .trim()
            .trim_end_matches(['.', ',', ';', '\\'])
            .trim()
            .to_string(),
    };
    let valid = match kind {
        ValueKind::Ident => v.chars().any(|c| c.is_ascii_alphabetic()),
        ValueKind::Id => v.len() >= 3,
        ValueKind::Date => v.chars().filter(char::is_ascii_digit).count() >= 4,
        // "message: None" (a Python repr) is not a message.
        ValueKind::Line => {
            !v.is_empty()
                && !matches!(
                    v.to_ascii_lowercase().as_str(),
                    "none" | "null" | "undefined" | "nil"
                )
        }
    };
    valid.then_some(v)
}

fn read_date(rest: &str) -> String {
    let first = rest.chars().next();
    if first.is_some_and(|c| c.is_ascii_digit()) {
        // ISO 8601; a single space is allowed between date and time ("2017-03-22 01:47:49Z").
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            let date_char = c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | '.' | 'Z' | '+');
            let date_time_space =
                c == ' ' && chars.peek().is_some_and(char::is_ascii_digit) && !out.contains(' ');
            if !(date_char || date_time_space) {
                break;
            }
            out.push(c);
            if out.len() > 40 {
                break;
            }
        }
        out
    } else {
        // RFC 1123: up to and including "GMT" when it is near, else the rest of the line.
        let line: String = rest
            .chars()
            .take_while(|c| !matches!(c, '\n' | '\r' | '"'))
            .take(60)
            .collect();
        // Anything else ("DateTime(2024, 1, 1)") is not a date we can quote.
        match line.find("GMT") {
            Some(p) => line[..p + 3].to_string(),
            None => String::new(),
        }
    }
}

/// Undoes one level of JSON string escaping (`\"`, `\\`, `\r\n`, `\/`) so a body that was
/// logged as an escaped string can be searched and parsed like the original.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('n') => out.push('\n'),
            Some('r') => {}
            Some('t') => out.push('\t'),
            // `\u0027` (an apostrophe, .NET and Python loggers): four hex digits, else kept as is.
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    _ => out.push_str("\\u"),
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Drops HTML tags (an HTML error page inside `message`) and collapses whitespace, for display.
pub(crate) fn strip_html(text: &str) -> String {
    if !text.contains('<') {
        return text.to_string();
    }
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("</") || lower.contains("<html") || lower.contains("<br")) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The first GUID in `text`, lower-cased.
pub(crate) fn first_guid(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36).find_map(|i| {
        let cand = text.get(i..i + 36)?;
        let before_ok = i == 0 || !b[i - 1].is_ascii_hexdigit();
        let after_ok = i + 36 >= b.len() || !b[i + 36].is_ascii_hexdigit();
        (before_ok && after_ok && crate::knowledge::is_guid(cand))
            .then(|| cand.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_respect_word_boundaries() {
        assert!(contains_phrase("for msa accounts", "msa"));
        assert!(!contains_phrase("with msal node", "msa"));
        assert!(contains_phrase("x [raop] : blocked", "[raop]"));
        assert_eq!(
            haystack("to complete the\n  operation."),
            "to complete the operation."
        );
    }

    #[test]
    fn values_after_keys() {
        let t = r#"{"request-id": "abc-123", "client-request-id":"def-456"} Date: 2023-07-18T07:19:03 Headers: x"#;
        let l = t.to_ascii_lowercase();
        assert_eq!(
            value_after(t, &l, "request-id", ValueKind::Id).as_deref(),
            Some("abc-123")
        );
        assert_eq!(
            value_after(t, &l, "client-request-id", ValueKind::Id).as_deref(),
            Some("def-456")
        );
        assert_eq!(
            value_after(t, &l, "date", ValueKind::Date).as_deref(),
            Some("2023-07-18T07:19:03")
        );
        let t = "Graph request timestamp: Fri, 31 May 2024 11:39:21 GMT. more";
        let l = t.to_ascii_lowercase();
        assert_eq!(
            value_after(t, &l, "graph request timestamp", ValueKind::Date).as_deref(),
            Some("Fri, 31 May 2024 11:39:21 GMT")
        );
        let t = "error code: 80049217";
        assert_eq!(value_after(t, t, "code", ValueKind::Ident), None);
    }

    #[test]
    fn unescape_and_html() {
        assert_eq!(unescape(r#"{\"a\":\"b\"}\r\n"#), "{\"a\":\"b\"}\n");
        assert_eq!(unescape(r"it\u0027s \u00e9 \uZZ"), "it's \u{e9} \\uZZ");
        assert_eq!(
            strip_html("<html><body><h1>403 - Forbidden</h1></body></html>"),
            "403 - Forbidden"
        );
        assert_eq!(
            first_guid("x 020D2E6D-66ef-4641-b870-0d9236e05f64 y").as_deref(),
            Some("020d2e6d-66ef-4641-b870-0d9236e05f64")
        );
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
