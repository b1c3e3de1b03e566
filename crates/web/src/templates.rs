//! Page rendering with minijinja and our NHS.UK component macros.
//!
//! Templates are embedded at build time. Setting `LINKWELL_TEMPLATE_DIR` to
//! `crates/web/templates` makes the server read them from disk on every render instead,
//! so template edits need no rebuild while developing.

use std::sync::Arc;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use embedded::{ASSETS, NHSUK_FRONTEND_VERSION};

#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
            env.set_syntax(syntax);
        }
        match std::env::var("LINKWELL_TEMPLATE_DIR") {
            Ok(dir) if !dir.is_empty() => {
                env.set_loader(move |name| {
                    let path = std::path::Path::new(&dir).join(name);
                    match std::fs::read_to_string(path) {
                        Ok(s) => Ok(Some(s)),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                        Err(e) => Err(Error::new(ErrorKind::InvalidOperation, e.to_string())),
                    }
                });
            }
            _ => {
                for (name, source) in embedded::TEMPLATES {
                    // Embedded templates are checked by the render-every-page test.
                    if let Err(e) = env.add_template(name, source) {
                        tracing::error!(template = name, error = %e, "template does not compile");
                    }
                }
            }
        }
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        // Escape as the NHS.UK frontend's Nunjucks templates do (`'` as `&#39;`, `/` left
        // alone), so our markup matches the official fixtures; `none` renders as nothing.
        env.set_formatter(|out, _state, value| {
            if value.is_undefined() || value.is_none() {
                return Ok(());
            }
            if value.is_safe() {
                return out.write_str(&value.to_string()).map_err(|_| Error::new(ErrorKind::WriteFailure, "write"));
            }
            out.write_str(&escape(&value.to_string())).map_err(|_| Error::new(ErrorKind::WriteFailure, "write"))
        });
        env.add_function("attributes", attributes);
        env.add_filter("london_time", |ms: i64| {
            linkwell_domain::time::display_london(linkwell_domain::time::from_millis(ms))
        });
        // The time of day only ("14:05"), for lists of one day.
        env.add_filter("london_clock", |ms: i64| {
            linkwell_domain::time::from_millis(ms)
                .to_zoned(linkwell_domain::time::london())
                .strftime("%H:%M")
                .to_string()
        });
        env.add_filter("london_date", |ms: i64| {
            linkwell_domain::time::display_date(linkwell_domain::time::london_date(ms))
        });
        // Stored ISO dates ("2027-01-05") as people read them ("5 Jan 2027").
        env.add_filter("iso_date", |iso: String| {
            iso.parse::<jiff::civil::Date>().map(linkwell_domain::time::display_date).unwrap_or(iso)
        });
        // Ten stored digits shown 3-3-4.
        env.add_filter("nhs_number", |digits: String| {
            if digits.len() == 10 { format!("{} {} {}", &digits[..3], &digits[3..6], &digits[6..]) } else { digits }
        });
        Templates { env: Arc::new(env) }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env.get_template(name)?.render(ctx)
    }

    /// Render a string template with the component macros importable, for the fixture tests.
    pub fn render_str(&self, source: &str, ctx: Value) -> Result<String, Error> {
        self.env.render_str(source, ctx)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

/// The NHS.UK frontend's `nhsukAttributes`: render a mapping of attribute names to values
/// as ` name="value"` pairs. A value may be a plain value, or `{value, optional}`, where an
/// optional attribute with an empty or false value is left out and `true` renders the bare
/// name (`disabled`).
fn attributes(map: Option<Value>) -> Result<Value, Error> {
    let Some(map) = map else {
        return Ok(Value::from_safe_string(String::new()));
    };
    if map.is_undefined() || map.is_none() {
        return Ok(Value::from_safe_string(String::new()));
    }
    if map.kind() == ValueKind::String {
        // Already rendered attributes (passed through from another component).
        return Ok(Value::from_safe_string(format!(" {}", map.as_str().unwrap_or("").trim())));
    }
    let mut out = String::new();
    for key in map.try_iter()? {
        let name = key.to_string();
        let raw = map.get_item(&key)?;
        let (value, optional) = if raw.kind() == ValueKind::Map && !raw.get_attr("value")?.is_undefined()
            || raw.kind() == ValueKind::Map && !raw.get_attr("optional")?.is_undefined()
        {
            (raw.get_attr("value")?, raw.get_attr("optional")?.is_true())
        } else {
            (raw, false)
        };
        if optional {
            if value.is_undefined() || value.is_none() || (value.kind() == ValueKind::Bool && !value.is_true()) {
                continue;
            }
            if value.kind() == ValueKind::Bool {
                out.push(' ');
                out.push_str(&escape(&name));
                continue;
            }
        }
        let text = if value.is_undefined() || value.is_none() { String::new() } else { value.to_string() };
        out.push_str(&format!(" {}=\"{}\"", escape(&name), escape(&text)));
    }
    Ok(Value::from_safe_string(out))
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}
