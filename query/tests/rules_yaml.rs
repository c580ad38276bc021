//! The structure of the generated rules files, read back with a YAML parser:
//! what Prometheus will see, independently of how the text was written.

use omnimetrics_query::rules::{ObjectiveSpec, RulesConfig, RulesError, generic_rules, rules_for};
use serde_yaml::Value;

const WINDOWS: [&str; 8] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"];

fn parse(text: &str) -> Vec<Value> {
    let doc: Value = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    doc["groups"].as_sequence().expect("groups").clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v:?}"))
}

/// Checks one group: 8 ratios then a page and a ticket alert.
fn check_group(group: &Value, category: &str, percentile: &str, alert: &str, name: Option<&str>) {
    let rules = group["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 10, "{group:?}");
    for (rule, window) in rules.iter().zip(WINDOWS) {
        assert_eq!(
            s(rule, "record"),
            format!("slo:sli_error:ratio_rate{window}")
        );
        assert_eq!(s(&rule["labels"], "category"), category);
        assert_eq!(s(&rule["labels"], "objective_percentile"), percentile);
        let expr = s(rule, "expr");
        assert!(expr.contains(&format!("[{window}]")), "{expr}");
        assert!(expr.contains(">= (1 / 60)"), "{expr}");
        if let Some(name) = name {
            assert_eq!(s(&rule["labels"], "objective_name"), name);
        }
    }
    for (rule, severity) in rules[8..].iter().zip(["page", "ticket"]) {
        assert_eq!(s(rule, "alert"), alert);
        assert_eq!(s(&rule["labels"], "severity"), severity);
        assert_eq!(s(&rule["labels"], "category"), category);
        assert!(s(&rule["annotations"], "summary").contains("{{ $labels.objective_name }}"));
        // Alerts of objectives at the same percentile differ by their static
        // labels (promtool's duplicate-rule lint); generic ones set none.
        assert_eq!(rule["labels"]["objective_name"].as_str(), name);
    }
}

#[test]
fn generic_rules_structure() {
    let groups = parse(&generic_rules(&RulesConfig::default()).unwrap());
    assert_eq!(groups.len(), 8);
    let mut i = 0;
    for (category, alert) in [
        ("success-rate", "High Error Rate SLO"),
        ("latency", "High Latency SLO"),
    ] {
        for p in ["90", "95", "99", "99.9"] {
            let g = &groups[i];
            assert_eq!(s(g, "name"), format!("omnimetrics-slo-{category}-{p}"));
            check_group(g, category, p, &format!("{alert} - {p}%"), None);
            i += 1;
        }
    }
    // The 99.9 page alert, exactly.
    let page = &groups[3]["rules"][8];
    let sel = r#"{category="success-rate",objective_percentile="99.9"}"#;
    assert_eq!(
        s(page, "expr"),
        format!(
            "(\n  slo:sli_error:ratio_rate5m{sel} > (14.4 * 0.001)\n  and\n  slo:sli_error:ratio_rate1h{sel} > (14.4 * 0.001)\n)\n\
             or\n(\n  slo:sli_error:ratio_rate30m{sel} > (6 * 0.001)\n  and\n  slo:sli_error:ratio_rate6h{sel} > (6 * 0.001)\n)"
        )
    );
    let ticket = s(&groups[3]["rules"][9], "expr");
    assert!(ticket.contains("slo:sli_error:ratio_rate2h{") && ticket.contains("> (3 * 0.001)"));
    assert!(ticket.contains("slo:sli_error:ratio_rate3d{") && ticket.contains("> (1 * 0.001)"));
    // The latency SLI reads the threshold from the series and normalises it.
    let latency = s(&groups[7]["rules"][0], "expr");
    assert!(
        latency.contains(r#""slo_le", "$1$2", "slo_le", "(\\d+)\\.?0*|(\\d*\\.\\d*[1-9])0*")"#)
    );
    assert!(latency.contains(r#"le="+Inf""#));
}

#[test]
fn rules_for_structure_and_config() {
    let name = "we\"ird\\ name\n✓ \u{2028}";
    let objectives = [
        ObjectiveSpec::success_rate(name, "99.95"),
        ObjectiveSpec::latency("api", "97.5", "0.30"),
    ];
    let cfg = RulesConfig::default()
        .with_period_days(28)
        .with_traffic_floor_per_minute(0.5)
        .with_alert_label("team", "pay\"ments\\ \n ünï: #x")
        .with_annotation("runbook_url", "https://r.example/?a=1&b=2#f")
        .with_annotation("summary", "custom {{ $value }}");
    let groups = parse(&rules_for(&objectives, &cfg).unwrap());
    assert_eq!(groups.len(), 2);
    assert_eq!(
        s(&groups[0], "name"),
        format!("omnimetrics-slo-{name}-success-rate-99.95")
    );
    let rules = groups[0]["rules"].as_sequence().unwrap();
    assert_eq!(s(&rules[7], "record"), "slo:sli_error:ratio_rate28d");
    assert_eq!(s(&rules[0]["labels"], "objective_name"), name);
    // The name reaches PromQL escaped (and YAML keeps the escapes as text).
    assert!(s(&rules[0], "expr").contains(r#"objective_name="we\"ird\\ name\n✓ \u2028""#));
    assert!(s(&rules[0], "expr").contains(">= (0.5 / 60)"));
    let page = &rules[8];
    assert!(s(page, "expr").contains("> (13.44 * 0.0005)"));
    assert!(s(&rules[9], "expr").contains("> ((14 / 15) * 0.0005)"));
    assert_eq!(s(&page["labels"], "team"), "pay\"ments\\ \n ünï: #x");
    assert_eq!(
        s(&page["annotations"], "runbook_url"),
        "https://r.example/?a=1&b=2#f"
    );
    assert_eq!(s(&page["annotations"], "summary"), "custom {{ $value }}");
    assert!(
        s(&page["annotations"], "description").contains("28-day error budget (0.05% of calls)")
    );
    assert_eq!(page["annotations"].as_mapping().unwrap().len(), 3);

    let latency = groups[1]["rules"].as_sequence().unwrap();
    assert!(s(&latency[0], "expr").contains(r#"le=~"0\\.30*""#));
    assert_eq!(s(&latency[8], "alert"), "High Latency SLO - 97.5%");
}

#[test]
fn invalid_input_is_refused() {
    let cfg = RulesConfig::default();
    let one = |o: ObjectiveSpec| rules_for(&[o], &cfg);
    assert_eq!(
        one(ObjectiveSpec::success_rate("a", "99.9.9")),
        Err(RulesError::InvalidPercentile("99.9.9".into()))
    );
    assert_eq!(
        one(ObjectiveSpec::latency("a", "99", "250ms")),
        Err(RulesError::InvalidThreshold("250ms".into()))
    );
    assert_eq!(
        one(ObjectiveSpec::success_rate("", "99")),
        Err(RulesError::EmptyObjectiveName)
    );
    let twice = [
        ObjectiveSpec::latency("a", "99", "1"),
        ObjectiveSpec::latency("a", "99", "2.5"),
    ];
    assert!(matches!(
        rules_for(&twice, &cfg),
        Err(RulesError::DuplicateObjective(_))
    ));
    // Same name, different kinds or percentiles: fine.
    let fine = [
        ObjectiveSpec::latency("a", "99", "1"),
        ObjectiveSpec::success_rate("a", "99"),
        ObjectiveSpec::latency("a", "99.9", "1"),
    ];
    assert_eq!(parse(&rules_for(&fine, &cfg).unwrap()).len(), 3);
    assert_eq!(
        generic_rules(&RulesConfig::default().with_alert_label("__x", "y")),
        Err(RulesError::InvalidLabelName("__x".into()))
    );
    assert_eq!(
        rules_for(&[], &cfg).unwrap().lines().last(),
        Some("groups: []")
    );
}
