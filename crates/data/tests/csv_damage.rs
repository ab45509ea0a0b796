//! CSV loading on the real digits file and on many kinds of damage: every damaged input gives
//! an error naming the file, line and column where they apply; nothing panics; an endless line
//! is refused after reading only the line limit.

use std::io::Read;
use tapegrad_data::csv::{load_csv, read_csv, CsvError, CsvOptions};

fn digits_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/digits.csv")
}

fn opts() -> CsvOptions {
    CsvOptions::new("label", 10).split_column("split")
}

fn read(bytes: &[u8]) -> Result<tapegrad_data::LabeledCsv, CsvError> {
    read_csv(bytes, "d.csv", &opts())
}

fn err(bytes: &[u8]) -> CsvError {
    read(bytes).expect_err("damaged input must be refused")
}

const GOOD: &str = "label,split,p0,p1\n3,train,0,16\n7,test,4,2\n";

#[test]
fn the_real_digits_file() {
    let t = load_csv(digits_path(), &opts()).unwrap();
    assert_eq!(t.dataset.len(), 1797);
    assert_eq!(t.dataset.dim(), 64);
    assert_eq!(t.feature_names[0], "p0");
    assert_eq!(t.feature_names[63], "p63");
    assert_eq!(t.split_names, vec!["train", "test"]);
    let (train, test) = (t.split("train").unwrap(), t.split("test").unwrap());
    assert_eq!((train.len(), test.len()), (1437, 360));
    assert!(t.split("valid").is_none());
    assert!(train.class_counts().iter().all(|&c| c > 100));
    assert!(t
        .dataset
        .x()
        .as_slice()
        .iter()
        .all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
}

#[test]
fn good_small_file_with_crlf_bom_blank_lines_and_quotes() {
    let text = "\u{feff}label,split,\"p0\",p1\r\n\r\n3,train, 0 ,\"16\"\r\n   \n7,test,4,2";
    let t = read(text.as_bytes()).unwrap();
    assert_eq!(t.dataset.labels(), &[3, 7]);
    assert_eq!(t.dataset.x().as_slice(), &[0.0, 16.0, 4.0, 2.0]);
    assert_eq!(t.split("test").unwrap().label(0), 7);
    assert_eq!(read(GOOD.as_bytes()).unwrap().dataset.len(), 2);
}

/// (damaged input, expected message, line, column)
type Case = (
    &'static [u8],
    &'static str,
    Option<usize>,
    Option<&'static str>,
);

#[test]
fn each_kind_of_damage_is_named_with_line_and_column() {
    let cases: Vec<Case> = vec![
        (
            b"",
            "d.csv: the file is empty (expected a header line naming the columns)",
            None,
            None,
        ),
        (b"\n  \r\n\n", "d.csv: the file is empty", None, None),
        (
            b"label,split,p0\n",
            "d.csv: no data rows after the header",
            None,
            None,
        ),
        (
            b"lbl,split,p0\n1,train,3\n",
            "d.csv, line 1: the header has no column 'label' (columns: lbl, split, p0)",
            Some(1),
            Some("label"),
        ),
        (
            b"label,p0\n1,3\n",
            "d.csv, line 1: the header has no column 'split'",
            Some(1),
            Some("split"),
        ),
        (
            b"label,split,p0,p0\n1,train,3,4\n",
            "d.csv, line 1: column 'p0' appears twice in the header",
            Some(1),
            Some("p0"),
        ),
        (
            b"label,split\n1,train\n",
            "d.csv, line 1: the header has no feature column",
            Some(1),
            None,
        ),
        (
            b"label,split,p0,p1\n3,train,0,16\n7,test,4\n",
            "d.csv, line 3: 3 columns, the header has 4",
            Some(3),
            None,
        ),
        (
            b"label,split,p0,p1\n3,train,0,16,9\n",
            "d.csv, line 2: 5 columns, the header has 4",
            Some(2),
            None,
        ),
        (
            b"label,split,p0,p1\n3,train,0,sixteen\n",
            "d.csv, line 2, column 'p1': \"sixteen\" is not a finite number",
            Some(2),
            Some("p1"),
        ),
        (
            b"label,split,p0,p1\n3,train,,16\n",
            "d.csv, line 2, column 'p0': \"\" is not a finite number",
            Some(2),
            Some("p0"),
        ),
        (
            b"label,split,p0,p1\n3,train,NaN,16\n",
            "d.csv, line 2, column 'p0': \"NaN\" is not a finite number",
            Some(2),
            Some("p0"),
        ),
        (
            b"label,split,p0,p1\n3,train,1,inf\n",
            "column 'p1': \"inf\" is not a finite number",
            Some(2),
            Some("p1"),
        ),
        (
            b"label,split,p0,p1\n3,train,1,1e39\n",
            "column 'p1': \"1e39\" is not a finite number",
            Some(2),
            Some("p1"),
        ),
        (
            b"label,split,p0,p1\n1,train,0,0\n10,train,0,16\n",
            "d.csv, line 3, column 'label': label \"10\" is not a class index in 0..10",
            Some(3),
            Some("label"),
        ),
        (
            b"label,split,p0,p1\n-1,train,0,16\n",
            "label \"-1\" is not a class index in 0..10",
            Some(2),
            Some("label"),
        ),
        (
            b"label,split,p0,p1\n2.5,train,0,16\n",
            "label \"2.5\" is not a class index in 0..10",
            Some(2),
            Some("label"),
        ),
        (
            b"label,split,p0,p1\n99999999999999999999999,train,0,16\n",
            "is not a class index in 0..10",
            Some(2),
            Some("label"),
        ),
        (
            b"label,split,p0,p1\nseven,train,0,16\n",
            "d.csv, line 2, column 'label': \"seven\" is not a finite number",
            Some(2),
            Some("label"),
        ),
        (
            b"label,split,p0,p1\n3,train,0,16\n4,test,\xff\xfe,2\n",
            "d.csv, line 3, column 'p0': invalid UTF-8 at byte 7 of the line",
            Some(3),
            Some("p0"),
        ),
        (
            b"label,spl\xc3\x28t,p0\n",
            "d.csv, line 1, column '#2': invalid UTF-8 at byte 9 of the line",
            Some(1),
            Some("#2"),
        ),
        (
            b"label,split,p0,p1\n3,train,\"0,16\n",
            "d.csv, line 2, column 'p0': quoted field is not closed",
            Some(2),
            Some("p0"),
        ),
    ];
    for (input, want, line, column) in cases {
        let e = err(input);
        let msg = e.to_string();
        assert!(
            msg.contains(want),
            "input {:?}\n got: {msg}\nwant: {want}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(e.line(), line, "{msg}");
        assert_eq!(e.column(), column, "{msg}");
        assert_eq!(e.file(), "d.csv");
    }
}

#[test]
fn a_huge_line_is_refused_without_reading_it_whole() {
    // A 3 MiB row (limit 1 MiB) in the middle of a file.
    let mut text = GOOD.as_bytes().to_vec();
    text.extend(std::iter::repeat_n(b'1', 3 << 20));
    text.extend_from_slice(b"\n1,train,0,0\n");
    let e = err(&text);
    assert_eq!(
        e.to_string(),
        "d.csv, line 4: line longer than the limit of 1048576 bytes"
    );
    assert_eq!(e.line(), Some(4));

    // An endless stream with no line end: refused after reading the limit, not forever.
    let endless = std::io::repeat(b'7');
    let counted = Counting {
        inner: endless,
        read: 0,
    };
    let small = opts().max_line_bytes(4096);
    let mut counted = counted;
    let e = read_csv(&mut counted, "endless", &small).unwrap_err();
    assert!(
        matches!(
            e,
            CsvError::LineTooLong {
                line: 1,
                limit: 4096,
                ..
            }
        ),
        "{e}"
    );
    assert!(counted.read < 64 * 1024, "read {} bytes", counted.read);

    // A header of a million columns is a huge line too.
    let header = format!("label,split{}\n", ",p".repeat(1 << 20));
    assert!(matches!(
        err(header.as_bytes()),
        CsvError::LineTooLong { line: 1, .. }
    ));
}

struct Counting<R> {
    inner: R,
    read: usize,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let e = load_csv("/no/such/dir/digits.csv", &opts()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/no/such/dir/digits.csv: cannot read:"),
        "{e}"
    );
    assert!(matches!(e, CsvError::Io { .. }));
}

/// A small deterministic generator (xorshift), so the test needs no extra dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_damage_to_the_real_file_never_panics() {
    let real = std::fs::read(digits_path()).unwrap();
    // The first 40 rows keep each try fast.
    let end = real
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(40)
        .unwrap()
        .0;
    let base = &real[..=end];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut refused = 0;
    for _ in 0..2000 {
        let mut bytes = base.to_vec();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len());
            match rng.below(5) {
                0 => bytes[at] = rng.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, b",-.\"\n\xff9e"[rng.below(8)]),
                3 => bytes.truncate(at),
                _ => bytes[at] = b',',
            }
        }
        match read(&bytes) {
            Ok(t) => assert!(t.dataset.labels().iter().all(|&l| l < 10)),
            Err(e) => {
                refused += 1;
                let msg = e.to_string();
                assert!(msg.starts_with("d.csv"), "{msg}");
                if let Some(line) = e.line() {
                    assert!(msg.contains(&format!("line {line}")), "{msg}");
                }
            }
        }
    }
    assert!(
        refused > 1000,
        "most damage must be caught, {refused} of 2000"
    );
}
