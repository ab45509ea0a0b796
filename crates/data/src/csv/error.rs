//! [`CsvError`]: what was wrong with a CSV file, and where.

use std::io;

/// What was wrong with a CSV file, and where: the file, the line (from 1, the header is line
/// 1) and the column by its header name, wherever they apply.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// No header line: the file is empty or blank.
    #[error("{file}: the file is empty (expected a header line naming the columns)")]
    Empty {
        /// The file.
        file: String,
    },
    /// A header and no example.
    #[error("{file}: no data rows after the header")]
    NoRows {
        /// The file.
        file: String,
    },
    /// A column the options ask for is not in the header.
    #[error("{file}, line 1: the header has no column '{column}' (columns: {header})")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column asked for.
        column: String,
        /// The header's first columns, for the message.
        header: String,
    },
    /// Two header columns have the same name.
    #[error("{file}, line 1: column '{column}' appears twice in the header")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The repeated name.
        column: String,
    },
    /// The header has only the target (and split) columns.
    #[error("{file}, line 1: the header has no feature column besides the targets and split")]
    NoFeatures {
        /// The file.
        file: String,
    },
    /// The options name no target column.
    #[error("{file}: the options name no target column")]
    NoTargets {
        /// The file.
        file: String,
    },
    /// A line longer than [`CsvOptions::max_line_bytes`](super::CsvOptions::max_line_bytes).
    #[error("{file}, line {line}: line longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// Bytes that are not UTF-8.
    #[error("{file}, line {line}, column '{column}': invalid UTF-8 at byte {byte} of the line")]
    InvalidUtf8 {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// The column the bad bytes are in.
        column: String,
        /// Offset of the first bad byte in the line (from 0).
        byte: usize,
    },
    /// A quoted field without its closing quote.
    #[error("{file}, line {line}, column '{column}': quoted field is not closed")]
    UnterminatedQuote {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// The column.
        column: String,
    },
    /// A row with more or fewer fields than the header.
    #[error("{file}, line {line}: {found} columns, the header has {expected}")]
    ColumnCount {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// Columns in the header.
        expected: usize,
        /// Columns on this line.
        found: usize,
    },
    /// A feature that is not a finite number.
    #[error("{file}, line {line}, column '{column}': {value:?} is not a finite number")]
    NotANumber {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// The column.
        column: String,
        /// The field (cut to 40 characters).
        value: String,
    },
    /// A label that is not an integer in `0..num_classes`.
    #[error(
        "{file}, line {line}, column '{column}': label {value:?} is not a class index in 0..{num_classes}"
    )]
    LabelOutOfRange {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// The label column.
        column: String,
        /// The field (cut to 40 characters).
        value: String,
        /// The number of classes.
        num_classes: usize,
    },
}

impl CsvError {
    /// The line the error is on (from 1; the header is line 1), if it is about one line.
    pub fn line(&self) -> Option<usize> {
        use CsvError::*;
        match self {
            Io { .. } | Empty { .. } | NoRows { .. } | NoTargets { .. } => None,
            MissingColumn { .. } | DuplicateColumn { .. } | NoFeatures { .. } => Some(1),
            LineTooLong { line, .. }
            | InvalidUtf8 { line, .. }
            | UnterminatedQuote { line, .. }
            | ColumnCount { line, .. }
            | NotANumber { line, .. }
            | LabelOutOfRange { line, .. } => Some(*line),
        }
    }

    /// The column (its header name) the error is about, if one.
    pub fn column(&self) -> Option<&str> {
        use CsvError::*;
        match self {
            MissingColumn { column, .. }
            | DuplicateColumn { column, .. }
            | InvalidUtf8 { column, .. }
            | UnterminatedQuote { column, .. }
            | NotANumber { column, .. }
            | LabelOutOfRange { column, .. } => Some(column),
            _ => None,
        }
    }

    /// The file, as named to the reader.
    pub fn file(&self) -> &str {
        use CsvError::*;
        match self {
            Io { file, .. }
            | Empty { file }
            | NoRows { file }
            | NoTargets { file }
            | MissingColumn { file, .. }
            | DuplicateColumn { file, .. }
            | NoFeatures { file }
            | LineTooLong { file, .. }
            | InvalidUtf8 { file, .. }
            | UnterminatedQuote { file, .. }
            | ColumnCount { file, .. }
            | NotANumber { file, .. }
            | LabelOutOfRange { file, .. } => file,
        }
    }
}
