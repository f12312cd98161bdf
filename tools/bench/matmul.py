#!/usr/bin/env python3
"""Time torch.matmul on the shapes tools/benchgemm measures for Vigil's GEMM.

Prints one line per measurement:

    torch <NN|NT|TN> <M>x<N>x<K> threads=<t> gflops=<x>

where x is the median over --reps repetitions of at least --rep seconds each. NT multiplies
by the transpose of an N×K tensor and TN by the transpose of a K×M one, as views, so the
library sees the same storage order as Vigil's Gemm.

torch.set_num_threads does not reach a pthreads OpenBLAS (Debian's build), which starts one
thread per core on its own, so the BLAS pool is also limited with threadpoolctl. The BLAS
library and the kernel family it picked are printed to stderr.
"""

import argparse
import statistics
import time

import sys

import torch
from threadpoolctl import threadpool_info, threadpool_limits

SHAPES = [(1024, 256, 256), (1024, 1024, 256), (1024, 256, 1024), (1024, 1024, 1024), (4096, 8000, 256)]


def operands(variant, m, n, k):
    """Return op(A) and op(B) for variant, as views of tensors stored the way Gemm takes them."""
    g = torch.Generator().manual_seed(1)
    if variant == "TN":
        a = torch.randn(k, m, generator=g).t()
    else:
        a = torch.randn(m, k, generator=g)
    if variant == "NT":
        b = torch.randn(n, k, generator=g).t()
    else:
        b = torch.randn(k, n, generator=g)
    return a, b


def rate(a, b, out, rep):
    """Return GFLOP/s of torch.matmul(a, b) over a loop of at least rep seconds."""
    flops = 2.0 * a.shape[0] * a.shape[1] * b.shape[1]
    n = 0
    start = time.perf_counter()
    while True:
        torch.matmul(a, b, out=out)
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= rep:
            return flops * n / elapsed / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=7, help="timed repetitions; the median is printed")
    p.add_argument("--rep", type=float, default=0.1, help="minimum seconds per repetition")
    args = p.parse_args()
    torch.matmul(torch.ones(8, 8), torch.ones(8, 8))  # load the BLAS library
    for info in threadpool_info():
        print(info.get("internal_api"), info.get("architecture", ""), info.get("filepath"), file=sys.stderr)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads, user_api="blas"):
            measure(threads, args)


def measure(threads, args):
    """Print one line per shape and variant with the library limited to threads threads."""
    for m, n, k in SHAPES:
        for variant in ("NN", "NT", "TN"):
            a, b = operands(variant, m, n, k)
            out = torch.empty(m, n)
            torch.matmul(a, b, out=out)
            g = statistics.median(rate(a, b, out, args.rep) for _ in range(args.reps))
            print(f"torch {variant} {m}x{n}x{k} threads={threads} gflops={g:.1f}", flush=True)


if __name__ == "__main__":
    main()
