"""`tcc fuzz`: Tzer-style coverage-guided fuzzing of tcc's pass pipeline (docs/fuzzing.md).

`case.py` is one input (a program at the onnx, kernels or loops level plus a pass pipeline).
"""
