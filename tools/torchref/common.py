"""Shared writer for Vigil's PyTorch golden fixtures.

Each script in tools/torchref builds small cases for a family of operations
and writes tensor/testdata/torch/<op>.json with write_fixture. A case stores
named tensors (inputs, outputs, a fixed upstream gradient and the gradients
PyTorch computed), integer arrays and scalar arguments:

    {"op": "linear", "cases": [{"name": ..., "tensors": {"x": {"shape": [2, 3],
     "data": [...]}}, "ints": {...}, "scalars": {...}}]}

Inputs are drawn in float32 and the reference is computed in float64 from
those exact values, so a fixture records PyTorch's semantics free of its own
float32 rounding. Values are written with repr, which round-trips exactly.

Regenerate the fixtures from the repository root with Debian's python3-torch
(its interpreter is /usr/bin/python3), one script per family:

    /usr/bin/python3 tools/torchref/core_ops.py
"""

import json
import os

import torch

OUT_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tensor", "testdata", "torch"
)


def generator(seed):
    """Returns a torch.Generator seeded for one fixture, so files are reproducible."""
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def randn(gen, *shape, scale=1.0):
    """Draws a float32-representable tensor, returned as float64 for reference maths."""
    return (torch.randn(*shape, generator=gen, dtype=torch.float32) * scale).double()


def leaf(t):
    """Returns a float64 copy of t that records gradients."""
    return t.detach().clone().double().requires_grad_(True)


def tensor_json(t):
    """Encodes a tensor as shape plus flat values."""
    t = t.detach().double().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, tensors, ints=None, scalars=None):
    """Builds one case; tensors maps names to torch tensors."""
    return {
        "name": name,
        "tensors": {k: tensor_json(v) for k, v in tensors.items()},
        "ints": {k: [int(x) for x in v] for k, v in (ints or {}).items()},
        "scalars": {k: float(v) for k, v in (scalars or {}).items()},
    }


def write_fixture(op, cases):
    """Writes tensor/testdata/torch/<op>.json."""
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, op + ".json")
    with open(path, "w") as f:
        json.dump({"op": op, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path))
