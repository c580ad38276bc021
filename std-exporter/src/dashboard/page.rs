//! The page: one self-contained HTML document, put together once.
//!
//! The markup, the style sheet and the script are kept as separate files
//! (`assets/`) so each can be read and edited as what it is, then inlined
//! into one document when the dashboard starts: a page that loads nothing
//! else works offline, behind any proxy, and under a Content Security
//! Policy that forbids every other origin. The few settings the script
//! needs (where the JSON is, how often to poll) go in as a JSON block.

use super::config::DashboardConfig;

const TEMPLATE: &str = include_str!("assets/index.html");
const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");

/// The page for `config`.
pub(crate) fn render(config: &DashboardConfig) -> String {
    let settings = serde_json::json!({
        "json": config.json_href(),
        "interval_ms": u64::try_from(config.interval.as_millis()).unwrap_or(u64::MAX),
        "prometheus_url": config.prometheus_url,
        "metrics": config.metrics_path,
    })
    .to_string()
    // Inside <script>, only `</script` could end the block early; escaping
    // every `<` rules it out whatever the settings hold.
    .replace('<', "\\u003c");
    fill(
        TEMPLATE,
        &[
            ("{{settings}}", &settings),
            ("{{style}}", STYLE),
            ("{{script}}", SCRIPT),
        ],
    )
}

/// `template` with each marker replaced by its value. Only the template is
/// searched, so a value that happens to contain a marker stays as it is.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    loop {
        let next = values
            .iter()
            .filter_map(|&(marker, value)| rest.find(marker).map(|at| (at, marker, value)))
            .min_by_key(|&(at, _, _)| at);
        match next {
            Some((at, marker, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + marker.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_filled_once() {
        assert_eq!(
            fill("a{{x}}b{{y}}c{{x}}", &[("{{x}}", "{{y}}"), ("{{y}}", "Y")]),
            "a{{y}}bYc{{y}}"
        );
    }

    #[test]
    fn the_page_is_one_document() {
        let page = render(&DashboardConfig::new().prometheus_url("http://p:9090/</script><b>"));
        assert!(!page.contains("{{"), "a marker was left");
        assert_eq!(
            page.matches("<script").count(),
            2,
            "settings and the script"
        );
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(page.contains(r#""json":"dashboard.json""#));
        assert!(page.contains(r#"\u003c/script>\u003cb>"#));
        assert!(page.contains("<style>"));
    }
}
