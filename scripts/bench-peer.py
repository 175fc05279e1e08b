#!/usr/bin/env python3
"""PyTorch on Tandem's training workloads: the peer figure the issue 16 targets name.

The same MLPs as scripts/bench-train.sh, on the same synthetic data shapes, trained the way a
PyTorch user writes the loop when the data fits in memory:

  small  64-64-10,            batch 32,  Adam (lr 0.001), 65,536 rows x 64 features
  wide   784-1024-1024-10,    batch 256, Adam (lr 0.001),  8,192 rows x 784 features

ReLU, softmax cross-entropy (`F.cross_entropy` on the logits), float32, eager mode. The rows are
a float32 tensor in memory, shuffled each epoch (`torch.randperm`), and a step gathers its batch
with `index_select`, then `zero_grad(set_to_none=True)`, forward, loss, backward, `step()`:
no DataLoader (its per-batch Python overhead is larger than a small step), no evaluation, no
logging, no `loss.item()` per step. Everything outside the timed steps (data, model, warm-up)
is left out of the figure, so the comparison is, if anything, generous to PyTorch.

Ranks: `--ranks 1` trains in this process; `--ranks 2` is DistributedDataParallel with the gloo
backend on 127.0.0.1 (torch.multiprocessing), the global batch split evenly (16 / 128 rows per
rank, as Tandem's `batch_size` is the global batch), each rank on its own slice of the epoch's
permutation (as DistributedSampler). Every rank runs `--threads` intra-op threads (default 1, as
bench-train.sh gives Tandem `--threads 1` and OPENBLAS_NUM_THREADS=1 at 1 and 2 ranks) and one
inter-op thread, and is bound to CPU `rank` (as mpirun binds Tandem's ranks to a core each) unless
`--no-bind`. Adam is `torch.optim.Adam`; `--adam` picks its implementation (default: `fused`, the
fastest of the three on both workloads here; see README "PyTorch on the same workloads").

Prints one JSON line:
  {"measure": "pytorch-train", "config": ..., "workload": ..., "ranks": ..., "threads_per_rank": ...,
   "steps": ..., "samples_per_second": ..., "torch": ..., "adam": ...}
samples/s = global batch x timed steps / wall seconds of those steps (rank 0, between barriers);
cpu_us_per_step is rank 0's process CPU time per timed step (all its threads), which other
processes on a shared machine inflate less than the wall time.

Usage: python3 scripts/bench-peer.py --workload small|wide [--ranks 1|2] [--steps N] [--warmup N]
           [--threads N] [--adam default|foreach|fused] [--config NAME] [--no-bind] [--sgemm]
`--sgemm` prints torch's matmul GFLOP/s at the step's shapes (as `tandem bench --sgemm`) instead.
(scripts/bench-train.sh runs it with BENCH_PYTORCH=1, interleaved with Tandem's runs.)
"""
import argparse, json, os, socket, sys, time

WORKLOADS = {
    # name: (rows, features, hidden layers, classes, global batch, default timed steps)
    # small: 3 epochs of the ~64,225 training rows bench-train.sh's split leaves, as its runs do.
    "small": (65536, 64, [64], 10, 32, 6000),
    # wide: bench-train.sh's max_steps.
    "wide": (8192, 784, [1024, 1024], 10, 256, 120),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch training throughput on Tandem's bench workloads")
    p.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    p.add_argument("--ranks", type=int, choices=[1, 2], default=1)
    p.add_argument("--steps", type=int, help="timed steps (default: small 6000, wide 120)")
    p.add_argument("--warmup", type=int, help="untimed steps first (default: small 200, wide 5)")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads per rank (default 1)")
    p.add_argument("--adam", choices=["default", "foreach", "fused"], default="fused")
    p.add_argument("--config", help="name in the JSON line (default WORKLOAD-RANKS)")
    p.add_argument("--no-bind", action="store_true", help="do not bind rank r to CPU r")
    p.add_argument("--sgemm", action="store_true",
                   help="measure torch's single-rank matmul GFLOP/s at the workload's step shapes instead of training")
    a = p.parse_args(argv)
    for name in ("steps", "warmup", "threads"):
        v = getattr(a, name)
        if v is not None and v < (1 if name != "warmup" else 0):
            p.error(f"--{name} must be {'at least 1' if name != 'warmup' else 'non-negative'}, got {v}")
    return a


def synthetic(torch, rows, features, classes):
    """X: [rows, features] float32 in [0, 1.5), y: [rows] int64; class c shifts every 10th
    feature starting at c (bench-train.sh's rule; the values do not change the step's time)."""
    g = torch.Generator().manual_seed(5)
    y = torch.arange(rows, dtype=torch.int64) % classes
    x = torch.rand(rows, features, generator=g)
    shift = (torch.arange(features).unsqueeze(0) % 10 == y.unsqueeze(1)).to(torch.float32) * 0.5
    return x + shift, y


def mlp(torch, features, hidden, classes):
    """Linear + ReLU per hidden layer, then a Linear to the logits: [batch, features] -> [batch, classes]."""
    layers, width = [], features
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, classes))
    return torch.nn.Sequential(*layers)


def run(rank, world, a, port, out):
    if not a.no_bind and hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= world:
            os.sched_setaffinity(0, {cpus[rank]})
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set in this process (a spawned child inherits nothing, so only rank 0 can hit this)
    rows, features, hidden, classes, batch, steps = WORKLOADS[a.workload]
    steps = a.steps or steps
    warmup = a.warmup if a.warmup is not None else (200 if a.workload == "small" else 5)
    if batch % world:
        raise SystemExit(f"bench-peer: the global batch {batch} does not split over {world} ranks")
    local = batch // world
    torch.manual_seed(0)
    x, y = synthetic(torch, rows, features, classes)
    model = mlp(torch, features, hidden, classes)
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
        model = torch.nn.parallel.DistributedDataParallel(model)
    kw = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[a.adam]
    opt = torch.optim.Adam(model.parameters(), lr=0.001, **kw)
    per_epoch = rows // batch
    gen = torch.Generator().manual_seed(1)  # the same permutation on every rank, as DistributedSampler
    state = {"perm": None, "i": per_epoch}

    def step():
        if state["i"] == per_epoch:
            state["perm"], state["i"] = torch.randperm(rows, generator=gen), 0
        start = state["i"] * batch + rank * local
        idx = state["perm"][start:start + local]
        state["i"] += 1
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    if world > 1:
        dist.barrier()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    if world > 1:
        dist.barrier()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if rank == 0:
        line = {"measure": "pytorch-train", "config": a.config or f"{a.workload}-{world}", "workload": a.workload,
                "ranks": world, "threads_per_rank": a.threads, "steps": steps, "seconds": round(seconds, 4),
                "cpu_us_per_step": round(1e6 * cpu / steps, 1),
                "samples_per_second": round(batch * steps / seconds, 1), "torch": torch.__version__, "adam": a.adam}
        if out is None:
            print(json.dumps(line), flush=True)
        else:
            out.put(line)
    if world > 1:
        dist.destroy_process_group()


def sgemm_rate(a):
    """GFLOP/s of torch.mm over one step's products, as `tandem bench --sgemm` weighs them: per layer
    (in -> out) the forward x W^T ([b, in] x [out, in]^T), dW = dy^T x ([b, out]^T x [b, in]) and,
    past the first layer, dx = dy W ([b, out] x [out, in]); repeated 20 (wide) or 2000 (small) times."""
    if not a.no_bind and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import torch
    torch.set_num_threads(a.threads)
    rows, features, hidden, classes, batch, _ = WORKLOADS[a.workload]
    widths = [features] + hidden + [classes]
    repeats = 20 if a.workload == "wide" else 2000
    shapes = []  # (A, B) operands, transposes as views, as the autograd engine passes them
    for i in range(len(widths) - 1):
        inp, out = widths[i], widths[i + 1]
        x, w, dy = torch.full((batch, inp), 0.5), torch.full((out, inp), 0.25), torch.full((batch, out), 0.25)
        shapes.append((x, w.t()))
        shapes.append((dy.t(), x))
        if i > 0:
            shapes.append((dy, w))
    flops = seconds = 0.0
    for A, B in shapes:
        C = torch.mm(A, B)
        t0 = time.perf_counter()
        for _ in range(repeats):
            torch.mm(A, B, out=C)
        seconds += time.perf_counter() - t0
        flops += 2.0 * A.shape[0] * A.shape[1] * B.shape[1] * repeats
    print(json.dumps({"measure": "pytorch-sgemm", "workload": a.workload, "ranks": 1, "rows_per_rank": batch,
                      "threads": a.threads, "gflops": round(flops / seconds / 1e9, 2), "torch": torch.__version__,
                      "blas": "mkl" if torch.backends.mkl.is_available() else "other"}), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    a = parse_args(argv)
    try:
        import torch  # noqa: F401 (checked here so a missing install is one line, not a traceback per rank)
    except ImportError as e:
        print(f"bench-peer: {sys.executable} cannot import torch ({e}); run `BENCH_PYTORCH=1 scripts/bench-train.sh`, "
              "which installs it into .build/python-torch, or this script with a python3 that has it", file=sys.stderr)
        return 2
    if a.sgemm:
        sgemm_rate(a)
        return 0
    if a.ranks == 1:
        run(0, 1, a, None, None)
        return 0
    import torch.multiprocessing as mp
    ctx = mp.get_context("spawn")
    out = ctx.SimpleQueue()
    port = free_port()
    procs = [ctx.Process(target=run, args=(r, a.ranks, a, port, out if r == 0 else None)) for r in range(a.ranks)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    failed = [r for r, p in enumerate(procs) if p.exitcode != 0]
    if failed:
        print(f"bench-peer: rank(s) {failed} exited with {[procs[r].exitcode for r in failed]}", file=sys.stderr)
        return 1
    print(json.dumps(out.get()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
