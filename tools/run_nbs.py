"""Execute notebooks in place so that their stored outputs (figures, tables) are current.

usage: .venv/bin/python tools/run_nbs.py [--flags slow] nbs/01_structures.ipynb [...]
Cells marked `#| notest` are never run, `#| slow` ones only with `--flags slow` (as in nbdev_test).
Run `nbdev_clean` afterwards.
"""
import argparse, contextlib, re, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

_directive = re.compile(r'^\s*#\s*\|\s*(\w+)', re.M)

def run_nb(path:Path, flags=()):
    "Execute the notebook at `path`, store its outputs, and return the seconds taken."
    path = path.resolve()
    nb = read_nb(path)
    skip = {'notest'} | ({'slow'} - set(flags))
    def preproc(cell):
        if cell.cell_type != 'code': return True
        if set(_directive.findall(cell.source)) & skip: return True   # skipped: its stored outputs stay
        cell.outputs = []   # execnb stores a cell's outputs only when there are some: clear them so that none stay stale
        return False
    t0 = time.perf_counter()
    shell = CaptureShell(path=path.parent, mpl_format='png')   # plain PNG, as Jupyter stores it: retina doubles every figure's size
    with contextlib.chdir(path.parent): shell.run_all(nb, exc_stop=True, preproc=preproc)   # from the notebook's folder, as nbdev_test and Jupyter run it
    write_nb(nb, path)
    return time.perf_counter() - t0

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+', type=Path)
    p.add_argument('--flags', nargs='*', default=[])
    a = p.parse_args()
    for nb in a.notebooks: print(f"{nb}: {run_nb(nb, a.flags):.1f} s")
