//! Charts for incident tickets, drawn with plotters to PNG or SVG. The PNG path uses an
//! embedded font (DejaVu Sans), so charts look the same on a machine without fonts.

pub mod colors;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use chrono::{DateTime, TimeZone, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analyze::series::{IpHour, RatePoint};
use crate::classify::Class;
use crate::error::Error;
use colors::class_color;

/// What a chart shows.
pub enum ChartData {
    Rate(Vec<RatePoint>),
    Classes(BTreeMap<i64, BTreeMap<Class, u64>>),
    Ips(BTreeMap<String, Vec<IpHour>>),
}

impl ChartData {
    fn is_empty(&self) -> bool {
        match self {
            ChartData::Rate(points) => points.iter().all(|p| p.attempts == 0),
            ChartData::Classes(hours) => hours.is_empty(),
            ChartData::Ips(ips) => ips.is_empty(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartKind {
    /// Hourly deferral rate with its 7-day and previous-day baselines, and attempts.
    Rate,
    /// Deferrals per hour, stacked by reply class.
    Classes,
    /// Deferral rate per source IP and hour (a heat map).
    Ips,
}

/// A chart to draw: data, title and window (epoch hours, `[from, to)`).
pub struct Chart {
    pub title: String,
    pub from: i64,
    pub to: i64,
    pub data: ChartData,
    /// Incident onsets and recoveries in the window (the rate chart draws them).
    pub marks: Vec<Mark>,
}

/// A vertical mark at the start of an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub hour: i64,
    pub recovery: bool,
    /// `#3 onset`, `#3 recovered`.
    pub label: String,
}

const FONT: &str = "sans-serif";
static FONTS: Once = Once::new();

fn register_fonts() {
    FONTS.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font(FONT, style, bytes).is_err() {
                panic!("the embedded font does not parse");
            }
        }
    });
}

/// The file format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    /// The format a chart file's name asks for: PNG or SVG by its extension; PNG for `-`
    /// (standard output).
    pub fn of_path(path: &Path) -> Result<ImageFormat, Error> {
        if path == Path::new("-") {
            return Ok(ImageFormat::Png);
        }
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            _ => Err(Error::Usage(format!(
                "chart file `{}`: end it in .png or .svg (or give `-` for a PNG on stdout)",
                path.display()
            ))),
        }
    }
}

/// Draws `chart` as the bytes of a PNG or SVG file.
pub fn render(chart: &Chart, format: ImageFormat, size: (u32, u32)) -> Result<Vec<u8>, Error> {
    register_fonts();
    let failed = |e: String| Error::Chart(e);
    match format {
        ImageFormat::Png => {
            let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
                draw(chart, &root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            encode_png(&pixels, size).map_err(|e| failed(e.to_string()))
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                draw(chart, &root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            Ok(svg.into_bytes())
        }
    }
}

/// RGB pixels as a PNG file.
fn encode_png(pixels: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(bytes)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let area = root.titled(&chart.title, (FONT, 22).into_font().style(FontStyle::Bold))?;
    if chart.data.is_empty() {
        let (w, h) = area.dim_in_pixel();
        let style = TextStyle::from((FONT, 28).into_font())
            .color(&RGBColor(90, 90, 90))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        area.draw(&Text::new(
            "no data for this scope",
            (w as i32 / 2, h as i32 / 2),
            style,
        ))?;
        return root.present();
    }
    match &chart.data {
        ChartData::Rate(points) => draw_rate(&area, chart, points)?,
        ChartData::Classes(hours) => draw_classes(&area, chart, hours)?,
        ChartData::Ips(ips) => draw_ips(&area, chart, ips)?,
    }
    root.present()
}

/// A legend entry drawn as a short line.
fn legend_line(color: RGBColor, width: u32) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(width))
}

/// A legend entry drawn as a filled square.
fn legend_swatch(color: impl Color) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    let style = color.filled();
    move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], style)
}

fn time(hour: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(hour * 3600, 0)
        .single()
        .expect("hour in range")
}

/// Axis labels: day and hour when the window is short, the day alone when it is long.
fn time_label(chart: &Chart) -> impl Fn(&DateTime<Utc>) -> String {
    let long = chart.to - chart.from > 72;
    move |t| {
        if long {
            t.format("%b %d").to_string()
        } else {
            t.format("%b %d %H:00").to_string()
        }
    }
}

fn draw_rate<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    points: &[RatePoint],
) -> DrawResult<DB> {
    let (_, height) = area.dim_in_pixel();
    let (upper, lower) = area.split_vertically(height * 68 / 100);
    let x_range = time(chart.from)..time(chart.to);
    let pct = |v: Option<f64>| v.map(|r| r * 100.0);
    let top = points
        .iter()
        .flat_map(|p| [pct(p.rate), pct(p.prev_day), pct(p.rolling_7d)])
        .flatten()
        .fold(0.0f64, f64::max);
    let y_max = (top * 1.12).max(1.0);
    let label = time_label(chart);

    let mut rates = ChartBuilder::on(&upper)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range.clone(), 0.0..y_max)?;
    rates
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(10)
        .x_label_formatter(&label)
        .y_desc("deferral rate")
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .label_style((FONT, 14))
        .draw()?;
    rates
        .draw_series(points.iter().filter(|p| p.alert).map(|p| {
            Rectangle::new(
                [(time(p.hour), 0.0), (time(p.hour + 1), y_max)],
                colors::ALERT.mix(0.18).filled(),
            )
        }))?
        .label("alert hour")
        .legend(legend_swatch(colors::ALERT.mix(0.3)));
    let line = |value: fn(&RatePoint) -> Option<f64>| {
        points
            .iter()
            .filter_map(move |p| Some((time(p.hour), value(p)? * 100.0)))
            .collect::<Vec<_>>()
    };
    rates
        .draw_series(DashedLineSeries::new(
            line(|p| p.prev_day),
            6,
            5,
            colors::PREV_DAY.stroke_width(2),
        ))?
        .label("same hour, previous day")
        .legend(legend_line(colors::PREV_DAY, 2));
    rates
        .draw_series(LineSeries::new(
            line(|p| p.rolling_7d),
            colors::ROLLING.stroke_width(3),
        ))?
        .label("7-day rolling rate")
        .legend(legend_line(colors::ROLLING, 3));
    rates
        .draw_series(LineSeries::new(
            line(|p| p.rate),
            colors::RATE.stroke_width(2),
        ))?
        .label("hourly deferral rate")
        .legend(legend_line(colors::RATE, 2));
    for (recovery, legend) in [(false, "incident onset"), (true, "incident recovered")] {
        let color = if recovery {
            colors::RECOVERED
        } else {
            colors::ALERT
        };
        let marks: Vec<&Mark> = chart
            .marks
            .iter()
            .filter(|m| m.recovery == recovery)
            .collect();
        if marks.is_empty() {
            continue;
        }
        rates
            .draw_series(marks.iter().map(|m| {
                PathElement::new(
                    vec![(time(m.hour), 0.0), (time(m.hour), y_max)],
                    color.stroke_width(2),
                )
            }))?
            .label(legend)
            .legend(legend_line(color, 2));
        // Recoveries are labelled lower, so that an onset and a recovery close together
        // stay readable.
        // Marks in the right half of the window are labelled to their left, so that no
        // label runs off the chart.
        let height = if recovery { 0.90 } else { 0.97 };
        rates.draw_series(marks.iter().map(|m| {
            let style = (FONT, 13).into_font().color(&color);
            let style = if m.hour * 2 > chart.from + chart.to {
                style.pos(Pos::new(HPos::Right, VPos::Top))
            } else {
                style
            };
            Text::new(m.label.clone(), (time(m.hour), y_max * height), style)
        }))?;
    }
    rates
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FONT, 14))
        .draw()?;

    let max_attempts = points.iter().map(|p| p.attempts).max().unwrap_or(0).max(1);
    let mut volume = ChartBuilder::on(&lower)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range, 0u64..max_attempts + max_attempts / 8 + 1)?;
    volume
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(10)
        .x_label_formatter(&label)
        .x_desc("hour (UTC)")
        .y_desc("attempts / hour")
        .label_style((FONT, 14))
        .draw()?;
    volume.draw_series(points.iter().map(|p| {
        Rectangle::new(
            [(time(p.hour), 0), (time(p.hour + 1), p.attempts)],
            colors::ATTEMPTS.filled(),
        )
    }))?;
    Ok(())
}

fn draw_classes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    hours: &BTreeMap<i64, BTreeMap<Class, u64>>,
) -> DrawResult<DB> {
    let top = hours
        .values()
        .map(|classes| classes.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let label = time_label(chart);
    let mut plot = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(time(chart.from)..time(chart.to), 0u64..top + top / 8 + 1)?;
    plot.configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(10)
        .x_label_formatter(&label)
        .x_desc("hour (UTC)")
        .y_desc("deferrals / hour")
        .label_style((FONT, 14))
        .draw()?;
    // Stacked in the fixed class order, the reverse-DNS family at the bottom.
    for class in Class::ALL.iter().copied() {
        if !hours.values().any(|c| c.contains_key(&class)) {
            continue;
        }
        let color = class_color(class);
        let bars = hours.iter().filter_map(|(hour, classes)| {
            let count = *classes.get(&class)?;
            let below: u64 = classes.range(..class).map(|(_, n)| n).sum();
            Some(Rectangle::new(
                [(time(*hour), below), (time(hour + 1), below + count)],
                color.filled(),
            ))
        });
        plot.draw_series(bars)?
            .label(class.id())
            .legend(legend_swatch(color));
    }
    plot.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

/// White (0%) to deep red (`scale` and above).
fn heat(rate: f64, scale: f64) -> RGBColor {
    let t = (rate / scale).clamp(0.0, 1.0);
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    RGBColor(mix(255.0, 183.0), mix(255.0, 28.0), mix(255.0, 28.0))
}

fn draw_ips<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    ips: &BTreeMap<String, Vec<IpHour>>,
) -> DrawResult<DB> {
    let names: Vec<&String> = ips.keys().collect();
    let scale = ips
        .values()
        .flatten()
        .filter_map(|h| h.rate)
        .fold(0.10f64, f64::max);
    let label = time_label(chart);
    let (width, height) = area.dim_in_pixel();
    // Row labels shrink with the rows, so 50 IPs stay legible.
    let row_pixels = (f64::from(height) - 60.0) / names.len() as f64;
    let ip_font = (row_pixels * 0.85).clamp(7.0, 14.0);
    let (plot_area, legend_area) = area.split_horizontally(width - 110);
    let mut plot = ChartBuilder::on(&plot_area)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(130)
        .build_cartesian_2d(
            time(chart.from)..time(chart.to),
            // A segmented range covers both ends: one segment per IP.
            (0..names.len() as i32 - 1).into_segmented(),
        )?;
    plot.configure_mesh()
        .disable_mesh()
        .x_labels(10)
        .x_label_formatter(&label)
        .y_labels(names.len())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names
                .get(*i as usize)
                .map_or(String::new(), |n| n.to_string()),
            _ => String::new(),
        })
        .x_desc("hour (UTC)")
        .label_style((FONT, 14))
        .y_label_style((FONT, ip_font))
        .draw()?;
    for (row, hours) in ips.values().enumerate() {
        let row = row as i32;
        plot.draw_series(hours.iter().filter(|h| h.attempts > 0).map(|h| {
            Rectangle::new(
                [
                    (time(h.hour), SegmentValue::Exact(row)),
                    (time(h.hour + 1), SegmentValue::Exact(row + 1)),
                ],
                heat(h.rate.unwrap_or(0.0), scale).filled(),
            )
        }))?;
    }
    // The colour scale.
    let (_, legend_height) = legend_area.dim_in_pixel();
    let steps = 10;
    let step_height = (legend_height as i32 - 120) / steps;
    for i in 0..steps {
        let rate = scale * f64::from(steps - i) / f64::from(steps);
        let y = 40 + i * step_height;
        legend_area.draw(&Rectangle::new(
            [(10, y), (34, y + step_height)],
            heat(rate, scale).filled(),
        ))?;
        if i % 3 == 0 {
            legend_area.draw(&Text::new(
                format!("{:.0}%", rate * 100.0),
                (40, y),
                (FONT, 13),
            ))?;
        }
    }
    legend_area.draw(&Text::new(
        "0%",
        (40, 40 + steps * step_height - 12),
        (FONT, 13),
    ))?;
    legend_area.draw(&Text::new("deferral", (6, 12), (FONT, 13)))?;
    legend_area.draw(&Text::new("rate", (6, 26), (FONT, 13)))?;
    Ok(())
}
