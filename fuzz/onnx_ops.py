"""The generator's op rules: each inserts one ONNX op (sometimes with small helpers) into a
`GraphBuilder`, choosing its inputs among the existing values and solving its attributes
and output shapes for their concrete shapes. A rule returns False when nothing fits.

    RULES["conv"].apply(builder)   # a Conv on some rank-3..5 float value, or False

Families (the op types each rule may emit are in `Rule.ops`, for `GenConfig.ops`):
elementwise (unary math, activations, binary arithmetic and comparisons with numpy
broadcasting, Where, Cast, logic), NN (Conv, ConvTranspose, pools, normalizations, LRN,
Gemm, MatMul, Softmax), reductions, data movement (Reshape, Flatten, Transpose, Concat,
Split, Slice, Gather*, Pad, Resize, Tile, Expand, Squeeze, Unsqueeze), and shape
computations that fold (Shape, Range, ConstantOfShape).

Rules respect the opset: axes as inputs or attributes, Split's `num_outputs` (18), Pad's
`axes` (18), LayerNormalization (17), Gelu (20), AveragePool dilations (19).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tcompiler.fuzz.onnx_graph import (
    INTEGERS,
    LARGE,
    NUMERIC,
    GraphBuilder,
    Shape,
    Value,
    broadcast,
)

INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Rule:
    name: str
    ops: frozenset[str]
    weight: float
    apply: Callable[[GraphBuilder], bool]


def _f(v: Value) -> bool:
    return v.is_float and v.size > 0


def _nonempty(v: Value) -> bool:
    return v.size > 0


def _axis(b: GraphBuilder, rank: int) -> int:
    """A valid axis of `rank`, sometimes negative."""
    axis = b.rng.randrange(rank)
    return axis - rank if b.chance(0.3) else axis


# ----------------------------------------------------------------------------- elementwise

UNARY_FLOAT = ("Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal",
               "Erf", "LeakyRelu", "HardSigmoid", "HardSwish", "Identity", "Dropout")
SINCE = {"HardSwish": 14, "CastLike": 15, "Gelu": 20, "LayerNormalization": 17}
"""The opset that introduced an op the rules emit (the others are older than opset 13)."""


def unary(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.is_float)
    if v is None:
        return False
    op = b.choose([o for o in UNARY_FLOAT if SINCE.get(o, 0) <= b.opset])
    if op is None:
        return False
    attrs: dict[str, object] = {}
    bound, positive = v.bound, False
    if op in ("Log", "Sqrt", "Reciprocal"):
        v = b.positive(b.squashed(v, LARGE))
        bound = {"Log": abs(math.log(max(v.bound, 1.0))) + 2.0, "Sqrt": math.sqrt(v.bound),
                 "Reciprocal": 2.0}[op]
        positive = op == "Sqrt"
    elif op == "Exp":
        v = b.squashed(v, 8.0)
        bound, positive = math.exp(v.bound), True
    elif op in ("Sigmoid", "Tanh", "Erf", "HardSigmoid"):
        bound, positive = 1.0, op in ("Sigmoid",)
    elif op == "LeakyRelu":
        attrs["alpha"] = b.rng.choice([0.01, 0.1, 0.5, 2.0])
    elif op == "HardSigmoid":
        attrs.update(alpha=b.rng.choice([0.2, 0.5]), beta=b.rng.choice([0.5, 0.1]))
    elif op == "Relu" or op == "Abs":
        positive = False
    inputs: list[Value | str] = [v]
    outputs = [b.like(v, bound=bound, positive=positive)]
    if op == "Dropout":
        if b.opset >= 12 and b.chance(0.5):
            inputs += [b.scalar(b.rng.choice([0.0, 0.5]), "float32")]
            if b.chance(0.5):
                inputs.append(b.scalar(False, "bool"))
        if b.chance(0.3):
            outputs.append(b.out(v.shape, "bool", 1.0))
    b.node(op, inputs, outputs, **attrs)
    return True


def gelu(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.is_float)
    if v is None or b.opset < 20:
        return False
    approximate = b.rng.choice(["none", "tanh"])
    b.node("Gelu", [v], [b.like(v, positive=False)], approximate=approximate)
    return True


def clip(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.dtype in NUMERIC)
    if v is None:
        return False
    lo, hi = sorted(b.rng.sample(range(-3, 4), 2))
    inputs: list[Value | str] = [v]
    choice = b.rng.choice(["both", "min", "max", "none"])
    inputs.append(b.scalar(lo, v.dtype) if choice in ("both", "min") else "")
    if choice in ("both", "max"):
        inputs.append(b.scalar(hi, v.dtype))
    while inputs and inputs[-1] == "":
        inputs.pop()
    bound = v.bound if choice == "none" else max(abs(lo), abs(hi), 1.0)
    if choice == "min":
        bound = max(v.bound, abs(lo))
    b.node("Clip", inputs, [b.like(v, bound=bound, positive=False)])
    return True


def integer_unary(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.dtype in INTEGERS)
    if v is None:
        return False
    op = b.choose(["Abs", "Neg", "Identity", "Relu"] if b.opset >= 14 else ["Abs", "Neg"])
    if op is None:
        return False
    b.node(op, [v], [b.like(v, positive=False)])
    return True


ARITHMETIC = ("Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Sum", "Mean", "PRelu")
COMPARISONS = ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual")


def binary(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.dtype in NUMERIC)
    if v is None:
        return False
    op = b.choose(ARITHMETIC if v.is_float else ARITHMETIC[:6])
    if op is None:
        return False
    if op == "Pow":
        return _pow(b, v)
    if op == "PRelu":
        slope = b.weight(b.broadcast_shape(v.shape), scale=0.5)
        b.node("PRelu", [v, slope], [b.like(v, positive=False)])
        return True
    if op == "Mul" and v.bound > LARGE:
        v = b.squashed(v, LARGE)
    w = b.partner(v)
    if op == "Div":
        w = _denominator(b, w)
    elif op == "Mul":
        w = b.squashed(w, LARGE)
    if op in ("Sum", "Mean", "Max", "Min") and b.chance(0.3):
        operands = [v, w, b.partner(v)][:b.rng.randint(1, 3)]
    else:
        operands = [v, w] if b.chance(0.5) else [w, v]
    shape = broadcast(*(o.shape for o in operands))
    assert shape is not None
    if not b.fits(shape):
        return False
    bound = _arith_bound(op, [o.bound for o in operands])
    if not v.is_float:
        bound = math.floor(bound) + 1
        if bound > 2**20:
            return False
    b.node(op, operands, [b.out(shape, v.dtype, bound)])
    return True


def _denominator(b: GraphBuilder, w: Value) -> Value:
    if w.is_float:
        return b.positive(b.squashed(w, LARGE))
    nonzero = b.random_array(w.shape, w.dtype, low=1, high=3)
    signs = np.where(b.random_array(w.shape, "bool"), 1, -1).astype(w.dtype)
    return b.weight(w.shape, w.dtype, array=nonzero * signs)


def _arith_bound(op: str, bounds: Sequence[float]) -> float:
    if op in ("Add", "Sub", "Sum"):
        return sum(bounds)
    if op == "Mul":
        return math.prod(bounds)
    if op == "Div":
        return bounds[0] * 2.0
    return max(bounds)


def _pow(b: GraphBuilder, v: Value) -> bool:
    base = b.positive(b.squashed(v, 4.0))
    exponents = [2.0, 3.0, 0.5, -1.0, 1.5, 0.0]
    if b.chance(0.5):
        e = b.weight((), array=np.array(b.rng.choice(exponents), dtype=np.float32), stem="e")
    else:
        e = b.weight(b.broadcast_shape(base.shape), array=None, scale=1.0)
        e = b.squashed(e, 2.0)
    shape = broadcast(base.shape, e.shape)
    assert shape is not None
    b.node("Pow", [base, e], [b.out(shape, "float32", (base.bound + 1.0) ** 3, positive=True)])
    return True


def compare(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.dtype in NUMERIC or u.dtype == "bool")
    if v is None:
        return False
    ops = COMPARISONS if v.dtype != "bool" else ("Equal",)
    w = b.partner(v)
    operands = [v, w] if b.chance(0.5) else [w, v]
    shape = broadcast(v.shape, w.shape)
    assert shape is not None
    op = b.choose(ops)
    if op is None:
        return False
    b.node(op, operands, [b.out(shape, "bool", 1.0)])
    return True


def logic(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.dtype == "bool")
    if v is None:
        return _is_nan(b)
    op = b.choose(["And", "Or", "Not"])
    if op is None:
        return False
    if op == "Not":
        b.node("Not", [v], [b.like(v)])
        return True
    w = b.partner(v)
    shape = broadcast(v.shape, w.shape)
    assert shape is not None
    b.node(op, [v, w], [b.out(shape, "bool", 1.0)])
    return True


def _is_nan(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: u.is_float)
    if v is None or not b.allows("IsNaN"):
        return False
    b.node("IsNaN", [v], [b.like(v, dtype="bool", bound=1.0, positive=False)])
    return True


def where(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.dtype in NUMERIC)
    if x is None:
        return False
    cond = b.pick(lambda u: u.dtype == "bool" and broadcast(u.shape, x.shape) is not None)
    if cond is None or b.chance(0.3):
        cond = b.partner(x, "bool")
    y = b.partner(x)
    operands = [cond, x, y] if b.chance(0.5) else [cond, y, x]
    shape = broadcast(cond.shape, x.shape, y.shape)
    assert shape is not None
    if not b.fits(shape):
        return False
    b.node("Where", operands, [b.out(shape, x.dtype, max(x.bound, y.bound))])
    return True


def cast(b: GraphBuilder) -> bool:
    v = b.pick(lambda u: True)
    if v is None:
        return False
    target = b.rng.choice([t for t in ("float32", "int64", "int32", "bool") if t != v.dtype])
    if v.is_float and target in INTEGERS:
        v = b.squashed(v, 1e6)
    bound = 1.0 if target == "bool" else v.bound + 1.0
    out = b.like(v, dtype=target, bound=bound, positive=v.positive and target != "bool")
    if b.opset >= SINCE["CastLike"] and b.chance(0.3):
        like = b.pick(lambda u: u.dtype == target)
        if like is not None:
            b.node("CastLike", [v, like], [out])
            return True
    b.node("Cast", [v], [out], to=_tensor_type(target))
    return True


def _tensor_type(dtype: str) -> int:
    from tcompiler.fuzz.onnx_graph import DTYPES

    return DTYPES[dtype]


# ----------------------------------------------------------------------------- NN


def _window_out(size: int, k: int, stride: int, dilation: int, begin: int, end: int,
                ceil: bool = False) -> int:
    extent = (k - 1) * dilation + 1
    span = size + begin + end - extent
    if span < 0:
        return 0
    return (-(-span // stride) if ceil else span // stride) + 1


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def conv(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and 3 <= u.rank <= 5)
    if x is None:
        return False
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    group = b.rng.choice(_divisors(c)) if b.chance(0.4) else 1
    m = group * b.rng.choice([1, 1, 2, 3]) if b.chance(0.5) else group * b.dim(4)
    if group == c and b.chance(0.5):
        m = c  # depthwise
    window = _window(b, spatial)
    if window is None:
        return False
    kernel, strides, dilations, pads, auto_pad, out = window
    y = (n, m, *out)
    if not b.fits(y) or not b.fits((m, c // group, *kernel)):
        return False
    fan_in = (c // group) * math.prod(kernel)
    w = b.weight((m, c // group, *kernel), scale=1.0 / math.sqrt(fan_in))
    inputs: list[Value | str] = [x, w]
    if b.chance(0.6):
        inputs.append(b.weight((m,), scale=0.5))
    attrs = _window_attrs(b, kernel, strides, dilations, pads, auto_pad)
    if group > 1 or b.chance(0.2):
        attrs["group"] = group
    bound = x.bound * w.bound * fan_in + 1.0
    b.node("Conv", inputs, [b.out(y, "float32", bound)], **attrs)
    return True


Window = tuple[list[int], list[int], list[int], list[int], str, list[int]]


def _window(b: GraphBuilder, spatial: Sequence[int], *, dilate: bool = True,
            max_kernel: int = 3) -> Window | None:
    """Kernel sizes, strides, dilations, pads (begins + ends), auto_pad and the output
    spatial dims of a window over `spatial`, or None when nothing fits."""
    kernel, strides, dilations, begins, ends, out = [], [], [], [], [], []
    auto_pad = b.rng.choice(["NOTSET"] * 6 + ["SAME_UPPER", "SAME_LOWER", "VALID"])
    for size in spatial:
        k = b.rng.randint(1, max(1, min(max_kernel, size + 2)))
        s = b.rng.choice([1, 1, 1, 2, 3])
        d = b.rng.choice([1, 1, 1, 2]) if dilate and auto_pad == "NOTSET" else 1
        extent = (k - 1) * d + 1
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            o = -(-size // s)
            total = max(0, (o - 1) * s + extent - size)
            small, large = total // 2, total - total // 2
            lo, hi = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
        elif auto_pad == "VALID":
            lo = hi = 0
        else:
            lo, hi = b.rng.randint(0, k - 1), b.rng.randint(0, k - 1)
        o = _window_out(size, k, s, d, lo, hi)
        if o < 1:
            return None
        kernel.append(k)
        strides.append(s)
        dilations.append(d)
        begins.append(lo)
        ends.append(hi)
        out.append(o)
    return kernel, strides, dilations, begins + ends, auto_pad, out


def _window_attrs(b: GraphBuilder, kernel: list[int], strides: list[int],
                  dilations: list[int], pads: list[int], auto_pad: str,
                  kernel_shape: bool = False, dilate: bool = True) -> dict[str, object]:
    attrs: dict[str, object] = {}
    if kernel_shape or b.chance(0.5):
        attrs["kernel_shape"] = kernel
    if any(s != 1 for s in strides) or b.chance(0.3):
        attrs["strides"] = strides
    if any(d != 1 for d in dilations) or (dilate and b.chance(0.2)):
        attrs["dilations"] = dilations
    if auto_pad != "NOTSET":
        attrs["auto_pad"] = auto_pad
    elif any(pads) or b.chance(0.3):
        attrs["pads"] = pads
    return attrs


def conv_transpose(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and 3 <= u.rank <= 4)
    if x is None:
        return False
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    group = b.rng.choice(_divisors(c)) if b.chance(0.3) else 1
    m = group * b.rng.choice([1, 2, 3])
    kernel, strides, dilations, pads, out_pad, out = [], [], [], [], [], []
    for size in spatial:
        k, s, d = b.rng.randint(1, 3), b.rng.choice([1, 1, 2, 3]), b.rng.choice([1, 1, 2])
        op = b.rng.randrange(s) if b.chance(0.3) else 0  # onnxruntime: below the stride
        lo, hi = b.rng.randint(0, k - 1), b.rng.randint(0, k - 1)
        o = s * (size - 1) + op + (k - 1) * d + 1 - lo - hi
        if o < 1:
            return False
        kernel.append(k)
        strides.append(s)
        dilations.append(d)
        pads += [lo, hi]
        out_pad.append(op)
        out.append(o)
    begins, ends = pads[0::2], pads[1::2]
    y = (n, m, *out)
    if not b.fits(y):
        return False
    fan_in = (c // group) * math.prod(kernel)
    w = b.weight((c, m // group, *kernel), scale=1.0 / math.sqrt(fan_in))
    inputs: list[Value | str] = [x, w]
    if b.chance(0.5):
        inputs.append(b.weight((m,), scale=0.5))
    attrs: dict[str, object] = {"strides": strides, "pads": begins + ends}
    if any(d != 1 for d in dilations):
        attrs["dilations"] = dilations
    if any(out_pad):
        attrs["output_padding"] = out_pad
    if group > 1:
        attrs["group"] = group
    if b.chance(0.5):
        attrs["kernel_shape"] = kernel
    b.node("ConvTranspose", inputs, [b.out(y, "float32", x.bound * w.bound * fan_in + 1.0)],
           **attrs)
    return True


def pool(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and 3 <= u.rank <= 5)
    if x is None:
        return False
    kind = b.choose(["MaxPool", "AveragePool"])
    if kind is None:
        return False
    dilate = kind == "MaxPool" or b.opset >= 19
    window = _window(b, x.shape[2:], dilate=dilate)
    if window is None:
        return False
    kernel, strides, dilations, pads, auto_pad, out = window
    begins, ends = pads[:len(kernel)], pads[len(kernel):]
    if any(p >= k for p, k in zip(pads, kernel + kernel)) and auto_pad == "NOTSET":
        return False  # ONNX: pads must be smaller than the kernel
    attrs = _window_attrs(b, kernel, strides, dilations, pads, auto_pad, kernel_shape=True,
                          dilate=dilate)
    if auto_pad == "NOTSET" and b.chance(0.25):
        ceil_out = [_window_out(x.shape[2 + i], k, s, d, lo, hi, ceil=True)
                    for i, (k, s, d, lo, hi) in enumerate(zip(kernel, strides, dilations,
                                                                begins, ends))]
        # the last window must start inside the input or the left padding
        if all((o - 1) * s < size + lo for o, s, size, lo in
               zip(ceil_out, strides, x.shape[2:], begins)):
            attrs["ceil_mode"] = 1
            out = ceil_out
    if kind == "AveragePool" and b.chance(0.4):
        attrs["count_include_pad"] = 1
    b.node(kind, [x], [b.out((*x.shape[:2], *out), "float32", x.bound)], **attrs)
    return True


def global_pool(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank >= 3)
    if x is None:
        return False
    kind = b.choose(["GlobalAveragePool", "GlobalMaxPool"])
    if kind is None:
        return False
    b.node(kind, [x], [b.out((*x.shape[:2], *[1] * (x.rank - 2)), "float32", x.bound)])
    return True


def lrn(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank == 4)
    if x is None:
        return False
    x = b.squashed(x, 100.0)
    b.node("LRN", [x], [b.like(x, positive=False)], size=b.rng.choice([1, 3, 5]),
           alpha=b.rng.choice([1e-4, 0.1]), beta=b.rng.choice([0.75, 0.5]),
           bias=b.rng.choice([1.0, 2.0]))
    return True


def batchnorm(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank >= 2)
    if x is None:
        return False
    c = (x.shape[1],)
    params = [b.weight(c, positive=True), b.weight(c), b.weight(c), b.weight(c, positive=True)]
    b.node("BatchNormalization", [x, *params], [b.like(x, bound=x.bound * 8 + 4,
                                                      positive=False)],
           epsilon=b.rng.choice([1e-5, 1e-3]))
    return True


def instancenorm(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank >= 3)
    if x is None:
        return False
    c = (x.shape[1],)
    b.node("InstanceNormalization", [x, b.weight(c), b.weight(c)],
           [b.like(x, bound=64.0, positive=False)], epsilon=b.rng.choice([1e-5, 1e-2]))
    return True


def layernorm(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank >= 1)
    if x is None or b.opset < 17:
        return False
    axis = _axis(b, x.rank)
    normalized = x.shape[axis:]
    inputs: list[Value | str] = [x, b.weight(normalized)]
    if b.chance(0.6):
        inputs.append(b.weight(normalized))
    outputs = [b.like(x, bound=64.0, positive=False)]
    if b.chance(0.2):
        stats = tuple(d if i < (axis % x.rank) else 1 for i, d in enumerate(x.shape))
        outputs += [b.out(stats, "float32", x.bound), b.out(stats, "float32", 1e3)]
    b.node("LayerNormalization", inputs, outputs, axis=axis,
           epsilon=b.rng.choice([1e-5, 1e-3]))
    return True


def softmax(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank >= 1)
    if x is None:
        return False
    op = b.choose(["Softmax", "LogSoftmax"])
    if op is None:
        return False
    attrs = {"axis": _axis(b, x.rank)} if b.chance(0.7) else {}
    bound = 1.0 if op == "Softmax" else 2 * x.bound + 10.0
    b.node(op, [x], [b.like(x, bound=bound, positive=False)], **attrs)
    return True


def matmul(b: GraphBuilder) -> bool:
    a = b.pick(lambda u: _f(u) and u.rank >= 1)
    if a is None:
        return False
    a = b.squashed(a, 100.0)
    k = a.shape[-1]
    n = b.dim()
    if a.rank == 1:
        b_shape: Shape = (k,) if b.chance(0.3) else (k, n)
    else:
        batch = b.broadcast_shape(a.shape[:-2]) if b.chance(0.4) else ()
        b_shape = (k,) if b.chance(0.15) else (*batch, k, n)
    other = b.pick(lambda u: u.is_float and u.shape == b_shape)
    if other is None or b.chance(0.5):
        other = b.weight(b_shape, scale=1.0 / math.sqrt(max(k, 1)))
    y = _matmul_shape(a.shape, b_shape)
    if y is None or not b.fits(y):
        return False
    operands = [a, other]
    b.node("MatMul", operands, [b.out(y, "float32", a.bound * other.bound * max(k, 1) + 1.0)])
    return True


def _matmul_shape(a: Shape, b: Shape) -> Shape | None:
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        return None
    batch = broadcast(a2[:-2], b2[:-2])
    if batch is None:
        return None
    y = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        y = y[:-2] + y[-1:]
    if len(b) == 1:
        y = y[:-1]
    return y


def gemm(b: GraphBuilder) -> bool:
    a = b.pick(lambda u: _f(u) and u.rank == 2)
    if a is None:
        return False
    a = b.squashed(a, 100.0)
    trans_a, trans_b = b.rng.randint(0, 1), b.rng.randint(0, 1)
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = b.dim()
    w = b.weight((n, k) if trans_b else (k, n), scale=1.0 / math.sqrt(max(k, 1)))
    inputs: list[Value | str] = [a, w]
    if b.chance(0.7):
        inputs.append(b.weight(b.rng.choice([(n,), (1, n), (m, 1), (m, n), ()])))
    attrs: dict[str, object] = {}
    for name, value in (("transA", trans_a), ("transB", trans_b)):
        if value or b.chance(0.2):
            attrs[name] = value
    if b.chance(0.3):
        attrs["alpha"] = b.rng.choice([0.5, 1.0, 2.0])
    if b.chance(0.3):
        attrs["beta"] = b.rng.choice([0.0, 0.5, 1.0])
    b.node("Gemm", inputs, [b.out((m, n), "float32", 2 * a.bound * w.bound * max(k, 1) + 4)],
           **attrs)
    return True


# ----------------------------------------------------------------------------- reductions

REDUCTIONS = ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin")


def reduce(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.dtype in NUMERIC and u.rank >= 1 and u.size > 0)
    if x is None:
        return False
    op = b.choose(REDUCTIONS if x.is_float else ("ReduceSum", "ReduceMax", "ReduceMin"))
    if op is None:
        return False
    axes = sorted(b.rng.sample(range(x.rank), b.rng.randint(0, x.rank)))
    keepdims = b.rng.randint(0, 1)
    axes_as_input = b.opset >= 18 or (op == "ReduceSum" and b.opset >= 13)
    noop = 1 if not axes and axes_as_input and b.chance(0.3) else 0
    reduced = set(range(x.rank)) if not axes and not noop else set(axes)
    signed = [a - x.rank if b.chance(0.3) else a for a in axes]
    if noop:
        shape = x.shape
    elif keepdims:
        shape = tuple(1 if i in reduced else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in reduced)
    count = math.prod(x.shape[i] for i in reduced) if not noop else 1
    bound = x.bound * count if op == "ReduceSum" else x.bound
    if op == "ReduceSum" and not x.is_float and bound > 2**20:
        return False
    attrs: dict[str, object] = {}
    if keepdims == 0 or b.chance(0.3):
        attrs["keepdims"] = keepdims
    if noop:
        attrs["noop_with_empty_axes"] = 1
    inputs: list[Value | str] = [x]
    if axes and axes_as_input:
        inputs.append(b.ints(signed, "axes"))
    elif axes:
        attrs["axes"] = signed
    b.node(op, inputs, [b.out(shape, x.dtype, bound)], **attrs)
    return True


# ----------------------------------------------------------------------------- data movement


def _factor(b: GraphBuilder, total: int, rank: int) -> list[int]:
    """`rank` dims whose product is `total`."""
    dims = [1] * rank
    left = total
    for i in range(rank - 1):
        choices = _divisors(left) if left > 0 else [0, 1]
        dims[i] = b.rng.choice(choices)
        left = left // dims[i] if dims[i] else 0
    dims[-1] = left if rank else 1
    b.rng.shuffle(dims)
    return dims


def reshape(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 0)
    if x is None:
        return False
    if x.size == 0:
        return _flatten(b, x)
    rank = b.rng.randint(1, b.config.max_rank)
    dims = _factor(b, x.size, rank)
    spec = list(dims)
    if b.chance(0.4):
        spec[b.rng.randrange(rank)] = -1
    for i in range(min(rank, x.rank)):
        if spec[i] == x.shape[i] and spec[i] != 0 and b.chance(0.3) and -1 not in spec[:i]:
            spec[i] = 0  # copy the input's dim
    if spec.count(-1) > 1:
        return False
    if b.chance(0.3):
        return _reshape_like(b, x, tuple(dims))
    b.node("Reshape", [x, b.ints(spec, "shape")], [b.like(x, shape=tuple(dims))])
    return True


def _reshape_like(b: GraphBuilder, x: Value, dims: Shape) -> bool:
    """Reshape(x, Shape(u)) for a value u of the target shape (Shape folds to a constant)."""
    u = b.pick(lambda v: v.shape == dims and v.name != x.name)
    if u is None:
        b.node("Reshape", [x, b.ints(list(dims), "shape")], [b.like(x, shape=dims)])
        return True
    [s] = b.node("Shape", [u], [b.out((len(dims),), "int64", max(dims, default=1))])
    b.values.remove(s)  # a shape computation, not data for other rules
    b.node("Reshape", [x, s], [b.like(x, shape=dims)])
    return True


def _flatten(b: GraphBuilder, x: Value) -> bool:
    axis = b.rng.randint(-x.rank, x.rank) if x.rank else 0
    a = axis % x.rank if x.rank and axis < 0 else axis
    y = (math.prod(x.shape[:a]), math.prod(x.shape[a:]))
    b.node("Flatten", [x], [b.like(x, shape=y)], axis=axis)
    return True


def flatten(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1)
    return x is not None and _flatten(b, x)


def transpose(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 2)
    if x is None:
        return False
    perm = list(range(x.rank))
    b.rng.shuffle(perm)
    if b.chance(0.2):  # no perm: the dims reversed
        perm = list(range(x.rank))[::-1]
        b.node("Transpose", [x], [b.like(x, shape=tuple(x.shape[p] for p in perm))])
        return True
    b.node("Transpose", [x], [b.like(x, shape=tuple(x.shape[p] for p in perm))], perm=perm)
    return True


def concat(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1)
    if x is None:
        return False
    axis = _axis(b, x.rank)
    a = axis % x.rank
    parts = [x]
    for _ in range(b.rng.randint(1, 3)):
        same = b.pick_all(lambda u: u.dtype == x.dtype and u.rank == x.rank and all(
            d == e for i, (d, e) in enumerate(zip(u.shape, x.shape)) if i != a))
        if same and b.chance(0.6):
            parts.append(b.rng.choice(same))
        else:
            shape = list(x.shape)
            shape[a] = b.dim(4)
            parts.append(b.weight(tuple(shape), x.dtype))
    b.rng.shuffle(parts)
    shape = list(x.shape)
    shape[a] = sum(p.shape[a] for p in parts)
    if not b.fits(shape):
        return False
    bound = max(p.bound for p in parts)
    b.node("Concat", parts, [b.out(tuple(shape), x.dtype, bound)], axis=axis)
    return True


def split(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1 and u.size > 0)
    if x is None:
        return False
    axis = _axis(b, x.rank)
    size = x.shape[axis]
    inputs: list[Value | str] = [x]
    attrs: dict[str, object] = {"axis": axis}
    if b.chance(0.5):  # explicit sizes
        count = b.rng.randint(1, min(size, 4))
        cuts = sorted(b.rng.sample(range(1, size), count - 1)) if count > 1 else []
        sizes = [e - s for s, e in zip([0, *cuts], [*cuts, size])]
        inputs.append(b.ints(sizes, "split"))
    elif b.opset >= 18:
        count = b.rng.randint(1, min(size, 4))
        attrs["num_outputs"] = count
        step = -(-size // count)
        sizes = [min(step, size - i * step) for i in range(count) if size - i * step > 0]
        if len(sizes) != count:
            return False
    else:
        count = b.rng.choice([d for d in _divisors(size) if d <= 4])
        sizes = [size // count] * count
    outputs = []
    for s in sizes:
        shape = list(x.shape)
        shape[axis] = s
        outputs.append(b.like(x, shape=tuple(shape)))
    b.node("Split", inputs, outputs, **attrs)
    return True


def slice_(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1)
    if x is None:
        return False
    axes = b.rng.sample(range(x.rank), b.rng.randint(1, x.rank))
    starts, ends, steps, shape = [], [], [], list(x.shape)
    for axis in axes:
        size = x.shape[axis]
        step = b.rng.choice([1, 1, 1, 2, 3, -1, -2])
        start, end = b.rng.randint(-size - 1, size + 1), b.rng.randint(-size - 1, size + 1)
        if b.chance(0.15):
            end = INT64_MAX if step > 0 else -INT64_MAX
        starts.append(start)
        ends.append(end)
        steps.append(step)
        shape[axis] = _slice_length(size, start, end, step)
    if b.chance(0.5):
        axes = [a - x.rank if b.chance(0.5) else a for a in axes]
    inputs: list[Value | str] = [x, b.ints(starts, "starts"), b.ints(ends, "ends")]
    full_steps = any(s != 1 for s in steps) or b.chance(0.3)
    if full_steps or b.chance(0.5):
        inputs.append(b.ints(axes, "axes"))
    if full_steps:
        inputs.append(b.ints(steps, "steps"))
    if len(inputs) == 3 and sorted(axes) != list(range(len(axes))):
        inputs.append(b.ints(axes, "axes"))
    b.node("Slice", inputs, [b.like(x, shape=tuple(shape))])
    return True


def _slice_length(size: int, start: int, end: int, step: int) -> int:
    """ONNX Slice's output extent (its clamping differs from Python's for negative steps)."""
    start = start + size if start < 0 else start
    end = end + size if end < 0 else end
    if step > 0:
        start, end = min(max(start, 0), size), min(max(end, 0), size)
    else:
        start, end = min(max(start, 0), size - 1), min(max(end, -1), size - 1)
    return max(0, -(-(end - start) // step))


def gather(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1 and u.size > 0)
    if x is None:
        return False
    kind = b.choose(["Gather", "Gather", "GatherElements", "GatherND"])
    if kind is None:
        return False
    axis = _axis(b, x.rank)
    n = x.shape[axis]
    if kind == "Gather":
        shape = b.shape(b.rng.randint(0, 2), budget=16)
        indices = b.np_rng.integers(-n, n, shape)
        y = (*x.shape[:axis % x.rank], *shape, *x.shape[axis % x.rank + 1:])
        attrs = {"axis": axis}
    elif kind == "GatherElements":
        # other dims as X's: onnx.reference (numpy's take_along_axis) wants them equal
        shape = tuple(d if i != axis % x.rank else b.dim(4) for i, d in enumerate(x.shape))
        indices = b.np_rng.integers(-n, n, shape)
        y, attrs = shape, {"axis": axis}
    else:
        depth = b.rng.randint(1, x.rank)
        outer = b.shape(b.rng.randint(0, 2), budget=8)
        indices = np.stack([b.np_rng.integers(-d, d, outer) for d in x.shape[:depth]], -1)
        y, attrs = (*outer, *x.shape[depth:]), {}
        if not y:
            return False  # onnx's shape inference leaves a rank-0 GatherND result unshaped
    if not b.fits(y):
        return False
    idx = b.weight(indices.shape, "int64", array=indices.astype(np.int64), stem="idx")
    b.values.remove(idx)  # indices are valid only where they are used
    b.node(kind, [x, idx], [b.like(x, shape=tuple(y))], **attrs)
    return True


def pad(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1 and u.dtype != "bool")
    if x is None:
        return False
    modes = ["constant", "constant", "reflect", "edge"]
    mode = b.rng.choice(modes)
    if mode != "constant" and x.size == 0:
        mode = "constant"
    axes = list(range(x.rank))
    if b.opset >= 18 and b.chance(0.4):
        axes = sorted(b.rng.sample(range(x.rank), b.rng.randint(1, x.rank)))
    begins, ends = [], []
    for axis in axes:
        size = x.shape[axis]
        limit = size - 1 if mode == "reflect" else 3
        low = -size // 2 if mode == "constant" and b.chance(0.2) else 0
        begins.append(b.rng.randint(min(low, 0), max(0, min(limit, 3))))
        ends.append(b.rng.randint(min(low, 0), max(0, min(limit, 3))))
    shape = list(x.shape)
    for axis, lo, hi in zip(axes, begins, ends):
        shape[axis] += lo + hi
    if any(d < 0 for d in shape) or not b.fits(shape):
        return False
    inputs: list[Value | str] = [x, b.ints(begins + ends, "pads")]
    if mode == "constant" and b.chance(0.5):
        inputs.append(b.scalar(b.rng.choice([0, 1, -2]), x.dtype))
    if axes != list(range(x.rank)):
        if len(inputs) == 2:
            inputs.append("")
        inputs.append(b.ints(axes, "axes"))
    attrs = {"mode": mode} if mode != "constant" or b.chance(0.3) else {}
    b.node("Pad", inputs, [b.like(x, shape=tuple(shape), bound=max(x.bound, 2.0))], **attrs)
    return True


def resize(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: _f(u) and u.rank == 4)
    if x is None:
        return False
    mode = b.rng.choice(["nearest", "linear", "cubic"])
    transforms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"]
    if b.opset >= 19:
        transforms.append("half_pixel_symmetric")
    transform = b.rng.choice(transforms)
    attrs: dict[str, object] = {"mode": mode, "coordinate_transformation_mode": transform}
    if mode == "nearest":
        attrs["nearest_mode"] = b.rng.choice(["round_prefer_floor", "round_prefer_ceil",
                                              "floor", "ceil"])
    if mode == "cubic" and b.chance(0.3):
        attrs["cubic_coeff_a"] = -0.5
    if b.chance(0.5):
        scales = [1.0, 1.0] + [b.rng.choice([0.5, 1.0, 1.5, 2.0, 3.0]) for _ in range(2)]
        out = [int(math.floor(d * s)) for d, s in zip(x.shape, scales)]
        if min(out) < 1:
            return False
        inputs: list[Value | str] = [x, "", b.floats(scales, "scales")]
    else:
        out = [*x.shape[:2], b.dim(), b.dim()]
        inputs = [x, "", "", b.ints(out, "sizes")]
    if not b.fits(out):
        return False
    bound = x.bound * (2.0 if mode == "cubic" else 1.0)
    b.node("Resize", inputs, [b.like(x, shape=tuple(out), bound=bound, positive=False)],
           **attrs)
    return True


def tile(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank >= 1)
    if x is None:
        return False
    repeats = [b.rng.choice([1, 1, 2, 3]) for _ in x.shape]
    shape = tuple(d * r for d, r in zip(x.shape, repeats))
    if not b.fits(shape):
        return False
    b.node("Tile", [x, b.ints(repeats, "repeats")], [b.like(x, shape=shape)])
    return True


def expand(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: True)
    if x is None:
        return False
    extra = b.rng.randint(0, max(0, b.config.max_rank - x.rank))
    target = [b.dim(3) for _ in range(extra)]
    target += [b.dim(3) if d == 1 and b.chance(0.6) else (1 if b.chance(0.2) else d)
               for d in x.shape]
    shape = broadcast(x.shape, tuple(target))
    if shape is None or not b.fits(shape):
        return False
    b.node("Expand", [x, b.ints(target, "shape")], [b.like(x, shape=shape)])
    return True


def squeeze(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: 1 in u.shape)
    if x is None:
        return _unsqueeze(b)
    ones = [i for i, d in enumerate(x.shape) if d == 1]
    axes = sorted(b.rng.sample(ones, b.rng.randint(1, len(ones))))
    shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    inputs: list[Value | str] = [x]
    if b.chance(0.8) or len(axes) != len(ones):
        inputs.append(b.ints([a - x.rank if b.chance(0.3) else a for a in axes], "axes"))
    else:
        shape = tuple(d for d in x.shape if d != 1)
    b.node("Squeeze", inputs, [b.like(x, shape=shape)])
    return True


def _unsqueeze(b: GraphBuilder) -> bool:
    x = b.pick(lambda u: u.rank < b.config.max_rank)
    if x is None:
        return False
    rank = x.rank + b.rng.randint(1, max(1, b.config.max_rank - x.rank))
    axes = sorted(b.rng.sample(range(rank), rank - x.rank))
    dims = iter(x.shape)
    shape = tuple(1 if i in axes else next(dims) for i in range(rank))
    signed = [a - rank if b.chance(0.3) else a for a in axes]
    b.node("Unsqueeze", [x, b.ints(signed, "axes")], [b.like(x, shape=shape)])
    return True


def unsqueeze(b: GraphBuilder) -> bool:
    return _unsqueeze(b)


# ----------------------------------------------------------------------------- sources


def constant_source(b: GraphBuilder) -> bool:
    """A new value from ConstantOfShape or Range (folded by the frontend), combined with an
    existing value so it is used."""
    x = b.pick(lambda u: u.dtype in NUMERIC and u.rank >= 1 and u.size > 0)
    if x is None:
        return False
    if b.chance(0.5) or x.rank != 1:
        shape = b.broadcast_shape(x.shape)
        fill = np.array([b.rng.choice([0, 1, 2])], dtype=x.dtype)
        from onnx import numpy_helper

        [c] = b.node("ConstantOfShape", [b.ints(list(shape), "shape")],
                     [b.out(shape, x.dtype, 2.0)], value=numpy_helper.from_array(fill, "v"))
    else:
        n, delta = x.shape[0], b.rng.choice([1, 2, -1])
        start = b.rng.randint(-3, 3)
        limit = start + n * delta
        [c] = b.node("Range", [b.scalar(start, x.dtype), b.scalar(limit, x.dtype),
                               b.scalar(delta, x.dtype)],
                     [b.out((n,), x.dtype, abs(start) + abs(limit) + 1.0)])
    shape = broadcast(x.shape, c.shape)
    assert shape is not None
    b.node(b.rng.choice(["Add", "Mul", "Sub"]), [x, c],
           [b.out(shape, x.dtype, x.bound * (c.bound + 1.0) + c.bound)])
    return True


def _rule(name: str, ops: str, weight: float, apply: Callable[[GraphBuilder], bool]) -> Rule:
    return Rule(name, frozenset(ops.split()), weight, apply)


RULES: dict[str, Rule] = {r.name: r for r in (
    _rule("unary", " ".join(UNARY_FLOAT), 3.0, unary),
    _rule("gelu", "Gelu", 0.5, gelu),
    _rule("clip", "Clip", 0.7, clip),
    _rule("integer-unary", "Abs Neg Identity Relu", 0.5, integer_unary),
    _rule("binary", " ".join(ARITHMETIC), 3.0, binary),
    _rule("compare", " ".join(COMPARISONS), 1.0, compare),
    _rule("logic", "And Or Not IsNaN", 0.7, logic),
    _rule("where", "Where", 0.8, where),
    _rule("cast", "Cast CastLike", 0.8, cast),
    _rule("conv", "Conv", 2.5, conv),
    _rule("conv-transpose", "ConvTranspose", 0.6, conv_transpose),
    _rule("pool", "MaxPool AveragePool", 1.5, pool),
    _rule("global-pool", "GlobalAveragePool GlobalMaxPool", 0.6, global_pool),
    _rule("lrn", "LRN", 0.3, lrn),
    _rule("batchnorm", "BatchNormalization", 1.0, batchnorm),
    _rule("instancenorm", "InstanceNormalization", 0.4, instancenorm),
    _rule("layernorm", "LayerNormalization", 1.0, layernorm),
    _rule("softmax", "Softmax LogSoftmax", 1.2, softmax),
    _rule("matmul", "MatMul", 2.0, matmul),
    _rule("gemm", "Gemm", 1.2, gemm),
    _rule("reduce", " ".join(REDUCTIONS), 1.2, reduce),
    _rule("reshape", "Reshape Shape", 1.2, reshape),
    _rule("flatten", "Flatten", 0.5, flatten),
    _rule("transpose", "Transpose", 1.2, transpose),
    _rule("concat", "Concat", 1.0, concat),
    _rule("split", "Split", 0.7, split),
    _rule("slice", "Slice", 1.0, slice_),
    _rule("gather", "Gather GatherElements GatherND", 0.9, gather),
    _rule("pad", "Pad", 0.7, pad),
    _rule("resize", "Resize", 0.5, resize),
    _rule("tile", "Tile", 0.5, tile),
    _rule("expand", "Expand", 0.5, expand),
    _rule("squeeze", "Squeeze", 0.7, squeeze),
    _rule("unsqueeze", "Unsqueeze", 0.4, unsqueeze),
    _rule("constant-source", "ConstantOfShape Range", 0.4, constant_source),
)}
"""Every rule by name; `Rule.ops` are the op types it is about (helpers it adds to keep
values finite, Abs, Add, Tanh, Sigmoid, Clip, are not listed)."""


def rules_for(ops: Sequence[str]) -> list[Rule]:
    """The rules about any of `ops` (all rules when `ops` is empty)."""
    if not ops:
        return list(RULES.values())
    return [r for r in RULES.values() if r.ops.intersection(ops)]
