#!/usr/bin/env python3
"""Time one BERT masked-LM training step, or forward-only classification, in PyTorch.

The PyTorch side of `go run ./tools/benchtrain`, which runs it once per measurement as its
own process (so that the peak RSS is this side's alone) and writes one JSON request to its
standard input:

    {"task": "train" | "infer", "config": {Hugging Face BertConfig fields},
     "steps": N, "warmup": W, "threads": T, "lr": LR, "weight_decay": WD,
     "batch": {"batch": B, "seq": S, "input_ids": [...], "attention_mask": [...],
               "labels": [...]}}

It prints one JSON line: the median and every timed step in milliseconds, the first loss
(train) or the mean probability (infer) as a sanity value, VmHWM from /proc/self/status in
bytes, and the thread and BLAS settings it ran with.

The model computes what Hugging Face's BertForMaskedLM and BertForSequenceClassification
compute, as tools/torchref/bert_mlm.py does, but in float32 and in training mode: dropout on
the embeddings, the attention probabilities and each sub-layer's output. That reference is
not imported because its functions read a module-level configuration and have no dropout.

- train: dropout on, loss (mean cross-entropy) on the labelled positions only, whose hidden
  states are gathered before the MLM head; zero_grad, backward and torch.optim.AdamW's step.
- infer: torch.no_grad(), no dropout, the pooler over the first token and a sigmoid per label.

torch.set_num_threads does not reach a pthreads OpenBLAS (Debian's build), so the BLAS pool is
also limited with threadpoolctl.
"""

import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_info, threadpool_limits


def make_params(c, labels):
    """Returns float32 leaves named as Hugging Face names them, initialised as BERT initialises them."""
    h, inter = c["hidden_size"], c["intermediate_size"]
    std = c["initializer_range"]
    p = {}

    def normal(name, *shape):
        p[name] = torch.randn(*shape) * std

    def dense(prefix, out, inp):
        normal(prefix + ".weight", out, inp)
        p[prefix + ".bias"] = torch.zeros(out)

    def norm(prefix):
        p[prefix + ".weight"] = torch.ones(h)
        p[prefix + ".bias"] = torch.zeros(h)

    normal("bert.embeddings.word_embeddings.weight", c["vocab_size"], h)
    p["bert.embeddings.word_embeddings.weight"][c["pad_token_id"]] = 0
    normal("bert.embeddings.position_embeddings.weight", c["max_position_embeddings"], h)
    normal("bert.embeddings.token_type_embeddings.weight", c["type_vocab_size"], h)
    norm("bert.embeddings.LayerNorm")
    for i in range(c["num_hidden_layers"]):
        pre = "bert.encoder.layer.%d." % i
        for n in ("query", "key", "value"):
            dense(pre + "attention.self." + n, h, h)
        dense(pre + "attention.output.dense", h, h)
        norm(pre + "attention.output.LayerNorm")
        dense(pre + "intermediate.dense", inter, h)
        dense(pre + "output.dense", h, inter)
        norm(pre + "output.LayerNorm")
    if labels:
        dense("bert.pooler.dense", h, h)
        dense("classifier", labels, h)
    else:
        dense("cls.predictions.transform.dense", h, h)
        norm("cls.predictions.transform.LayerNorm")
        p["cls.predictions.bias"] = torch.zeros(c["vocab_size"])
    return {k: v.requires_grad_(not labels) for k, v in p.items()}


class Encoder:
    """BertModel's encoder over a parameter dictionary; dropout applies when training is set."""

    def __init__(self, p, c, training):
        self.p, self.c = p, c
        self.hidden_drop = c["hidden_dropout_prob"] if training else 0.0
        self.attn_drop = c["attention_probs_dropout_prob"] if training else 0.0
        self.eps = c["layer_norm_eps"]

    def dense(self, prefix, x):
        return F.linear(x, self.p[prefix + ".weight"], self.p[prefix + ".bias"])

    def norm(self, prefix, x):
        return F.layer_norm(x, x.shape[-1:], self.p[prefix + ".weight"], self.p[prefix + ".bias"], self.eps)

    def drop(self, x, prob):
        return F.dropout(x, prob, training=prob > 0)

    def __call__(self, ids, mask):
        c, p = self.c, self.p
        heads = c["num_attention_heads"]
        d = c["hidden_size"] // heads
        x = F.embedding(ids, p["bert.embeddings.word_embeddings.weight"], padding_idx=c["pad_token_id"])
        x = x + F.embedding(torch.zeros_like(ids), p["bert.embeddings.token_type_embeddings.weight"])
        x = x + p["bert.embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = self.drop(self.norm("bert.embeddings.LayerNorm", x), self.hidden_drop)
        additive = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min

        def split(t):
            return t.view(t.shape[0], t.shape[1], heads, d).transpose(1, 2)

        for i in range(c["num_hidden_layers"]):
            pre = "bert.encoder.layer.%d." % i
            q = split(self.dense(pre + "attention.self.query", x))
            k = split(self.dense(pre + "attention.self.key", x))
            v = split(self.dense(pre + "attention.self.value", x))
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + additive, dim=-1)
            a = (self.drop(probs, self.attn_drop) @ v).transpose(1, 2).reshape(x.shape)
            a = self.drop(self.dense(pre + "attention.output.dense", a), self.hidden_drop)
            x = self.norm(pre + "attention.output.LayerNorm", a + x)
            f = self.drop(self.dense(pre + "output.dense", F.gelu(self.dense(pre + "intermediate.dense", x))), self.hidden_drop)
            x = self.norm(pre + "output.LayerNorm", f + x)
        return x


def vm_hwm():
    """Returns the process's peak resident set size in bytes (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def timed(fn, steps, warmup):
    """Runs fn warmup times, then steps times, and returns the first result and the timed milliseconds."""
    first = None
    for _ in range(warmup):
        r = fn()
        first = r if first is None else first
    ms = []
    for _ in range(steps):
        start = time.perf_counter()
        r = fn()
        ms.append((time.perf_counter() - start) * 1e3)
        first = r if first is None else first
    return first, ms


def train(req, ids, mask):
    c = req["config"]
    p = make_params(c, 0)
    enc = Encoder(p, c, training=True)
    labels = torch.tensor(req["batch"]["labels"]).reshape(-1)
    rows = (labels != -100).nonzero().squeeze(1)
    targets = labels[rows]
    opt = torch.optim.AdamW(p.values(), lr=req["lr"], weight_decay=req["weight_decay"])

    def step():
        opt.zero_grad()
        h = enc(ids, mask).reshape(-1, c["hidden_size"])[rows]
        t = enc.norm("cls.predictions.transform.LayerNorm", F.gelu(enc.dense("cls.predictions.transform.dense", h)))
        logits = F.linear(t, p["bert.embeddings.word_embeddings.weight"], p["cls.predictions.bias"])
        loss = F.cross_entropy(logits, targets)
        loss.backward()
        opt.step()
        return loss.item()

    return timed(step, req["steps"], req["warmup"])


def infer(req, ids, mask):
    c = req["config"]
    p = make_params(c, len(c["id2label"]))
    enc = Encoder(p, c, training=False)

    def forward():
        with torch.no_grad():
            h = enc(ids, mask)
            pooled = torch.tanh(enc.dense("bert.pooler.dense", h[:, 0]))
            return torch.sigmoid(enc.dense("classifier", pooled)).mean().item()

    return timed(forward, req["steps"], req["warmup"])


def main():
    req = json.load(sys.stdin)
    b = req["batch"]
    torch.manual_seed(1)
    torch.set_num_threads(req["threads"])
    ids = torch.tensor(b["input_ids"]).reshape(b["batch"], b["seq"])
    mask = torch.tensor(b["attention_mask"]).reshape(b["batch"], b["seq"])
    torch.matmul(torch.ones(8, 8), torch.ones(8, 8))  # load the BLAS library before inspecting it
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    with threadpool_limits(limits=req["threads"], user_api="blas"):
        value, ms = {"train": train, "infer": infer}[req["task"]](req, ids, mask)
    json.dump(
        {
            "ms": statistics.median(ms),
            "steps_ms": ms,
            "value": value,
            "vm_hwm": vm_hwm(),
            "threads": torch.get_num_threads(),
            "blas": " ".join("%s %s" % (i.get("internal_api"), i.get("architecture", "")) for i in blas),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
