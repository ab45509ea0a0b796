//! Splitting a CSV line into fields, and the small bounded helpers the reader uses: the
//! repeated-column check, the split-name index, vector growth and message cuts.

use hashbrown::HashTable;
use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

/// The first column name of `line` (trimmed) that repeats an earlier one. One pass keeps
/// a 64-bit hash per name (SipHash under a random key: collisions are rare and cannot be
/// crafted); a repeated hash is confirmed by comparing the names, so the answer is exact.
/// Expects a line whose quotes are closed.
pub(super) fn first_repeat(line: &str) -> Option<String> {
    let state = RandomState::new();
    let mut seen = HashSet::new();
    for (i, field) in Fields::new(line).enumerate() {
        let field = field.ok()?;
        let name = field.trim();
        if !seen.insert(state.hash_one(name))
            && Fields::new(line)
                .take(i)
                .any(|g| g.is_ok_and(|g| g.trim() == name))
        {
            return Some(name.to_string());
        }
    }
    None
}

/// Split names in order of first appearance, and each name's index found in constant time.
/// Kept small, since a crafted file can hold a new name on every row: the names in one
/// string with their ends, and a hash table of indices only (hashes under a random key, so
/// collisions cannot be crafted; equal hashes are told apart by comparing the names).
#[derive(Default)]
pub(super) struct SplitIndex {
    state: RandomState,
    table: HashTable<usize>,
    text: String,
    ends: Vec<usize>,
}

impl SplitIndex {
    fn name(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The index of `name`, added if new.
    pub(super) fn index(&mut self, name: &str) -> usize {
        let hash = self.state.hash_one(name);
        if let Some(&i) = self.table.find(hash, |&i| self.name(i) == name) {
            return i;
        }
        let i = self.ends.len();
        self.text.push_str(name);
        push_grow(&mut self.ends, self.text.len());
        let (state, text, ends) = (&self.state, &self.text, &self.ends);
        self.table.insert_unique(hash, i, |&j| {
            let start = if j == 0 { 0 } else { ends[j - 1] };
            state.hash_one(&text[start..ends[j]])
        });
        i
    }

    /// The names, in order (the table is freed first: this is the peak of a load).
    pub(super) fn into_names(mut self) -> Vec<String> {
        self.table = HashTable::new();
        (0..self.ends.len())
            .map(|i| self.name(i).to_string())
            .collect()
    }
}

/// Pushes onto a vector that grows by half its size when full rather than doubling: a
/// file's rows are read into vectors of unknown final length, and this keeps their spare
/// room (and the old and new buffers during a move) smaller, for the same amortized cost.
pub(super) fn push_grow<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.capacity() / 2 + 16);
    }
    v.push(x);
}

/// The name of column `k` (from 0), or its position when the header does not reach it.
pub(super) fn column_name(header: &[String], k: usize) -> String {
    header
        .get(k)
        .cloned()
        .unwrap_or_else(|| format!("#{}", k + 1))
}

/// The header's names for a message (the first 8, then a count).
pub(super) fn header_summary(header: &[String]) -> String {
    let mut s: Vec<String> = header.iter().take(8).map(|h| cut(h)).collect();
    if header.len() > 8 {
        s.push(format!("... {} in all", header.len()));
    }
    s.join(", ")
}

/// A field for a message: at most 40 characters.
pub(super) fn cut(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// The fields of a line, split at commas, honouring double quotes (`""` inside quotes is a
/// quote); an unclosed quote yields `Err` with the index of the field it opens, then ends.
pub(super) struct Fields<'a> {
    /// What is left of the line; `None` once the last field was yielded.
    rest: Option<&'a str>,
    /// The index of the next field.
    k: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn new(line: &'a str) -> Fields<'a> {
        Fields {
            rest: Some(line),
            k: 0,
        }
    }

    /// The next field and what follows its comma (`None` after the last field).
    fn split(rest: &'a str, k: usize) -> Result<(Cow<'a, str>, Option<&'a str>), usize> {
        let Some(quoted) = rest.trim_start().strip_prefix('"') else {
            return Ok(match rest.find(',') {
                Some(c) => (Cow::Borrowed(&rest[..c]), Some(&rest[c + 1..])),
                None => (Cow::Borrowed(rest), None),
            });
        };
        let mut value = String::new();
        let mut s = quoted;
        loop {
            let Some(q) = s.find('"') else { return Err(k) };
            value.push_str(&s[..q]);
            s = &s[q + 1..];
            match s.strip_prefix('"') {
                Some(after) => {
                    value.push('"');
                    s = after;
                }
                None => break,
            }
        }
        // After the closing quote: spaces, then a comma or the end. Text after a closing
        // quote is kept, so the field fails as a number.
        let s = s.trim_start();
        if let Some(after) = s.strip_prefix(',') {
            return Ok((Cow::Owned(value), Some(after)));
        }
        let end = s.find(',').unwrap_or(s.len());
        value.push_str(&s[..end]);
        let next = (end < s.len()).then(|| &s[end + 1..]);
        Ok((Cow::Owned(value), next))
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Cow<'a, str>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.take()?;
        let k = self.k;
        self.k += 1;
        Some(Self::split(rest, k).map(|(field, next)| {
            self.rest = next;
            field
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_fields() {
        let f = |s: &str| {
            Fields::new(s)
                .map(|c| c.map(Cow::into_owned))
                .collect::<Result<Vec<String>, usize>>()
        };
        assert_eq!(
            f("a,b,,c"),
            Ok(vec!["a".into(), "b".into(), "".into(), "c".into()])
        );
        assert_eq!(f(""), Ok(vec![String::new()]));
        assert_eq!(
            f(r#""x, y",2,"say ""hi""""#),
            Ok(vec!["x, y".into(), "2".into(), r#"say "hi""#.into()])
        );
        assert_eq!(f(r#" "1" ,2"#), Ok(vec!["1".into(), "2".into()]));
        assert_eq!(f(r#""1"x,2"#), Ok(vec!["1x".into(), "2".into()]));
        assert_eq!(f(r#"1,"open"#), Err::<Vec<String>, usize>(1));
    }

    #[test]
    fn repeated_names_and_split_indices() {
        assert_eq!(first_repeat("a,b, c ,d"), None);
        assert_eq!(first_repeat("a,b, a ,d"), Some("a".into()));
        assert_eq!(first_repeat(r#"x,"y",y"#), Some("y".into()));
        assert_eq!(first_repeat(",,"), Some("".into()));
        let mut s = SplitIndex::default();
        assert_eq!(
            (s.index("train"), s.index("test"), s.index("train")),
            (0, 1, 0)
        );
        assert_eq!((s.index(""), s.index("valid"), s.index("")), (2, 3, 2));
        for i in 0..1000 {
            assert_eq!(s.index(&i.to_string()), 4 + i);
        }
        assert_eq!(s.index("test"), 1);
        let names = s.into_names();
        assert_eq!(names[..4], ["train", "test", "", "valid"]);
        assert_eq!(names[1003], "999");
    }

    #[test]
    fn cut_is_char_safe() {
        let long = "é".repeat(50);
        assert_eq!(cut(&long).chars().count(), 43);
        assert_eq!(cut("short"), "short");
    }
}
