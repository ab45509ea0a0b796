//! Line charts as SVG files (plotters' SVG backend, no system fonts: the text is written as
//! SVG `<text>` for the viewer to render).
//!
//! ```
//! use tapegrad_data::plot::LineChart;
//! let chart = LineChart::new("loss")
//!     .x_label("epoch")
//!     .y_label("cross-entropy")
//!     .series("train", vec![(1.0, 2.3), (2.0, 0.9), (3.0, 0.4)]);
//! let svg = chart.to_svg(640, 400).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("train"));
//! ```

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// What can go wrong while drawing or writing a chart.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file could not be written.
    #[error("{file}: cannot write the chart: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// plotters refused to draw.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
}

/// One named line: `(x, y)` points in order. Points with a non-finite coordinate (and, on a
/// logarithmic axis, `y <= 0`) are left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The legend's name for it.
    pub name: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A chart of one or more lines sharing axes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LineChart {
    /// The caption.
    pub title: String,
    /// The x axis' description.
    pub x_label: String,
    /// The y axis' description.
    pub y_label: String,
    /// Whether the y axis is logarithmic.
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
}

impl LineChart {
    /// An empty chart captioned `title`.
    pub fn new(title: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            ..Default::default()
        }
    }

    /// Sets the x axis' description.
    pub fn x_label(mut self, label: impl Into<String>) -> LineChart {
        self.x_label = label.into();
        self
    }

    /// Sets the y axis' description.
    pub fn y_label(mut self, label: impl Into<String>) -> LineChart {
        self.y_label = label.into();
        self
    }

    /// Makes the y axis logarithmic.
    pub fn log_y(mut self, log: bool) -> LineChart {
        self.log_y = log;
        self
    }

    /// Adds a line.
    pub fn series(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> LineChart {
        self.series.push(Series {
            name: name.into(),
            points,
        });
        self
    }

    /// The chart as an SVG document of `width` x `height` pixels.
    pub fn to_svg(&self, width: u32, height: u32) -> Result<String, PlotError> {
        charts_to_svg(std::slice::from_ref(self), 1, width, height)
    }

    /// Writes the chart to `path` as SVG.
    pub fn save_svg(
        &self,
        path: impl AsRef<Path>,
        width: u32,
        height: u32,
    ) -> Result<(), PlotError> {
        write(path.as_ref(), self.to_svg(width, height)?)
    }

    /// The points that can be drawn.
    fn drawable(&self, s: &Series) -> Vec<(f64, f64)> {
        s.points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite() && (!self.log_y || *y > 0.0))
            .collect()
    }

    /// The axes' ranges: the data's extent with a margin (a unit range when empty).
    fn ranges(&self) -> (Range<f64>, Range<f64>) {
        let pts: Vec<(f64, f64)> = self.series.iter().flat_map(|s| self.drawable(s)).collect();
        let extent = |vals: &mut dyn Iterator<Item = f64>| {
            vals.fold(None, |acc: Option<(f64, f64)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
        };
        let (x0, x1) = extent(&mut pts.iter().map(|p| p.0)).unwrap_or((0.0, 1.0));
        let (y0, y1) = extent(&mut pts.iter().map(|p| p.1)).unwrap_or(if self.log_y {
            (0.1, 1.0)
        } else {
            (0.0, 1.0)
        });
        let x = if x1 > x0 { x0..x1 } else { x0 - 0.5..x0 + 0.5 };
        let y = if self.log_y {
            let (lo, hi) = if y1 > y0 {
                (y0, y1)
            } else {
                (y0 / 2.0, y0 * 2.0)
            };
            lo / 1.5..hi * 1.5
        } else if y1 > y0 {
            let pad = (y1 - y0) * 0.05;
            y0 - pad..y1 + pad
        } else {
            y0 - 0.5..y0 + 0.5
        };
        (x, y)
    }
}

/// Several charts in one SVG document, in a grid of `columns` columns, each
/// `width` x `height` pixels.
pub fn charts_to_svg(
    charts: &[LineChart],
    columns: usize,
    width: u32,
    height: u32,
) -> Result<String, PlotError> {
    let columns = columns.max(1);
    let rows = charts.len().div_ceil(columns).max(1);
    let mut svg = String::new();
    {
        let size = (width * columns as u32, height * rows as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let areas = root.split_evenly((rows, columns));
        for (chart, area) in charts.iter().zip(&areas) {
            let (x, y) = chart.ranges();
            if chart.log_y {
                draw(chart, area, x, y.log_scale(), |v| format!("{v:.0e}"))?;
            } else {
                draw(chart, area, x, y, |v| format!("{v:.3}"))?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Writes several charts (see [`charts_to_svg`]) to `path`.
pub fn save_charts_svg(
    path: impl AsRef<Path>,
    charts: &[LineChart],
    columns: usize,
    width: u32,
    height: u32,
) -> Result<(), PlotError> {
    write(
        path.as_ref(),
        charts_to_svg(charts, columns, width, height)?,
    )
}

fn write(path: &Path, svg: String) -> Result<(), PlotError> {
    std::fs::write(path, svg).map_err(|source| PlotError::Io {
        file: path.display().to_string(),
        source,
    })
}

fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// A colour per series that stays readable on white.
fn colour(i: usize) -> RGBColor {
    const COLOURS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLOURS[i % COLOURS.len()]
}

fn draw<DB, Y>(
    chart: &LineChart,
    area: &DrawingArea<DB, Shift>,
    x: Range<f64>,
    y: Y,
    y_format: impl Fn(&f64) -> String,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut ctx = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(draw_err)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .y_label_formatter(&y_format)
        .draw()
        .map_err(draw_err)?;
    for (i, s) in chart.series.iter().enumerate() {
        let c = colour(i);
        ctx.draw_series(LineSeries::new(chart.drawable(s), c.stroke_width(2)))
            .map_err(draw_err)?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    if chart.series.len() > 1 || chart.series.iter().any(|s| !s.name.is_empty()) {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_linear_charts_with_awkward_data() {
        let a = LineChart::new("linear")
            .series("one point", vec![(0.0, 1.0)])
            .series("nan and inf", vec![(1.0, f64::NAN), (f64::INFINITY, 2.0)]);
        let b = LineChart::new("log").log_y(true).series(
            "errors",
            vec![(0.0, 1.0), (1.0, 1e-6), (2.0, 0.0), (3.0, -1.0)],
        );
        let empty = LineChart::new("empty").log_y(true);
        let svg = charts_to_svg(&[a, b, empty], 2, 400, 300).unwrap();
        assert!(svg.contains("one point") && svg.contains("errors") && svg.contains("empty"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.svg");
        LineChart::new("x").save_svg(&path, 300, 200).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().contains("</svg>"));
        let e = LineChart::new("x")
            .save_svg(dir.path().join("no/such/dir.svg"), 300, 200)
            .unwrap_err();
        assert!(e.to_string().contains("dir.svg: cannot write"), "{e}");
    }
}
