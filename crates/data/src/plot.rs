//! Line charts as SVG files (plotters' SVG backend, no system fonts: the text is written as
//! SVG `<text>` for the viewer to render). A chart of several lines gets its legend in a
//! column at its right, clear of the data.
//!
//! ```
//! use tapegrad_data::plot::LineChart;
//! let chart = LineChart::new("loss")
//!     .x_label("epoch")
//!     .y_label("cross-entropy")
//!     .series("train", vec![(1.0, 2.3), (2.0, 0.9), (3.0, 0.4)])
//!     .series("test", vec![(1.0, 2.5), (2.0, 1.1), (3.0, 0.6)]);
//! let svg = chart.to_svg(640, 400).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("train") && svg.contains("test"));
//! ```

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// What can go wrong while drawing or writing a chart.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file could not be written (it is unchanged, and no temporary file is left).
    #[error("{file}: cannot write the chart: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: tapegrad_io::WriteError,
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
    /// The y axis' range; `None` fits the data. Points outside it are left out.
    pub y_range: Option<(f64, f64)>,
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

    /// Fixes the y axis' range to `lo..hi` (points outside are left out).
    pub fn y_range(mut self, lo: f64, hi: f64) -> LineChart {
        self.y_range = Some((lo, hi));
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
            .filter(|(_, y)| self.y_range.is_none_or(|(lo, hi)| (lo..=hi).contains(y)))
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
        let fixed = self.y_range.filter(|(lo, hi)| {
            lo < hi && lo.is_finite() && hi.is_finite() && !(self.log_y && *lo <= 0.0)
        });
        let y = if let Some((lo, hi)) = fixed {
            lo..hi
        } else if self.log_y {
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
                draw(chart, area, x, y, |v| tidy(*v))?;
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

/// Writes atomically (the one writer every save in tapegrad uses).
fn write(path: &Path, svg: String) -> Result<(), PlotError> {
    tapegrad_io::write_atomic(path, svg.as_bytes()).map_err(|source| PlotError::Io {
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

/// Pixels kept for the legend at the right of a chart with several lines.
const LEGEND_WIDTH: u32 = 190;

/// An axis value without float noise or a needless `.0` (`50`, `2.5`, `0.001`).
fn tidy(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
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
    // With several lines, the legend gets a column of its own on the right.
    let legend_width = if chart.series.len() > 1 {
        LEGEND_WIDTH
    } else {
        0
    };
    let (plot_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - legend_width);
    let mut ctx = ChartBuilder::on(&plot_area)
        .caption(&chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(draw_err)?;
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&|v| tidy(*v))
        .y_label_formatter(&y_format)
        .draw()
        .map_err(draw_err)?;
    for (i, s) in chart.series.iter().enumerate() {
        let c = colour(i);
        ctx.draw_series(LineSeries::new(chart.drawable(s), c.stroke_width(2)))
            .map_err(draw_err)?;
    }
    if legend_width > 0 {
        for (i, s) in chart.series.iter().enumerate() {
            let y = 48 + 20 * i as i32;
            let line = PathElement::new(vec![(4, y), (28, y)], colour(i).stroke_width(2));
            legend_area.draw(&line).map_err(draw_err)?;
            let text = Text::new(s.name.as_str(), (34, y - 7), ("sans-serif", 13));
            legend_area.draw(&text).map_err(draw_err)?;
        }
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
        assert!(svg.contains("one point") && svg.contains("nan and inf") && svg.contains("empty"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.svg");
        LineChart::new("x").save_svg(&path, 300, 200).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().contains("</svg>"));
        let e = LineChart::new("x")
            .save_svg(dir.path().join("no/such/dir.svg"), 300, 200)
            .unwrap_err();
        assert!(e.to_string().contains("dir.svg: cannot write"), "{e}");
        assert_eq!(
            (tidy(50.0), tidy(2.5), tidy(0.30000000000000004), tidy(-0.0)),
            ("50".into(), "2.5".into(), "0.3".into(), "0".into())
        );
        let fixed = LineChart::new("floor")
            .log_y(true)
            .y_range(1e-3, 10.0)
            .series("a", vec![(0.0, 1.0), (1.0, 1e-9)]);
        assert_eq!(fixed.drawable(&fixed.series[0]), vec![(0.0, 1.0)]);
        assert_eq!(fixed.ranges().1, 1e-3..10.0);
        fixed.to_svg(300, 200).unwrap();
    }
}
