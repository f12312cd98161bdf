"""Reference fixtures for Vigil's BERT encoder (package model).

A plain-PyTorch reimplementation of Hugging Face's BertForMaskedLM, of
BertForSequenceClassification with a multi-label (BCE) loss and of ELECTRA's
discriminator head on the BERT encoder (ElectraForPreTraining's head and loss:
dense+GELU, one logit per token, BCE over the attended tokens): post-LN layers,
exact erf GELU, learned absolute positions, token types, additive attention
mask, the MLM head's dense+GELU+LayerNorm transform and a decoder tied to the
word embeddings (or, for bert_mlm_untied, a decoder weight of its own, as with
tie_word_embeddings false), nn.Embedding's padding_idx semantics (the lookup adds no
gradient to the padding row), evaluation mode (no dropout).

Weights are drawn in float32 and the reference is computed in float64 from
those exact values. For each head the script writes a Hugging Face model
directory, model/testdata/torch/<name>/{config.json,model.safetensors}, and
model/testdata/torch/<name>.expected.safetensors with the batch, the logits,
the loss and every parameter's gradient ("grad.<parameter name>").

Regenerate from the repository root with Debian's python3-torch:

    /usr/bin/python3 tools/torchref/bert_mlm.py
"""

import json
import math
import os
import struct

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "model", "testdata", "torch"
)

# The tiny preset's shape (configs/model/tiny.yaml) with a 100-token vocabulary.
CONFIG = {
    "model_type": "bert",
    "vocab_size": 100,
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 512,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}
LABELS = ["threat", "drugs", "other"]
BATCH, SEQ = 3, 12
LENGTHS = [12, 9, 6]


def param_shapes(head):
    """Lists (name, shape, kind) in Hugging Face's naming; kind is weight, bias or norm."""
    c = CONFIG
    h, inter = c["hidden_size"], c["intermediate_size"]
    out = [
        ("bert.embeddings.word_embeddings.weight", [c["vocab_size"], h], "weight"),
        ("bert.embeddings.position_embeddings.weight", [c["max_position_embeddings"], h], "weight"),
        ("bert.embeddings.token_type_embeddings.weight", [c["type_vocab_size"], h], "weight"),
    ]

    def dense(prefix, o, i):
        out.extend([(prefix + ".weight", [o, i], "weight"), (prefix + ".bias", [o], "bias")])

    def norm(prefix):
        out.extend([(prefix + ".weight", [h], "norm"), (prefix + ".bias", [h], "bias")])

    norm("bert.embeddings.LayerNorm")
    for i in range(c["num_hidden_layers"]):
        p = "bert.encoder.layer.%d." % i
        for n in ("query", "key", "value"):
            dense(p + "attention.self." + n, h, h)
        dense(p + "attention.output.dense", h, h)
        norm(p + "attention.output.LayerNorm")
        dense(p + "intermediate.dense", inter, h)
        dense(p + "output.dense", h, inter)
        norm(p + "output.LayerNorm")
    if head in ("mlm", "mlm_untied"):
        dense("cls.predictions.transform.dense", h, h)
        norm("cls.predictions.transform.LayerNorm")
        if head == "mlm_untied":
            out.append(("cls.predictions.decoder.weight", [c["vocab_size"], h], "weight"))
        out.append(("cls.predictions.bias", [c["vocab_size"]], "bias"))
    elif head == "rtd":
        dense("discriminator_predictions.dense", h, h)
        dense("discriminator_predictions.dense_prediction", 1, h)
    else:
        dense("bert.pooler.dense", h, h)
        dense("classifier", len(LABELS), h)
    return out


def make_params(head, gen):
    """Draws float32 weights (larger than BERT's init, so every path carries signal), as float64 leaves."""
    params = {}
    for name, shape, kind in param_shapes(head):
        if kind == "weight":
            v = torch.randn(*shape, generator=gen) * 0.2
        elif kind == "norm":
            v = 1 + torch.randn(*shape, generator=gen) * 0.1
        else:
            v = torch.randn(*shape, generator=gen) * 0.05
        params[name] = v.float().double().requires_grad_(True)
    return params


def make_batch(gen):
    """A padded batch; sequence 0 also holds the padding id at an attended position."""
    ids = torch.randint(1, CONFIG["vocab_size"], (BATCH, SEQ), generator=gen)
    mask = torch.zeros(BATCH, SEQ, dtype=torch.long)
    types = torch.zeros(BATCH, SEQ, dtype=torch.long)
    for b, n in enumerate(LENGTHS):
        mask[b, :n] = 1
        ids[b, n:] = CONFIG["pad_token_id"]
        types[b, n // 2 : n] = b % 2
    ids[0, 5] = CONFIG["pad_token_id"]
    labels = torch.full((BATCH, SEQ), -100, dtype=torch.long)
    for b, positions in enumerate([[1, 5, 7, 10], [2, 3, 8], [4]]):
        for p in positions:
            labels[b, p] = torch.randint(0, CONFIG["vocab_size"], (1,), generator=gen).item()
    return ids, types, mask, labels


def encode(p, ids, types, mask):
    """BertModel's last hidden state in evaluation mode."""
    c = CONFIG
    h, heads = c["hidden_size"], c["num_attention_heads"]
    d, eps = h // heads, c["layer_norm_eps"]
    pos = torch.arange(ids.shape[1])
    x = F.embedding(ids, p["bert.embeddings.word_embeddings.weight"], padding_idx=c["pad_token_id"])
    x = x + F.embedding(types, p["bert.embeddings.token_type_embeddings.weight"])
    x = x + F.embedding(pos, p["bert.embeddings.position_embeddings.weight"])[None]
    x = layer_norm(p, "bert.embeddings.LayerNorm", x, eps)
    additive = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    for i in range(c["num_hidden_layers"]):
        pre = "bert.encoder.layer.%d." % i

        def split(t):
            return t.view(t.shape[0], t.shape[1], heads, d).transpose(1, 2)

        q = split(linear(p, pre + "attention.self.query", x))
        k = split(linear(p, pre + "attention.self.key", x))
        v = split(linear(p, pre + "attention.self.value", x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive
        a = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(x.shape)
        x = layer_norm(p, pre + "attention.output.LayerNorm", linear(p, pre + "attention.output.dense", a) + x, eps)
        f = F.gelu(linear(p, pre + "intermediate.dense", x))
        x = layer_norm(p, pre + "output.LayerNorm", linear(p, pre + "output.dense", f) + x, eps)
    return x


def linear(p, prefix, x):
    return F.linear(x, p[prefix + ".weight"], p[prefix + ".bias"])


def layer_norm(p, prefix, x, eps):
    return F.layer_norm(x, x.shape[-1:], p[prefix + ".weight"], p[prefix + ".bias"], eps)


def mlm(p, ids, types, mask, labels):
    h = encode(p, ids, types, mask)
    t = F.gelu(linear(p, "cls.predictions.transform.dense", h))
    t = layer_norm(p, "cls.predictions.transform.LayerNorm", t, CONFIG["layer_norm_eps"])
    decoder = p.get("cls.predictions.decoder.weight", p["bert.embeddings.word_embeddings.weight"])
    logits = F.linear(t, decoder, p["cls.predictions.bias"])
    loss = F.cross_entropy(logits.reshape(-1, CONFIG["vocab_size"]), labels.reshape(-1), ignore_index=-100)
    return logits, loss


def classify(p, ids, types, mask, targets):
    h = encode(p, ids, types, mask)
    pooled = torch.tanh(linear(p, "bert.pooler.dense", h[:, 0]))
    logits = linear(p, "classifier", pooled)
    return logits, F.binary_cross_entropy_with_logits(logits, targets)


def discriminate(p, ids, types, mask, replaced):
    h = encode(p, ids, types, mask)
    t = F.gelu(linear(p, "discriminator_predictions.dense", h))
    logits = linear(p, "discriminator_predictions.dense_prediction", t).squeeze(-1)
    active = mask.reshape(-1) == 1
    loss = F.binary_cross_entropy_with_logits(logits.reshape(-1)[active], replaced.reshape(-1)[active])
    return logits, loss


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors in the safetensors format, in the given order."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().reshape(-1).tolist()
        blob = struct.pack("<%df" % len(data), *data)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * (-(8 + len(hb)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)
    print("wrote", os.path.relpath(path))


def write_case(name, head, seed):
    gen = torch.Generator()
    gen.manual_seed(seed)
    params = make_params(head, gen)
    ids, types, mask, labels = make_batch(gen)
    config = dict(CONFIG)
    inputs = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}
    if head in ("mlm", "mlm_untied"):
        config["architectures"] = ["BertForMaskedLM"]
        if head == "mlm_untied":
            config["tie_word_embeddings"] = False
        logits, loss = mlm(params, ids, types, mask, labels)
        inputs["labels"] = labels
    elif head == "rtd":
        config["architectures"] = ["BertForReplacedTokenDetection"]
        replaced = (torch.rand(BATCH, SEQ, generator=gen) < 0.3).double()
        logits, loss = discriminate(params, ids, types, mask, replaced)
        inputs["replaced"] = replaced
    else:
        config["architectures"] = ["BertForSequenceClassification"]
        config["id2label"] = {str(i): l for i, l in enumerate(LABELS)}
        config["label2id"] = {l: i for i, l in enumerate(LABELS)}
        config["problem_type"] = "multi_label_classification"
        targets = (torch.rand(BATCH, len(LABELS), generator=gen) > 0.5).double()
        targets[0, 0] = 0.25  # soft targets are allowed
        logits, loss = classify(params, ids, types, mask, targets)
        inputs["targets"] = targets
    loss.backward()
    model_dir = os.path.join(OUT_DIR, name)
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(model_dir, "model.safetensors"), params, {"format": "pt"})
    expected = {k: v.double() for k, v in inputs.items()}
    expected["logits"] = logits
    expected["loss"] = loss.reshape(1)
    for k, v in params.items():
        expected["grad." + k] = v.grad
    write_safetensors(os.path.join(OUT_DIR, name + ".expected.safetensors"), expected)


if __name__ == "__main__":
    torch.set_default_dtype(torch.float32)
    write_case("bert_mlm", "mlm", 1)
    write_case("bert_cls", "cls", 2)
    write_case("bert_rtd", "rtd", 3)
    write_case("bert_mlm_untied", "mlm_untied", 4)
