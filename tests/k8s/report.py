"""The check scripts' one output format: a "✓ name" or "✗ name: why" line per check, which
tests/k8s/run.sh counts, and the count of failed checks for the exit status."""

failures = 0


def report(name, problems):
    global failures
    if problems:
        failures += 1
        print(f"✗ {name}: {'; '.join(problems)}")
    else:
        print(f"✓ {name}")


def exit_status():
    """1 if any check failed, else 0."""
    return 1 if failures else 0
