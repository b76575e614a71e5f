//! Text layout shared by the model and the view: word wrapping the way a wrapping `Paragraph`
//! lays rows out, label columns with a hanging indent, and how many rows lines take. The model
//! measures the check pane with it (to bound scrolling); the view draws with it.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Word-wraps `text` to `width` columns (words longer than a row are cut across rows).
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
            rows.push(word.drain(..width).collect());
        }
        row = word.into_iter().collect();
    }
    rows.push(row);
    rows
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
        assert_eq!(wrap_words("", 4), [""]);
        let lines = labelled("Who", 5, "one two three", Style::new(), Style::new(), 12);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["Who  one two", "     three"]);
    }
}
