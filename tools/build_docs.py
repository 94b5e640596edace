"""Build the documentation site offline into _docs/: one HTML page per notebook, with its figures and API reference.

nbdev's own processing, through its Python API, without Quarto: refresh the Quarto configuration, build the
module index, execute each notebook (as nbdev_test does, skipping `slow` and `notest` cells) so that its
figures and outputs exist, apply nbdev's documentation processors (hidden cells removed, `show_doc` API
reference rendered, exports hidden) into _proc/, and convert each processed notebook to HTML with
nbconvert, figures embedded as data URIs. The published site is rendered by Quarto in the deploy workflow;
this build is for reading and checking the pages where Quarto is not available.

Usage: python tools/build_docs.py [NOTEBOOK ...]   (a name such as 05_train, 05_train.ipynb or nbs/05_train.ipynb;
       default: every notebook in nbs/)
"""
import os, re, sys, time, html, json, subprocess
import yaml
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.chdir(ROOT)

from fastcore.basics import str2bool
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml
from nbdev.doclinks import _build_modidx
from nbdev.process import NBProcessor, first_code_ln
from nbdev.frontmatter import FrontmatterProc
from nbdev.processors import FilterDefaults
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

SKIP_FLAGS = {'slow', 'notest'}

def _no_eval(cell):
    "Cells not to execute: markdown, the export call, `eval: false`, and `slow` / `notest` cells."
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    direc = getattr(cell, 'directives_', {}) or {}
    if direc.get('eval:', [''])[0].lower() == 'false': return True
    return bool(SKIP_FLAGS & direc.keys())

def execute(src:Path, dst:Path):
    "Run notebook `src` in a fresh shell (as nbdev_test does) and write it with its outputs to `dst`."
    nb = NBProcessor(src, procs=FrontmatterProc, process=True).nb  # parses (and strips) the cell directives
    fm = getattr(nb, 'frontmatter_', {})
    if not str2bool(fm.get('skip_exec', False)):
        os.environ['IN_TEST'] = '1'
        shell = CaptureShell(src)
        shell.run_all(nb, exc_stop=True, preproc=_no_eval)
        del os.environ['IN_TEST']
    raw = read_nb(src)  # keep the directives for the documentation processors: copy the outputs onto the source cells
    for a, b in zip(raw.cells, nb.cells):
        if a.cell_type == 'code': a['outputs'], a['execution_count'] = b.get('outputs', []), b.get('execution_count')
    write_nb(raw, dst)

def process(src:Path, dst:Path):
    "Apply nbdev's documentation processors (hide, show_doc, exports, ...) to `src`, write `dst`."
    nb = read_nb(src)
    FilterDefaults()(nb)
    write_nb(nb, dst)

NAV_CSS = """<style>
.jn-nav{position:sticky;top:0;z-index:10;background:#2780e3;padding:8px 16px;font-family:sans-serif}
.jn-nav a{color:#fff;margin-right:14px;text-decoration:none;font-size:14px}
.jn-nav a.here{font-weight:bold;text-decoration:underline}
.jn-desc{font-size:1.15em;color:#555;margin:0 0 1em 0}
</style>"""

def _title(nb, stem):
    for c in nb.cells:
        if c.cell_type == 'markdown':
            m = re.search(r'^#\s+(.+)$', c.source, re.M)
            if m: return m.group(1).strip()
    fm = nb.metadata.get('title') if hasattr(nb, 'metadata') else None
    return fm or stem

def to_html(proc:Path, out:Path, pages:list):
    "Convert a processed notebook to one self-contained HTML page with a navigation bar."
    nb = nbformat.read(proc, as_version=4)
    # the processors turn the H1 title and summary into Quarto front matter: put them back as markdown
    raw = [c for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')]
    head = ''
    for c in raw:
        fm = yaml.safe_load(c.source.strip().strip('-')) or {}
        if fm.get('title'): head += f"# {fm['title']}\n\n"
        if fm.get('description'): head += f"> {fm['description']}\n"
        nb.cells.remove(c)
    if head: nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))
    for c in nb.cells:  # what Quarto would do: hide the source of `echo: false` cells, drop Quarto link attributes
        if c.cell_type == 'code' and re.search(r'^#\|\s*echo:\s*false', c.source, re.M): c.metadata['jn_hide_input'] = True
        for o in c.get('outputs', []):
            for k in ('text/markdown', 'text/html'):
                if k in o.get('data', {}): o['data'][k] = re.sub(r'\{target="_blank"[^}]*\}', '', ''.join(o['data'][k]))
    ex = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    for c in nb.cells:
        if c.metadata.get('jn_hide_input'): c.metadata.setdefault('tags', []).append('remove_input')
    ex.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    body, _ = ex.from_notebook_node(nb)
    here = ' class="here"'
    nav = '<div class="jn-nav">' + ''.join(
        f'<a href="{p}.html"{here if p == out.stem else ""}>{html.escape(t)}</a>' for p, t in pages) + '</div>'
    body = body.replace('</head>', NAV_CSS + '</head>', 1)
    body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav, body, count=1)
    out.write_text(body)

def main(names):
    cfg = get_config()
    nbs, docs, proc = cfg.nbs_path, cfg.config_path / cfg.doc_path.name, cfg.config_path / '_proc'
    refresh_quarto_yml()
    _build_modidx()
    files = [nbs / (Path(n).stem + '.ipynb') for n in names] if names else sorted(p for p in nbs.glob('*.ipynb') if not p.name.startswith('_'))
    (proc / '_exec').mkdir(parents=True, exist_ok=True); docs.mkdir(exist_ok=True)
    pages = []
    for f in sorted(nbs.glob('*.ipynb')):
        if f.name.startswith('_'): continue
        pages.append(('index' if f.stem == 'index' else f.stem, _title(read_nb(f), f.stem)))
    pages.sort(key=lambda p: (p[0] != 'index', p[0]))
    failed = []
    for f in files:
        t0 = time.time()
        ex, pr = proc / '_exec' / f.name, proc / f.name
        # each notebook in its own process, as nbdev_test runs them: no global state leaks between notebooks
        r = subprocess.run([sys.executable, __file__, '--one', str(f), str(ex), str(pr),
                            str(docs / f"{'index' if f.stem == 'index' else f.stem}.html"), json.dumps(pages)],
                           capture_output=True, text=True)
        if r.returncode == 0: print(f"{f.name}: {time.time() - t0:.1f} s", flush=True)
        else: failed.append(f.name); print(f"{f.name}: FAILED\n{r.stdout[-3000:]}{r.stderr[-3000:]}", flush=True)
    if not (docs / 'index.html').exists() and pages:  # no index notebook yet: a page listing the others
        links = ''.join(f'<li><a href="{p}.html">{html.escape(t)}</a></li>' for p, t in pages)
        (docs / 'index.html').write_text(f"<html><head><title>{cfg.title}</title></head><body><h1>{cfg.title}</h1>"
                                         f"<p>{html.escape(cfg.description)}</p><ul>{links}</ul></body></html>")
    (docs / '.nojekyll').touch()
    print(f"wrote {docs} ({len(files) - len(failed)} pages)" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0

def one(src, ex, pr, out, pages):
    "Execute, process and convert one notebook (run in a subprocess by `main`)."
    execute(Path(src), Path(ex)); process(Path(ex), Path(pr)); to_html(Path(pr), Path(out), [tuple(p) for p in json.loads(pages)])

if __name__ == '__main__':
    if sys.argv[1:2] == ['--one']: one(*sys.argv[2:7])
    else: sys.exit(main(sys.argv[1:]))
