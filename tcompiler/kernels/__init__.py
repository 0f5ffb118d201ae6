"""The `kernels` stage: onnx ops on tensors -> fused kernels on buffers, one function each.

`KERNELS_PIPELINE` is the stage as a pass pipeline: `convert-onnx-to-kernel` (one kernel op per
onnx op, in `@main`; `convert.py` and `rules/`), `fuse-conv-epilogue` (residual Add, Relu,
ReLU6 into the conv or gemm before them), `fuse-elementwise` (chains of maps into one map),
`outline-kernels` (each kernel op into a function of its own), `dedup-kernels` (one function
per distinct kernel). Epilogues fuse first, so an Add or Relu after a conv joins the conv
rather than a map.
"""

KERNELS_PIPELINE = ("convert-onnx-to-kernel,fuse-conv-epilogue,fuse-elementwise{max-size=24},"
                    "outline-kernels,dedup-kernels")
