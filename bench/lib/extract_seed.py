"""Extract the seed's files from its markdown at bench time (they are never copied into the repo).

The seed writes each file with a quoted heredoc: a line `cat <<'EOF' > NAME`, the file, then `EOF`.
Usage: extract_seed.py SEED_MD OUT_DIR NAME... ; fails loudly if a file is missing, and checks that
requirements.txt pins exactly the versions the benchmark was written against.
"""

import re
import sys
from pathlib import Path

EXPECTED_PINS = {"fastapi==0.104.1", "uvicorn[standard]==0.24.0", "pydantic==2.5.0"}


def extract(markdown: str, name: str) -> str:
    pattern = re.compile(r"^cat <<'EOF' > " + re.escape(name) + r"\n(.*?)^EOF$", re.M | re.S)
    match = pattern.search(markdown)
    if not match:
        sys.exit(f"extract_seed: no `cat <<'EOF' > {name}` block in the seed")
    return match.group(1)


def main() -> None:
    seed, out, names = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    markdown = seed.read_text()
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = extract(markdown, name)
        if name == "requirements.txt":
            pins = {line.strip() for line in text.splitlines() if line.strip()}
            if pins != EXPECTED_PINS:
                sys.exit(f"extract_seed: seed pins {sorted(pins)}, expected {sorted(EXPECTED_PINS)}")
        (out / name).write_text(text)
        print(f"extract_seed: {name} ({len(text)} bytes) -> {out / name}")


if __name__ == "__main__":
    main()
