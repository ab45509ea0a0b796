//! Loading a labelled [`Dataset`] from CSV, with an error that says where and what for any
//! damage, never a panic, and memory bounded by the file's content.
//!
//! The format: a header line naming the columns, then one example per line; a label column of
//! class indices (integers below [`CsvOptions::num_classes`]), optionally a split column
//! (`train`/`test`, or any names), and every other column a feature (a finite number). Fields
//! may be quoted (`"..."`, with `""` for a quote); blank lines are skipped; `\r\n` line ends
//! and a leading UTF-8 byte-order mark are accepted.
//!
//! Bounds: a line longer than [`CsvOptions::max_line_bytes`] is refused without being read
//! whole; otherwise memory grows with the number of rows read (4 bytes per feature value).
//!
//! Lines are numbered from 1 as an editor shows them (the header is line 1).
//!
//! Orientation: this file holds the options and the reader; `error.rs` holds [`CsvError`].
//!
//! ```
//! use tapegrad_data::csv::{read_csv, CsvOptions};
//! let text = "label,split,a,b\n1,train,0.5,2\n0,test,1,3\n";
//! let opts = CsvOptions::new("label", 2).split_column("split");
//! let table = read_csv(text.as_bytes(), "inline.csv", &opts).unwrap();
//! assert_eq!(table.feature_names, vec!["a", "b"]);
//! let train = table.split("train").unwrap();
//! assert_eq!((train.len(), train.label(0)), (1, 1));
//!
//! let bad = "label,a\n1,0.5\n0,x\n";
//! let e = read_csv(bad.as_bytes(), "bad.csv", &CsvOptions::new("label", 2)).unwrap_err();
//! assert_eq!(e.to_string(), "bad.csv, line 3, column 'a': \"x\" is not a finite number");
//! assert_eq!((e.line(), e.column()), (Some(3), Some("a")));
//! ```

mod error;

pub use error::CsvError;

use crate::dataset::Dataset;
use hashbrown::HashTable;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What [`load_csv`] and [`read_csv`] expect of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Name of the column of class indices.
    pub label_column: String,
    /// Number of classes: every label must be an integer in `0..num_classes`.
    pub num_classes: usize,
    /// Name of the column that assigns each row to a split (`train`, `test`), if any.
    pub split_column: Option<String>,
    /// Longest line accepted, in bytes without the line end (default 1 MiB).
    pub max_line_bytes: usize,
}

impl CsvOptions {
    /// Labels in `label_column`, below `num_classes`; no split column; lines up to 1 MiB.
    pub fn new(label_column: impl Into<String>, num_classes: usize) -> CsvOptions {
        CsvOptions {
            label_column: label_column.into(),
            num_classes,
            split_column: None,
            max_line_bytes: 1 << 20,
        }
    }

    /// Rows are assigned to splits by the column `name`.
    pub fn split_column(mut self, name: impl Into<String>) -> CsvOptions {
        self.split_column = Some(name.into());
        self
    }

    /// Sets the longest line accepted.
    pub fn max_line_bytes(mut self, max: usize) -> CsvOptions {
        self.max_line_bytes = max;
        self
    }
}

/// A labelled CSV file, read: the examples in file order and the split of each.
#[derive(Clone, Debug, PartialEq)]
pub struct LabeledCsv {
    /// Names of the feature columns, in order.
    pub feature_names: Vec<String>,
    /// Every example, in file order.
    pub dataset: Dataset,
    /// The distinct split names in order of first appearance (empty without a split column).
    pub split_names: Vec<String>,
    /// For each row, its index into `split_names` (empty without a split column).
    pub row_splits: Vec<usize>,
}

impl LabeledCsv {
    /// The examples whose split is `name`, in file order; `None` if no row has it.
    pub fn split(&self, name: &str) -> Option<Dataset> {
        let s = self.split_names.iter().position(|n| n == name)?;
        let rows: Vec<usize> = (0..self.row_splits.len())
            .filter(|&i| self.row_splits[i] == s)
            .collect();
        Some(self.dataset.subset(&rows))
    }
}

/// Reads the labelled CSV file at `path` (see the module docs); errors name the file, line
/// and column.
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<LabeledCsv, CsvError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CsvError::Io {
        file: name.clone(),
        source,
    })?;
    read_csv(file, &name, options)
}

/// Reads labelled CSV from `reader`; `file` names it in errors.
pub fn read_csv(
    reader: impl Read,
    file: &str,
    options: &CsvOptions,
) -> Result<LabeledCsv, CsvError> {
    Reader {
        input: BufReader::new(reader),
        file,
        options,
        buf: Vec::new(),
        line: 0,
    }
    .read()
}

struct Reader<'a, R> {
    input: BufReader<R>,
    file: &'a str,
    options: &'a CsvOptions,
    buf: Vec<u8>,
    line: usize,
}

/// What each header column is.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Label,
    Split,
    Feature,
}

impl<R: Read> Reader<'_, R> {
    fn file(&self) -> String {
        self.file.to_string()
    }

    /// Reads the next non-blank line into `self.buf` (without its line end); false at the end.
    fn next_line(&mut self) -> Result<bool, CsvError> {
        let limit = self.options.max_line_bytes;
        loop {
            self.buf.clear();
            self.line += 1;
            // At most limit + 1 bytes are read, so a huge line is never held whole (saturating:
            // a limit of usize::MAX means no limit, not a wrapped limit of 0).
            let n = (&mut self.input)
                .take((limit as u64).saturating_add(1))
                .read_until(b'\n', &mut self.buf)
                .map_err(|source| CsvError::Io {
                    file: self.file(),
                    source,
                })?;
            if n == 0 {
                return Ok(false);
            }
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
                if self.buf.last() == Some(&b'\r') {
                    self.buf.pop();
                }
            } else if self.buf.len() > limit {
                return Err(CsvError::LineTooLong {
                    file: self.file(),
                    line: self.line,
                    limit,
                });
            }
            if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            if !self.buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(true);
            }
        }
    }

    /// The current line as text, or where it is not UTF-8.
    fn text(&self, header: &[String]) -> Result<&str, CsvError> {
        std::str::from_utf8(&self.buf).map_err(|e| {
            let at = e.valid_up_to();
            let k = self.buf[..at].iter().filter(|&&b| b == b',').count();
            CsvError::InvalidUtf8 {
                file: self.file(),
                line: self.line,
                column: column_name(header, k),
                byte: at,
            }
        })
    }

    fn read(mut self) -> Result<LabeledCsv, CsvError> {
        if !self.next_line()? {
            return Err(CsvError::Empty { file: self.file() });
        }
        // Three passes over the header line (at most the line limit): count the columns,
        // look for a repeated name keeping only a hash per name, then keep the names (in a
        // vector of exactly the right size). A repeat near the start of a huge header is
        // refused before much is allocated.
        let header: Vec<String> = {
            let text = self.text(&[])?;
            let n = Fields::new(text).try_fold(0, |n, f| f.map(|_| n + 1));
            let n = n.map_err(|k| self.unterminated(&[], k))?;
            if let Some(column) = first_repeat(text) {
                return Err(CsvError::DuplicateColumn {
                    file: self.file(),
                    column,
                });
            }
            let mut header = Vec::with_capacity(n);
            header.extend(Fields::new(text).flatten().map(|f| f.trim().to_string()));
            header
        };
        let roles = self.roles(&header)?;
        let dim = roles.iter().filter(|r| **r == Role::Feature).count();

        let mut features = Vec::new();
        let mut labels = Vec::new();
        let mut splits = SplitIndex::default();
        let mut row_splits = Vec::new();
        while self.next_line()? {
            let text = self.text(&header)?;
            // Count first (no allocation per field), so a row of the wrong width is reported
            // as such whatever its fields hold.
            let found = Fields::new(text).try_fold(0, |n, f| f.map(|_| n + 1));
            let found = found.map_err(|k| self.unterminated(&header, k))?;
            if found != header.len() {
                return Err(CsvError::ColumnCount {
                    file: self.file(),
                    line: self.line,
                    expected: header.len(),
                    found,
                });
            }
            for (k, (field, role)) in Fields::new(text).zip(&roles).enumerate() {
                let field = field.map_err(|k| self.unterminated(&header, k))?;
                let field = field.trim();
                match role {
                    Role::Feature => match field.parse::<f32>() {
                        Ok(v) if v.is_finite() => push_grow(&mut features, v),
                        _ => {
                            return Err(CsvError::NotANumber {
                                file: self.file(),
                                line: self.line,
                                column: header[k].clone(),
                                value: cut(field),
                            })
                        }
                    },
                    Role::Label => match field.parse::<usize>() {
                        Ok(l) if l < self.options.num_classes => push_grow(&mut labels, l),
                        Err(_) if field.parse::<f64>().is_err() => {
                            return Err(CsvError::NotANumber {
                                file: self.file(),
                                line: self.line,
                                column: header[k].clone(),
                                value: cut(field),
                            })
                        }
                        _ => {
                            return Err(CsvError::LabelOutOfRange {
                                file: self.file(),
                                line: self.line,
                                column: header[k].clone(),
                                value: cut(field),
                                num_classes: self.options.num_classes,
                            })
                        }
                    },
                    Role::Split => push_grow(&mut row_splits, splits.index(field)),
                }
            }
        }
        if labels.is_empty() {
            return Err(CsvError::NoRows { file: self.file() });
        }
        let split_names = splits.into_names();
        let feature_names = header
            .into_iter()
            .zip(&roles)
            .filter(|(_, r)| **r == Role::Feature)
            .map(|(h, _)| h)
            .collect();
        Ok(LabeledCsv {
            feature_names,
            dataset: Dataset::new(features, dim, labels, self.options.num_classes),
            split_names,
            row_splits,
        })
    }

    /// The role of each header column; checks the asked-for columns are there.
    fn roles(&self, header: &[String]) -> Result<Vec<Role>, CsvError> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| CsvError::MissingColumn {
                    file: self.file(),
                    column: name.to_string(),
                    header: header_summary(header),
                })
        };
        let mut roles = vec![Role::Feature; header.len()];
        roles[find(&self.options.label_column)?] = Role::Label;
        if let Some(split) = &self.options.split_column {
            let s = find(split)?;
            if roles[s] == Role::Label {
                return Err(CsvError::DuplicateColumn {
                    file: self.file(),
                    column: split.clone(),
                });
            }
            roles[s] = Role::Split;
        }
        if !roles.contains(&Role::Feature) {
            return Err(CsvError::NoFeatures { file: self.file() });
        }
        Ok(roles)
    }

    fn unterminated(&self, header: &[String], k: usize) -> CsvError {
        CsvError::UnterminatedQuote {
            file: self.file(),
            line: self.line,
            column: column_name(header, k),
        }
    }
}

/// The first column name of `line` (trimmed) that repeats an earlier one. One pass keeps
/// a 64-bit hash per name (SipHash under a random key: collisions are rare and cannot be
/// crafted); a repeated hash is confirmed by comparing the names, so the answer is exact.
/// Expects a line whose quotes are closed.
fn first_repeat(line: &str) -> Option<String> {
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
struct SplitIndex {
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
    fn index(&mut self, name: &str) -> usize {
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
    fn into_names(mut self) -> Vec<String> {
        self.table = HashTable::new();
        (0..self.ends.len())
            .map(|i| self.name(i).to_string())
            .collect()
    }
}

/// Pushes onto a vector that grows by half its size when full rather than doubling: a
/// file's rows are read into vectors of unknown final length, and this keeps their spare
/// room (and the old and new buffers during a move) smaller, for the same amortized cost.
fn push_grow<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.capacity() / 2 + 16);
    }
    v.push(x);
}

/// The name of column `k` (from 0), or its position when the header does not reach it.
fn column_name(header: &[String], k: usize) -> String {
    header
        .get(k)
        .cloned()
        .unwrap_or_else(|| format!("#{}", k + 1))
}

/// The header's names for a message (the first 8, then a count).
fn header_summary(header: &[String]) -> String {
    let mut s: Vec<String> = header.iter().take(8).map(|h| cut(h)).collect();
    if header.len() > 8 {
        s.push(format!("... {} in all", header.len()));
    }
    s.join(", ")
}

/// A field for a message: at most 40 characters.
fn cut(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// The fields of a line, split at commas, honouring double quotes (`""` inside quotes is a
/// quote); an unclosed quote yields `Err` with the index of the field it opens, then ends.
struct Fields<'a> {
    /// What is left of the line; `None` once the last field was yielded.
    rest: Option<&'a str>,
    /// The index of the next field.
    k: usize,
}

impl<'a> Fields<'a> {
    fn new(line: &'a str) -> Fields<'a> {
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
