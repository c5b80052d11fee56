"""Renders captured spans as an SVG waterfall: one row per span, a bar from its start to its end
on a shared time axis, the span's name and key attributes beside it, errors in red.

Used by test_waterfall.py on spans the receiver decoded; the README's picture
(docs/trace-waterfall.svg) is its output.
"""
from __future__ import annotations

from html import escape

ROW, LEFT, BAR_W, TOP = 26, 250, 380, 58
SHOWN = ("gen_ai.tool.name", "mcp.resource.uri", "jsonrpc.request.id", "error.type")


def render(spans: list[dict], title: str) -> str:
    spans = sorted(spans, key=lambda s: s["start_ns"])
    t0 = min(s["start_ns"] for s in spans)
    t1 = max(s["end_ns"] for s in spans)
    scale = BAR_W / max(t1 - t0, 1)
    width, height = LEFT + BAR_W + 500, TOP + ROW * (len(spans) + 1) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="Helvetica,Arial,sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="12" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<text x="12" y="42" fill="#555">trace {spans[0]["trace_id"]} · '
           f'{(t1 - t0) / 1e6:.2f} ms from the first request to the last answer</text>',
           f'<text x="12" y="{TOP + 14}" fill="#777">caller\'s span</text>',
           f'<rect x="{LEFT}" y="{TOP + 3}" width="{BAR_W}" height="14" rx="2" fill="#c8ccd2"/>',
           f'<text x="{LEFT + BAR_W + 12}" y="{TOP + 14}" fill="#777">span {spans[0]["parent_span_id"]}, '
           f'from params._meta.traceparent</text>']
    for i, span in enumerate(spans, start=1):
        y = TOP + i * ROW
        x = LEFT + (span["start_ns"] - t0) * scale
        w = max((span["end_ns"] - span["start_ns"]) * scale, 2)
        error = "error.type" in span["attributes"]
        colour = "#d9534f" if error else "#3b7dd8"
        out.append(f'<rect x="0" y="{y - 2}" width="{width}" height="{ROW}" fill="{"#f6f8fa" if i % 2 else "#fff"}"/>')
        out.append(f'<text x="24" y="{y + 14}">{escape(span["name"])}</text>')
        out.append(f'<text x="{LEFT - 16}" y="{y + 14}" fill="#555" text-anchor="end">'
                   f'{(span["end_ns"] - span["start_ns"]) / 1e3:.0f} µs</text>')
        out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="14" rx="2" fill="{colour}"/>')
        shown = "  ".join(f"{k}={span['attributes'][k]}" for k in SHOWN if k in span["attributes"])
        out.append(f'<text x="{LEFT + BAR_W + 12}" y="{y + 14}" fill="{colour if error else "#333"}">'
                   f'{escape(shown)}</text>')
    y = TOP + ROW * (len(spans) + 1) + 18
    out.append(f'<text x="12" y="{y}" fill="#777">SERVER spans of mcp-rust-server as an OTLP receiver decoded '
               f'them (tests/otel/test_waterfall.py); red: error.type set</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
