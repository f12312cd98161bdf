"""PyTorch golden fixtures for Vigil's network operations.

Writes tensor/testdata/torch/{layer_norm,gelu,tanh,attention,dropout}.json,
read by the golden tests beside tensor/norm.go, activation.go, attention.go
and dropout.go. Regenerate from the repository root with Debian's
python3-torch:

    /usr/bin/python3 tools/torchref/nn_ops.py
"""

import math

import torch
import torch.nn.functional as F

from common import case, generator, leaf, randn, write_fixture


def grads(out, inputs, gen):
    """Backpropagates a random float32 upstream gradient dy through out.

    Returns dy and the gradient of sum(out * dy) for each input.
    """
    dy = randn(gen, *out.shape)
    gs = torch.autograd.grad(out, inputs, dy)
    return dy, gs


def layer_norm():
    gen = generator(101)
    cases = []
    for name, shape, shift, eps in [
        ("2d", (4, 16), 0.0, 1e-5),
        ("3d-offset", (2, 5, 32), 5.0, 1e-12),
    ]:
        n = shape[-1]
        x = leaf(randn(gen, *shape, scale=3.0) + shift)
        gamma = leaf(randn(gen, n))
        beta = leaf(randn(gen, n))
        y = F.layer_norm(x, (n,), gamma, beta, eps)
        dy, (dx, dgamma, dbeta) = grads(y, (x, gamma, beta), gen)
        cases.append(case(name, {"x": x, "gamma": gamma, "beta": beta, "y": y, "dy": dy,
                                 "dx": dx, "dgamma": dgamma, "dbeta": dbeta},
                          scalars={"eps": eps}))
    write_fixture("layer_norm", cases)


def activation(op, fn, seed):
    gen = generator(seed)
    fixed = torch.tensor([-10.0, -5.0, -2.5, -1.0, -0.25, 0.0, 0.25, 1.0, 2.5, 5.0, 10.0],
                         dtype=torch.float64)
    cases = []
    for name, x in [("fixed", fixed), ("random", randn(gen, 3, 40, scale=3.0))]:
        x = leaf(x)
        y = fn(x)
        dy, (dx,) = grads(y, (x,), gen)
        cases.append(case(name, {"x": x, "y": y, "dy": dy, "dx": dx}))
    write_fixture(op, cases)


def attention():
    """Explicit softmax(q·kᵀ/√d + (1-mask)·min)·v per head, as Hugging Face BERT."""
    gen = generator(103)
    cases = []
    for name, batch, seq, hidden, heads, mask in [
        ("pad-tail", 2, 5, 8, 2, [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        ("scattered", 2, 7, 16, 4, [[1, 0, 1, 1, 0, 1, 1], [0, 1, 1, 1, 1, 1, 0]]),
        ("no-pad", 1, 6, 12, 3, [[1, 1, 1, 1, 1, 1]]),
    ]:
        q = leaf(randn(gen, batch, seq, hidden))
        k = leaf(randn(gen, batch, seq, hidden))
        v = leaf(randn(gen, batch, seq, hidden))
        m = torch.tensor(mask, dtype=torch.float64)
        d = hidden // heads

        def split(t):
            return t.reshape(batch, seq, heads, d).transpose(1, 2)

        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d)
        scores = scores + (1 - m)[:, None, None, :] * torch.finfo(torch.float64).min
        probs = torch.softmax(scores, dim=-1)
        out = (probs @ split(v)).transpose(1, 2).reshape(batch, seq, hidden)
        dy, (dq, dk, dv) = grads(out, (q, k, v), gen)
        cases.append(case(name, {"q": q, "k": k, "v": v, "mask": m, "y": out, "dy": dy,
                                 "dq": dq, "dk": dk, "dv": dv},
                          scalars={"heads": heads}))
    write_fixture("attention", cases)


def dropout():
    """Dropout of ones with upstream gradient ones: y and dx are torch's mask
    times its scale, which shows the kept fraction and the scaling."""
    torch.manual_seed(104)
    cases = []
    for p in (0.1, 0.5):
        x = leaf(torch.ones(1024, dtype=torch.float64))
        y = F.dropout(x, p=p, training=True)
        (dx,) = torch.autograd.grad(y, (x,), torch.ones_like(y))
        cases.append(case("p%g" % p, {"y": y, "dx": dx}, scalars={"p": p}))
    write_fixture("dropout", cases)


if __name__ == "__main__":
    layer_norm()
    activation("gelu", F.gelu, 102)
    activation("tanh", torch.tanh, 105)
    attention()
    dropout()
