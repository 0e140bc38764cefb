//! JSON: the report as its documented schema; hourly rows as an array of objects.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{HOURLY_COLUMNS, HourlyTable, HourlyValue, Renderer, hourly_values};
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
                for (column, value) in HOURLY_COLUMNS.iter().zip(hourly_values(row)) {
                    let value = match value {
                        HourlyValue::Count(n) => json!(n),
                        HourlyValue::Rate(rate) => json!(rate),
                    };
                    obj.insert((*column).into(), value);
                }
                Value::Object(obj)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)
    }
}
