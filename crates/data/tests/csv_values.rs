//! CSV loading to regression targets: one or several value columns in the order the options
//! name them (not the file's), a split column beside them, and every kind of damage to a
//! target column refused with the file, line and column, never a panic.

use tapegrad_data::csv::{read_csv, CsvError, CsvOptions, Values};
use tapegrad_data::{DataLoader, LabeledCsv};
use tapegrad_tensor::Tensor;

fn read(text: &str, opts: &CsvOptions<Values>) -> Result<LabeledCsv<Tensor>, CsvError> {
    read_csv(text.as_bytes(), "r.csv", opts)
}

const GOOD: &str = "a,y2,split,b,y1\n1,10,train,2,-1.5\n3,20,test,4,-2.5\n5,30,train,6,-3.5\n";

#[test]
fn several_targets_in_the_order_named() {
    let opts = CsvOptions::values(["y1", "y2"]).split_column("split");
    let t = read(GOOD, &opts).unwrap();
    assert_eq!(t.feature_names, ["a", "b"]);
    assert_eq!(t.target_names, ["y1", "y2"]);
    assert_eq!(t.dataset.x().as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(t.dataset.y().shape(), &[3, 2]);
    assert_eq!(
        t.dataset.y().as_slice(),
        &[-1.5, 10.0, -2.5, 20.0, -3.5, 30.0]
    );
    let train = t.split("train").unwrap();
    assert_eq!(train.y().to_vec(), vec![-1.5, 10.0, -3.5, 30.0]);
    let batch = DataLoader::new(2).epoch(&train).next().unwrap();
    assert_eq!(
        (batch.x.shape(), batch.y.shape()),
        (&[2, 2][..], &[2, 2][..])
    );
}

#[test]
fn one_target_is_a_column_of_shape_n_by_1() {
    let t = read("x,y\n1,2\n3,4\n", &CsvOptions::values(["y"])).unwrap();
    assert_eq!(t.dataset.y().shape(), &[2, 1]);
    assert_eq!(t.dataset.x().shape(), &[2, 1]);
}

#[test]
fn damage_to_targets_is_named_with_line_and_column() {
    let one = CsvOptions::values(["y"]);
    let cases: &[(&str, &CsvOptions<Values>, &str)] = &[
        (
            "x,y\n1,2\n3,abc\n",
            &one,
            "r.csv, line 3, column 'y': \"abc\" is not a finite number",
        ),
        (
            "x,y\n1,inf\n",
            &one,
            "r.csv, line 2, column 'y': \"inf\" is not a finite number",
        ),
        (
            "x,y\n1,1e39\n",
            &one,
            "r.csv, line 2, column 'y': \"1e39\" is not a finite number",
        ),
        (
            "x,y\n1,\n",
            &one,
            "r.csv, line 2, column 'y': \"\" is not a finite number",
        ),
        (
            "x,y\n1,2,3\n",
            &one,
            "r.csv, line 2: 3 columns, the header has 2",
        ),
        (
            "x,z\n1,2\n",
            &one,
            "r.csv, line 1: the header has no column 'y' (columns: x, z)",
        ),
        (
            "y\n1\n",
            &one,
            "r.csv, line 1: the header has no feature column besides the targets and split",
        ),
        ("x,y\n", &one, "r.csv: no data rows after the header"),
        (
            "",
            &one,
            "r.csv: the file is empty (expected a header line naming the columns)",
        ),
        (
            "x,y\n1,\"2\n",
            &one,
            "r.csv, line 2, column 'y': quoted field is not closed",
        ),
    ];
    for (text, opts, want) in cases {
        let e = read(text, opts).expect_err(text);
        assert_eq!(e.to_string(), *want, "input {text:?}");
    }
    let twice = CsvOptions::values(["y", "y"]);
    assert!(matches!(
        read("x,y\n1,2\n", &twice),
        Err(CsvError::DuplicateColumn { .. })
    ));
    let split_is_target = CsvOptions::values(["y"]).split_column("y");
    assert!(matches!(
        read("x,y\n1,2\n", &split_is_target),
        Err(CsvError::DuplicateColumn { .. })
    ));
    let none = CsvOptions::values(Vec::<String>::new());
    let e = read("x,y\n1,2\n", &none).unwrap_err();
    assert_eq!(e.to_string(), "r.csv: the options name no target column");
    let bad_utf8 = read_csv(&b"x,y\n1,\xff\n"[..], "r.csv", &one).unwrap_err();
    assert_eq!((bad_utf8.line(), bad_utf8.column()), (Some(2), Some("y")));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic stream of mutations of a good file: every result is Ok or a CsvError.
    let opts = CsvOptions::values(["y1", "y2"])
        .split_column("split")
        .max_line_bytes(64);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b",\"\n\r0123456789.-eE inftrain\xff";
    for _ in 0..5000 {
        let mut bytes = GOOD.as_bytes().to_vec();
        for _ in 0..(next() % 6 + 1) {
            let at = (next() as usize) % (bytes.len() + 1);
            let c = alphabet[(next() as usize) % alphabet.len()];
            match next() % 3 {
                0 if at < bytes.len() => bytes[at] = c,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, c),
            }
        }
        if let Ok(t) = read_csv(&bytes[..], "m.csv", &opts) {
            assert_eq!(t.dataset.y().shape()[1], 2);
            assert_eq!(t.dataset.x().shape()[0], t.dataset.y().shape()[0]);
        }
    }
}
