"""A dependency-free SVG chart of a benchmark run: throughput bars (left) and p99 bars (right)."""

from html import escape

ROW_H = 26
LABEL_W = 330
BAR_W = 300
GAP = 40
TOP = 58


def _color(key: str) -> str:
    if key.startswith("ours"):
        return "#d9480f"
    if key.startswith("floor"):
        return "#868e96"
    return "#1c7ed6"


def _panel(rows, field, x0, title, fmt, unit):
    peak = max((r[field] for r in rows), default=0) or 1
    out = [f'<text x="{x0}" y="{TOP - 14}" font-weight="bold">{escape(title)}</text>']
    for i, r in enumerate(rows):
        y = TOP + i * ROW_H
        w = max(1.0, BAR_W * r[field] / peak)
        out.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{ROW_H - 8}" '
                   f'fill="{_color(r["key"])}"/>')
        out.append(f'<text x="{x0 + w + 4:.1f}" y="{y + ROW_H - 12}">{fmt(r[field])}{unit}</text>')
    return out


def svg(res: dict) -> str:
    rows = res["rows"]
    width = LABEL_W + 2 * (BAR_W + 90) + GAP
    height = TOP + ROW_H * max(1, len(rows)) + 40
    title = "MCP tools/call calculate and REST execute, loopback, wrk"
    if res["meta"]["quick"]:
        title += " (QUICK smoke run: noisy)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, r in enumerate(rows):
        y = TOP + i * ROW_H + ROW_H - 12
        parts.append(f'<text x="{LABEL_W - 8}" y="{y}" text-anchor="end">{escape(r["label"])}</text>')
    parts += _panel(rows, "rps", LABEL_W, "throughput (req/s, higher is better)",
                    lambda v: f"{v:,.0f}", "")
    parts += _panel(rows, "p99_ms", LABEL_W + BAR_W + 90 + GAP, "p99 latency (ms, lower is better)",
                    lambda v: f"{v:.2f}", " ms")
    m = res["meta"]
    parts.append(f'<text x="10" y="{height - 12}" fill="#555">{escape(m["date"])}; {escape(m["machine"])}; '
                 f'{m["connections"]} connections, {m["rounds"]}x{m["duration_s"]} s rounds (median); '
                 f'{escape(m["pinning"])}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
