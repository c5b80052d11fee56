#!/usr/bin/env python3
"""Summarize one run of the MCP conformance CLI (`conformance server ... -o DIR`).

Usage: summarize.py RUN_NAME OUT_DIR SCORED_FILE NOT_SCORED_FILE NA_FILE SUMMARY_TSV

  OUT_DIR          the CLI's -o directory: one server-<scenario>-<timestamp>/checks.json each
  SCORED_FILE      scenario names that decide this run (one a line)
  NOT_SCORED_FILE  "name<TAB>reason" lines: run and reported, never scored
  NA_FILE          "name<TAB>reason" lines: not applicable in this server mode (reported only)
  SUMMARY_TSV      appended: run, passed, total, na, not_scored_failed, not_scored_total

A scenario passes when none of its checks has status FAILURE (WARNING, INFO and
SKIPPED do not fail a scenario; that is the CLI's own rule). A scored scenario
without a checks.json (the scenario crashed or the CLI died) counts as failed.
Exit status: 0 when every scored scenario passed, 1 otherwise.
"""
import json
import os
import re
import sys

TS = re.compile(r"-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")


def read_list(path):
    out = []
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.strip():
                    name, _, reason = line.partition("\t")
                    out.append((name.strip(), reason.strip()))
    return out


def load_results(out_dir):
    """scenario -> list of checks (the newest directory wins if a name repeats)."""
    results = {}
    if not os.path.isdir(out_dir):
        return results
    for entry in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, entry, "checks.json")
        if not entry.startswith("server-") or not os.path.isfile(path):
            continue
        name = TS.sub("", entry[len("server-"):])
        try:
            with open(path, encoding="utf-8") as f:
                results[name] = json.load(f)
        except (OSError, ValueError) as exc:
            results[name] = [{"id": "checks-json", "status": "FAILURE",
                              "errorMessage": f"unreadable checks.json: {exc}"}]
    return results


def verdict(checks):
    if checks is None:
        return "missing", []
    failed = [c for c in checks if c.get("status") == "FAILURE"]
    return ("fail" if failed else "pass"), failed


def main():
    run, out_dir, scored_f, not_scored_f, na_f, summary_tsv = sys.argv[1:7]
    scored = [n for n, _ in read_list(scored_f)]
    not_scored = read_list(not_scored_f)
    na = dict(read_list(na_f))
    results = load_results(out_dir)

    passed = failed = 0
    lines = []
    for name in scored:
        if name in na:
            continue
        v, bad = verdict(results.get(name))
        if v == "pass":
            passed += 1
        else:
            failed += 1
            lines.append(f"  FAIL {name}" + (" (no results: scenario did not report)" if v == "missing" else ""))
            for c in bad[:8]:
                msg = (c.get("errorMessage") or c.get("description") or "").replace("\n", " ")
                lines.append(f"       - {c.get('id')}: {msg[:400]}")
    reasons = []
    for name, reason in na.items():
        v, bad = verdict(results.get(name))
        if reason not in reasons:
            reasons.append(reason)
        lines.append(f"  n/a  {name} [{v}] — not applicable in this mode (reason {reasons.index(reason) + 1})")
    for i, reason in enumerate(reasons, 1):
        lines.append(f"       reason {i}: {reason}")
    ns_failed = 0
    for name, reason in not_scored:
        v, bad = verdict(results.get(name))
        if v != "pass":
            ns_failed += 1
        lines.append(f"  info {name} [{v}] — not scored ({reason})")
    unexpected = sorted(set(results) - set(scored) - set(na) - {n for n, _ in not_scored})
    for name in unexpected:
        v, _ = verdict(results.get(name))
        lines.append(f"  info {name} [{v}] — ran but is in no list of this run")

    total = passed + failed
    print(f"[{run}] scored: {passed}/{total} passed" +
          (f", {len(na)} n/a in this mode" if na else "") +
          (f", not scored: {len(not_scored) - ns_failed}/{len(not_scored)} passing" if not_scored else ""))
    for line in lines:
        print(line)
    with open(summary_tsv, "a", encoding="utf-8") as f:
        f.write(f"{run}\t{passed}\t{total}\t{len(na)}\t{ns_failed}\t{len(not_scored)}\n")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
