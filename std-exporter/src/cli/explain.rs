//! `omnimetrics explain`: a function's PromQL queries and Prometheus links.
//!
//! The queries are those of the doc links and the dashboard page
//! ([`all_queries`]), so what a terminal shows is what the docs link to.
//! A function is identified by `function` and `module`; when `--module` is
//! left out, the module is looked up in Prometheus, which knows every
//! instrumented function it scrapes.

use std::fmt::Write as _;

use omnimetrics_query::queries::{
    DEFAULT_PROMETHEUS_URL, FunctionRef, QueryOptions, all_queries, function_calls_selector,
    percent_encode, prometheus_graph_link,
};

use super::CliResult;

/// Arguments of `omnimetrics explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    omnimetrics explain checkout --module shop::api --service shop\n  \
    omnimetrics explain 'Cart::add' --prometheus-url http://prometheus:9090")]
pub(crate) struct Args {
    /// The function's name as its `function` label writes it (`checkout`,
    /// `Cart::add` for a method).
    #[arg(value_name = "FUNCTION")]
    function: String,

    /// Its module (`module_path!()`, such as `shop::api`). When left out, it
    /// is looked up in Prometheus at --prometheus-url.
    #[arg(long, value_name = "MODULE")]
    module: Option<String>,

    /// Its service name; when left out, the queries match every service.
    #[arg(long = "service", value_name = "SERVICE", default_value = "")]
    service: String,

    /// The Prometheus the links point at (default: $PROMETHEUS_URL, else
    /// http://localhost:9090).
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    prometheus_url: Option<String>,

    /// The range of every rate() in the queries.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_window)]
    rate_window: QueryOptions,
}

pub(crate) fn run(args: Args) -> CliResult {
    let prometheus_url = match args.prometheus_url {
        Some(url) => url,
        None => match std::env::var("PROMETHEUS_URL") {
            Ok(url) if !url.is_empty() => {
                parse_url(&url).map_err(|e| format!("PROMETHEUS_URL: {e}"))?
            }
            _ => DEFAULT_PROMETHEUS_URL.to_string(),
        },
    };
    let module = match args.module {
        Some(module) => module,
        None => find_module(&prometheus_url, &args.function, &args.service)?,
    };
    let f = FunctionRef::new(&args.function, &module, &args.service);
    let text = explain(&f, &args.rate_window, &prometheus_url);
    super::stdout::write(&text)
}

/// The text printed for `f`: a heading, then per query its title, PromQL
/// and link.
fn explain(f: &FunctionRef<'_>, opts: &QueryOptions, prometheus_url: &str) -> String {
    let service = if f.service_name.is_empty() {
        "any service"
    } else {
        f.service_name
    };
    let mut text = format!(
        "{} (module {}, {service}); links to {prometheus_url}\n",
        f.function, f.module
    );
    for q in all_queries(f, opts) {
        let _ = write!(
            text,
            "\n{}\n  {}\n  {}\n",
            q.title,
            q.promql,
            prometheus_graph_link(prometheus_url, &q.promql)
        );
    }
    text
}

/// The module of `function` (in `service`, if given), from Prometheus'
/// label values API.
fn find_module(
    prometheus_url: &str,
    function: &str,
    service: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let selector = function_calls_selector(function, service);
    let url = format!(
        "{}/api/v1/label/module/values?match[]={}",
        prometheus_url.trim_end_matches('/'),
        percent_encode(&selector)
    );
    let hint = "pass --module";
    let body = crate::slo::source::http_get(&url, "application/json")
        .map_err(|e| format!("cannot look up the module of {function} ({e}); {hint}"))?;
    let json: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("{url} did not answer with JSON ({e}); {hint}"))?;
    let modules: Vec<&str> = json["data"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    match modules.as_slice() {
        [module] => {
            eprintln!("omnimetrics: {function} is in module {module}");
            Ok((*module).to_string())
        }
        [] => Err(format!(
            "Prometheus at {prometheus_url} has no series of function {function:?}{}; \
             check the name, or {hint}",
            if service.is_empty() {
                String::new()
            } else {
                format!(" in service {service:?}")
            }
        )
        .into()),
        several => Err(format!(
            "function {function:?} exists in several modules ({}); {hint}",
            several.join(", ")
        )
        .into()),
    }
}

fn parse_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.contains(' ') => {
            Ok(text.trim_end_matches('/').to_string())
        }
        _ => Err(format!(
            "{text:?} is not an http:// or https:// URL such as http://localhost:9090"
        )),
    }
}

fn parse_window(text: &str) -> Result<QueryOptions, String> {
    QueryOptions::default()
        .with_rate_window(text)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://prom:9090/").as_deref(),
            Ok("http://prom:9090")
        );
        assert!(parse_url("https://prom.example/prometheus").is_ok());
        for bad in ["prom:9090", "http://", "ftp://x", "http:///x", "http://a b"] {
            assert!(parse_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn text_lists_every_query_with_its_link() {
        let f = FunctionRef::new("Cart::add", "shop::cart", "shop");
        let opts = QueryOptions::default();
        let text = explain(&f, &opts, "http://prom:9090");
        assert!(text.starts_with(
            "Cart::add (module shop::cart, shop); links to http://prom:9090\n\nRequest rate (calls/s)\n  sum by ("
        ));
        for q in all_queries(&f, &opts) {
            assert!(text.contains(&format!("\n{}\n  {}\n", q.title, q.promql)));
            assert!(text.contains(&prometheus_graph_link("http://prom:9090", &q.promql)));
        }
    }
}
