//! The charts, drawn from the table's rows as SVG files with plotters (its SVG backend only,
//! which needs no font or image library): latency and deliveries against the offered load, one
//! line per server, and the `coalesce` scenario's trade of CPU time against latency.
//!
//! Final server — book chapter "Performance", sections "The table" and "Coalescing writes".
//!
//! Only rows come in: which server a line belongs to is read from the row, and the order that
//! gives each server its colour is passed in, so this file knows nothing of running anything.

use std::error::Error;
use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::Row;

/// Picks the figure a chart shows from a row.
type Pick = fn(&Row) -> f64;

/// One line of a chart: its colour (an index into [`COLORS`]), its name, its points.
type Line = (usize, &'static str, Vec<(f64, f64)>);

/// A figure with the name of its line.
type Named = (&'static str, Pick);

/// One panel of a chart: a part of an SVG file.
type Panel<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Line colours, one per server in the order of chat-bench's list of servers, told apart in
/// print too.
const COLORS: [RGBColor; 4] = [
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(31, 119, 180),
];

/// Draws `latency.svg` (p50 and p99 against the offered load, one line per server) and
/// `delivered.svg` (deliveries per second against the offered load) into `dir`. `servers` are
/// the names of every server in the table's order, which gives each its colour whichever of
/// them ran.
pub(crate) fn load_charts(
    dir: &Path,
    rows: &[Row],
    servers: &[&'static str],
) -> Result<(), Box<dyn Error>> {
    let Some(x_range) = offered_range(rows) else {
        return Ok(()); // fewer than two loads: nothing to draw
    };
    let panels: [(&str, &str, Pick); 3] = [
        ("latency p50", "ms", |r| r.p50_ms),
        ("latency p99", "ms", |r| r.p99_ms),
        ("delivered", "deliveries/s", |r| r.delivered_per_sec),
    ];
    let latency_path = dir.join("latency.svg");
    let delivered_path = dir.join("delivered.svg");
    let latency = SVGBackend::new(&latency_path, (960, 420)).into_drawing_area();
    let delivered = SVGBackend::new(&delivered_path, (480, 420)).into_drawing_area();
    latency.fill(&WHITE)?;
    delivered.fill(&WHITE)?;
    let mut areas = latency.split_evenly((1, 2));
    areas.push(delivered.clone());
    for (area, (title, unit, pick)) in areas.iter().zip(panels) {
        let lines = series(rows, servers, pick);
        draw_load_panel(area, title, unit, x_range.clone(), lines)?;
    }
    latency.present()?;
    delivered.present()?;
    Ok(())
}

/// The x axis of the load charts: the offered loads of the load runs, with a margin; `None`
/// when there are fewer than two of them.
fn offered_range(rows: &[Row]) -> Option<Range<f64>> {
    let offered = rows
        .iter()
        .filter(|r| r.coalesce_ms.is_none() && !r.scenario.starts_with("scale"))
        .filter(|r| !is_store_row(r))
        .map(|r| r.offered_per_sec)
        .filter(|o| *o > 0.0);
    let (low, high) = offered.fold((f64::MAX, 0.0f64), |(lo, hi), o| (lo.min(o), hi.max(o)));
    if high <= low {
        return None;
    }
    Some((low / 1.5)..(high * 1.5))
}

/// The store scenario's rows, which compare settings of one server rather than loads.
fn is_store_row(row: &Row) -> bool {
    row.scenario.contains(", store ")
}

/// One line per server that has points: the load runs only (slow, scale, coalesce and store
/// runs measure something else). Values are kept above 0.1 because the y axis is logarithmic.
fn series(rows: &[Row], servers: &[&'static str], pick: Pick) -> Vec<Line> {
    servers
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let points = rows
                .iter()
                .filter(|r| r.server == *name && r.offered_per_sec > 0.0)
                .filter(|r| !r.scenario.starts_with("slow") && !r.scenario.starts_with("scale"))
                .filter(|r| r.coalesce_ms.is_none() && !is_store_row(r))
                .map(|r| (r.offered_per_sec, pick(r).max(0.1)))
                .collect();
            (index, *name, points)
        })
        .filter(|(_, _, points): &(_, _, Vec<_>)| !points.is_empty())
        .collect()
}

/// One panel of the load charts, both axes logarithmic: the loads, and the figures that follow
/// them, span orders of magnitude.
fn draw_load_panel(
    area: &Panel<'_>,
    title: &str,
    unit: &str,
    x_range: Range<f64>,
    lines: Vec<Line>,
) -> Result<(), Box<dyn Error>> {
    let top = lines
        .iter()
        .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
        .fold(1.0f64, f64::max);
    let bottom = lines
        .iter()
        .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
        .fold(top, f64::min);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            x_range.log_scale(),
            ((bottom / 1.5)..(top * 1.5)).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("offered deliveries/s")
        .y_desc(unit)
        .x_label_formatter(&|x| format!("{:.0}k", x / 1000.0))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .light_line_style(WHITE)
        .draw()?;
    for (index, name, points) in lines {
        let color = COLORS[index % COLORS.len()];
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Draws `coalesce.svg`: CPU per delivery and latency against the final server's
/// `--coalesce`, from the `coalesce` scenario's rows (none: nothing drawn).
pub(crate) fn coalesce_chart(dir: &Path, rows: &[Row]) -> Result<(), Box<dyn Error>> {
    let points: Vec<(f64, &Row)> = rows
        .iter()
        .filter_map(|r| r.coalesce_ms.map(|ms| (ms as f64, r)))
        .collect();
    if points.len() < 2 {
        return Ok(());
    }
    let widest = points.iter().map(|p| p.0).fold(1.0, f64::max);
    let path = dir.join("coalesce.svg");
    let root = SVGBackend::new(&path, (960, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, 2));
    let panels: [(&str, &str, Vec<Named>); 2] = [
        (
            "server CPU per delivery",
            "µs",
            vec![("CPU µs/delivery", |r| r.cpu_us_per_delivery.unwrap_or(0.0))],
        ),
        (
            "latency",
            "ms",
            vec![("p50", |r| r.p50_ms), ("p99", |r| r.p99_ms)],
        ),
    ];
    for (area, (title, unit, lines)) in areas.iter().zip(panels) {
        draw_coalesce_panel(area, title, unit, widest, &points, lines)?;
    }
    root.present()?;
    Ok(())
}

/// One panel of the coalesce chart, on linear axes from 0: the delays start at 0, which a
/// logarithmic axis cannot show.
fn draw_coalesce_panel(
    area: &Panel<'_>,
    title: &str,
    unit: &str,
    widest: f64,
    points: &[(f64, &Row)],
    lines: Vec<Named>,
) -> Result<(), Box<dyn Error>> {
    let top = lines
        .iter()
        .flat_map(|(_, pick)| points.iter().map(move |(_, r)| pick(r)))
        .fold(1.0f64, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..widest * 1.05, 0.0..top * 1.15)?;
    chart
        .configure_mesh()
        .x_desc("--coalesce (ms)")
        .y_desc(unit)
        .light_line_style(WHITE)
        .draw()?;
    for (index, (name, pick)) in lines.into_iter().enumerate() {
        let color = COLORS[index % COLORS.len()];
        let line: Vec<(f64, f64)> = points.iter().map(|(ms, r)| (*ms, pick(r))).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
            });
        chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
