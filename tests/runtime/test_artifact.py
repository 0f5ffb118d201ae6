"""write_artifact / read_artifact: round trip, determinism, atomicity, every ArtifactError."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import llvmlite.binding as llb
import pytest

import tcompiler
import tcompiler.artifact as artifact_module
from tcompiler.artifact import FORMAT_VERSION, read_artifact, write_artifact
from tcompiler.errors import ArtifactError
from tcompiler.host_cpu import CPUINFO_NAMES, missing_features
from tcompiler.program import Buffer, Program, Step


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path: Path, change: Callable[[dict[str, bytes]], object]) -> None:
    """Rewrite the archive at `path` (valid zip CRCs) after `change` edits its members."""
    content = members(path)
    change(content)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in content.items():
            archive.writestr(name, data)


def edit_manifest(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    def edit(content: dict[str, bytes]) -> None:
        manifest = json.loads(content["manifest.json"])
        change(manifest)
        content["manifest.json"] = json.dumps(manifest).encode()
    rewrite(path, edit)


def read_error(path: Path) -> str:
    with pytest.raises(ArtifactError) as info:
        read_artifact(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_round_trip(artifact: Path, program: Program) -> None:
    assert read_artifact(artifact) == program


def test_layout_and_manifest(artifact: Path, program: Program) -> None:
    content = members(artifact)
    assert list(content) == ["manifest.json", "objects/add.o", "objects/scale.o",
                             "objects/tcc_runner.o", "weights.bin"]
    with zipfile.ZipFile(artifact) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == "tcompiler-artifact"
    assert manifest["format_version"] == 1
    assert manifest["compiler"] == {"name": "tcompiler", "version": tcompiler.__version__}
    assert manifest["target"] == program.target
    assert manifest["kernels"] == {"add": "add", "scale": "scale"}
    assert manifest["meta"] == program.meta
    assert manifest["arena_bytes"] == 128
    assert manifest["objects"]["add"]["file"] == "objects/add.o"
    assert len(manifest["weights"]["sha256"]) == 64


def test_deterministic(tmp_path: Path, program: Program) -> None:
    write_artifact(tmp_path / "one.tcc", program)
    write_artifact(tmp_path / "two.tcc", program)
    assert (tmp_path / "one.tcc").read_bytes() == (tmp_path / "two.tcc").read_bytes()


def test_write_replaces_existing(tmp_path: Path, program: Program) -> None:
    path = tmp_path / "model.tcc"
    path.write_bytes(b"old")
    write_artifact(path, program)
    assert read_artifact(path) == program
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.tcc"]


def failing_after(monkeypatch: pytest.MonkeyPatch, member: str) -> None:
    real = artifact_module._add_member

    def add_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
        if name == member:
            raise OSError("disk full (simulated)")
        real(archive, name, data)

    monkeypatch.setattr(artifact_module, "_add_member", add_member)


def test_interrupted_write_leaves_nothing(tmp_path: Path, program: Program,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    failing_after(monkeypatch, "weights.bin")
    with pytest.raises(OSError, match="disk full"):
        write_artifact(tmp_path / "model.tcc", program)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_previous_file(tmp_path: Path, program: Program,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.tcc"
    path.write_bytes(b"previous")
    failing_after(monkeypatch, "objects/scale.o")
    with pytest.raises(OSError):
        write_artifact(path, program)
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.tcc"]


def test_invalid_program_is_not_written(tmp_path: Path, program: Program) -> None:
    program.steps.append(Step("nosuch", (0,)))
    with pytest.raises(ArtifactError, match="unknown kernel 'nosuch'"):
        write_artifact(tmp_path / "model.tcc", program)
    assert list(tmp_path.iterdir()) == []


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in read_error(tmp_path / "absent.tcc")


def test_directory(tmp_path: Path) -> None:
    assert "not a file" in read_error(tmp_path)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.tcc"
    path.write_bytes(b"\x7fELF not an artifact at all" * 10)
    assert "not a tcc artifact" in read_error(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "model.tcc"
    path.write_bytes(b"")
    assert "not a tcc artifact" in read_error(path)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated(artifact: Path, keep: float) -> None:
    data = artifact.read_bytes()
    artifact.write_bytes(data[: int(len(data) * keep)])
    assert "not a tcc artifact" in read_error(artifact)


def test_zip_without_manifest(artifact: Path) -> None:
    rewrite(artifact, lambda content: content.pop("manifest.json"))
    assert "foreign file" in read_error(artifact)


def test_other_format(artifact: Path) -> None:
    edit_manifest(artifact, lambda manifest: manifest.update(format="onnx-bundle"))
    assert "foreign file: format 'onnx-bundle'" in read_error(artifact)


def test_manifest_not_json(artifact: Path) -> None:
    rewrite(artifact, lambda content: content.update({"manifest.json": b"{not json"}))
    assert "manifest.json is unreadable" in read_error(artifact)


def test_newer_format_version(artifact: Path) -> None:
    edit_manifest(artifact, lambda manifest: manifest.update(format_version=FORMAT_VERSION + 1))
    message = read_error(artifact)
    assert f"format version {FORMAT_VERSION + 1} is newer" in message and "upgrade" in message


def test_object_checksum_mismatch(artifact: Path) -> None:
    rewrite(artifact, lambda content: content.update({"objects/add.o": b"tampered"}))
    assert read_error(artifact).endswith(": corrupt: objects/add.o checksum mismatch")


def test_weights_checksum_mismatch(artifact: Path) -> None:
    rewrite(artifact, lambda content: content.update({"weights.bin": b"\0" * 128}))
    assert "corrupt: weights.bin checksum mismatch" in read_error(artifact)


def test_flipped_byte_in_place(artifact: Path) -> None:
    """A byte flipped inside a stored member (zip CRC now wrong) is a checksum mismatch."""
    data = bytearray(artifact.read_bytes())
    with zipfile.ZipFile(artifact) as archive:
        info = archive.getinfo("objects/scale.o")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 100] ^= 0xFF
    artifact.write_bytes(bytes(data))
    assert "corrupt: objects/scale.o checksum mismatch" in read_error(artifact)


def test_member_missing(artifact: Path) -> None:
    rewrite(artifact, lambda content: content.pop("weights.bin"))
    assert "corrupt: weights.bin is missing" in read_error(artifact)


MALFORMED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "missing steps": lambda m: m.pop("steps"),
    "arena_bytes not int": lambda m: m.update(arena_bytes="big"),
    "format_version not int": lambda m: m.update(format_version="1"),
    "input without name": lambda m: m["inputs"][0].pop("name"),
    "target not strings": lambda m: m.update(target={"triple": 1}),
    "bad buffer kind": lambda m: m["buffers"][0].update(kind="heap"),
    "step unknown kernel": lambda m: m["steps"][0].update(kernel="mul"),
    "step unknown buffer": lambda m: m["steps"][0].update(args=[0, 1, 99]),
    "weight out of bounds": lambda m: m["buffers"][4].update(offset=4096),
    "arena misaligned": lambda m: m["buffers"][5].update(offset=4),
    "kernel in no object": lambda m: m["kernels"].update(add="gone"),
    "object path name": lambda m: m["objects"].update({"../x": m["objects"]["add"]}),
    "bad dtype": lambda m: m["outputs"][0].update(dtype="float33"),
    "meta not dict": lambda m: m.update(meta=[1]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_manifest(artifact: Path, case: str) -> None:
    edit_manifest(artifact, MALFORMED[case])
    assert "malformed manifest" in read_error(artifact)


def test_host_cpu_check_agrees_with_llvm() -> None:
    """Every feature LLVM finds on this CPU passes the runtime's check (without LLVM), and
    every checked feature LLVM finds absent fails it."""
    llvm = llb.get_host_cpu_features()
    present = ",".join(f"+{name}" for name, on in llvm.items() if on)
    absent = [name for name, on in llvm.items() if not on and name in CPUINFO_NAMES]
    assert missing_features(present) == []
    assert missing_features(",".join(f"+{name}" for name in absent)) == absent


def test_missing_cpu_feature(tmp_path: Path, program: Program) -> None:
    absent = sorted(name for name, present in llb.get_host_cpu_features().items()
                    if not present and name in CPUINFO_NAMES)
    if not absent:
        pytest.skip("this host has every CPU feature the runtime checks")
    program.target = {**program.target, "cpu": "futurecpu",
                      "features": f"+sse2,+{absent[0]},-{absent[-1]}"}
    path = tmp_path / "model.tcc"
    write_artifact(path, program)
    message = read_error(path)
    assert f"needs CPU features this machine lacks: {absent[0]}" in message
    assert "futurecpu" in message and message.endswith("recompile for this machine")
    assert read_artifact(path, check_host=False) == program


def test_other_architecture(tmp_path: Path, program: Program) -> None:
    program.target = {**program.target, "triple": "aarch64-unknown-linux-gnu"}
    path = tmp_path / "model.tcc"
    write_artifact(path, program)
    assert "built for aarch64-unknown-linux-gnu" in read_error(path)


def test_unused_output_buffer_is_rejected(tmp_path: Path, program: Program) -> None:
    program.buffers = [b for b in program.buffers if b.kind != "output" or b.index != 1]
    program.steps.pop()
    with pytest.raises(ArtifactError, match="output 'z' has no buffer"):
        write_artifact(tmp_path / "model.tcc", program)


def test_input_buffer_size_must_match(tmp_path: Path, program: Program) -> None:
    program.buffers[0] = Buffer(0, "input", 8, index=0)
    with pytest.raises(ArtifactError, match="input buffer 0 is 8 bytes"):
        write_artifact(tmp_path / "model.tcc", program)
