//! Crafted CSV files (issue 17, defect 3).

/// The default line limit of `CsvOptions` (1 MiB).
pub const LINE_LIMIT: usize = 1 << 20;

/// A header of `label` and `columns - 1` distinct feature names, padded to just under the
/// 1 MiB line limit for 120,000 columns, and one data row of zeros.
pub fn wide_header(columns: usize) -> String {
    let mut header = String::from("label");
    // Names `c000001`..., one character longer for the first ones, to bring the line to
    // 1,000 bytes under the limit.
    let padded = (LINE_LIMIT - 1000).saturating_sub(5 + 8 * (columns - 1));
    for i in 1..columns {
        header.push_str(&format!(",c{i:06}"));
        if i <= padded {
            header.push('x');
        }
    }
    assert!(header.len() < LINE_LIMIT, "{}", header.len());
    let mut text = header;
    text.push('\n');
    text.push('0');
    text.push_str(&",0".repeat(columns - 1));
    text.push('\n');
    text
}

/// As [`wide_header`], with the last column named like the second: a duplicate at the end.
pub fn wide_header_duplicate(columns: usize) -> String {
    let mut header = String::from("label");
    for i in 1..columns - 1 {
        header.push_str(&format!(",c{i:06}"));
    }
    header.push_str(",c000001\n0");
    header.push_str(&",0".repeat(columns - 1));
    header.push('\n');
    header
}

/// `rows` rows, each in its own split (`s0`, `s1`, ...): columns `label,split,x`.
pub fn many_splits(rows: usize) -> String {
    let mut text = String::from("label,split,x\n");
    for i in 0..rows {
        text.push_str(&format!("0,s{i},1\n"));
    }
    text
}

/// Rows of the shortest kind (`0,0`): the most examples per byte.
pub fn many_short_rows(rows: usize) -> String {
    let mut text = String::from("label,x\n");
    text.push_str(&"0,0\n".repeat(rows));
    text
}

/// One line of `fields` empty fields (just under the line limit for 500,000): the most
/// fields per byte.
pub fn many_empty_fields(fields: usize) -> String {
    let mut text = String::from("label");
    text.push_str(&",".repeat(fields - 1));
    text.push('\n');
    text
}

/// `rows` rows, each in its own split with the shortest distinct names (base 62, 3
/// characters for 200,000 rows): the most split names per byte.
pub fn many_short_splits(rows: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut text = String::from("label,split,x\n");
    for i in 0..rows {
        let mut name = Vec::new();
        let mut n = i;
        loop {
            name.push(DIGITS[n % 62]);
            n /= 62;
            if n == 0 {
                break;
            }
        }
        text.push_str("0,");
        text.push_str(std::str::from_utf8(&name).unwrap());
        text.push_str(",0\n");
    }
    text
}
