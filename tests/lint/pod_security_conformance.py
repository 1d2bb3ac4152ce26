#!/usr/bin/env python3
"""Every upstream Pod Security fixture through the real `kguard lint` binary.

Usage: pod_security_conformance.py KGUARD FIXTURES_DIR

For LEVEL/vX.Y/pass/*.yaml, `kguard lint --level LEVEL --version vX.Y` must exit 0; for .../fail/, it must exit 1
and report, for every file, the check its name starts with (or, at restricted, the check that upstream's table says
replaces it: capabilities_baseline -> capabilities_restricted, hostPathVolumes -> restrictedVolumes, ...), and every
finding must point at a field inside the pod (issue 13: SARIF lines land on the offending field, not the object).
The same runs at `latest` for the newest version. Prints "N passed, N failed".
"""
import json
import pathlib
import re
import subprocess
import sys


def lint(kguard, level, version, folder):
    proc = subprocess.run([kguard, "lint", "--format", "json", "--level", level, "--version", version, "-f", str(folder)],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{folder}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.returncode, json.loads(proc.stdout)


# Restricted checks that replace a baseline check (upstream's "overrides"): at restricted, a fixture named
# after the baseline check is denied by its replacement.
REPLACED_BY = {
    "capabilities_baseline": "capabilities_restricted",
    "seccompprofile_baseline": "seccompprofile_restricted",
    "hostpathvolumes": "restrictedvolumes",
    "procmount": "procmount_restricted",
}


# A finding whose field is the pod itself says nothing about where the problem is.
POD_ROOTS = {"", "template", "spec.template", "spec.jobTemplate.spec.template"}


def accepted_checks(file_name):
    prefix = re.sub(r"\d+\.yaml$", "", file_name)
    return {prefix, REPLACED_BY.get(prefix, prefix)}


def main():
    kguard, root = sys.argv[1], pathlib.Path(sys.argv[2])
    passed = failed = 0
    failures = []
    versions = {}
    for level_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        vs = sorted((p for p in level_dir.iterdir() if p.is_dir()), key=lambda p: int(p.name.split(".")[1]))
        versions[level_dir.name] = vs
    for level, dirs in versions.items():
        runs = [(d, d.name) for d in dirs] + [(dirs[-1], "latest")]
        for version_dir, version in runs:
            for verdict in ("pass", "fail"):
                folder = version_dir / verdict
                files = sorted(folder.glob("*.yaml"))
                code, findings = lint(kguard, level, version, folder)
                by_file = {}
                for f in findings:
                    if f["field"] in POD_ROOTS:
                        failed += 1
                        failures.append(f"{level}:{version} {verdict}/{pathlib.Path(f['file']).name}: {f['check']} points at no field")
                    by_file.setdefault(pathlib.Path(f["file"]).name, set()).add(f["check"].lower())
                for path in files:
                    checks = by_file.get(path.name, set())
                    if verdict == "pass":
                        ok = not checks
                    else:
                        ok = bool(checks & accepted_checks(path.name))
                    if ok:
                        passed += 1
                    else:
                        failed += 1
                        failures.append(f"{level}:{version} {verdict}/{path.name}: reported {sorted(checks) or 'nothing'}")
                want = 0 if verdict == "pass" else (1 if files else 0)
                if code != want:
                    failed += 1
                    failures.append(f"{level}:{version} {verdict}: exit {code}, want {want}")
    for line in failures[:50]:
        print("FAIL", line)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
