"""Parses an exposition file with prometheus_client and prints it as JSON.

Usage: parse_exposition.py (prometheus|openmetrics) FILE

`prometheus` uses prometheus_client's text 0.0.4 parser, `openmetrics` its
strict OpenMetrics parser. Any parse error exits non-zero with the message.
The JSON is a list of families: name, type, help, unit, and samples with
name, labels, value and exemplar (labels, value) or null.
"""

import json
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus


def main():
    fmt, path = sys.argv[1], sys.argv[2]
    # newline="" keeps "\r" and other characters exactly as written.
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    parse = parse_openmetrics if fmt == "openmetrics" else parse_prometheus
    out = []
    # The parsers are lazy: list() makes them raise on bad input.
    for family in list(parse(text)):
        samples = []
        for s in family.samples:
            exemplar = None
            if s.exemplar is not None:
                exemplar = {"labels": s.exemplar.labels, "value": float(s.exemplar.value)}
            samples.append(
                {"name": s.name, "labels": s.labels, "value": float(s.value), "exemplar": exemplar}
            )
        out.append(
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "unit": family.unit,
                "samples": samples,
            }
        )
    json.dump(out, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
