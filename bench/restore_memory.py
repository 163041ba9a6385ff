"""Peak memory of `manage.py restore` on a crafted backup: a small archive, one huge row.

    python -m bench.restore_memory --row-mb 256

Builds a fresh SQLite database in a temporary folder, backs it up, rewrites one data member as a
single row of `--row-mb` MB of one letter (it deflates to a few hundred KB, checksums made to
match), and runs `restore` on it under `/usr/bin/time`, printing the archive's size and the
restore's peak resident memory. A restore that streams its members stays near its baseline
whatever the row; one that reads a member whole grows with it.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBER = "data/tracker.country.jsonl"


def craft(backup: Path, target: Path, row_mb: int) -> None:
    """Copy `backup` with MEMBER replaced by one row of `row_mb` MB, the manifest to match."""
    with zipfile.ZipFile(backup) as old:
        manifest = json.loads(old.read("manifest.json"))
        members = {info.filename: old.read(info.filename) for info in old.infolist()}
    row = b'{"model": "tracker.country", "pk": 1, "fields": {"name": "'
    row += b"a" * (row_mb << 20) + b'"}}\n'
    members[MEMBER] = row
    manifest["members"][MEMBER] = {"size": len(row), "sha256": hashlib.sha256(row).hexdigest()}
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row-mb", type=int, default=256)
    parser.add_argument("--craft", nargs=2, type=Path, metavar=("BACKUP", "TARGET"))
    args = parser.parse_args()
    if args.craft:
        craft(*args.craft, args.row_mb)
        return
    tmp = Path(tempfile.mkdtemp(prefix="restore-memory-"))
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(DEBUG="1", TIPTRACKER_VAR_DIR=str(tmp / "var"), MEDIA_ROOT=str(tmp / "media"))

    def manage(*words, timed=False):
        prefix = ["/usr/bin/time", "-f", "%M"] if timed else []
        command = [*prefix, sys.executable, "manage.py", *words]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    for words in (("migrate", "--noinput"), ("backup", str(tmp / "backup.zip"))):
        done = manage(*words)
        if done.returncode:
            sys.exit(done.stderr)
    # Crafted in a child, so that this process never holds the row while `restore` runs.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.restore_memory",
            "--row-mb",
            str(args.row_mb),
            "--craft",
            str(tmp / "backup.zip"),
            str(tmp / "crafted.zip"),
        ],
        cwd=ROOT,
        check=True,
    )
    restored = manage("restore", str(tmp / "crafted.zip"), timed=True)
    lines = restored.stderr.strip().splitlines()
    peak_mb = int(lines[-1]) / 1024
    refusal = next((line for line in lines if "Error" in line), "")
    size_kb = (tmp / "crafted.zip").stat().st_size / 1024
    print(
        f"archive {size_kb:.0f} KB holding a {args.row_mb} MB row: restore exit "
        f"{restored.returncode}, peak RSS {peak_mb:.0f} MB\n  {refusal[:200]}"
    )


if __name__ == "__main__":
    main()
