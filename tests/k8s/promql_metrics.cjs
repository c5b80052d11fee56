// Parses PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql, the
// parser of the Prometheus UI; pinned in tests/tools/package.json) and says what each query
// reads. Used by dashboard_checks.py.
//
// Input (stdin): a JSON array of query strings, Grafana's `$__...` interval variables
// already replaced by a duration. Output (stdout): one JSON object per query, in order:
// {"errors": ["<text at each syntax error>"], "metrics": [...], "labels": [...]}, where
// `metrics` are the metric names of its selectors and `labels` every label name it
// matches or groups by. CommonJS, so that NODE_PATH finds the pinned tools in .tools/node.
const { readFileSync } = require("node:fs");
const { parser } = require("@prometheus-io/lezer-promql");

const input = JSON.parse(readFileSync(0, "utf8"));
const results = input.map((query) => {
    const errors = [];
    const metrics = new Set();
    const labels = new Set();
    parser.parse(query).iterate({
        enter(node) {
            const text = query.slice(node.from, node.to);
            if (node.type.isError) errors.push(`${node.from}: '${query.slice(node.from, node.from + 20)}'`);
            else if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") metrics.add(text);
            else if (node.name === "LabelName") labels.add(text);
        },
    });
    return { errors, metrics: [...metrics].sort(), labels: [...labels].sort() };
});
process.stdout.write(JSON.stringify(results));
