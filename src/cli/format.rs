//! `--format table|csv|json` of `sim`, `synth` and `cycles`.
//!
//! Every result is one flat record: an ordered list of named fields. `table` is each command's
//! human-readable text (unchanged); `csv` writes a header row of the field names, then one
//! row per record; `json` writes **JSON Lines**: one JSON object per record and line, with the
//! same keys, in the same order, as the CSV header. Records stream as results arrive (a long
//! `sim` run shows each design as it finishes, and `head -1` works), and a missing value is
//! an empty CSV cell or a JSON `null`. The three formats carry the same fields; the table may
//! merge some (`4x4`, `64,64,64`) or add ratios to the first row for reading.

use super::ui::Ui;
use anyhow::Result;
use serde_json::Value;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text (the default).
    #[default]
    Table,
    /// A header row, then one comma-separated row per result.
    Csv,
    /// JSON Lines: one JSON object per result and line.
    Json,
}

/// One result: field names and values, in output order.
pub type Record = Vec<(&'static str, Value)>;

/// Writes records in the CSV or JSON Lines format.
pub struct RecordWriter<'a> {
    ui: &'a Ui,
    format: Format,
    header: bool,
}

impl<'a> RecordWriter<'a> {
    /// A writer for `format` (nothing is written for [`Format::Table`]).
    pub fn new(ui: &'a Ui, format: Format) -> Self {
        RecordWriter {
            ui,
            format,
            header: false,
        }
    }

    /// Write one record (with the CSV header before the first).
    pub fn write(&mut self, rec: &Record) -> Result<()> {
        match self.format {
            Format::Table => Ok(()),
            Format::Csv => {
                if !self.header {
                    self.header = true;
                    let names: Vec<String> = rec.iter().map(|(k, _)| csv_cell(k)).collect();
                    writeln!(self.ui, "{}", names.join(","))?;
                }
                let cells: Vec<String> = rec.iter().map(|(_, v)| csv_value(v)).collect();
                writeln!(self.ui, "{}", cells.join(","))
            }
            Format::Json => writeln!(self.ui, "{}", json_line(rec)),
        }
    }
}

/// A record as one JSON object, keys in record order.
pub fn json_line(rec: &Record) -> String {
    let fields: Vec<String> = rec
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::from(*k), v))
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn csv_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => csv_cell(s),
        other => csv_cell(&other.to_string()),
    }
}

/// RFC 4180 quoting: a cell with a comma, quote or line break is quoted, quotes doubled.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A float rounded to `digits` decimals, as a JSON number (null when not finite).
pub fn rounded(x: f64, digits: i32) -> Value {
    let p = 10f64.powi(digits);
    Value::from((x * p).round() / p)
}

/// An optional number: the value or null.
pub fn opt<T: Into<Value>>(x: Option<T>) -> Value {
    x.map_or(Value::Null, Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_lines() {
        let rec: Record = vec![
            ("design", Value::from("a,\"b\"")),
            ("cells", Value::from(12u64)),
            ("luts", Value::Null),
            ("util", rounded(0.123456, 4)),
        ];
        let cells: Vec<String> = rec.iter().map(|(_, v)| csv_value(v)).collect();
        assert_eq!(cells.join(","), "\"a,\"\"b\"\"\",12,,0.1235");
        let line = json_line(&rec);
        assert_eq!(
            line,
            r#"{"design":"a,\"b\"","cells":12,"luts":null,"util":0.1235}"#
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["cells"], 12);
        assert_eq!(rounded(f64::NAN, 2), Value::Null);
    }
}
