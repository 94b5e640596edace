"""Throughput of `fit` with 1 and 2 processes (PyTorch DDP, gloo, one thread each): points per second and their ratio.

usage: .venv/bin/python tools/bench_scaling.py [--points 1000000] [--batch 8192] [--procs 1 2] [--epochs 1]

Each run is `torchrun --standalone --nproc_per_node=P tools/bench_scaling.py --worker ...`: the same training code for any
P. The data are 10^6 noisy samples of a monotone 1-D function, minibatches of `--batch` points in all (split between the
processes), Gauss-Legendre with 8 nodes, float32. A few warm-up steps are not timed. Prints one line per run and the ratio.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path


def worker(a):
    import torch
    from jacnet.model import JacNet
    from jacnet.train import fit
    from jacnet.distributed import init, wrap, is_main, finish
    torch.set_num_threads(1)
    rank, world = init(timeout=120)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(a.points, 1, generator=g) * 4 - 2
    y = torch.tanh(2 * x) + 0.1 * x + 0.05 * torch.randn(a.points, 1, generator=g)
    torch.manual_seed(0)
    model = wrap(JacNet(1, 1, 'invertible'))
    fit(model, x, y, iters=5, batch_size=a.batch, seed=1, progress=False)  # warm-up
    steps = a.epochs * -(-a.points // a.batch)
    t0 = time.perf_counter()
    hist = fit(model, x, y, iters=steps, batch_size=a.batch, seed=0, progress=False)
    dt = time.perf_counter() - t0
    if is_main():
        print("RESULT " + json.dumps(dict(procs=world, points=steps * a.batch, steps=steps, seconds=dt,
                                          points_per_s=steps * a.batch / dt, final_loss=hist.loss[-1])), flush=True)
    finish()


def launch(a, procs:int) -> dict:
    torchrun = Path(sys.executable).with_name('torchrun')
    cmd = [str(torchrun), '--standalone', f'--nproc_per_node={procs}', '--max-restarts=0', __file__, '--worker',
           f'--points={a.points}', f'--batch={a.batch}', f'--epochs={a.epochs}']
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0: raise SystemExit(f"torchrun with {procs} processes failed:\n{out.stderr[-3000:]}")
    line = next(l for l in out.stdout.splitlines() if l.startswith('RESULT '))
    return json.loads(line[len('RESULT '):])


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--points', type=int, default=1_000_000)
    p.add_argument('--batch', type=int, default=8192)
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--procs', type=int, nargs='+', default=[1, 2])
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker: worker(a); sys.exit(0)
    print(f"{os.cpu_count()} CPU cores; {a.points:,} points, global batch {a.batch}, {a.epochs} epoch(s), one thread per process")
    res = {}
    for procs in a.procs:
        r = res[procs] = launch(a, procs)
        print(f"{procs} process{'es' if procs > 1 else ''}: {r['points_per_s']:,.0f} points/s "
              f"({r['steps']} steps in {r['seconds']:.1f} s, final loss {r['final_loss']:.4f})", flush=True)
    if 1 in res:
        for procs in res:
            if procs != 1: print(f"speed-up with {procs} processes: {res[procs]['points_per_s'] / res[1]['points_per_s']:.2f}x")
