"""Structure of the Dockerfile, read with the official (BuildKit) parser.

Usage: python dockerfile_checks.py Dockerfile .dockerignore

The Dockerfile's builder stages need the rust base image, which cannot be
pulled here, so they are checked by reading, not by building; its runtime
stage IS built (scripts/build-image.sh reuses it verbatim). One ✓/✗ line per
check; exit 1 if any failed.
"""

import sys

import dockerfile

failures = 0


def check(name, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    print(f"{'✓' if ok else '✗'} Dockerfile: {name}{'' if ok else f': {detail}'}")


try:
    cmds = dockerfile.parse_file(sys.argv[1])
except dockerfile.GoParseError as e:
    print(f"✗ Dockerfile: parses: {e}")
    sys.exit(1)
check("parses with the BuildKit parser", True)

# Split into stages: (FROM value, [commands]).
stages = []
for c in cmds:
    if c.cmd == "FROM":
        stages.append((c.value, []))
    elif stages:
        stages[-1][1].append(c)
names = [v[2] if len(v) > 2 else v[0] for v, _ in stages]
check("multi-stage, final stage is `FROM scratch AS runtime`",
      len(stages) >= 2 and stages[-1][0] == ("scratch", "AS", "runtime"), f"stages {names}")

builder = dict((v[2], body) for v, body in stages if len(v) > 2).get("builder", [])
runs = [" ".join(c.value) for c in builder if c.cmd == "RUN"]
check("builder installs llvm-<rustc's LLVM major> (llvm-profdata) and python3",
      any("llvm-$(rustc -vV" in r and "python3" in r for r in runs), runs)
check("builds with scripts/build-release.sh --static (static glibc, profile-guided)",
      any("scripts/build-release.sh --static" in r for r in runs), runs)

rt = stages[-1][1]
by = {}
for c in rt:
    by.setdefault(c.cmd, []).append(c)
user = [c.value for c in by.get("USER", [])]
check("USER 65532:65532 (numeric)", user == [("65532:65532",)], user)
check("EXPOSE 8000", [c.value for c in by.get("EXPOSE", [])] == [("8000",)])
envs = [c.value for c in by.get("ENV", [])]
flat = [v for e in envs for v in e]
check("ENV HOST=0.0.0.0", any(flat[i:i + 2] == ["HOST", "0.0.0.0"] for i in range(len(flat))), envs)
hc = [c.value for c in by.get("HEALTHCHECK", [])]
check("HEALTHCHECK runs `mcp-rust-server healthcheck`", hc == [("CMD", "/mcp-rust-server", "healthcheck")], hc)
labels = [v for c in by.get("LABEL", []) for v in c.value[0::2]]
want = {"org.opencontainers.image.title", "org.opencontainers.image.version",
        "org.opencontainers.image.description", "org.opencontainers.image.licenses"}
check("OCI labels", want <= set(labels), labels)
check("ENTRYPOINT is the binary", [c.value for c in by.get("ENTRYPOINT", [])] == [("/mcp-rust-server",)])
check("runtime stage copies only the binary",
      [(c.flags, c.value) for c in by.get("COPY", [])] == [(("--from=builder",), ("/out/mcp-rust-server", "/mcp-rust-server"))])

ignored = {l.strip().rstrip("/") for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
check(".dockerignore keeps target/, bench/, .git/ out of the context", {"target", "**/target", "bench", ".git"} <= ignored, ignored)
sys.exit(1 if failures else 0)
