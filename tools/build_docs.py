"""Build the documentation site offline into _docs/ (`python tools/build_docs.py [--out DIR]`), laid out like nbdev's Quarto site.

A page per notebook in nbs/ (`index` first) and an API reference page from the library, with a sidebar, a table of contents,
previous/next links and a search box; stored outputs are shown (nothing is executed), nothing is loaded from the network. Made
of well-kept parts: nbdev's `NBProcessor` and `rm_export` for the directives (an `#| export` cell gives way to the documentation
of the names it defines: signature as written, docstring, parameters from fastcore's `docments`); nbconvert's `HTMLExporter`
with the Jinja2 templates in tools/docs_template/, its Markdown renderer hooked to typeset math with KaTeX, link backticked names
of the library, send links to the online site or to `*.ipynb` to the local pages and give headings ids; the standard library's
HTMLParser reads each page back for its table of contents and the search index. Quarto renders the published site (deploy workflow).
"""
from __future__ import annotations
import argparse, ast, functools, html, importlib, inspect, json, os, pkgutil, re, shutil, subprocess, sys, textwrap, time
from html.parser import HTMLParser
from pathlib import Path
sys.modules.setdefault('rfc3987_syntax', None)  # jsonschema (under nbformat) would compile its grammars on import, seconds for nothing used here
import nbformat
from execnb.nbio import mk_cell, nb2str, new_nb, read_nb
from fastcore.docments import docments
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath, import_plugin
from nbdev.config import get_config
from nbdev.doclinks import nbglob, patch_name
from nbdev.process import NBProcessor, Processor, first_code_ln
from nbdev.processors import rm_export
from pygments.formatters import HtmlFormatter
from traitlets.config import Config

ROOT, TEMPLATE = Path(__file__).resolve().parent.parent, Path(__file__).resolve().parent / 'docs_template'
KATEX = ROOT / '.cache' / 'docs' / 'node_modules' / 'katex'  # tools/docs.sh installs it from the npm registry

class KaTeX:
    "TeX to HTML by KaTeX in one node process (docs_template/katex.js); a formula KaTeX rejects is reported and marked `katex-error`."
    def __init__(self):
        if not (KATEX / 'dist' / 'katex.min.css').exists(): sys.exit('docs: KaTeX is missing from .cache/docs/: `bash tools/docs.sh` installs it')
        self.node = subprocess.Popen(['node', TEMPLATE / 'katex.js', KATEX], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    @functools.lru_cache(None)
    def __call__(self, tex:str, display:bool) -> str:
        self.node.stdin.write(json.dumps([tex, display]) + '\n'); self.node.stdin.flush()
        return json.loads(self.node.stdout.readline())

def slug(text:str) -> str: return re.sub(r'[^\w]+', '-', text.lower()).strip('-') or 'section'
def plain(tokens:list) -> str: return ''.join(t.get('raw') or plain(t.get('children', [])) for t in tokens)

class Renderer(IPythonRenderer):
    "nbconvert's Markdown renderer with hooks: math typeset by `math(tex, display)`, backticked names linked where `xref(name)` finds a page, links made local by `local(url)`, headings given an id unique on the page (none of `ids`) and an anchor."
    def __init__(self, math, xref=lambda name: None, local=lambda url: url, ids=()):
        super().__init__(escape=False)
        self.math, self.xref, self.local, self.ids, self.in_link = math, xref, local, set(ids), 0
    def render_token(self, token, state):
        if token['type'] == 'heading':
            base = slug(plain(token.get('children', [])))
            token['attrs']['id'] = anchor = next(a for a in [base, *(f'{base}-{n}' for n in range(1, 999))] if a not in self.ids)
            self.ids.add(anchor)
        self.in_link += token['type'] == 'link'  # no link inside a link
        try: return super().render_token(token, state)
        finally: self.in_link -= token['type'] == 'link'
    def heading(self, text, level, **attrs):
        return f'<h{level} id="{attrs["id"]}">{text}<a class="anchor" href="#{attrs["id"]}" aria-label="link to this section">#</a></h{level}>\n'
    def codespan(self, text):
        target = None if self.in_link else self.xref(text)
        return f'<a class="xref" href="{html.escape(target)}">{super().codespan(text)}</a>' if target else super().codespan(text)
    def link(self, text, url, title=None): return super().link(text, self.local(url), title)
    def text(self, text): return super().text(re.sub(r'\{target="_blank"[^}]*\}', '', text))  # Quarto's attributes after a link
    def inline_math(self, body): return self.math(body, False)
    def block_math(self, body): return self.math(body, True)
    def latex_environment(self, name, body): return self.math(f'\\begin{{{name}}}{body}\\end{{{name}}}', True)

def markdown(md:str, renderer:Renderer) -> str:
    "Markdown to HTML as nbconvert reads it (math found as Jupyter finds it, footnotes too), through `renderer`."
    return MarkdownWithMath(renderer, plugins=[import_plugin(p) for p in (*MarkdownWithMath.DEFAULT_PLUGINS, 'footnotes')]).render(md)

class Exporter(HTMLExporter):
    "nbconvert's HTMLExporter with the site's template (docs_template/cells.html.j2), figures extracted to figures/, Markdown through `renderer`."
    def __init__(self, renderer:Renderer):
        super().__init__(extra_template_basedirs=[str(TEMPLATE.parent)], template_name=TEMPLATE.name, template_file='cells.html.j2', config=Config(
            Exporter=dict(default_preprocessors=[f'nbconvert.preprocessors.{p}Preprocessor' for p in ('CoalesceStreams', 'ExtractOutput')]),
            CoalesceStreamsPreprocessor=dict(enabled=True), ExtractOutputPreprocessor=dict(enabled=True)))
        self.renderer = renderer
        self.register_filter('highlight_code', Highlight2HTML(pygments_lexer='python', parent=self))
        self.register_filter('codespan', lambda code: renderer.codespan(code))
    def markdown2html(self, source): return markdown(source, self.renderer)
    def from_notebook_node(self, nb, resources=None, **kw):  # HTMLExporter's without its BeautifulSoup pass (alt texts, JupyterLab tab stops)
        return TemplateExporter.from_notebook_node(self, nb, {**(resources or {}), 'output_files_dir': 'figures'}, **kw)

class Outline(HTMLParser):
    "A page's content read back: its h2/h3 headings (the table of contents) and its text section by section (the search index), without KaTeX's MathML copy, heading anchors or scripts."
    def __init__(self, page:str):
        super().__init__(); self.toc, self.sections, self.head, self.skip = [], [['', '', []]], None, 0
        self.feed(page); self.close()
        self.sections = [(a, ' '.join(t.split()), ' '.join(' '.join(x).split())) for a, t, x in self.sections]
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.skip or tag in ('script', 'style') or {'katex-mathml', 'anchor', 'doc-kind'} & set((a.get('class') or '').split()): self.skip += 1
        elif tag in ('h2', 'h3') and a.get('id'): self.head = [int(tag[1]), a['id'], '']; self.sections.append([a['id'], '', []])
        elif self.head and tag == 'code': self.head[2] += '<code>'
    def handle_endtag(self, tag):
        if self.skip: self.skip -= 1
        elif self.head and tag == 'code': self.head[2] += '</code>'
        elif self.head and tag == f'h{self.head[0]}': self.toc.append(tuple(self.head)); self.head = None
    def handle_data(self, data):
        if self.skip: return
        if self.head: self.head[2] += html.escape(data); self.sections[-1][1] += data
        else: self.sections[-1][2].append(data)

def own_doc(obj) -> str:  # the docstring of `obj` itself: a class's own, not one it inherits
    return inspect.cleandoc(d) if isinstance(d := vars(obj).get('__doc__') if inspect.isclass(obj) else getattr(obj, '__doc__', None), str) else ''

@functools.lru_cache(None)
def parameters(obj) -> tuple[list, str]:
    "Each parameter of `obj` as (name with its `*` or `**`, annotation, default, kind), and its return annotation: as written in the source (as Python has them where there is none); a method's `self` left out."
    sig, f, out, written = inspect.signature(obj), obj.__init__ if inspect.isclass(obj) else obj, [], {}
    shown = lambda v, ann=False: ('' if v is sig.empty else v if ann and isinstance(v, str) else v.__name__ if callable(v) and hasattr(v, '__name__')
                                  else inspect.formatannotation(v) if ann else repr(v))  # as Python has it: a function or class by name
    try: src = textwrap.dedent(inspect.getsource(f)); node = next(n for n in ast.walk(ast.parse(src)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    except (OSError, TypeError, SyntaxError, StopIteration): node = None
    if node:  # the source's text of each annotation and default
        a, seg = node.args, lambda n: ' '.join((ast.get_source_segment(src, n) or '').split()) if n else ''
        defaults = [None] * (len(a.posonlyargs + a.args) - len(a.defaults)) + a.defaults + a.kw_defaults + [None, None]
        written = {p.arg: (seg(p.annotation), seg(d)) for p, d in zip([*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])], defaults)}
        written['return'] = (seg(node.returns), '')
    for p in sig.parameters.values():
        if not out and p.name in ('self', 'cls') and not inspect.isclass(obj): continue
        ann, default = written.get(p.name) or (shown(p.annotation, True), shown(p.default))
        out.append(({p.VAR_POSITIONAL: '*', p.VAR_KEYWORD: '**'}.get(p.kind, '') + p.name, ann, default, p.kind))
    return out, '' if inspect.isclass(obj) else (written.get('return') or [shown(sig.return_annotation, True)])[0]

def signature_text(name:str, obj) -> str:
    "`name(a: T = d, ...) -> R`, annotations and defaults as written in the source, a parameter a line when long."
    try: ps, ret = parameters(obj)
    except (TypeError, ValueError): return f'{name}()'
    P, kinds, ret = inspect.Parameter, [p[3] for p in ps], f' -> {ret}' if ret else ''
    parts = [n + (f': {a}' if a else '') + ((' = ' if a else '=') + d if d else '') for n, a, d, _ in ps]
    if P.KEYWORD_ONLY in kinds and P.VAR_POSITIONAL not in kinds: parts.insert(kinds.index(P.KEYWORD_ONLY), '*')
    if P.POSITIONAL_ONLY in kinds: parts.insert(kinds.count(P.POSITIONAL_ONLY), '/')
    return one if len(one := f"{name}({', '.join(parts)}){ret}") <= 90 else f"{name}(\n" + ''.join(f'    {p},\n' for p in parts) + ')' + ret

docments_of = functools.lru_cache(None)(docments)

def members(cls) -> list:
    "The public methods and properties a class defines itself."
    return [(m, v) for m, v in vars(cls).items() if not m.startswith('_') and (inspect.isfunction(v) or isinstance(v, (property, staticmethod, classmethod)))]

def doc_item(name:str, obj, anchor:str, methods:bool=False) -> dict:
    "What cells.html.j2 shows of one public name: heading, signature, docstring, parameter table (and methods)."
    kind, short = 'class' if inspect.isclass(obj) else 'function' if callable(obj) else 'constant', name.split('.')[-1]
    d, r = dict(name=name, anchor=anchor, kind=kind), repr(obj)
    if kind == 'constant': return dict(d, sig=f'{short}: {type(obj).__name__} = {r if len(r) < 300 else r[:300] + " …"}')
    try: dm, (ps, _) = docments_of(obj), parameters(obj)  # the parameter table, with the details from fastcore's docments
    except Exception: dm, ps = {}, []
    rows = [(n, a, df, dm.get(n.lstrip('*')) or '') for n, a, df, _ in ps]
    d.update(sig=signature_text(('class ' if kind == 'class' else '') + short, obj), doc=own_doc(obj), params=rows if any(r[3] for r in rows) else [])
    fn = lambda v: v.fget if isinstance(v, property) else getattr(v, '__func__', v)
    if methods and kind == 'class':
        d['methods'] = [dict(name=m, anchor=f'{anchor}.{m.lower()}', sig=f'{m}  (property)' if isinstance(v, property) else signature_text(m, fn(v)),
                             doc=own_doc(fn(v)).split('\n')[0]) for m, v in members(obj)]
    return d

def library(lib:str) -> dict:
    "Every module of the package: {module name: module}, the package first; import errors raise."
    names = sorted(m.name for m in pkgutil.iter_modules(importlib.import_module(lib).__path__) if not m.name.startswith('_'))
    return {m: importlib.import_module(m) for m in [lib, *(f'{lib}.{n}' for n in names)]}

def public_names(mod) -> list[str]:
    "The module's `__all__`; for a package with an empty `__all__`, the public names it imports."
    names = list(getattr(mod, '__all__', []) or [])
    return names or [n for n, v in vars(mod).items() if not n.startswith('_') and not inspect.ismodule(v)] if hasattr(mod, '__path__') else names

def home(obj, modname:str) -> str: return obj.__module__ if inspect.isclass(obj) or inspect.isfunction(obj) else modname
def resolve(name:str, obj): return functools.reduce(lambda o, part: getattr(o, part, None), name.split('.'), obj)

def ordered(mod, names:list[str]) -> list[str]:
    "Names in the order given (nbdev writes `__all__` in the order the names are defined), constants last, the module's main one first (named first in its docstring, else its first class)."
    own = sorted((n for n in names if hasattr(mod, n)), key=lambda n: not callable(getattr(mod, n)))
    mentioned = [n for n in re.findall(r'`(\w+)`', (mod.__doc__ or '').strip().split('\n')[0]) if n in own]
    main = (mentioned + [n for n in own if inspect.isclass(getattr(mod, n))] + [None])[0]
    return ([main] + [n for n in own if n != main]) if main else own

def quarto_options(cell):
    "Apply the Quarto options nbdev leaves in the source for Quarto (`#| echo: false`, `#| output: false`, `#| include: false`), then drop them."
    if cell.cell_type != 'code': return
    off = lambda k: [v.lower() for v in cell.directives_.get(k + ':', [])] == ['false']
    if off('include'): cell.source = None; return
    lines = cell.source.splitlines(True); i = first_code_ln(lines)
    cell.source = '' if i is None or off('echo') else ''.join(lines[i:])
    if off('output'): cell.outputs = []

def defined_names(cell) -> list[str]:
    "Top-level names a code cell defines, in order (a `@patch` method as `Class.method`, as nbdev names it)."
    out = []
    for node in cell.parsed_() or []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out += [nm] if isinstance(nm := patch_name(node), str) else nm
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            out += [n.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) for n in ast.walk(t) if isinstance(n, ast.Name)]
    return out

class Chapter(Processor):
    "The `# title` and the `> summary` under it go to the page's header (the rest of their cell stays); an `#| export` cell gives way to the documentation of the public names it defines (an `#| exports` cell keeps its source too), indexed in `site` for links."
    def __init__(self, nb, site=None): super().__init__(nb); self.site = site
    def begin(self):
        nb, exp = self.nb, next((c.directives_['default_exp'] for c in self.nb.cells if 'default_exp' in c.directives_), None)
        nb.update(title_=None, description_='', docs_=[], mod_=self.site.mods.get('.'.join([self.site.lib, *exp])) if self.site and exp is not None else None)
    def end(self): self.nb.title_ = self.nb.title_ or Path(self.nb.get('path_', 'page')).stem
    def cell(self, cell):
        nb, d = self.nb, cell.directives_
        m = re.search(r'^#\s+(.+)\n*(?:^>\s*(.+)$)?', cell.source, re.M) if cell.cell_type == 'markdown' and nb.title_ is None else None
        if m:
            nb.title_, nb.description_ = m[1].strip(), (m[2] or '').strip()
            cell.source = (cell.source[:m.start()] + cell.source[m.end():]).strip() or None
        if nb.mod_ is None or cell.cell_type != 'code' or not {'export', 'exports'} & d.keys(): return
        names = [n for n in defined_names(cell) if (n in public_names(nb.mod_) or '.' in n) and resolve(n, nb.mod_) is not None and n not in nb.docs_]
        if not names: return
        cell.metadata['docs'], nb.docs_ = [doc_item(n, resolve(n, nb.mod_), n.lower()) for n in names], nb.docs_ + names
        for n in names: self.site.index[n] = self.site.index[f'{nb.mod_.__name__}.{n}'] = f'{nb.file_}#{n.lower()}'
        if 'export' in d: cell.source = ''; del d['export']  # kept from rm_export: it shows its documentation

def inline_title(t:str) -> str: return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(t, quote=False))

class Site:
    "Every notebook processed by nbdev and the API reference (the names they document indexed for links), then written page by page."
    def __init__(self, out:Path|None=None):
        self.cfg, self.index = get_config(), {}
        self.lib, self.out, self.mods = self.cfg.lib_name, Path(out or self.cfg.doc_path), library(self.cfg.lib_name)
        reference = self.reference()  # indexed first: a chapter that documents a name is where it links to
        files = sorted(map(Path, nbglob(self.cfg.nbs_path)), key=lambda p: (p.stem != 'index', p.name))
        self.nbs = [self.process(f) for f in files] + [reference]
        self.pages = [dict(file=nb.file_, title_html=inline_title(nb.title_)) for nb in self.nbs]
        self.renderer = Renderer(KaTeX(), self.xref, self.local)
        self.exporter = Exporter(self.renderer)
    def process(self, f:Path):
        nb = read_nb(f); nb.file_ = f.stem + '.html'
        NBProcessor(nb=nb, procs=[Chapter(nb, self), rm_export, quarto_options]).process()
        return nb
    def reference(self):
        "The API reference as a notebook, a section per module (docstring, documentation of the names it defines), their anchors indexed."
        cells = []
        for modname, mod in self.mods.items():
            names, self.index[modname] = public_names(mod), f'reference.html#{slug(modname)}'
            own, docs = [n for n in names if home(getattr(mod, n, None), modname) == modname], []
            for n in ordered(mod, own):
                docs.append(doc_item(n, getattr(mod, n), f'{modname}.{n}'.lower(), methods=True))
                self.index[n] = self.index[f'{modname}.{n}'] = f'reference.html#{docs[-1]["anchor"]}'
                for m in docs[-1].get('methods', []): self.index.setdefault(f'{n}.{m["name"]}', f'reference.html#{m["anchor"]}')
            summary = lambda o: own_doc(o).split('\n')[0].replace('|', '&#124;') if callable(o) else ''
            rows = ''.join(f'| [`{n}`](#{home(o, modname).lower()}.{n.lower()}) | `{home(o, modname)}` | {summary(o)} |\n' for n in names for o in [getattr(mod, n)])
            table = f'\n\nAfter `import {modname}`:\n\n| name | defined in | summary |\n|---|---|---|\n{rows}' if modname == self.lib else ''
            cells += [mk_cell(f'## `{modname}`\n\n{(mod.__doc__ or "").strip()}{table}', 'markdown'), mk_cell('', metadata=dict(docs=docs))]
        nb = new_nb(cells)
        nb.update(file_='reference.html', title_='API reference', description_=f'Every public name of `{self.lib}`, generated from the library.', docs_=[], mod_=None)
        return nb
    def xref(self, code:str) -> str|None:
        "The page documenting a backticked name (`JacNet`, `fit()`, `JacNet.inverse`, `jacnet.model`); `model(x)` or `model.jacobian` name a variable, not the module."
        t = re.sub(r'\(.*\)$', '', code.strip())
        if not re.fullmatch(r'[\w.]+', t): return None
        if t.startswith(self.lib + '.'): return self.index.get(t) or self.index.get(t[len(self.lib) + 1:])
        return None if t.split('.')[0] in {m.split('.')[-1] for m in self.mods} else self.index.get(t)
    def local(self, url:str) -> str:
        "A link to the online site or to a notebook as a link to the local page (a chapter renumbered since is found by its name)."
        site, (path, _, frag) = (self.cfg.doc_host + self.cfg.doc_baseurl).rstrip('/'), url.partition('#')
        if site and url.startswith(site): path = path[len(site):].lstrip('/') or 'index.html'
        elif re.match(r'[a-z]+:|#|/', url) or not path.endswith(('.ipynb', '.html')) or '/' in path.strip('./'): return url
        bare, stems = lambda s: re.sub(r'^\d+[_-]', '', s), [Path(nb.file_).stem for nb in self.nbs]
        stem = next((s for s in stems if s == Path(path).stem), None) or next((s for s in stems if bare(s) == bare(Path(path).stem)), None)
        return stem + '.html' + (f'#{frag}' if frag else '') if stem else url
    def write(self, i:int) -> list[dict]:
        "Write the i-th page; its entries for the search index, one a section."
        nb, page, self.renderer.ids = self.nbs[i], self.pages[i], {'title', *(n.lower() for n in self.nbs[i].docs_)}
        body, res = self.exporter.from_notebook_node(nbformat.reads(nb2str(nb), as_version=4), {'unique_key': Path(nb.file_).stem})
        for name, data in res['outputs'].items(): (self.out / name).write_bytes(data)
        outline, tops = Outline(body), [n for n in nb.docs_ if '.' not in n]
        defs = [(n, f'#{n.lower()}') for n in (ordered(nb.mod_, tops) if tops else []) + [n for n in nb.docs_ if '.' in n]]
        (self.out / nb.file_).write_text(self.exporter.environment.get_template('page.html.j2').render(
            site=self.cfg.title, repo=self.cfg.git_url, pages=self.pages, page=page, title=nb.title_, content=body, toc=outline.toc, defs=defs,
            description=markdown(nb.description_, self.renderer) if nb.description_ else '',
            prev=self.pages[i - 1] if i else None, next=self.pages[i + 1] if i + 1 < len(self.pages) else None), encoding='utf-8')
        return [dict(p=nb.file_ + (f'#{a}' if a else ''), t=nb.title_, s=s or nb.title_, x=(x if a else f'{nb.description_} {x}')[:600])
                for a, s, x in outline.sections if x]
    def build(self) -> list[str]:
        "Write every page, the search index and the static files; the pages that failed, with why."
        t0, search, failed = time.time(), [], []
        shutil.rmtree(self.out, ignore_errors=True); (self.out / 'figures').mkdir(parents=True)
        for i, nb in enumerate(self.nbs):
            try: search += self.write(i)
            except Exception as e: failed.append(f'{nb.file_}: {type(e).__name__}: {e}')
        (self.out / 'search_index.js').write_text('window.SEARCH_INDEX = ' + json.dumps(search) + ';\n', encoding='utf-8')
        static, kd = self.out / '_static', KATEX / 'dist'
        shutil.copytree(kd / 'fonts', static / 'katex' / 'fonts'); shutil.copy(kd / 'katex.min.css', static / 'katex'); shutil.copy(TEMPLATE / 'search.js', static)
        (static / 'site.css').write_text((TEMPLATE / 'site.css').read_text() + HtmlFormatter().get_style_defs('.highlight'), encoding='utf-8')
        (self.out / '.nojekyll').touch()
        print(f"wrote {self.out}: {len(self.nbs) - len(failed)} pages, {time.time() - t0:.1f} s" + (f"; failed: {'; '.join(failed)}" if failed else ''))
        return failed

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', type=Path, help='output folder (default: doc_path of settings.ini, _docs)')
    os.chdir(ROOT); sys.path.insert(0, str(ROOT)); os.environ.setdefault('MPLBACKEND', 'Agg')
    return 1 if Site(p.parse_args(argv).out).build() else 0

if __name__ == '__main__':
    sys.exit(main())
