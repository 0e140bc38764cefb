//! The incident timeline of the review, as rows every markup shows the same way: what,
//! when, how bad, and a bar of the review day and the seven days before it.

use chrono_tz::Tz;

use crate::analyze::incidents::{Incident, SHOWN_DAYS, Window};
use crate::analyze::status::Status;
use crate::timefmt::hour_local;

/// Hours one character of the bar stands for.
pub const BAR_HOURS: i64 = 4;

/// One incident, ready to show.
pub struct TimelineRow<'a> {
    pub incident: &'a Incident,
    pub severity: Status,
    /// `gmail`, or `203.0.113.14 at gmail`.
    pub scope: String,
    pub classes: String,
    /// Onset, in the review's zone.
    pub onset: String,
    /// `recovered 2026-10-31 16:00 UTC (8 h clean)` or `ongoing`.
    pub state: String,
    pub peak: String,
    pub baseline: String,
    /// Deferrals and bounces of its classes.
    pub failures: u64,
    /// `·` for hours outside it, `█` for hours in it, one character per [`BAR_HOURS`].
    pub bar: String,
}

/// The timeline rows of the review day `day` (in `tz`).
pub fn timeline_rows(incidents: &[Incident], day: i64, tz: Tz) -> Vec<TimelineRow<'_>> {
    let window = Window::of_review(day, tz);
    incidents
        .iter()
        .map(|incident| TimelineRow {
            incident,
            severity: incident.severity,
            scope: match &incident.source_ip {
                Some(ip) => format!("{ip} at {}", incident.isp),
                None => incident.isp.clone(),
            },
            classes: incident
                .classes
                .iter()
                .map(|c| c.id())
                .collect::<Vec<_>>()
                .join(", "),
            onset: hour_local(incident.onset, tz),
            state: match (incident.recovered_at, incident.clean_hours) {
                (Some(end), Some(clean)) => {
                    format!("recovered {} ({clean} h clean)", hour_local(end, tz))
                }
                _ => "ongoing".to_string(),
            },
            peak: format!("{:.1}%", incident.peak_rate * 100.0),
            baseline: format!("{:.1}%", incident.baseline_rate * 100.0),
            failures: incident.deferrals + incident.bounces,
            bar: bar(incident, window),
        })
        .collect()
}

/// The bar of an incident over `window`: a character per [`BAR_HOURS`] hours.
fn bar(incident: &Incident, window: Window) -> String {
    // A recovered incident ends after its last raised hour; an ongoing one lasts.
    let end_of_incident = match incident.recovered_at {
        Some(_) => incident.last_seen + 1,
        None => window.end,
    };
    (window.shown_from..window.end)
        .step_by(BAR_HOURS as usize)
        .map(|from| {
            let to = from + BAR_HOURS;
            if incident.onset < to && end_of_incident > from {
                '█'
            } else {
                '·'
            }
        })
        .collect()
}

/// What the bar spans, for its legend.
pub fn bar_legend(day: i64, tz: Tz) -> String {
    let window = Window::of_review(day, tz);
    format!(
        "bar: {} to the end of the review day, {BAR_HOURS} h a character ({} days)",
        hour_local(window.shown_from, tz),
        SHOWN_DAYS + 1
    )
}
