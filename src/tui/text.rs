//! Text layout shared by the model and the view: word wrapping the way a wrapping `Paragraph`
//! lays rows out, label columns with a hanging indent, and how many rows lines take. The model
//! measures the check pane with it (to bound scrolling); the view draws with it.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Word-wraps `text` to `width` columns. A word is never split unless it alone is wider than a
/// row; then it is cut after a URL's punctuation (`/ ? & , = .` and the like) where one falls in the
/// row, so `…/groups/{id}?$select=` breaks before `id,displayName` rather than inside a name.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = row.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            row.push(' ');
            row.extend(word.iter());
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            let cut = break_at(&word, width);
            rows.push(word.drain(..cut).collect());
        }
        row = word.into_iter().collect();
    }
    rows.push(row);
    rows
}

/// Where to cut a word wider than `width`: after the last URL punctuation that leaves at least
/// half a row, else at the row's end.
pub fn break_at(word: &[char], width: usize) -> usize {
    let width = width.max(1).min(word.len());
    (width / 2..width)
        .rev()
        .find(|i| {
            matches!(
                word[*i],
                '/' | '?' | '&' | ',' | '=' | '.' | '-' | '_' | ';' | ')'
            )
        })
        .map(|i| i + 1)
        .filter(|c| *c > 0)
        .unwrap_or(width)
}

/// Cuts `text` to `width` columns at a word boundary, ending in `…` when it was longer (a word
/// so long that cutting before it would leave less than half the row is cut itself).
pub fn fit_words(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let room: String = text.chars().take(width - 1).collect();
    // At the last space, unless that would throw away more than half the room (a long URL or
    // name): then the word itself is cut, visibly, with the ellipsis.
    let cut = match room.rfind(' ') {
        Some(i) if room[..i].trim().chars().count() * 2 >= width => {
            room[..i].trim_end().to_string()
        }
        _ => room,
    };
    format!("{cut}…")
}

/// Cuts a row of spans to `width` columns: the span that does not fit is cut at a word with `…`
/// ([`fit_words`]) and the ones after it dropped, so a row never runs off its box mid-word.
pub fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut used = 0usize;
    let mut out = Vec::new();
    for span in spans {
        let w = span.content.chars().count();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let cut = fit_words(&span.content, width.saturating_sub(used));
        if !cut.trim().is_empty() {
            out.push(Span::styled(cut, span.style));
        }
        break;
    }
    out
}

/// `label  value` with the value wrapped under itself (a hanging indent), so a column of labels
/// stays readable in a narrow pane.
pub fn labelled(
    label: &str,
    label_w: usize,
    value: &str,
    label_style: Style,
    value_style: Style,
    width: usize,
) -> Vec<Line<'static>> {
    let value_w = width.saturating_sub(label_w).max(8);
    let widest = value
        .split(' ')
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0);
    if widest > value_w && width > label_w + 2 && label_w > 2 && !label.trim().is_empty() {
        // A name or URL wider than the value column but not the row: the label on a row of its
        // own and the value under it, two columns in, so the word stays whole.
        let mut lines = vec![Line::from(Span::styled(label.to_string(), label_style))];
        lines.extend(
            wrap_words(value, width.saturating_sub(2))
                .into_iter()
                .map(|row| Line::from(vec![Span::raw("  "), Span::styled(row, value_style)])),
        );
        return lines;
    }
    wrap_words(value, value_w)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 {
                format!("{label:<label_w$}")
            } else {
                " ".repeat(label_w)
            };
            Line::from(vec![
                Span::styled(head, label_style),
                Span::styled(row, value_style),
            ])
        })
        .collect()
}

/// How many rows `lines` take when word-wrapped at `width`, the way a wrapping `Paragraph`
/// lays them out (greedy, words longer than a row broken across rows).
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    let mut rows = 0usize;
    for line in lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let mut used = 0usize;
        let mut line_rows = 1usize;
        for (i, word) in text.split(' ').enumerate() {
            let len = word.chars().count() + usize::from(i > 0 && used > 0);
            if used + len <= w {
                used += len;
            } else {
                let wl = word.chars().count();
                line_rows += 1;
                used = wl;
                while used > w {
                    line_rows += 1;
                    used -= w;
                }
            }
        }
        rows += line_rows;
    }
    rows.min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_with_long_words_cut() {
        assert_eq!(wrap_words("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        // A URL too wide for a row breaks after its punctuation, a word that fits never breaks.
        assert_eq!(
            wrap_words("GET /v1.0/groups/abc?$select=id,displayName", 22),
            ["GET", "/v1.0/groups/abc?", "$select=id,displayName"]
        );
        assert_eq!(
            wrap_words("Permissions GroupMember.ReadWrite.All User.Read", 26),
            ["Permissions", "GroupMember.ReadWrite.All", "User.Read"]
        );
        let perms = labelled(
            "Permissions",
            12,
            "GroupMember.ReadWrite.All User.Read",
            Style::new(),
            Style::new(),
            36,
        );
        let text: Vec<String> = perms
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(
            text,
            ["Permissions", "  GroupMember.ReadWrite.All", "  User.Read"]
        );
        assert_eq!(wrap_words("", 4), [""]);
        assert_eq!(fit_words("Group type can be managed", 14), "Group type…");
        assert_eq!(fit_words("short", 14), "short");
        assert_eq!(fit_words("Unbreakable", 5), "Unbr…");
        assert_eq!(fit_words("  http://127.0.0.1:4567", 12), "  http://12…");
        let lines = labelled("Who", 5, "one two three", Style::new(), Style::new(), 12);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["Who  one two", "     three"]);
    }
}
