"""gen/ is produced only by `make gen`, is current, and imports as `switchyard.…` anywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tree(top: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(top)): path.read_bytes()
        for path in sorted(top.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_gen_is_not_stale(tmp_path):
    subprocess.run(["make", "-s", "gen", f"GEN_DIR={tmp_path}"], cwd=ROOT, check=True, capture_output=True)
    fresh, committed = _tree(tmp_path / "switchyard"), _tree(ROOT / "gen" / "switchyard")
    assert sorted(fresh) == sorted(committed), "run `make gen`: the set of generated files changed"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"run `make gen`: stale generated files {stale}"


def test_generated_modules_import_from_anywhere_without_path_edits(tmp_path):
    probe = (
        "import switchyard.ams.v1.service_pb2_grpc as m, sys;"
        "print(m.__file__); assert not [p for p in sys.path if p.endswith('gen')]"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("gen/switchyard/ams/v1/service_pb2_grpc.py")


