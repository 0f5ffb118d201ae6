"""Resize against onnxruntime, a reference independent of where tcc's tables come from.

tcc builds its Resize tables with `onnx.reference`'s coefficient functions
(`tcompiler/kernels/rules/resize.py`), and ONNX's expected outputs and the other Resize tests
use the same functions, so a mistake they share passes them all. onnxruntime implements Resize
separately (C++, `upsamplebase.h`). Every combination below is compiled by tcc and compared
with onnxruntime's CPU provider on the same random input:

- opset 19, the whole product: mode nearest (each `nearest_mode`), linear and cubic (with and
  without `antialias`, `exclude_outside` 0/1, `cubic_coeff_a` -0.75/-0.5) x every
  `coordinate_transformation_mode` (tf_crop_and_resize with a roi reaching outside the input
  and an `extrapolation_value`) x five resizes of a 1x2x6x8 input: `scales` up and down with
  whole output lengths, `scales` with a fractional output length, `sizes`, and to 1x1;
- opsets 11 and 13 (upgraded by the frontend): each mode and coordinate transform of the
  opset (11 has tf_half_pixel_for_nn) on the same four resizes;
- opsets 18 and 19: `keep_aspect_ratio_policy` (stretch, not_larger, not_smaller) with `axes`
  and on a 2-d input, and `axes` subsets (one axis, negative axes, tf_crop_and_resize's roi per
  axis), with `scales` and `sizes`;
- opset 10 (nearest and linear; downscaling and fractional scales).

Combinations onnxruntime refuses are skipped with its reason (`ort_refuses`). Where tcc and
onnxruntime differ, the case is an expected failure (strict, so a fix shows) naming the
difference (`DIFFERENCES`, `TCC_FAILS`). Where onnx.reference departs from the spec (the
output length it maps coordinates with: fractional `scale * length` against the integer
length, which the "fractional" and "one" resizes show), tcc follows the spec and onnxruntime
(`tcompiler.frontend.reference.spec_resize_coordinates`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tcompiler.errors import UnsupportedModelError
from tcompiler.pipeline import CompileOptions, compile_model
from tcompiler.runtime import CompiledModel

X4 = (1, 2, 6, 8)
X2 = (6, 8)
RESIZES: dict[str, dict[str, tuple[float, ...]]] = {
    "up": {"scales": (1.0, 1.0, 1.5, 2.0)},          # 6x8 -> 9x16
    "down": {"scales": (1.0, 1.0, 0.5, 0.75)},       # 6x8 -> 3x6
    "fractional": {"scales": (1.0, 1.0, 1.75, 0.5625)},  # 6x8 -> 10x4 (10.5 and 4.5 down)
    "sizes": {"sizes": (1, 2, 10, 5)},
    # 6x8 -> 1x1 with scale * length = 1.5: the spec samples pytorch_half_pixel at 0 and
    # tf_crop_and_resize at the roi's middle (onnx.reference does not; found by tcc fuzz)
    "one": {"scales": (1.0, 1.0, 0.25, 0.1875)},
}
"""Scales exactly representable in float32: coordinates at a tie (x.5) are ties in float32
and float64 alike (FLOAT32_TIE shows a scale that is not)."""
ROI = (0.0, 0.0, -0.125, 0.25, 1.0, 1.0, 1.125, 0.75)
"""tf_crop_and_resize's roi (starts, ends): H reaches outside [0, 1] (extrapolated), W crops.
Exact in float32, as the scales are."""
EXTRAPOLATION = 10.0
TRANSFORMS = {
    10: ("asymmetric",),
    11: ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
         "tf_half_pixel_for_nn", "tf_crop_and_resize"),
    13: ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"),
    19: ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
         "asymmetric", "tf_crop_and_resize"),
}
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


@dataclass(frozen=True)
class Case:
    opset: int
    mode: str
    attrs: tuple[tuple[str, Any], ...] = ()
    scales: tuple[float, ...] | None = None
    sizes: tuple[int, ...] | None = None
    roi: tuple[float, ...] | None = None
    shape: tuple[int, ...] = X4

    def attr(self, name: str, default: Any = None) -> Any:
        return dict(self.attrs).get(name, default)

    @property
    def transform(self) -> str:
        return self.attr("coordinate_transformation_mode",
                         "asymmetric" if self.opset == 10 else "half_pixel")

    @property
    def id(self) -> str:
        short = {"coordinate_transformation_mode": "", "nearest_mode": "", "antialias": "aa",
                 "exclude_outside": "ex", "cubic_coeff_a": "a", "extrapolation_value": "fill",
                 "keep_aspect_ratio_policy": "", "axes": "axes"}
        parts = [f"opset{self.opset}", self.mode]
        parts += [f"{short[k]}{','.join(map(str, v)) if isinstance(v, tuple) else v}"
                  for k, v in self.attrs]
        if self.scales is not None:
            parts.append("scales" + "x".join(f"{s:g}" for s in self.scales))
        if self.sizes is not None:
            parts.append("sizes" + "x".join(map(str, self.sizes)))
        if self.shape != X4:
            parts.append("in" + "x".join(map(str, self.shape)))
        return "-".join(parts)

    def model(self) -> onnx.ModelProto:
        tensors = {"roi": (self.roi, np.float32), "scales": (self.scales, np.float32),
                   "sizes": (self.sizes, np.int64)}
        if self.opset == 11:  # roi and scales are required inputs there (empty when unused)
            tensors = {k: (() if v is None and k != "sizes" else v, t)
                       for k, (v, t) in tensors.items()}
        names = ["scales"] if self.opset == 10 else ["roi", "scales", "sizes"]
        inputs = ["x"] + [n if tensors[n][0] is not None else "" for n in names]
        while inputs[-1] == "":
            inputs.pop()
        inits = [numpy_helper.from_array(np.array(tensors[n][0], tensors[n][1]), n)
                 for n in inputs[1:] if n]
        node = helper.make_node("Resize", inputs, ["y"], mode=self.mode, **dict(self.attrs))
        graph = helper.make_graph(
            [node], "resize", [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.shape)],
            [helper.make_empty_tensor_value_info("y")], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def _variants(opset: int, full: bool) -> Iterator[tuple[str, tuple[tuple[str, Any], ...]]]:
    """(mode, attrs) per interpolation: all of them (`full`) or a few per mode. A default
    value is given by leaving the attribute out, so the defaults are tested too."""
    if opset == 10:
        yield from (("nearest", ()), ("linear", ()))
        return
    for nearest_mode in NEAREST_MODES if full else ("round_prefer_floor", "floor"):
        explicit = nearest_mode != "round_prefer_floor"
        yield "nearest", (("nearest_mode", nearest_mode),) * explicit
    antialias = (0, 1) if opset >= 18 and full else (0,)
    for aa, ex in itertools.product(antialias, (0, 1) if full else (0,)):
        yield "linear", (("antialias", 1),) * aa + (("exclude_outside", 1),) * ex
    for aa, ex, a in itertools.product(antialias, (0, 1), (-0.75, -0.5) if full else (-0.75,)):
        yield "cubic", ((("antialias", 1),) * aa + (("exclude_outside", 1),) * ex
                        + (("cubic_coeff_a", a),) * (a != -0.75))


def _matrix() -> Iterator[Case]:
    for opset in (19, 13, 11, 10):
        for transform, (resize, given) in itertools.product(TRANSFORMS[opset], RESIZES.items()):
            crop = transform == "tf_crop_and_resize"
            if opset == 10 and resize not in ("down", "fractional"):
                continue  # "up" (1.5, 2): Resize-10's nearest and the upgrade's coincide
            extra = (("extrapolation_value", EXTRAPOLATION),) if crop else ()
            for mode, attrs in _variants(opset, full=opset == 19):
                head = () if opset == 10 else (("coordinate_transformation_mode", transform),)
                yield Case(opset, mode, head + attrs + extra, roi=ROI if crop else None,
                           **given)  # type: ignore[arg-type]


def _policies_and_axes() -> Iterator[Case]:
    for opset, mode in itertools.product((18, 19), ("nearest", "linear", "cubic")):
        for policy in ("stretch", "not_larger", "not_smaller"):
            keep = (("keep_aspect_ratio_policy", policy),)
            yield Case(opset, mode, keep + (("axes", (2, 3)),), sizes=(10, 5))
            yield Case(opset, mode, keep, sizes=(10, 5), shape=X2)
        yield Case(opset, mode, (("axes", (3,)),), scales=(1.75,))
        yield Case(opset, mode, (("axes", (-1, -2)),), scales=(0.625, 1.5))
        yield Case(opset, mode, (("axes", (2,)),), sizes=(4,))
        yield Case(opset, mode, (("axes", (2, 3)),
                                 ("coordinate_transformation_mode", "tf_crop_and_resize"),
                                 ("extrapolation_value", EXTRAPOLATION)),
                   sizes=(7, 5), roi=(-0.125, 0.25, 1.125, 0.75))


FLOAT32_TIE = Case(19, "nearest", (("nearest_mode", "round_prefer_floor"),), scales=(2.3,),
                   shape=(9,))
"""9 -> 20 at scale 2.3 (float32 2.29999995): half_pixel maps output 11 to 11.5 / 2.3 - 0.5,
exactly 4.5 in decimal and in float32 arithmetic (onnxruntime: round_prefer_floor -> 4) but
4.5000001 from the float32 scale in float64 (onnx.reference and so tcc -> 5)."""


def ort_refuses(case: Case) -> str | None:
    """onnxruntime's reason for refusing `case` (its own words, abridged), or None."""
    if case.mode == "linear" and case.attr("exclude_outside") and not case.attr("antialias"):
        return ("onnxruntime: exclude_outside can be set to 1 only when mode is cubic, or "
                "linear with antialias")
    if case.mode == "nearest" and case.attr("antialias"):
        return "onnxruntime: with antialias, Resize supports only modes linear and cubic"
    return None


DIFFERENCES = {
    "opset10": "the frontend's opset upgrade turns Resize-10 (asymmetric) into half_pixel",
    "float32_tie": "a decimal tie: onnxruntime rounds it in float32, onnx.reference in float64",
}
"""Why tcc and onnxruntime differ (the xfail reason), in full:

- opset10: Resize-10 knows only the asymmetric transform (x / scale; onnxruntime, whose
  nearest also rounds down when upsampling and up when downsampling, as Upsample did). onnx's
  version converter, which tcc's frontend upgrades old opsets with, adds Resize-11's roi input
  but no coordinate_transformation_mode, so the upgraded node means half_pixel with
  round_prefer_floor.
- float32_tie: a tie (x.5) in decimal arithmetic that the float32 scale moves by 1e-7
  (FLOAT32_TIE): onnxruntime computes coordinates in float32 (a tie: round_prefer_floor -> 4),
  onnx.reference and tcc in float64 from the float32 scale (past the tie -> 5).
"""


def difference(case: Case) -> str | None:
    """The key of DIFFERENCES that makes tcc differ from onnxruntime on `case`, or None."""
    if case == FLOAT32_TIE:
        return "float32_tie"
    if case.opset == 10:
        return "opset10"
    return None


TCC_FAILS = "tf_half_pixel_for_nn: tcc declines it (its tables do not have the transform)"
"""tf_half_pixel_for_nn (opset 11 only; x_original = (x_resized + 0.5) / scale) is not a mode
the tables know (they come from onnx.reference, which lacks it), so tcc declines the node
with an unsupported-construct error naming it."""


def tcc_fails(case: Case) -> bool:
    """Whether tcc cannot compile `case` (TCC_FAILS says why)."""
    return case.transform == "tf_half_pixel_for_nn"


def _param(case: Case) -> Any:
    refused = ort_refuses(case)
    if refused:
        return pytest.param(case, id=case.id, marks=pytest.mark.skip(reason=refused))
    if tcc_fails(case):
        return pytest.param(case, id=case.id, marks=pytest.mark.xfail(
            strict=True, raises=UnsupportedModelError, reason=TCC_FAILS))
    different = difference(case)
    if different:
        return pytest.param(case, id=case.id, marks=pytest.mark.xfail(
            strict=True, raises=AssertionError, reason=DIFFERENCES[different]))
    return pytest.param(case, id=case.id)


NEAREST_ANTIALIAS = Case(19, "nearest", (("antialias", 1),), scales=(1.0, 1.0, 0.5, 0.75))
"""Refused by onnxruntime; tcc declines it too (the spec gives antialias no effect here)."""
CASES = [*_matrix(), *_policies_and_axes(), FLOAT32_TIE, NEAREST_ANTIALIAS]


@pytest.fixture(scope="module")
def resize_options(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, jobs=1)  # one kernel: no worker processes


def onnxruntime_run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": x})
    return y


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_resize_matches_onnxruntime(case: Case, resize_options: CompileOptions) -> None:
    model = case.model()
    x = np.random.default_rng(0).standard_normal(case.shape).astype(np.float32)
    want = onnxruntime_run(model, x)
    program, _ = compile_model(model, resize_options)
    (got,) = CompiledModel(program).run({"x": x})
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=case.id)


DEFAULTS = {"nearest_mode": "round_prefer_floor", "antialias": 0, "exclude_outside": 0,
            "cubic_coeff_a": -0.75, "keep_aspect_ratio_policy": "stretch"}


def test_matrix_covers_every_attribute_value() -> None:
    """Each mode, transform, nearest_mode, policy and flag value (given or by default) is
    compared somewhere (not only skipped or expected to fail), so a hole in the matrix shows."""
    plain = [c for c in CASES if not (ort_refuses(c) or tcc_fails(c) or difference(c))]
    seen = {("opset", c.opset) for c in plain} | {("mode", c.mode) for c in plain}
    seen |= {("coordinate_transformation_mode", c.transform) for c in plain}
    seen |= {(k, c.attr(k, v)) for c in plain for k, v in DEFAULTS.items()
             if k != "nearest_mode" or c.mode == "nearest"}
    want = {("mode", m) for m in ("nearest", "linear", "cubic")}
    want |= {("coordinate_transformation_mode", t) for t in TRANSFORMS[19]}
    want |= {("nearest_mode", m) for m in NEAREST_MODES}
    want |= {("keep_aspect_ratio_policy", p) for p in ("stretch", "not_larger", "not_smaller")}
    want |= {(flag, v) for flag in ("antialias", "exclude_outside") for v in (0, 1)}
    want |= {("cubic_coeff_a", -0.75), ("cubic_coeff_a", -0.5)}
    want |= {("opset", o) for o in (11, 13, 18, 19)}
    assert want <= seen, sorted(want - seen)
    assert any(c.sizes for c in plain) and any(c.scales for c in plain)
    assert any(c.attr("axes") for c in plain)
    assert any(c.attr("nearest_mode") is None for c in plain if c.mode == "nearest")
    assert any(c.attr("cubic_coeff_a") is None for c in plain if c.mode == "cubic")
