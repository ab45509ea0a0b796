//! Loading a [`TensorDataset`] from CSV, with an error that says where and what for any damage,
//! never a panic, and memory bounded by the file's content.
//!
//! The format: a header line naming the columns, then one example per line; the target
//! columns (one column of class indices below [`Classes::num_classes`], from
//! [`CsvOptions::new`]; or one or more columns of numbers, from [`CsvOptions::values`]),
//! optionally a split column (`train`/`test`, or any names), and every other column a feature
//! (a finite number). Fields
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
//!
//! // Regression: two target columns, the targets `[rows, 2]`.
//! let text = "x,y1,y2\n0.5,1,2\n1.5,3,4\n";
//! let table = read_csv(text.as_bytes(), "r.csv", &CsvOptions::values(["y1", "y2"])).unwrap();
//! assert_eq!(table.dataset.y().shape(), &[2, 2]);
//! ```

mod error;
mod fields;
mod target;

pub use error::CsvError;
pub use target::{Classes, Refusal, Target, Values};

use crate::tensor_dataset::TensorDataset;
use fields::{column_name, cut, first_repeat, header_summary, push_grow, Fields, SplitIndex};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use tapegrad_tensor::{IntTensor, Tensor};

/// What [`load_csv`] and [`read_csv`] expect of a file: its target columns (`T`: [`Classes`]
/// from [`CsvOptions::new`], [`Values`] from [`CsvOptions::values`]), an optional split
/// column, and the longest line accepted. Every other column is a feature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions<T = Classes> {
    /// The target columns and what they hold.
    pub target: T,
    /// Name of the column that assigns each row to a split (`train`, `test`), if any.
    pub split_column: Option<String>,
    /// Longest line accepted, in bytes without the line end (default 1 MiB).
    pub max_line_bytes: usize,
}

impl CsvOptions<Classes> {
    /// Classification: class indices in `label_column`, below `num_classes`; no split
    /// column; lines up to 1 MiB.
    pub fn new(label_column: impl Into<String>, num_classes: usize) -> CsvOptions<Classes> {
        CsvOptions::with_target(Classes {
            column: label_column.into(),
            num_classes,
        })
    }
}

impl CsvOptions<Values> {
    /// Regression: the target is the numbers in `columns` (one or more; the dataset's
    /// targets are `[rows, columns.len()]`); no split column; lines up to 1 MiB.
    pub fn values<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> CsvOptions<Values> {
        CsvOptions::with_target(Values {
            columns: columns.into_iter().map(Into::into).collect(),
        })
    }
}

impl<T> CsvOptions<T> {
    /// The target `target`; no split column; lines up to 1 MiB.
    pub fn with_target(target: T) -> CsvOptions<T> {
        CsvOptions {
            target,
            split_column: None,
            max_line_bytes: 1 << 20,
        }
    }

    /// Rows are assigned to splits by the column `name`.
    pub fn split_column(mut self, name: impl Into<String>) -> CsvOptions<T> {
        self.split_column = Some(name.into());
        self
    }

    /// Sets the longest line accepted.
    pub fn max_line_bytes(mut self, max: usize) -> CsvOptions<T> {
        self.max_line_bytes = max;
        self
    }
}

/// A CSV file, read: the examples in file order and the split of each. `Y` is the target
/// tensor: [`IntTensor`] of class indices, or [`Tensor`] of values.
#[derive(Clone, Debug, PartialEq)]
pub struct LabeledCsv<Y = IntTensor> {
    /// Names of the feature columns, in order.
    pub feature_names: Vec<String>,
    /// Names of the target columns, in the order of the targets.
    pub target_names: Vec<String>,
    /// Every example, in file order.
    pub dataset: TensorDataset<Y>,
    /// The distinct split names in order of first appearance (empty without a split column).
    pub split_names: Vec<String>,
    /// For each row, its index into `split_names` (empty without a split column).
    pub row_splits: Vec<usize>,
}

impl<Y: crate::Rows> LabeledCsv<Y> {
    /// The examples whose split is `name`, in file order; `None` if no row has it.
    pub fn split(&self, name: &str) -> Option<TensorDataset<Y>> {
        let s = self.split_names.iter().position(|n| n == name)?;
        let rows: Vec<usize> = (0..self.row_splits.len())
            .filter(|&i| self.row_splits[i] == s)
            .collect();
        Some(self.dataset.subset(&rows))
    }
}

/// Reads the labelled CSV file at `path` (see the module docs); errors name the file, line
/// and column.
pub fn load_csv<T: Target>(
    path: impl AsRef<Path>,
    options: &CsvOptions<T>,
) -> Result<LabeledCsv<T::Y>, CsvError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CsvError::Io {
        file: name.clone(),
        source,
    })?;
    read_csv(file, &name, options)
}

/// Reads labelled CSV from `reader`; `file` names it in errors.
pub fn read_csv<T: Target>(
    reader: impl Read,
    file: &str,
    options: &CsvOptions<T>,
) -> Result<LabeledCsv<T::Y>, CsvError> {
    Reader {
        input: BufReader::new(reader),
        file,
        options,
        buf: Vec::new(),
        line: 0,
    }
    .read()
}

struct Reader<'a, R, T> {
    input: BufReader<R>,
    file: &'a str,
    options: &'a CsvOptions<T>,
    buf: Vec<u8>,
    line: usize,
}

/// What each header column is.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// The target column of this index in [`Target::columns`].
    Target(usize),
    Split,
    Feature,
}

impl<R: Read, T: Target> Reader<'_, R, T> {
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

    fn read(mut self) -> Result<LabeledCsv<T::Y>, CsvError> {
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
        // A row's target fields come in header order; `by_target[j]` is where target `j`
        // (in the order the options name them) is among them.
        let in_header: Vec<usize> = roles
            .iter()
            .filter_map(|r| match r {
                Role::Target(j) => Some(*j),
                _ => None,
            })
            .collect();
        let mut by_target = vec![0; in_header.len()];
        for (p, &j) in in_header.iter().enumerate() {
            by_target[j] = p;
        }
        let mut row_targets: Vec<T::Item> = Vec::with_capacity(in_header.len());

        let mut rows = 0usize;
        let mut features = Vec::new();
        let mut targets = Vec::new();
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
            row_targets.clear();
            for (k, (field, role)) in Fields::new(text).zip(&roles).enumerate() {
                let field = field.map_err(|k| self.unterminated(&header, k))?;
                let field = field.trim();
                match role {
                    Role::Feature => match target::parse_finite(field) {
                        Some(v) => push_grow(&mut features, v),
                        None => return Err(self.refused(&header[k], field, Refusal::NotANumber)),
                    },
                    Role::Target(_) => match self.options.target.parse(field) {
                        Ok(v) => row_targets.push(v),
                        Err(why) => return Err(self.refused(&header[k], field, why)),
                    },
                    Role::Split => push_grow(&mut row_splits, splits.index(field)),
                }
            }
            for &p in &by_target {
                push_grow(&mut targets, row_targets[p]);
            }
            rows += 1;
        }
        if rows == 0 {
            return Err(CsvError::NoRows { file: self.file() });
        }
        let split_names = splits.into_names();
        let feature_names = header
            .into_iter()
            .zip(&roles)
            .filter(|(_, r)| **r == Role::Feature)
            .map(|(h, _)| h)
            .collect();
        let x = Tensor::from_vec(features, &[rows, dim]);
        Ok(LabeledCsv {
            feature_names,
            target_names: self
                .options
                .target
                .columns()
                .into_iter()
                .map(String::from)
                .collect(),
            dataset: self.options.target.dataset(x, targets),
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
        let mut assign = |name: &str, role: Role| {
            let k = find(name)?;
            if roles[k] != Role::Feature {
                return Err(CsvError::DuplicateColumn {
                    file: self.file(),
                    column: name.to_string(),
                });
            }
            roles[k] = role;
            Ok(())
        };
        let targets = self.options.target.columns();
        if targets.is_empty() {
            return Err(CsvError::NoTargets { file: self.file() });
        }
        for (j, name) in targets.into_iter().enumerate() {
            assign(name, Role::Target(j))?;
        }
        if let Some(split) = &self.options.split_column {
            assign(split, Role::Split)?;
        }
        if !roles.contains(&Role::Feature) {
            return Err(CsvError::NoFeatures { file: self.file() });
        }
        Ok(roles)
    }

    /// The error for a refused feature or target field.
    fn refused(&self, column: &str, field: &str, why: Refusal) -> CsvError {
        let (file, line, column, value) = (self.file(), self.line, column.to_string(), cut(field));
        match why {
            Refusal::NotANumber => CsvError::NotANumber {
                file,
                line,
                column,
                value,
            },
            Refusal::NotAClass { num_classes } => CsvError::LabelOutOfRange {
                file,
                line,
                column,
                value,
                num_classes,
            },
        }
    }

    fn unterminated(&self, header: &[String], k: usize) -> CsvError {
        CsvError::UnterminatedQuote {
            file: self.file(),
            line: self.line,
            column: column_name(header, k),
        }
    }
}
