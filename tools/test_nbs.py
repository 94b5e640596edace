"""Run notebooks as tests, as `nbdev_test` does, and report each one: `PASS`/`FAIL`, its seconds, a failure's traceback.

usage: .venv/bin/python tools/test_nbs.py nbs/00_api.ipynb [...] [--jobs N] [--flags slow ...] [--kernel]
Each notebook runs in a fresh IPython shell with nbdev's own `test_nb` (cells flagged in settings.ini's `tst_flags`
are skipped unless given in `--flags`). As in `nbdev_test`, a pool of worker processes runs them, `--jobs` at a
time; each worker imports torch and jacnet once, when it starts, rather than once per notebook.
With `--kernel`, each notebook runs instead as Jupyter runs it: top to bottom in a new Jupyter kernel (nbclient and
ipykernel, the notebook's folder as working directory), with the same cells skipped; nothing is written back.
Ends with the line `N passed, M failed` (after the total wall time since `$JACNET_T0`, when set) and exits with 1
when any notebook failed.
"""
import argparse, contextlib, io, os, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

def _warm():
    "Worker start: import what every chapter imports, once per worker."
    import torch, matplotlib, nbdev.test, jacnet.model, jacnet.train   # noqa: F401

def run_one(path:str, force:list) -> tuple:
    "Run the notebook at `path` with nbdev's `test_nb`; return (passed, seconds, captured output)."
    from nbdev.config import get_config
    from nbdev.test import test_nb
    cfg, out = get_config(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ok, _ = test_nb(Path(path).resolve(), skip_flags=cfg.tst_flags.split(), force_flags=force, basepath=cfg.config_path)
    return ok, time.perf_counter() - t0, out.getvalue()

def _skipped(source:str, skip:set) -> bool:
    "Whether a code cell is skipped as nbdev_test skips it: a flag in `skip`, or the notebook's own export call."
    flags = {line[3:].split()[0] for line in source.splitlines() if line.startswith('#| ') and line[3:].split()}
    return bool(flags & skip) or 'nbdev_export' + '(' in source

def run_in_kernel(path:str, force:list) -> tuple:
    "Run the notebook at `path` top to bottom in a new Jupyter kernel; return (passed, seconds, the error, if any)."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbdev.config import get_config
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    skip = set(get_config().tst_flags.split()) - set(force)
    for c in nb.cells:
        if c.cell_type == 'code' and _skipped(c.source, skip): c.source = ''
    t0 = time.perf_counter()
    try:
        client = NotebookClient(nb, timeout=1800, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
        client.execute(stderr=subprocess.DEVNULL)   # the kernel's own log lines; a cell's errors come back in its outputs
        return True, time.perf_counter() - t0, ''
    except CellExecutionError as e: return False, time.perf_counter() - t0, str(e)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+')
    p.add_argument('--jobs', type=int, default=2)
    p.add_argument('--flags', nargs='*', default=[])
    p.add_argument('--kernel', action='store_true', help='run each notebook in a new Jupyter kernel, as Jupyter does')
    a = p.parse_args(argv)
    run = run_in_kernel if a.kernel else run_one
    results = {}
    with ProcessPoolExecutor(max(1, a.jobs), initializer=None if a.kernel else _warm) as pool:
        futures = {pool.submit(run, nb, a.flags): nb for nb in a.notebooks}
        for f in as_completed(futures):
            nb = futures[f]
            try: results[nb] = f.result()
            except Exception as e: results[nb] = (False, float('nan'), f"the worker failed: {e!r}\n")  # e.g. a crashed process
            print(f"  done {nb} ({results[nb][1]:.1f} s)", flush=True)
    for nb in a.notebooks:
        ok, secs, log = results[nb]
        print(f"{'PASS' if ok else 'FAIL'} {nb} ({secs:.1f} s)")
        if not ok: print(''.join('    ' + line for line in log.splitlines(keepends=True)))
    failed = sum(not results[nb][0] for nb in a.notebooks)
    if 'JACNET_T0' in os.environ: print(f"total wall time {time.time() - float(os.environ['JACNET_T0']):.1f} s")
    print(f"{len(a.notebooks) - failed} passed, {failed} failed")
    return failed

if __name__ == '__main__':
    import test_nbs   # the workers find `run_one` in this module by name: IPython's shell replaces `__main__`
    sys.exit(1 if test_nbs.main() else 0)
