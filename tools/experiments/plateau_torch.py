#!/usr/bin/env python3
"""The PyTorch side of tools/experiments/plateau.sh, for comparing how long each stays on the
masked-LM plateau.

The same kind of synthetic corpus (3,000 lines of 20 words following a 26-word cycle from a random
start, one token per word), packed into sequences as Vigil's pretrain packs lines ([CLS] line [SEP]
line ...), masked 15% with 80/10/10, and trained with a BERT of the tiny preset's shape (2 post-LN
layers, 128 hidden, 2 heads, FFN 512, GELU, dropout 0.1, tied decoder, N(0, 0.02) initialisation),
AdamW (weight decay 0.01 except biases and layer norms), gradient clipping at 1.0, a constant learning
rate of 1e-3 and batches of 16, 2 threads. Prints the training loss every 50 steps for each sequence
length given (default 16 32 64); SEED in the environment (default 1) seeds the corpus, the masks and
the model. VOCAB (default 31: 5 special tokens and the 26 words) sets the vocabulary size; 10% of the
chosen tokens are replaced by a random entry other than the specials, as Vigil and Hugging Face's
collator do, so a larger vocabulary (Vigil's tokenizer for this corpus has 153 entries) means
replacements by tokens the corpus never uses. Needs Debian's python3-torch:

    /usr/bin/python3 tools/experiments/plateau_torch.py 16 64    # about 4 minutes
"""
import os, random, sys
import torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(2)
W = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu".split()
PAD, UNK, CLS, SEP, MASK = 0, 1, 2, 3, 4
V = int(os.environ.get("VOCAB", 5 + len(W)))  # random replacements draw from every entry but the 5 specials
H, L, NH, FF = 128, 2, 2, 512

def corpus(rng):
    out = []
    for _ in range(3000):
        s = rng.randrange(26)
        out.append([5 + (s + j) % 26 for j in range(20)])
    return out

def pack(lines, n):
    seqs, cur, pend = [], [CLS], []
    it = iter(lines)
    while True:
        if not pend:
            l = next(it, None)
            if l is None:
                break
            pend = l + [SEP]
        if len(cur) == 1 and len(pend) == 1:
            pend = []
            continue
        k = min(len(pend), n - len(cur))
        cur += pend[:k]; pend = pend[k:]
        if len(cur) == n:
            seqs.append(cur); cur = [CLS]
    if len(cur) > 1:
        seqs.append(cur)
    return seqs

def mask(seq, rng):
    ids, lab = list(seq), [-100] * len(seq)
    for i, t in enumerate(seq):
        if t < 5 or rng.random() >= 0.15:
            continue
        lab[i] = t
        u = rng.random()
        if u < 0.8: ids[i] = MASK
        elif u < 0.9: ids[i] = 5 + rng.randrange(V - 5)
    return ids, lab

class Bert(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.word, self.pos, self.typ = nn.Embedding(V, H), nn.Embedding(512, H), nn.Embedding(2, H)
        self.eln = nn.LayerNorm(H, eps=1e-12)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(H, NH, FF, 0.1, activation="gelu", batch_first=True, layer_norm_eps=1e-12) for _ in range(L)])
        self.tr, self.tln = nn.Linear(H, H), nn.LayerNorm(H, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(V))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0, 0.02)
                if isinstance(m, nn.Linear) and m.bias is not None: nn.init.zeros_(m.bias)
            if isinstance(m, nn.MultiheadAttention):
                nn.init.normal_(m.in_proj_weight, 0, 0.02); nn.init.zeros_(m.in_proj_bias)
        self.drop = nn.Dropout(0.1)
    def forward(self, ids, pad):
        p = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.drop(self.eln(self.word(ids) + self.pos(p) + self.typ(torch.zeros_like(ids))))
        for l in self.layers:
            x = l(x, src_key_padding_mask=pad)
        return self.tln(F.gelu(self.tr(x))) @ self.word.weight.T + self.bias

def run(n, steps, lr):
    seed = int(os.environ.get("SEED", "1"))
    rng = random.Random(seed); torch.manual_seed(seed)
    seqs = pack(corpus(rng), n)
    m = Bert(n)
    nd = [p for nm, p in m.named_parameters() if nm.endswith("bias") or "norm" in nm or "ln" in nm]
    dd = [p for nm, p in m.named_parameters() if not (nm.endswith("bias") or "norm" in nm or "ln" in nm)]
    opt = torch.optim.AdamW([{"params": dd, "weight_decay": 0.01}, {"params": nd, "weight_decay": 0}], lr=lr)
    order, k, out = list(range(len(seqs))), len(seqs), []
    for step in range(1, steps + 1):
        if k + 16 > len(order):
            rng.shuffle(order); k = 0
        batch = [mask(seqs[i], rng) for i in order[k:k + 16]]; k += 16
        ln = max(len(b[0]) for b in batch)
        ids = torch.tensor([b[0] + [PAD] * (ln - len(b[0])) for b in batch])
        lab = torch.tensor([b[1] + [-100] * (ln - len(b[1])) for b in batch])
        loss = F.cross_entropy(m(ids, ids == PAD).reshape(-1, V), lab.reshape(-1), ignore_index=-100)
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
        if step % 50 == 0:
            out.append(f"{step}:{loss.item():.2f}")
    print(f"torch seq {n:<3}", " ".join(out), flush=True)

for n in [int(a) for a in sys.argv[1:]] or [16, 32, 64]:
    run(n, 1500, 1e-3)
