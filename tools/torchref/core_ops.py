#!/usr/bin/python3
"""PyTorch fixtures for Vigil's core operations and optimizers.

Writes tensor/testdata/torch/{linear,matmul,embedding,elementwise,
cross_entropy,bce_with_logits,adamw,clip_grad_norm}.json, read by the Go golden
tests in package tensor and tensor/optim. Regenerate from the repository root:

    /usr/bin/python3 tools/torchref/core_ops.py

Operations are evaluated in float64 on float32-representable inputs; for each
case the output is paired with a fixed random upstream gradient "dy" and the
gradients PyTorch's autograd computes for sum(output * dy). The optimizer
fixtures run in float32, the precision Vigil's optimizers compute in.
"""

import torch
import torch.nn.functional as F

from common import case, generator, leaf, randn, write_fixture


def grads(out, dy, *inputs):
    """Back-propagates dy from out and returns each input's gradient."""
    out.backward(dy)
    return [x.grad for x in inputs]


def linear_cases(g):
    cases = []
    for name, xshape, inp, outp, bias in [
        ("2d", (5, 7), 7, 4, True),
        ("3d", (2, 3, 7), 7, 5, True),
        ("no-bias", (6, 3), 3, 9, False),
        ("wide", (4, 64), 64, 24, True),
    ]:
        x, w = leaf(randn(g, *xshape)), leaf(randn(g, outp, inp, scale=0.3))
        b = leaf(randn(g, outp)) if bias else None
        y = F.linear(x, w, b)
        dy = randn(g, *y.shape)
        y.backward(dy)
        tensors = {"x": x, "w": w, "y": y, "dy": dy, "dx": x.grad, "dw": w.grad}
        if bias:
            tensors.update(b=b, db=b.grad)
        cases.append(case(name, tensors))
    return cases


def matmul_cases(g):
    cases = []
    m, n, k = 4, 5, 6
    for batch in (None, 3):
        for ta in (False, True):
            for tb in (False, True):
                lead = () if batch is None else (batch,)
                a = leaf(randn(g, *lead, *((k, m) if ta else (m, k))))
                b = leaf(randn(g, *lead, *((n, k) if tb else (k, n))))
                y = (a.transpose(-1, -2) if ta else a) @ (b.transpose(-1, -2) if tb else b)
                dy = randn(g, *y.shape)
                y.backward(dy)
                cases.append(case(
                    f"batch={batch or 0} transA={int(ta)} transB={int(tb)}",
                    {"a": a, "b": b, "y": y, "dy": dy, "da": a.grad, "db": b.grad},
                    scalars={"transA": ta, "transB": tb},
                ))
    return cases


def embedding_cases(g):
    table = leaf(randn(g, 7, 5))
    ids = torch.tensor([3, 0, 6, 3, 3, 1, 0])
    y = F.embedding(ids, table)
    dy = randn(g, *y.shape)
    y.backward(dy)
    return [case("repeated-ids", {"table": table, "y": y, "dy": dy, "dtable": table.grad},
                 ints={"ids": ids.tolist()})]


def elementwise_cases(g):
    cases = []
    for name, ashape, bshape in [
        ("add-same", (3, 4), (3, 4)),
        ("add-row", (2, 3, 5), (5,)),
        ("add-suffix", (2, 3, 5), (3, 5)),
    ]:
        a, b = leaf(randn(g, *ashape)), leaf(randn(g, *bshape))
        y = a + b
        dy = randn(g, *y.shape)
        y.backward(dy)
        cases.append(case(name, {"a": a, "b": b, "y": y, "dy": dy, "da": a.grad, "db": b.grad}))
    for name, fn, scale in [
        ("scale", lambda x: x * -0.75, -0.75),
        ("sum", lambda x: x.sum().reshape(1), 1),
        ("mean", lambda x: x.mean().reshape(1), 1),
    ]:
        x = leaf(randn(g, 3, 4, 5))
        y = fn(x)
        dy = randn(g, *y.shape)
        y.backward(dy)
        cases.append(case(name, {"x": x, "y": y, "dy": dy, "dx": x.grad}, scalars={"scale": scale}))
    return cases


def cross_entropy_cases(g):
    cases = []
    for name, n, classes, targets, reduction, scale in [
        ("mean", 6, 5, [0, 4, 2, 2, 1, 3], "mean", 1.0),
        ("ignore", 5, 4, [1, -100, 0, -100, 3], "mean", 1.0),
        ("sum", 4, 7, [6, -100, 1, 0], "sum", 1.0),
        ("large-logits", 3, 4, [2, 0, 1], "mean", 300.0),
        ("many-classes", 4, 300, [17, 299, 0, 150], "mean", 3.0),
    ]:
        z = leaf(randn(g, n, classes, scale=scale))
        t = torch.tensor(targets)
        y = F.cross_entropy(z, t, ignore_index=-100, reduction=reduction).reshape(1)
        dy = randn(g, 1)
        y.backward(dy)
        count = sum(1 for c in targets if c != -100)
        cases.append(case(name, {"logits": z, "y": y, "dy": dy, "dlogits": z.grad},
                          ints={"targets": targets},
                          scalars={"sum": reduction == "sum", "count": count}))
    return cases


def bce_cases(g):
    cases = []
    targets = torch.tensor([[1, 0, 0.3], [0, 1, 1], [1, 1, 0], [0, 0.8, 0]], dtype=torch.float64)
    for name, scale, pos_weight in [
        ("plain", 1.0, None),
        ("pos-weight", 1.0, torch.tensor([3.0, 0.5, 1.25], dtype=torch.float64)),
        ("large-logits", 60.0, torch.tensor([2.0, 1.0, 0.25], dtype=torch.float64)),
    ]:
        x = leaf(randn(g, 4, 3, scale=scale))
        y = F.binary_cross_entropy_with_logits(x, targets, pos_weight=pos_weight).reshape(1)
        dy = randn(g, 1)
        y.backward(dy)
        tensors = {"logits": x, "targets": targets, "y": y, "dy": dy, "dlogits": x.grad}
        if pos_weight is not None:
            tensors["pos_weight"] = pos_weight
        cases.append(case(name, tensors))
    return cases


def adamw_cases(g):
    """Five AdamW steps on two float32 parameters, the second without decay."""
    steps, lr, wd = 5, 0.01, 0.1
    p0 = torch.randn(3, 4, generator=g)
    q0 = torch.randn(4, generator=g)
    gp = torch.randn(steps, 3, 4, generator=g)
    gq = torch.randn(steps, 4, generator=g) * 1e-3
    p, q = p0.clone().requires_grad_(True), q0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([{"params": [p]}, {"params": [q], "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    for s in range(steps):
        p.grad, q.grad = gp[s].clone(), gq[s].clone()
        opt.step()
    sp, sq = opt.state[p], opt.state[q]
    return [case("two-groups", {
        "p0": p0, "q0": q0, "grads_p": gp, "grads_q": gq, "p": p, "q": q,
        "m_p": sp["exp_avg"], "v_p": sp["exp_avg_sq"], "m_q": sq["exp_avg"], "v_q": sq["exp_avg_sq"],
    }, scalars={"lr": lr, "weight_decay": wd, "steps": steps})]


def clip_cases(g):
    cases = []
    for name, max_norm, scale in [("clipped", 1.0, 1.0), ("unclipped", 100.0, 1.0)]:
        a, b = torch.randn(3, 5, generator=g) * scale, torch.randn(7, generator=g) * scale
        pa, pb = torch.zeros(3, 5, requires_grad=True), torch.zeros(7, requires_grad=True)
        pa.grad, pb.grad = a.clone(), b.clone()
        norm = torch.nn.utils.clip_grad_norm_([pa, pb], max_norm)
        cases.append(case(name, {"grad_a": a, "grad_b": b, "clipped_a": pa.grad, "clipped_b": pb.grad,
                                 "norm": norm.reshape(1)}, scalars={"max_norm": max_norm}))
    return cases


def main():
    write_fixture("linear", linear_cases(generator(1)))
    write_fixture("matmul", matmul_cases(generator(2)))
    write_fixture("embedding", embedding_cases(generator(3)))
    write_fixture("elementwise", elementwise_cases(generator(4)))
    write_fixture("cross_entropy", cross_entropy_cases(generator(5)))
    write_fixture("bce_with_logits", bce_cases(generator(6)))
    write_fixture("adamw", adamw_cases(generator(7)))
    write_fixture("clip_grad_norm", clip_cases(generator(8)))


if __name__ == "__main__":
    main()
