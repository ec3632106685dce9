//! The one formatter every command's result goes through.
//!
//! Human output reproduces python-onedrive's YAML-like printer: mapping keys sorted,
//! `key: value` for scalars, nested mappings and lists on the following lines indented by
//! two spaces, list items as `- item`. `--json` prints the result as one JSON document.
//! `-k/--object-key` reduces every result object to one line from a template; objects
//! the template does not fit are skipped (as the original does).

use std::fmt::Write as _;

use serde_json::Value;

/// A parsed `-k/--object-key` template: `name` (a bare key), or text with `{key}` fields
/// where `key` may be dotted (`{parentReference.path}`). `{{`/`}}` are literal braces.
/// python-onedrive's `{0[id]}` form is accepted too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(Vec<String>),
}

/// Why a template was rejected (before any request is made).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("unclosed '{{' in template")]
    Unclosed,
    #[error("unmatched '}}' in template (write '}}}}' for a literal brace)")]
    Unmatched,
    #[error("empty field '{{}}' in template")]
    EmptyField,
    #[error("empty template")]
    Empty,
}

impl Template {
    pub fn parse(spec: &str) -> Result<Self, TemplateError> {
        if spec.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        if !spec.contains('{') && !spec.contains('}') {
            return Ok(Self {
                parts: vec![Part::Field(field_path(spec.trim())?)],
            });
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = spec.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => return Err(TemplateError::Unmatched),
                '{' => {
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(TemplateError::Unclosed),
                            Some(c) => field.push(c),
                        }
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(field_path(&field)?));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self { parts })
    }

    /// Formats one object; `None` when a field is missing (the object is then skipped).
    pub fn render(&self, obj: &Value) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(path) => {
                    let mut v = obj;
                    for key in path {
                        v = v.as_object()?.get(key)?;
                    }
                    out.push_str(&scalar(v));
                }
            }
        }
        Some(out)
    }
}

/// `a.b.c`, or python-onedrive's `0[a][b]` (with an optional `!r`/`:spec` suffix ignored).
fn field_path(field: &str) -> Result<Vec<String>, TemplateError> {
    let field = field.trim();
    let field = field.split(['!', ':']).next().unwrap_or_default();
    let keys: Vec<String> = if let Some(rest) = field.strip_prefix("0[") {
        format!("[{rest}")
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        field.split('.').map(str::to_owned).collect()
    };
    if keys.is_empty() || keys.iter().any(|k| k.is_empty()) {
        return Err(TemplateError::EmptyField);
    }
    Ok(keys)
}

/// How a scalar appears in human output and templates: strings as they are, other
/// values as JSON (`true`, `null`, `12`).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Applies `-k`: a result object becomes its rendered line, a list of objects the list of
/// lines of the objects the template fits. Anything else is left alone.
pub fn apply_template(data: &Value, tpl: &Template) -> Option<Value> {
    match data {
        Value::Object(_) => tpl.render(data).map(Value::String),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Object(_) => tpl.render(v).map(Value::String),
                    other => Some(other.clone()),
                })
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// Renders `data` in the original's YAML-like layout.
pub fn to_human(data: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, data, "", None);
    out
}

fn write_value(out: &mut String, data: &Value, indent: &str, indent_first: Option<&str>) {
    match data {
        Value::Array(items) => {
            let mut first = indent_first;
            for v in items {
                let item_first = format!("{}- ", first.unwrap_or(indent));
                write_value(out, v, &format!("{indent}  "), Some(&item_first));
                first = None;
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut cur = indent_first.unwrap_or(indent).to_owned();
            for k in keys {
                let v = &map[k];
                let _ = write!(out, "{cur}{k}:");
                cur = indent.to_owned();
                match v {
                    Value::Array(_) | Value::Object(_) => {
                        out.push('\n');
                        write_value(out, v, &format!("{indent}  "), None);
                    }
                    scalar_value => {
                        let _ = writeln!(out, " {}", scalar(scalar_value));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{}{}", indent_first.unwrap_or(indent), scalar(other));
        }
    }
}

/// The failure to report for an error writing to stdout, or `None` when the reader
/// went away (`| head`), which is not worth a complaint.
pub fn write_failure(e: std::io::Error) -> Option<crate::cli::exit::Failure> {
    (e.kind() != std::io::ErrorKind::BrokenPipe).then(|| {
        crate::cli::exit::Failure::new(
            crate::cli::exit::ExitCode::Error,
            format!("writing output: {e}"),
        )
    })
}

/// Writes `text` to stdout and flushes it. `Ok(false)`: the reader went away.
pub fn print(text: &str) -> Result<bool, crate::cli::exit::Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) => write_failure(e).map_or(Ok(false), Err),
    }
}

/// Output settings from the global options.
#[derive(Clone, Debug, Default)]
pub struct OutputOptions {
    pub json: bool,
    pub template: Option<Template>,
    /// `--raw`: values only, one per line (see [`to_raw`]).
    pub raw: bool,
}

impl OutputOptions {
    /// `--json`, `-k` (parsed: a bad template is a usage error) and `--raw`.
    pub fn from_cli(cli: &crate::cli::args::Cli) -> Result<Self, crate::cli::exit::Failure> {
        let template =
            match &cli.object_key {
                Some(spec) => Some(Template::parse(spec).map_err(|e| {
                    crate::cli::exit::Failure::usage(format!("-k/--object-key: {e}"))
                })?),
                None => None,
            };
        Ok(Self {
            json: cli.json,
            template,
            raw: cli.raw,
        })
    }
}

/// Writes a list one element at a time, exactly as [`render`] writes the whole list
/// (the same bytes, `--json` and `-k` included), so a command can print a listing
/// page by page and keep only one page in memory.
pub struct ListWriter<'o, W: std::io::Write> {
    out: W,
    opts: &'o OutputOptions,
    written: usize,
}

impl<'o, W: std::io::Write> ListWriter<'o, W> {
    pub fn new(out: W, opts: &'o OutputOptions) -> Self {
        Self {
            out,
            opts,
            written: 0,
        }
    }

    /// Writes one element of the list.
    pub fn item(&mut self, v: &Value) -> std::io::Result<()> {
        let single = Value::Array(vec![v.clone()]);
        let reduced = match &self.opts.template {
            Some(t) => match apply_template(&single, t) {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            },
            None => vec![v.clone()],
        };
        for e in reduced {
            if self.opts.json {
                let pretty = serde_json::to_string_pretty(&e).unwrap_or_else(|_| "null".into());
                let sep = if self.written == 0 { "[\n" } else { ",\n" };
                self.out.write_all(sep.as_bytes())?;
                let indented: Vec<String> = pretty.lines().map(|l| format!("  {l}")).collect();
                self.out.write_all(indented.join("\n").as_bytes())?;
            } else {
                let text = plain(&Value::Array(vec![e]), self.opts.raw);
                self.out.write_all(text.as_bytes())?;
            }
            self.written += 1;
        }
        Ok(())
    }

    /// Sends what was written so far (after each page).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Ends the list (`--json`: the closing bracket, or `[]` when empty) and flushes.
    pub fn finish(mut self) -> std::io::Result<()> {
        if self.opts.json {
            let end = if self.written == 0 { "[]\n" } else { "\n]\n" };
            self.out.write_all(end.as_bytes())?;
        }
        self.out.flush()
    }
}

/// The whole stdout text for one command result.
pub fn render(data: &Value, opts: &OutputOptions) -> String {
    let reduced;
    let data = match &opts.template {
        Some(t) => match apply_template(data, t) {
            Some(v) => {
                reduced = v;
                &reduced
            }
            None if opts.json => &Value::Null,
            None => return String::new(),
        },
        None => data,
    };
    if opts.json {
        let mut s = serde_json::to_string_pretty(data).unwrap_or_else(|_| "null".into());
        s.push('\n');
        s
    } else {
        plain(data, opts.raw)
    }
}

/// The text layouts: `--raw`'s, else the original's.
fn plain(data: &Value, raw: bool) -> String {
    if raw { to_raw(data) } else { to_human(data) }
}

/// `--raw`: one value per line with nothing around it, for `xargs`, `while read` and
/// `cut`: a list gives its elements (after `-k`, each object's line), a mapping its
/// `key<TAB>value` pairs (keys sorted), a scalar itself. Nested values are compact
/// JSON on their line. A value that holds a newline, carriage return or tab stays one
/// line, one field (`\n`, `\r`, `\t`; a backslash is doubled so that these read
/// back unambiguously).
pub fn to_raw(data: &Value) -> String {
    fn one(v: &Value) -> String {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => v.to_string(),
            other => other.to_string(),
        };
        s.replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t")
    }
    let mut out = String::new();
    match data {
        Value::Array(items) => {
            for v in items {
                out.push_str(&one(v));
                out.push('\n');
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for k in keys {
                let _ = writeln!(out, "{k}\t{}", one(&map[k]));
            }
        }
        Value::Null => {}
        other => {
            out.push_str(&one(other));
            out.push('\n');
        }
    }
    out
}

/// Human units as the original prints quota: one decimal and the largest unit of B, K,
/// M, G, T that the size exceeds (`24.9G`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(char, u64); 5] = [
        ('T', 1 << 40),
        ('G', 1 << 30),
        ('M', 1 << 20),
        ('K', 1 << 10),
        ('B', 1),
    ];
    let (unit, div) = UNITS
        .iter()
        .copied()
        .find(|&(_, d)| bytes > d)
        .unwrap_or(('B', 1));
    format!("{:.1}{}", bytes as f64 / div as f64, unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_written_element_by_element_reads_as_the_whole_list() {
        let list = json!(["a", {"name": "b", "id": "1", "x": {"y": [1, 2]}}, "c"]);
        let opts_all = [
            OutputOptions::default(),
            OutputOptions {
                json: true,
                template: None,
                raw: false,
            },
            OutputOptions {
                json: false,
                template: Some(Template::parse("name").unwrap()),
                ..Default::default()
            },
            OutputOptions {
                json: true,
                template: Some(Template::parse("{id}:{name}").unwrap()),
                ..Default::default()
            },
        ];
        for opts in &opts_all {
            for l in [list.clone(), json!([])] {
                let mut buf = Vec::new();
                let mut w = ListWriter::new(&mut buf, opts);
                for v in l.as_array().unwrap() {
                    w.item(v).unwrap();
                }
                w.finish().unwrap();
                assert_eq!(
                    String::from_utf8(buf).unwrap(),
                    render(&l, opts),
                    "{opts:?}"
                );
            }
        }
    }

    #[test]
    fn list_of_names() {
        assert_eq!(
            to_human(&json!(["Documents", "Pics"])),
            "- Documents\n- Pics\n"
        );
    }

    #[test]
    fn mapping_sorted_and_nested() {
        let v = json!({"quota": "25.0G", "free": "24.9G", "a": {"z": 1, "b": [true, null]}});
        assert_eq!(
            to_human(&v),
            "a:\n  b:\n    - true\n    - null\n  z: 1\nfree: 24.9G\nquota: 25.0G\n"
        );
    }

    #[test]
    fn tree_shape_as_original_readme() {
        let v = json!({"OneDrive": {"Documents": {"README.txt": "file"},
                                    "Pics": {"image1.jpg": "photo", "image2.jpg": "photo"}}});
        assert_eq!(
            to_human(&v),
            "OneDrive:\n  Documents:\n    README.txt: file\n  Pics:\n    image1.jpg: photo\n    image2.jpg: photo\n"
        );
    }

    #[test]
    fn list_of_objects() {
        let v = json!([{"name": "a", "id": "1"}, {"name": "b", "id": "2", "x": {"y": 3}}]);
        assert_eq!(
            to_human(&v),
            "- id: 1\n  name: a\n- id: 2\n  name: b\n  x:\n    y: 3\n"
        );
    }

    #[test]
    fn empty_mapping_value_prints_key_only() {
        assert_eq!(to_human(&json!({"root": {}, "n": 1})), "n: 1\nroot:\n");
    }

    #[test]
    fn template_bare_key_and_fields() {
        let objs = json!([
            {"id": "1", "name": "a", "parentReference": {"path": "/drive/root:"}},
            {"id": "2", "name": "b"},
        ]);
        let t = Template::parse("name").unwrap();
        assert_eq!(
            render(
                &objs,
                &OutputOptions {
                    json: false,
                    template: Some(t),
                    ..Default::default()
                }
            ),
            "- a\n- b\n"
        );
        let t = Template::parse("{id} {name} {parentReference.path}").unwrap();
        // the second object has no parentReference: skipped
        assert_eq!(
            render(
                &objs,
                &OutputOptions {
                    json: false,
                    template: Some(t),
                    ..Default::default()
                }
            ),
            "- 1 a /drive/root:\n"
        );
        let t = Template::parse("{0[id]}:{0[parentReference][path]!r}").unwrap();
        assert_eq!(t.render(&objs[0]).as_deref(), Some("1:/drive/root:"));
        let t = Template::parse("{{{name}}}").unwrap();
        assert_eq!(t.render(&objs[1]).as_deref(), Some("{b}"));
    }

    #[test]
    fn single_object_template_missing_key_prints_nothing() {
        let t = Template::parse("size").unwrap();
        let opts = OutputOptions {
            json: false,
            template: Some(t),
            ..Default::default()
        };
        assert_eq!(render(&json!({"name": "x"}), &opts), "");
        assert_eq!(render(&json!({"size": 5}), &opts), "5\n");
    }

    #[test]
    fn bad_templates() {
        assert_eq!(Template::parse("{name"), Err(TemplateError::Unclosed));
        assert_eq!(Template::parse("name}"), Err(TemplateError::Unmatched));
        assert_eq!(Template::parse("{}"), Err(TemplateError::EmptyField));
        assert_eq!(Template::parse("{a..b}"), Err(TemplateError::EmptyField));
        assert_eq!(Template::parse("  "), Err(TemplateError::Empty));
    }

    #[test]
    fn json_is_one_document() {
        let opts = OutputOptions {
            json: true,
            template: None,
            ..Default::default()
        };
        let s = render(&json!({"b": 1, "a": [1, 2]}), &opts);
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, json!({"a": [1, 2], "b": 1}));
        assert!(s.ends_with('\n'));
    }

    #[test]
    fn human_units_like_the_original() {
        assert_eq!(human_size(0), "0.0B");
        assert_eq!(human_size(1), "1.0B");
        assert_eq!(human_size(1024), "1024.0B");
        assert_eq!(human_size(1536), "1.5K");
        assert_eq!(human_size(25 * (1 << 30)), "25.0G");
        assert_eq!(human_size(26_735_493_120), "24.9G");
        assert_eq!(human_size(3 << 40), "3.0T");
    }
}
