//! JSON: the report as its documented schema; hourly rows as an array of objects.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{HourlyTable, Renderer};
use crate::review::Review;
use crate::timefmt::hour_rfc3339;

pub struct Json;

impl Renderer for Json {
    fn report(&self, review: &Review, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, review)?;
        writeln!(out)
    }

    fn hourly(&self, table: &HourlyTable<'_>, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Value> = table
            .rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                obj.insert("hour".into(), json!(hour_rfc3339(row.period)));
                for (dim, key) in table.by.iter().zip(&row.keys) {
                    obj.insert(dim.column().into(), json!(key));
                }
                obj.insert("attempts".into(), json!(row.attempts));
                obj.insert("delivered".into(), json!(row.delivered));
                obj.insert("deferred".into(), json!(row.deferred));
                obj.insert("bounced".into(), json!(row.bounced));
                obj.insert("queue_deferrals".into(), json!(row.queue_deferrals));
                obj.insert("deferral_rate".into(), json!(row.deferral_rate()));
                obj.insert("bounce_rate".into(), json!(row.bounce_rate()));
                obj.insert(
                    "prev_day_deferral_rate".into(),
                    json!(row.prev_deferral_rate()),
                );
                obj.insert(
                    "rolling_7d_deferral_rate".into(),
                    json!(row.rolling_deferral_rate()),
                );
                Value::Object(obj)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)
    }
}
