"""CI security gate: `pip-audit` over the locked versions.

A known vulnerability fails the build; an advisory service that cannot be reached only warns
(a registry outage must not block work, a vulnerable dependency must).
"""

import json
import subprocess
import sys


def main(lock: str) -> int:
    """Run pip-audit on `lock`; return the exit status for CI."""
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            lock,
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    listed = report.get("dependencies", [])
    dependencies = [d for d in listed if "skip_reason" not in d]
    skipped = len(listed) - len(dependencies)
    if not dependencies:
        # Nothing could be looked up: the advisory service is unreachable from here.
        print(f"WARNING: pip-audit could not check any package ({skipped} skipped; outage?)")
        print(result.stderr[-2000:])
        return 0
    if skipped:
        print(f"WARNING: {skipped} packages could not be checked")
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE: {dep['name']} {dep['version']}: {ids}")
    print(f"pip-audit: {len(dependencies)} packages checked, {len(vulnerable)} vulnerable.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
