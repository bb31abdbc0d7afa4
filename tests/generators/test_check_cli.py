"""`contractkit generate` / `contractkit check` as subprocesses on scratch projects."""

from __future__ import annotations

import json
from pathlib import Path

from generators.pipeline import GENERATED_MARKER
from tests.generators.project import contractkit, make_project, write_config

OPENAPI = "contracts/meeting.openapi.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_clean_project_passes(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run = contractkit(root, "check")
    assert run.returncode == 0, run.output
    assert "check passed" in run.stdout


def test_contract_change_is_drift_until_generate(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    edit(
        root / OPENAPI,
        "          enum: [ok]\n          description: 服务状态",
        "          enum: [ok, degraded]\n          description: 服务状态",
    )
    run = contractkit(root, "check")
    assert run.returncode == 1, run.output
    assert "generated/models.py" in run.stdout
    assert '+    degraded = "degraded"' in run.stdout  # the unified diff
    assert "contractkit generate" in run.stdout  # the fix command
    assert "generated/server/interfaces.py" not in run.stdout  # untouched files stay quiet

    run = contractkit(root, "generate")
    assert run.returncode == 0, run.output
    assert "generated/models.py" in run.stderr
    assert contractkit(root, "check").returncode == 0


def test_missing_and_unexpected_files(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "generated/errors.py").unlink()
    (root / "generated/server/old_marked.py").write_text(f"# {GENERATED_MARKER}\n")
    (root / "generated/server/notes.txt").write_text("hand-written\n")
    run = contractkit(root, "check", "--format", "json")
    assert run.returncode == 1, run.output
    found = {(d["code"], d["file"]) for d in json.loads(run.stdout)}
    assert ("GEN002", "generated/errors.py") in found
    assert ("GEN003", "generated/server/old_marked.py") in found
    assert ("GEN003", "generated/server/notes.txt") in found

    run = contractkit(root, "generate")
    assert run.returncode == 0, run.output
    assert (root / "generated/errors.py").is_file()
    assert not (root / "generated/server/old_marked.py").exists()  # ours: removed
    assert (root / "generated/server/notes.txt").exists()  # not ours: kept, reported
    assert "notes.txt" in run.stderr


def test_github_format(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    edit(root / OPENAPI, "summary: 健康检查", "summary: 健康检查接口")
    run = contractkit(root, "check", "--format", "github")
    assert run.returncode == 1, run.output
    assert "::error file=generated/server/interfaces.py,title=GEN001::" in run.stdout


def test_config_errors_exit_2_with_suggestions(tmp_path: Path) -> None:
    root = make_project(tmp_path, generate=False)
    cfg = root / "contractkit.yaml"
    text = cfg.read_text(encoding="utf-8")

    cfg.write_text(text.replace("targets:", "targts:", 1), encoding="utf-8")
    run = contractkit(root, "check")
    assert run.returncode == 2, run.output
    assert "CFG001" in run.output and "did you mean 'targets'" in run.output

    cfg.write_text(text.replace("  models:", "  modles:", 1), encoding="utf-8")
    run = contractkit(root, "check")
    assert run.returncode == 2
    assert "CFG003" in run.output and "did you mean 'models'" in run.output

    write_config(root, version=2)
    run = contractkit(root, "check", "--format", "json")
    assert run.returncode == 2
    assert json.loads(run.stdout)[0]["code"] == "CFG005"


def test_broken_contract_exits_2(tmp_path: Path) -> None:
    root = make_project(tmp_path, generate=False)
    (root / OPENAPI).write_text("openapi: 3.0.3\npaths: [unclosed\n", encoding="utf-8")
    run = contractkit(root, "check")
    assert run.returncode == 2, run.output
    assert "CK002" in run.output


def test_generate_selected_target_and_unknown_target(tmp_path: Path) -> None:
    root = make_project(tmp_path, generate=False)
    run = contractkit(root, "generate", "--target", "models")
    assert run.returncode == 0, run.output
    assert sorted(p.name for p in (root / "generated").iterdir()) == ["__init__.py", "models.py"]
    run = contractkit(root, "generate", "--target", "server_stub")
    assert run.returncode == 2
    assert "did you mean 'server_stubs'" in run.output


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for root in (first, second):
        make_project(root, generate=False)
        run = contractkit(root, "generate")
        assert run.returncode == 0, run.output
    files = sorted(p.relative_to(first) for p in (first / "generated").rglob("*") if p.is_file())
    assert files and files == sorted(
        p.relative_to(second) for p in (second / "generated").rglob("*") if p.is_file()
    )
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    run = contractkit(first, "generate")
    assert "0 written" in run.stderr
