"""LSTM, GRU and RNN rewritten, at import, into the ops the dialect has, as onnxruntime computes
them (all attributes: direction, activations with alpha/beta, clip, layout, LSTM's
input_forget and peepholes, GRU's linear_before_reset; inputs sequence_lens, initial_h,
initial_c).

Per direction: the input projection of every time step is one Gemm up front,
`X[seq * batch, input] @ W^T + (Wb + Rb)`; then the time loop, unrolled over the static
sequence length (at most `MAX_STEPS` with `sequence_lens`), or, for sequences longer than
`loops.UNROLL_AT_MOST` without `sequence_lens`, a Loop node (a real loop: H and C carried, each
step's H a scan output, `_Direction._loop`): the recurrent Gemm `H @ R^T + projection[t]`, the gates
a Split of it, their activations and the state update, elementwise ops that tcc fuses into a
few kernels per step (GRU: its h gate's own Gemm, before or after the reset gate multiplies).
With `sequence_lens`, a step past a batch entry's length keeps its state (a `Where` on
`t < length`) and outputs zeros (constant lengths that are all the sequence's: no masks);
the reverse direction reads each batch entry's sequence backwards from its own last element
(a `GatherElements` over the time axis, applied again to its outputs), as onnxruntime's
ReverseSequence does.

Activation alpha/beta values are consumed in order by the activations that take them (Affine,
LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu), with onnxruntime's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import onnx

from tcompiler.frontend.control import Facts, Rule
from tcompiler.frontend.loops import UNROLL_AT_MOST
from tcompiler.frontend.writer import GraphWriter

MAX_STEPS = 256
"""The longest sequence with `sequence_lens` (masked steps) the time loop is unrolled to.
Compile time grows faster than the step count (one LSTM direction, hidden 64: 128 steps 10 s,
256 steps 48 s, 512 steps 130 s); longer sequences without `sequence_lens` are real loops."""

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
DEFAULT_ACTIVATIONS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"],
                       "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
INPUTS = {"RNN": ["X", "W", "R", "B", "sequence_lens", "initial_h"],
          "GRU": ["X", "W", "R", "B", "sequence_lens", "initial_h"],
          "LSTM": ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]}
USES = {"affine": (True, True), "relu": (False, False), "leakyrelu": (True, False),
        "thresholdedrelu": (True, False), "tanh": (False, False), "scaledtanh": (True, True),
        "sigmoid": (False, False), "hardsigmoid": (True, True), "elu": (True, False),
        "softsign": (False, False), "softplus": (False, False)}
"""activation -> whether it takes an alpha and a beta."""
DEFAULTS = {"leakyrelu": (0.01, 0.0), "hardsigmoid": (0.2, 0.5), "elu": (1.0, 0.0)}
"""onnxruntime's alpha/beta when the lists run out (0 for the activations not listed)."""


@dataclass(frozen=True)
class Activation:
    name: str  # lower case
    alpha: float
    beta: float

    def __call__(self, w: GraphWriter, x: str) -> str:
        return _ACTIVATIONS[self.name](w, x, self.alpha, self.beta)


def _activations(node: onnx.NodeProto, directions: int) -> list[Activation] | str:
    attrs = {a.name: a for a in node.attribute}
    names = ([s.decode() for s in attrs["activations"].strings] if "activations" in attrs
             else DEFAULT_ACTIVATIONS[node.op_type] * directions)
    alphas = list(attrs["activation_alpha"].floats) if "activation_alpha" in attrs else []
    betas = list(attrs["activation_beta"].floats) if "activation_beta" in attrs else []
    result: list[Activation] = []
    for name in (n.lower() for n in names):
        if name not in USES:
            return f"activation {name!r} is not one ONNX defines"
        alpha, beta = DEFAULTS.get(name, (0.0, 0.0))
        takes_alpha, takes_beta = USES[name]
        if takes_alpha and alphas:
            alpha = alphas.pop(0)
        if takes_beta and betas:
            beta = betas.pop(0)
        result.append(Activation(name, alpha, beta))
    if len(result) != len(DEFAULT_ACTIVATIONS[node.op_type]) * directions:
        return f"{len(result)} activations for {directions} direction(s)"
    return result


def expand_recurrent(node: onnx.NodeProto, w: GraphWriter, facts: Facts) -> str | None:
    kind = node.op_type
    inputs = dict(zip(INPUTS[kind], node.input, strict=False))
    inputs = {k: v for k, v in inputs.items() if v}
    attrs = {a.name: a for a in node.attribute}
    layout = attrs["layout"].i if "layout" in attrs else 0
    direction = attrs["direction"].s.decode() if "direction" in attrs else "forward"
    x_dims, r_dims = facts.dims(inputs["X"]), facts.dims(inputs["R"])
    if x_dims is None or r_dims is None:
        return "X or R has no static shape"
    steps = x_dims[1] if layout else x_dims[0]
    known = facts.constants.get(inputs.get("sequence_lens", ""))
    masked = "sequence_lens" in inputs and not (known is not None and (known == steps).all())
    if steps == 0 or (masked and steps > MAX_STEPS):
        return (f"a sequence of {steps} steps with sequence_lens (tcc unrolls those 1 to "
                f"{MAX_STEPS})")
    directions = 2 if direction == "bidirectional" else 1
    activations = _activations(node, directions)
    if isinstance(activations, str):
        return activations
    cell = _Cell(kind, r_dims[2], attrs["clip"].f if "clip" in attrs else None,
                 bool(attrs["input_forget"].i) if "input_forget" in attrs else False,
                 bool(attrs["linear_before_reset"].i) if "linear_before_reset" in attrs else False,
                 facts.types[inputs["X"]].tensor_type.elem_type)
    x = w.op("Transpose", inputs["X"], perm=[1, 0, 2]) if layout else inputs["X"]
    state_perm = [1, 0, 2]
    initial = {k: w.op("Transpose", inputs[k], perm=state_perm) if layout else inputs[k]
               for k in ("initial_h", "initial_c") if k in inputs}
    lengths = None
    if masked:
        lengths = w.op("Cast", inputs["sequence_lens"], to=onnx.TensorProto.INT64)
    count = len(DEFAULT_ACTIVATIONS[kind])
    results: list[tuple[str, str, str | None]] = []
    for d in range(directions):
        reverse = direction == "reverse" or d == 1
        run = _Direction(w, cell, d, directions, steps, x_dims[0] if layout else x_dims[1],
                         activations[d * count:(d + 1) * count])
        results.append(run.compute(x, inputs, initial, lengths, reverse))
    outputs = list(node.output) + [""] * (3 - len(node.output))
    if outputs[0]:
        y = w.stack([y for y, _, _ in results], 1)  # [seq, directions, batch, hidden]
        w.node("Identity", [w.op("Transpose", y, perm=[2, 0, 1, 3]) if layout else y],
               [outputs[0]])
    finals = ((outputs[1], [h for _, h, _ in results]),
              (outputs[2], [c for _, _, c in results if c is not None]))
    for output, states in finals:
        if output:
            final = w.stack(states, 0)  # [directions, batch, hidden]
            w.node("Identity", [w.op("Transpose", final, perm=state_perm) if layout else final],
                   [output])
    return None


@dataclass(frozen=True)
class _Cell:
    kind: str
    hidden: int
    clip: float | None
    input_forget: bool
    linear_before_reset: bool
    elem: int  # the ONNX element type of X


@dataclass
class _Direction:
    """One direction of the recurrence: writes its nodes, returns (Y [seq, batch, hidden],
    final H, final C or None). Products with W and R are Gemms with transB (no transposes),
    the step's input projection the recurrent Gemm's C."""

    w: GraphWriter
    cell: _Cell
    index: int
    directions: int
    steps: int
    batch: int
    activations: list[Activation]
    r: str = ""  # R of this direction [gates, hidden]
    r_zr: str = ""  # GRU without linear_before_reset: the z and r rows of R, and the h ones
    r_h: str = ""
    rb: str | None = None  # GRU with linear_before_reset: Rb, the recurrent Gemm's C
    peepholes: list[str] | None = None  # LSTM: P split into i, o, f

    def compute(self, x: str, inputs: dict[str, str], initial: dict[str, str],
                lengths: str | None, reverse: bool) -> tuple[str, str, str | None]:
        w, cell, hidden = self.w, self.cell, self.cell.hidden
        gates = GATES[cell.kind] * hidden
        self.r = self._own(inputs["R"])
        if cell.kind == "GRU" and not cell.linear_before_reset:
            self.r_zr = w.slice(self.r, 0, 2 * hidden, 0)
            self.r_h = w.slice(self.r, 2 * hidden, 3 * hidden, 0)
        bias: list[str] = []
        if "B" in inputs:
            both = self._own(inputs["B"])
            wb, rb = w.slice(both, 0, gates, 0), w.slice(both, gates, 2 * gates, 0)
            if cell.kind == "GRU" and cell.linear_before_reset:
                self.rb, bias = rb, [wb]  # Rb_h is added to H @ R_h^T before r multiplies it
            else:
                bias = [w.op("Add", wb, rb)]
        rows = w.op("Reshape", x, w.ints(self.steps * self.batch, -1))
        projected = w.op("Gemm", rows, self._own(inputs["W"]), *bias, transB=1)
        projected = w.op("Reshape", projected, w.ints(self.steps, self.batch, gates))
        zeros = w.const(np.zeros((self.batch, hidden), np.float32), "zeros")
        h = self._own(initial["initial_h"]) if "initial_h" in initial else zeros
        c = self._own(initial["initial_c"]) if "initial_c" in initial else zeros
        if "P" in inputs:
            self.peepholes = w.split(self._own(inputs["P"]), 3, hidden, 0)
        order = list(range(self.steps))
        backwards = None
        if reverse and lengths is not None:
            backwards = self._backwards(lengths)
            expanded = w.op("Expand", w.op("Unsqueeze", backwards, w.ints(2)),
                            w.ints(self.steps, self.batch, gates))
            projected = w.op("GatherElements", projected, expanded, axis=0)
        elif reverse:
            order.reverse()
        if lengths is None and self.steps > UNROLL_AT_MOST:
            y, h, c = self._loop(projected, h, c, reverse)
            return y, h, c if cell.kind == "LSTM" else None
        outputs: dict[int, str] = {}
        for t in order:
            new_h, new_c = self._step(w.index(projected, t), h, c)
            if lengths is None:
                h, c, outputs[t] = new_h, new_c, new_h
                continue
            running = w.op("Less", w.scalar(t, np.int64), lengths)
            running = w.op("Unsqueeze", running, w.ints(1))  # [batch, 1]
            h = w.op("Where", running, new_h, h)
            c = w.op("Where", running, new_c, c) if cell.kind == "LSTM" else c
            outputs[t] = w.op("Where", running, new_h, zeros)
        y = w.stack([outputs[t] for t in range(self.steps)], 0)
        if backwards is not None:
            expanded = w.op("Expand", w.op("Unsqueeze", backwards, w.ints(2)),
                            w.ints(self.steps, self.batch, hidden))
            y = w.op("GatherElements", y, expanded, axis=0)
        if lengths is not None:  # an empty sequence ends in zero states (onnxruntime)
            started = w.op("Unsqueeze", w.op("Less", w.scalar(0, np.int64), lengths), w.ints(1))
            h = w.op("Where", started, h, zeros)
            c = w.op("Where", started, c, zeros)
        return y, h, c if cell.kind == "LSTM" else None

    def _loop(self, projected: str, h: str, c: str, reverse: bool) -> tuple[str, str, str]:
        """The time loop as a Loop node (a real loop, `loops.py`): H (and C) carried, each
        step's H stacked (in time order: reversed after the loop for the reverse direction)."""
        w, lstm, steps = self.w, self.cell.kind == "LSTM", self.steps
        body = GraphWriter(w.taken, f"{w.prefix}d{self.index}.body.")
        i, cond, h_in, c_in = (body.fresh(n) for n in ("i", "cond", "h", "c"))
        t = body.op("Sub", body.scalar(steps - 1, np.int64), i) if reverse else i
        new_h, new_c = replace(self, w=body)._step(body.op("Gather", projected, t, axis=0),
                                                   h_in, c_in if lstm else c)
        carried = [h_in, *([c_in] if lstm else [])]
        yielded = [body.op("Identity", cond), new_h, *([new_c] if lstm else []),
                   body.op("Identity", new_h)]
        state = [self.batch, self.cell.hidden]
        graph = onnx.helper.make_graph(
            body.nodes, body.prefix + "graph",
            [onnx.helper.make_tensor_value_info(i, onnx.TensorProto.INT64, []),
             onnx.helper.make_tensor_value_info(cond, onnx.TensorProto.BOOL, []),
             *(onnx.helper.make_tensor_value_info(v, self.cell.elem, state) for v in carried)],
            [onnx.helper.make_tensor_value_info(yielded[0], onnx.TensorProto.BOOL, []),
             *(onnx.helper.make_tensor_value_info(v, self.cell.elem, state)
               for v in yielded[1:])])
        finals = [w.fresh("h"), w.fresh("c") if lstm else c, w.fresh("y")]
        w.node("Loop", [w.scalar(steps, np.int64), "", h, *([c] if lstm else [])],
               [finals[0], *([finals[1]] if lstm else []), finals[2]], body=graph)
        y = finals[2]
        if reverse:
            y = w.op("Gather", y, w.const(np.arange(steps - 1, -1, -1, dtype=np.int64)), axis=0)
        return y, finals[0], finals[1]

    def _own(self, per_direction: str) -> str:
        """This direction's part of a [directions, ...] tensor (a view for one direction)."""
        if self.directions == 1:
            return self.w.op("Squeeze", per_direction, self.w.ints(0))
        return self.w.index(per_direction, self.index)

    def _backwards(self, lengths: str) -> str:
        """[seq, batch] time indices: step s reads lengths[b] - 1 - s while s < lengths[b]."""
        w = self.w
        s = w.const(np.arange(self.steps, dtype=np.int64).reshape(-1, 1), "steps")
        length = w.op("Unsqueeze", lengths, w.ints(0))
        last = w.op("Sub", length, w.scalar(1, np.int64))
        return w.op("Where", w.op("Less", s, length), w.op("Sub", last, s), s)

    def _gates(self, gates: str, count: int) -> list[str]:
        return self.w.split(gates, count, self.cell.hidden, 1)

    def _clip(self, x: str) -> str:
        if self.cell.clip is None:
            return x
        bound = self.cell.clip
        return self.w.op("Clip", x, self.w.scalar(-bound), self.w.scalar(bound))

    def _step(self, projected: str, h: str, c: str) -> tuple[str, str]:
        """The new (H, C) from the step's input projection [batch, gates] and the state."""
        w, kind = self.w, self.cell.kind
        if kind == "RNN":
            pre = w.op("Gemm", h, self.r, projected, transB=1)
            return self.activations[0](w, self._clip(pre)), c
        if kind == "GRU":
            return self._gru(projected, h), c
        return self._lstm(w.op("Gemm", h, self.r, projected, transB=1), c)

    def _lstm(self, gates: str, c: str) -> tuple[str, str]:
        w = self.w
        f, g, h = self.activations
        i_pre, o_pre, f_pre, c_pre = self._gates(gates, 4)
        p = self.peepholes
        if p is not None:
            i_pre = w.op("Add", i_pre, w.op("Mul", p[0], c))
            f_pre = w.op("Add", f_pre, w.op("Mul", p[2], c))
        i = f(w, self._clip(i_pre))
        forget = (w.op("Sub", w.scalar(1.0), i) if self.cell.input_forget
                  else f(w, self._clip(f_pre)))
        new_c = w.op("Add", w.op("Mul", forget, c), w.op("Mul", i, g(w, self._clip(c_pre))))
        if p is not None:
            o_pre = w.op("Add", o_pre, w.op("Mul", p[1], new_c))
        o = f(w, self._clip(o_pre))
        return w.op("Mul", o, h(w, new_c)), new_c

    def _gru(self, projected: str, h: str) -> str:
        w = self.w
        f, g = self.activations
        x_z, x_r, x_h = self._gates(projected, 3)
        if self.cell.linear_before_reset:
            bias = [self.rb] if self.rb is not None else []
            h_z, h_r, h_h = self._gates(w.op("Gemm", h, self.r, *bias, transB=1), 3)
        else:
            h_z, h_r = self._gates(w.op("Gemm", h, self.r_zr, transB=1), 2)
        z = f(w, self._clip(w.op("Add", x_z, h_z)))
        r = f(w, self._clip(w.op("Add", x_r, h_r)))
        if self.cell.linear_before_reset:
            candidate = w.op("Add", x_h, w.op("Mul", r, h_h))
        else:  # x_h + (r * H) @ R_h^T
            candidate = w.op("Gemm", w.op("Mul", r, h), self.r_h, x_h, transB=1)
        new = g(w, self._clip(candidate))
        keep = w.op("Sub", w.scalar(1.0), z)
        return w.op("Add", w.op("Mul", keep, new), w.op("Mul", z, h))


def _affine(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    return w.op("Add", w.op("Mul", x, w.scalar(alpha)), w.scalar(beta))


def _thresholded(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    return w.op("Where", w.op("Greater", x, w.scalar(alpha)), x, w.scalar(0.0))


def _scaled_tanh(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    return w.op("Mul", w.op("Tanh", w.op("Mul", x, w.scalar(beta))), w.scalar(alpha))


def _elu(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    negative = w.op("Mul", w.op("Sub", w.op("Exp", x), w.scalar(1.0)), w.scalar(alpha))
    return w.op("Where", w.op("Less", x, w.scalar(0.0)), negative, x)


def _softsign(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    return w.op("Div", x, w.op("Add", w.op("Abs", x), w.scalar(1.0)))


def _softplus(w: GraphWriter, x: str, alpha: float, beta: float) -> str:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), without overflow."""
    tail = w.op("Exp", w.op("Neg", w.op("Abs", x)))
    return w.op("Add", w.op("Relu", x), w.op("Log", w.op("Add", tail, w.scalar(1.0))))


_ACTIVATIONS: dict[str, Callable[[GraphWriter, str, float, float], str]] = {
    "relu": lambda w, x, a, b: w.op("Relu", x),
    "tanh": lambda w, x, a, b: w.op("Tanh", x),
    "sigmoid": lambda w, x, a, b: w.op("Sigmoid", x),
    "affine": _affine,
    "leakyrelu": lambda w, x, a, b: w.op("LeakyRelu", x, alpha=a),
    "thresholdedrelu": _thresholded,
    "scaledtanh": _scaled_tanh,
    "hardsigmoid": lambda w, x, a, b: w.op("HardSigmoid", x, alpha=a, beta=b),
    "elu": _elu,
    "softsign": _softsign,
    "softplus": _softplus,
}

RULES: dict[str, Rule] = {"LSTM": expand_recurrent, "GRU": expand_recurrent,
                          "RNN": expand_recurrent}
