//! Classification metrics from predicted and true class indices: the confusion matrix, and
//! precision, recall and F1 per class with their macro and support-weighted averages
//! ([`ClassificationReport`]), as scikit-learn's `classification_report` computes them.

use std::fmt;

/// Counts `[label][prediction]` over `classes` classes (scikit-learn's `confusion_matrix`
/// with `labels=range(classes)`). Panics on a class out of range or lengths that differ.
#[track_caller]
pub fn confusion_matrix(predictions: &[usize], labels: &[usize], classes: usize) -> Vec<Vec<u64>> {
    assert_eq!(
        predictions.len(),
        labels.len(),
        "confusion_matrix: {} predictions for {} labels",
        predictions.len(),
        labels.len()
    );
    let mut m = vec![vec![0u64; classes]; classes];
    for (&p, &l) in predictions.iter().zip(labels) {
        assert!(
            p < classes && l < classes,
            "confusion_matrix: class {} out of range for {classes} classes",
            p.max(l)
        );
        m[l][p] += 1;
    }
    m
}

/// Precision, recall and F1 of one class (or their average), and its support: the number of
/// examples whose true class it is (for an average, the total).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassScore {
    /// Of the examples predicted as the class, the fraction that are (0 if none is).
    pub precision: f64,
    /// Of the examples of the class, the fraction predicted as it (0 if there are none).
    pub recall: f64,
    /// The harmonic mean of precision and recall, `2 tp / (2 tp + fp + fn)` (0 when the class
    /// is neither predicted nor present).
    pub f1: f64,
    /// Examples whose true class it is.
    pub support: u64,
}

/// Per-class scores and their averages over `classes` classes, computed from a confusion
/// matrix. Agrees with scikit-learn's `precision_recall_fscore_support` and
/// `classification_report` given `labels=range(classes)` and `zero_division=0`: a class
/// that is never predicted has precision 0, one with no example has recall 0, and every
/// class counts in the macro average (scikit-learn's default instead averages over the
/// classes that occur in either list).
///
/// ```
/// use tapegrad_data::metrics::ClassificationReport;
/// let r = ClassificationReport::new(&[0, 1, 1, 2], &[0, 1, 2, 2], 3);
/// assert_eq!(r.per_class[2].recall, 0.5);
/// assert_eq!(r.per_class[1].precision, 0.5);
/// assert_eq!(r.accuracy, 0.75);
/// println!("{r}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    /// The scores of each class (index = class).
    pub per_class: Vec<ClassScore>,
    /// The unweighted mean over classes (support: all examples).
    pub macro_avg: ClassScore,
    /// The mean over classes weighted by support (support: all examples).
    pub weighted_avg: ClassScore,
    /// The fraction of examples predicted right (0 for no example).
    pub accuracy: f64,
    /// `[label][prediction]` counts.
    pub confusion: Vec<Vec<u64>>,
}

impl ClassificationReport {
    /// The report for `predictions` against `labels` over `classes` classes. Panics on a class
    /// out of range or lengths that differ.
    #[track_caller]
    pub fn new(predictions: &[usize], labels: &[usize], classes: usize) -> ClassificationReport {
        let confusion = confusion_matrix(predictions, labels, classes);
        let ratio = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let per_class: Vec<ClassScore> = (0..classes)
            .map(|c| {
                let tp = confusion[c][c];
                let support: u64 = confusion[c].iter().sum();
                let predicted: u64 = confusion.iter().map(|row| row[c]).sum();
                ClassScore {
                    precision: ratio(tp, predicted),
                    recall: ratio(tp, support),
                    f1: ratio(2 * tp, support + predicted),
                    support,
                }
            })
            .collect();
        let total = labels.len() as u64;
        let right: u64 = (0..classes).map(|c| confusion[c][c]).sum();
        let average = |weight: &dyn Fn(&ClassScore) -> f64| {
            let w: f64 = per_class.iter().map(weight).sum();
            let mean = |f: fn(&ClassScore) -> f64| {
                if w == 0.0 {
                    0.0
                } else {
                    per_class.iter().map(|s| weight(s) * f(s)).sum::<f64>() / w
                }
            };
            ClassScore {
                precision: mean(|s| s.precision),
                recall: mean(|s| s.recall),
                f1: mean(|s| s.f1),
                support: total,
            }
        };
        ClassificationReport {
            macro_avg: average(&|_| 1.0),
            weighted_avg: average(&|s| s.support as f64),
            per_class,
            accuracy: ratio(right, total),
            confusion,
        }
    }
}

impl fmt::Display for ClassificationReport {
    /// A table in the layout of scikit-learn's `classification_report`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>12} {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: &ClassScore| {
            writeln!(
                f,
                "{name:>12} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                s.precision, s.recall, s.f1, s.support
            )
        };
        for (c, s) in self.per_class.iter().enumerate() {
            row(f, &c.to_string(), s)?;
        }
        writeln!(
            f,
            "{:>12} {:>9} {:>9} {:>9.4} {:>9}",
            "accuracy", "", "", self.accuracy, self.macro_avg.support
        )?;
        row(f, "macro avg", &self.macro_avg)?;
        row(f, "weighted avg", &self.weighted_avg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion() {
        let m = confusion_matrix(&[0, 1, 1, 2], &[0, 1, 2, 2], 3);
        assert_eq!(m, vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 1, 1]]);
    }

    #[test]
    fn absent_classes_score_zero_and_count_in_the_macro_average() {
        // Class 2 never occurs and is never predicted; class 1 is never predicted.
        let r = ClassificationReport::new(&[0, 0, 0], &[0, 1, 0], 3);
        assert_eq!(
            r.per_class[2],
            ClassScore {
                precision: 0.0,
                recall: 0.0,
                f1: 0.0,
                support: 0
            }
        );
        assert_eq!(
            (r.per_class[1].precision, r.per_class[1].recall),
            (0.0, 0.0)
        );
        assert_eq!(r.per_class[0].f1, 0.8);
        assert!((r.macro_avg.f1 - 0.8 / 3.0).abs() < 1e-15);
        assert!((r.weighted_avg.f1 - 0.8 * 2.0 / 3.0).abs() < 1e-15);
        let empty = ClassificationReport::new(&[], &[], 2);
        assert_eq!((empty.accuracy, empty.weighted_avg.f1), (0.0, 0.0));
    }

    #[test]
    #[should_panic(expected = "class 3 out of range for 3 classes")]
    fn a_class_out_of_range_panics() {
        ClassificationReport::new(&[3], &[0], 3);
    }
}
