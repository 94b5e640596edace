"""Write README.md from nbs/index.ipynb (its stored outputs included), without Quarto.

usage: .venv/bin/python tools/readme.py   (after tools/run_nbs.py nbs/index.ipynb)
Cells marked `#| hide` are left out; figures go to README_files/.
"""
import re
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent
nb = nbformat.read(root / 'nbs' / 'index.ipynb', as_version=4)
nb.metadata['language_info'] = dict(name='python')  # fenced code blocks as ```python
nb.cells = [c for c in nb.cells if not re.search(r'^\s*#\s*\|\s*hide', c.source, re.M)]
body, res = MarkdownExporter().from_notebook_node(nb, resources=dict(output_files_dir='README_files'))
out = root / 'README_files'
for old in out.glob('*'): old.unlink()
for name, data in res.get('outputs', {}).items():
    (root / name).parent.mkdir(exist_ok=True); (root / name).write_bytes(data)
header = "<!-- Written from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n"
(root / 'README.md').write_text(header + body.strip() + "\n")
print(f"README.md and {len(res.get('outputs', {}))} figure(s) written")
