"""Build the documentation site offline into _docs/, laid out like nbdev's Quarto site, in well under a minute.

One HTML page per notebook in nbs/ (sorted by name, `index` first) plus an API reference page generated from
the library itself. Each page has a sidebar with the chapters, an in-page table of contents, previous/next
links and a search box (a small script over an index written beside the pages). Notebooks are not executed:
their stored outputs (figures, tables) are rendered as they are, with terminal escape codes removed. Math is
rendered to HTML at build time with KaTeX (installed from the npm registry into .cache/docs/; its stylesheet
and fonts are copied into the site), so no page loads anything from the network when read.

Cells are shown as nbdev shows them: `#| hide` cells and `#| exporti` cells are left out, `#| echo: false`
hides the source, `#| output: false` the output, and an `#| export` cell is replaced by the documentation of
the public names it defines (signature as written in the source, docstring, parameter table from docments).
Backticked names of the library become links to their documentation, and links to the online site or to
`*.ipynb` files become links to the local pages.

Usage: python tools/build_docs.py [--out DIR]
The published site is rendered by Quarto in the GitHub deploy workflow; this build needs no Quarto.
"""
from __future__ import annotations
import ast, base64, html, importlib, inspect, json, os, pkgutil, re, shutil, subprocess, sys, textwrap, time
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / '.cache' / 'docs'
KATEX_VERSION = '0.16'

# ---- settings and notebooks -------------------------------------------------------------------------------

def settings(root:Path=ROOT) -> dict:
    "The project's settings.ini as a dict."
    cfg = ConfigParser(delimiters=['=']); cfg.read(root / 'settings.ini', encoding='utf-8')
    return dict(cfg['DEFAULT'])

def notebooks(nbs:Path) -> list[Path]:
    "Every notebook in `nbs` (names starting with `_` excluded), `index` first, then sorted by name."
    files = sorted(p for p in nbs.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    return sorted(files, key=lambda p: (p.stem != 'index', p.name))

def page_name(nb:Path) -> str: return nb.stem + '.html'

_DIRECTIVE = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def directives(source:str) -> tuple[dict, str]:
    "The cell's leading `#| key[: value]` directives and its source without them."
    lines, direcs = source.splitlines(), {}
    i = 0
    for i, line in enumerate(lines):
        m = _DIRECTIVE.match(line)
        if m: direcs[m.group(1).lower()] = m.group(2)
        elif line.strip() and not line.lstrip().startswith('#'): break
        elif line.strip().startswith('#') and not m: break
    else: i = len(lines)
    rest = [l for l in lines[:i] if not _DIRECTIVE.match(l)] + lines[i:]
    return direcs, '\n'.join(rest).strip('\n')

def read_nb(path:Path) -> dict:
    nb = json.loads(path.read_text(encoding='utf-8'))
    for c in nb['cells']:
        c['source'] = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        c['direcs'], c['body'] = directives(c['source']) if c['cell_type'] == 'code' else ({}, c['source'])
    return nb

def title_and_description(nb:dict, stem:str) -> tuple[str, str]:
    "The notebook's H1 title and the one-line summary (`> ...`) under it."
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        m = re.search(r'^#\s+(.+)$', c['source'], re.M)
        if m:
            d = re.search(r'^>\s*(.+)$', c['source'][m.end():], re.M)
            return m.group(1).strip(), (d.group(1).strip() if d else '')
    return stem, ''

# ---- text -------------------------------------------------------------------------------------------------

_ANSI = re.compile(r'\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]')

def clean_terminal(text:str) -> str:
    "Text as a terminal would leave it: escape codes removed, each line what follows its last carriage return."
    text = _ANSI.sub('', text)
    out = []
    for line in text.split('\n'):
        parts = [p for p in line.split('\r')]
        while len(parts) > 1 and parts[-1] == '': parts.pop()
        out.append(parts[-1])
    return '\n'.join(out)

def slug(text:str) -> str:
    text = re.sub(r'<[^>]+>', '', html.unescape(text)).lower()
    return re.sub(r'[^\w]+', '-', text).strip('-') or 'section'

# ---- markdown with math -----------------------------------------------------------------------------------

class Math:
    "Collects the formulas of every page; rendered together by KaTeX at the end of the build."
    def __init__(self): self.items = {}
    def add(self, tex:str, display:bool) -> str:
        key = f"jnmath{len(self.items):05d}z"
        self.items[key] = (tex, display)
        return key

_FENCE = re.compile(r'^(```|~~~).*?^\1[ \t]*$', re.M | re.S)
_CODE = re.compile(r'(`+)(.+?)\1', re.S)
_DISPLAY = re.compile(r'\$\$(.+?)\$\$', re.S)
_INLINE = re.compile(r'(?<![\\$])\$(?!\s)((?:\\.|[^$\\\n]|\n(?!\s*\n))+?)\$(?![\d$])')  # as Jupyter reads it

def protect_math(md:str, math:Math) -> str:
    "Replace `$...$` and `$$...$$` outside code by placeholders that Markdown leaves alone."
    keep = {}
    def hold(m): k = f"jnkeep{len(keep):05d}z"; keep[k] = m.group(0); return k
    md = _FENCE.sub(hold, md); md = _CODE.sub(hold, md)
    md = _DISPLAY.sub(lambda m: '\n\n' + math.add(m.group(1).strip(), True) + '\n\n'
                      if m.group(0) == md.strip() or '\n' in m.group(0) else math.add(m.group(1).strip(), True), md)
    md = _INLINE.sub(lambda m: math.add(m.group(1), False), md)
    for _ in range(2): md = re.sub(r'jnkeep\d{5}z', lambda m: keep[m.group(0)], md)
    return md

def _markdown():
    import mistune
    if int(mistune.__version__.split('.')[0]) >= 2:
        return mistune.create_markdown(escape=False, plugins=['strikethrough', 'table', 'url', 'footnotes'])
    return mistune.Markdown(escape=False)

_md = None
def markdown(md:str, math:Math) -> str:
    "Markdown to HTML; math left as placeholders, code highlighted."
    global _md
    if _md is None: _md = _markdown()
    out = _md(protect_math(md, math))
    return re.sub(r'<pre><code class="language-(\w+)">(.*?)</code></pre>',
                  lambda m: highlight(html.unescape(m.group(2)), m.group(1)), out, flags=re.S)

def highlight(code:str, lang:str='python') -> str:
    from pygments import highlight as _hl
    from pygments.lexers import get_lexer_by_name
    from pygments.formatters import HtmlFormatter
    try: lexer = get_lexer_by_name(lang)
    except Exception: lexer = get_lexer_by_name('text')
    return f'<div class="code"><pre class="highlight">{_hl(code, lexer, HtmlFormatter(nowrap=True))}</pre></div>'

# ---- API documentation from the library itself ------------------------------------------------------------

def _own_doc(obj) -> str:
    doc = obj.__dict__.get('__doc__') if inspect.isclass(obj) else getattr(obj, '__doc__', None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ''

def _func_node(obj):
    "The `def` node of a function (or of a class's own `__init__`) and its source, or None."
    try: src = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError): return None, None
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): return node, src
    return None, None

def _init_of(cls):
    "The `__init__` that defines `cls`'s parameters: its own or a project base class's (not torch's or object's)."
    for k in cls.__mro__:
        if '__init__' in k.__dict__:
            if k.__module__.split('.')[0] in ('builtins', 'torch'): return None
            return k.__dict__['__init__']
    return None

def signature(obj, skip_self:bool|None=None) -> list[tuple[str, str, str, str]]:
    "(prefix, name, annotation, default) for each parameter, annotations and defaults as written in the source."
    func = _init_of(obj) if inspect.isclass(obj) else obj
    if func is None:
        try: sig = inspect.signature(obj)
        except (TypeError, ValueError): return []
        return _from_inspect(sig)
    node, src = _func_node(func)
    if node is None:
        try: return _from_inspect(inspect.signature(obj))
        except (TypeError, ValueError): return []
    seg = lambda n: (ast.get_source_segment(src, n) or ast.unparse(n)) if n is not None else ''
    a = node.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    params = [('', p.arg, seg(p.annotation), seg(d)) for p, d in zip(pos, defaults)]
    if a.posonlyargs: params.insert(len(a.posonlyargs), ('/', '', '', ''))
    if a.vararg: params.append(('*', a.vararg.arg, seg(a.vararg.annotation), ''))
    elif a.kwonlyargs: params.append(('*', '', '', ''))
    params += [('', p.arg, seg(p.annotation), seg(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg: params.append(('**', a.kwarg.arg, seg(a.kwarg.annotation), ''))
    is_method = inspect.isclass(obj) or (skip_self if skip_self is not None else bool(pos) and pos[0].arg in ('self', 'cls'))
    if is_method and params and params[0][1] in ('self', 'cls'): params = params[1:]
    returns = seg(node.returns) if not inspect.isclass(obj) else ''
    if returns: params.append(('->', '', returns, ''))
    return [tuple(' '.join(x.split()) for x in p) for p in params]

def _from_inspect(sig) -> list:
    out = []
    for p in sig.parameters.values():
        ann = '' if p.annotation is p.empty else (p.annotation if isinstance(p.annotation, str) else inspect.formatannotation(p.annotation))
        dflt = '' if p.default is p.empty else repr(p.default)
        pre = {p.VAR_POSITIONAL: '*', p.VAR_KEYWORD: '**'}.get(p.kind, '')
        out.append((pre, p.name, ann, dflt))
    if sig.return_annotation is not sig.empty:
        r = sig.return_annotation
        out.append(('->', '', r if isinstance(r, str) else inspect.formatannotation(r), ''))
    return out

def signature_text(name:str, obj) -> str:
    "`name(a: T = d, ...) -> R` as plain text."
    params = signature(obj)
    ret = next((p[2] for p in params if p[0] == '->'), '')
    parts = []
    for pre, n, ann, d in params:
        if pre == '->': continue
        s = pre + n + (f': {ann}' if ann else '') + ((' = ' if ann else '=') + d if d else '')
        parts.append(s)
    one = f"{name}({', '.join(parts)})" + (f" -> {ret}" if ret else '')
    if len(one) <= 90: return one
    return f"{name}(\n" + ''.join(f"    {p},\n" for p in parts) + ')' + (f" -> {ret}" if ret else '')

def param_docs(obj) -> dict:
    "Parameter comments (docments) of `obj`, by parameter name."
    try:
        from fastcore.docments import docments
        d = docments(obj, full=True)
    except Exception: return {}
    out = {}
    for k, v in d.items():
        doc = v.get('docment') if isinstance(v, dict) else v
        if doc: out[k] = doc
    return out

def kind(obj) -> str:
    if inspect.isclass(obj): return 'class'
    if callable(obj): return 'function'
    return 'constant'

def doc_block(name:str, obj, anchor:str, math:Math, level:int=3, methods:bool=False) -> str:
    "The documentation of one public name: heading, signature, docstring, parameter table (and methods)."
    k = kind(obj)
    h = f'<h{level} class="doc-name" id="{anchor}"><code>{html.escape(name)}</code> <span class="doc-kind">{k}</span></h{level}>'
    if k == 'constant':
        r = repr(obj); r = r if len(r) < 300 else r[:300] + ' …'
        body = f'<pre class="sig">{html.escape(name.split(".")[-1])}: {html.escape(type(obj).__name__)} = {html.escape(r)}</pre>'
        return f'<div class="doc">{h}{body}</div>'
    sig = signature_text(('class ' if k == 'class' else '') + name.split('.')[-1], obj)
    body = f'<pre class="sig">{html.escape(sig)}</pre>'
    doc = _own_doc(obj)
    if doc: body += f'<div class="docstring">{markdown(doc, math)}</div>'
    pd = param_docs(obj)
    params = [p for p in signature(obj) if p[1]]
    if params and pd and any(p[1] in pd for p in params):
        rows = ''.join(f'<tr><td><code>{html.escape(p[0] + p[1])}</code></td><td><code>{html.escape(p[2])}</code></td>'
                       f'<td><code>{html.escape(p[3])}</code></td><td>{_inline(pd.get(p[1], ""), math)}</td></tr>' for p in params)
        body += ('<table class="params"><thead><tr><th>parameter</th><th>type</th><th>default</th><th>details</th></tr></thead>'
                 f'<tbody>{rows}</tbody></table>')
    if methods and k == 'class':
        ms = [(m, v) for m, v in obj.__dict__.items() if not m.startswith('_') and _listed(v)]
        items = ''
        for m, v in ms:
            f = v.fget if isinstance(v, property) else getattr(v, '__func__', v)
            if isinstance(v, property): s = f'{m}  (property)'
            else: s = signature_text(m, f)
            d = _own_doc(f)
            items += f'<li id="{anchor}.{m.lower()}"><pre class="sig">{html.escape(s)}</pre>{_inline(d.splitlines()[0], math) if d else ""}</li>'
        if items: body += f'<div class="methods"><p class="methods-title">methods</p><ul>{items}</ul></div>'
    return f'<div class="doc">{h}{body}</div>'

def _listed(v) -> bool: return inspect.isfunction(v) or isinstance(v, (property, staticmethod, classmethod))  # a class member the reference lists

def _inline(md:str, math:Math) -> str:
    s = markdown(md, math).strip()
    return s[3:-4] if s.startswith('<p>') and s.endswith('</p>') and s.count('<p>') == 1 else s

def library(lib:str) -> dict:
    "Every module of the package: {module name: module}, the package first; import errors raise."
    pkg = importlib.import_module(lib)
    mods = {lib: pkg}
    for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if m.name.startswith('_'): continue
        mods[f'{lib}.{m.name}'] = importlib.import_module(f'{lib}.{m.name}')
    return mods

def public_names(mod) -> list[str]:
    "The module's `__all__`; for a package with an empty `__all__`, the public names it imports."
    names = list(getattr(mod, '__all__', []) or [])
    if not names and hasattr(mod, '__path__'):
        names = [n for n, v in vars(mod).items() if not n.startswith('_') and not inspect.ismodule(v)]
    return names

def _defined_line(obj) -> float:
    try: return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError): return float('inf')

def ordered(mod, names:list[str]) -> list[str]:
    "Names in the order they are defined, the module's main one first (named first in its docstring, else its first class)."
    own = [n for n in names if hasattr(mod, n)]
    idx = {n: i for i, n in enumerate(own)}
    own.sort(key=lambda n: (_defined_line(getattr(mod, n)) if callable(getattr(mod, n)) else float('inf'), idx[n]))
    doc = (mod.__doc__ or '').strip()
    mentioned = [n for n in re.findall(r'`(\w+)`', doc.split('\n')[0]) if n in own]
    classes = [n for n in own if inspect.isclass(getattr(mod, n))]
    main = mentioned[0] if mentioned else (classes[0] if classes else None)
    return ([main] + [n for n in own if n != main]) if main else own

# ---- pages ------------------------------------------------------------------------------------------------

def defined_names(body:str) -> list[str]:
    "Top-level names a cell defines, in order (`@patch` methods as `Class.method`)."
    try: tree = ast.parse(body)
    except SyntaxError: return []
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            decs = [ast.unparse(d) for d in getattr(node, 'decorator_list', [])]
            if any(d.split('(')[0] in ('patch', 'patch_to') for d in decs) and isinstance(node, ast.FunctionDef) and node.args.args:
                ann = node.args.args[0].annotation
                if ann is not None: out.append(f'{ast.unparse(ann)}.{node.name}'); continue
            out.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for n in ast.walk(t):
                    if isinstance(n, ast.Name): out.append(n.id)
    return out

def resolve(name:str, mod):
    obj = mod
    for part in name.split('.'):
        obj = getattr(obj, part, None)
        if obj is None: return None
    return obj

class Site:
    def __init__(self, root:Path=ROOT, out:Path|None=None):
        self.root, self.cfg = root, settings(root)
        self.lib = self.cfg.get('lib_name', 'jacnet')
        self.nbs = root / self.cfg.get('nbs_path', 'nbs')
        self.out = out or root / self.cfg.get('doc_path', '_docs')
        self.math = Math()
        self.files = notebooks(self.nbs)
        self.nb = {f: read_nb(f) for f in self.files}
        self.pages = [(page_name(f), *title_and_description(self.nb[f], f.stem)) for f in self.files]
        self.pages.append(('reference.html', 'API reference', f'Every public name of `{self.lib}`, generated from the library.'))
        self.mods = library(self.lib)
        self.index = {}   # dotted name -> page#anchor
        self._index_names()

    # where each public name is documented: the chapter that defines it, else the reference page
    def _module_of(self, nb:dict) -> str|None:
        for c in nb['cells']:
            if c['cell_type'] == 'code' and 'default_exp' in c['direcs']:
                m = c['direcs']['default_exp'].strip()
                return self.lib if m in ('', '__init__') else f'{self.lib}.{m}'
        return None

    def _chapter_docs(self, nb:dict) -> list[str]:
        "Public names documented by the notebook's export cells, in cell order."
        modname = self._module_of(nb)
        mod = self.mods.get(modname) if modname else None
        if mod is None: return []
        public = set(public_names(mod))
        out = []
        for c in nb['cells']:
            if c['cell_type'] != 'code' or not ({'export', 'exports'} & c['direcs'].keys()): continue
            for n in defined_names(c['body']):
                if (n in public or ('.' in n and n.split('.')[0] in public | set(dir(mod)))) and resolve(n, mod) is not None and n not in out:
                    out.append(n)
        return out

    def _index_names(self):
        for modname, mod in self.mods.items():
            self.index.setdefault(modname, f'reference.html#{modname.lower()}')
            for n in public_names(mod):
                obj = getattr(mod, n, None)
                home = getattr(obj, '__module__', None) if (inspect.isclass(obj) or inspect.isfunction(obj)) else modname
                anchor = f'reference.html#{(home or modname).lower()}.{n.lower()}'
                if home == modname or n not in self.index: self.index[n] = anchor
                self.index[f'{modname}.{n}'] = anchor
                if inspect.isclass(obj) and home == modname:
                    for m, v in obj.__dict__.items():  # the members the reference lists: methods and properties
                        if not m.startswith('_') and _listed(v): self.index.setdefault(f'{n}.{m}', f'{anchor}.{m.lower()}')
        for f in self.files:
            for n in self._chapter_docs(self.nb[f]):
                self.index[n] = f'{page_name(f)}#{n.lower()}'
                modname = self._module_of(self.nb[f])
                self.index[f'{modname}.{n}'] = f'{page_name(f)}#{n.lower()}'

    # links
    def _local_page(self, target:str) -> str|None:
        "The local page for `NAME.html` / `NAME.ipynb`, tolerating a chapter renumbered since the link was written."
        stem = Path(target).stem
        names = [p[0] for p in self.pages]
        if stem + '.html' in names: return stem + '.html'
        bare = re.sub(r'^\d+[_-]', '', stem)
        hits = [n for n in names if re.sub(r'^\d+[_-]', '', Path(n).stem) == bare]
        return hits[0] if hits else None

    def link_fixes(self, body:str) -> str:
        site = (self.cfg.get('doc_host', '') + self.cfg.get('doc_baseurl', '')).rstrip('/')
        def href(m):
            url = html.unescape(m.group(2))
            new = url
            if site and url.startswith(site):
                rest = url[len(site):].lstrip('/') or 'index.html'
                path, _, frag = rest.partition('#')
                page = self._local_page(path) if path else 'index.html'
                if page: new = page + ('#' + frag if frag else '')
            elif not re.match(r'^[a-z]+:|^#|^/', url):
                path, _, frag = url.partition('#')
                if path.endswith(('.ipynb', '.html')) and '/' not in path.strip('./'):
                    page = self._local_page(path)
                    if page: new = page + ('#' + frag if frag else '')
            return f'{m.group(1)}"{html.escape(new)}"'
        body = re.sub(r'(<a\s[^>]*?href=)"([^"]*)"', href, body)
        body = re.sub(r'\s*\{target="_blank"[^}]*\}', '', body)
        def code(m):
            text = html.unescape(m.group(1))
            t = re.sub(r'\(.*\)$', '', text.strip())
            # a name of the library (`JacNet`, `fit()`, `JacNet.inverse`), or a dotted one written in full (`jacnet.model`);
            # `model(x)` or `model.jacobian` name a variable, not the module
            if t.startswith(self.lib + '.'): target = self.index.get(t) or self.index.get(t[len(self.lib) + 1:])
            elif t.split('.')[0] in {m.split('.')[-1] for m in self.mods}: target = None
            else: target = self.index.get(t)
            if not target or not re.fullmatch(r'[\w.]+', t): return m.group(0)
            return f'<a class="xref" href="{target}">{m.group(0)}</a>'
        # inline code outside <pre> and outside existing links
        parts = re.split(r'(<pre.*?</pre>|<a\s.*?</a>|<h\d class="doc-name".*?</h\d>)', body, flags=re.S)
        return ''.join(p if i % 2 else re.sub(r'<code>([^<]{1,80})</code>', code, p) for i, p in enumerate(parts))

    # cells
    def figure(self, data:str, ext:str, stem:str, n:int) -> str:
        figs = self.out / 'figures'; figs.mkdir(parents=True, exist_ok=True)
        name = f'{stem}-{n}.{ext}'
        (figs / name).write_bytes(base64.b64decode(data))
        return f'<img src="figures/{name}" alt="figure {n} of {html.escape(stem)}">'

    def output(self, o:dict, stem:str, counter:list) -> str:
        t = o.get('output_type')
        if t == 'stream':
            text = clean_terminal(''.join(o.get('text', ''))).strip('\n')
            return f'<pre class="out {o.get("name", "")}">{html.escape(text)}</pre>' if text.strip() else ''
        if t == 'error':
            tb = clean_terminal('\n'.join(o.get('traceback', [])) or f"{o.get('ename')}: {o.get('evalue')}")
            return f'<pre class="out error">{html.escape(tb)}</pre>'
        data = o.get('data', {})
        j = lambda k: ''.join(data[k]) if isinstance(data[k], list) else data[k]
        for k, ext in (('image/png', 'png'), ('image/jpeg', 'jpg')):
            if k in data:
                counter[0] += 1
                return f'<div class="figure">{self.figure(j(k).replace(chr(10), ""), ext, stem, counter[0])}</div>'
        if 'image/svg+xml' in data: return f'<div class="figure">{j("image/svg+xml")}</div>'
        if 'text/html' in data:
            h = j('text/html')
            if '<script' not in h or 'text/plain' not in data: return f'<div class="out-html">{h}</div>'
        if 'text/markdown' in data: return f'<div class="out-md">{markdown(j("text/markdown"), self.math)}</div>'
        if 'text/latex' in data:
            tex = j('text/latex').strip().strip('$')
            return f'<div class="out-md">{self.math.add(tex, True)}</div>'
        if 'text/plain' in data:
            text = clean_terminal(j('text/plain'))
            if 'application/vnd.jupyter.widget-view+json' in data and text.startswith(('interactive(', 'VBox(', 'HBox(')): return ''
            return f'<pre class="out">{html.escape(text)}</pre>'
        return ''

    def render_nb(self, f:Path) -> tuple[str, list]:
        nb, stem = self.nb[f], f.stem
        modname = self._module_of(nb)
        mod = self.mods.get(modname) if modname else None
        documented = set(self._chapter_docs(nb))
        parts, counter, first_md = [], [0], True
        for c in nb['cells']:
            d = c['direcs']
            if c['cell_type'] == 'markdown':
                src = c['source']
                if first_md and re.search(r'^#\s+', src, re.M):   # title and summary go in the page header
                    src = re.sub(r'^#\s+.+$', '', src, count=1, flags=re.M)
                    src = re.sub(r'^\s*>\s*.+$', '', src, count=1, flags=re.M)
                    first_md = False
                if src.strip(): parts.append(f'<div class="md">{markdown(src, self.math)}</div>')
                continue
            if c['cell_type'] != 'code': continue
            if {'hide', 'exporti', 'default_exp'} & d.keys() or d.get('include', '').lower() == 'false': continue
            if {'export', 'exports'} & d.keys():
                if 'exports' in d: parts.append(highlight(c['body']))
                for n in defined_names(c['body']):
                    if n in documented and mod is not None:
                        parts.append(doc_block(n, resolve(n, mod), n.lower(), self.math))
                continue
            if re.fullmatch(r'(\s*show_doc\([^\n]*\)\s*)+', c['body'] or 'x') and mod is not None:
                for n in re.findall(r'show_doc\(\s*([\w.]+)', c['body']):
                    obj = resolve(n, mod) or resolve(n, self.mods[self.lib])
                    if obj is not None: parts.append(doc_block(n, obj, n.lower(), self.math))
                continue
            cell = ''
            if c['body'].strip() and d.get('echo', '').lower() != 'false': cell += highlight(c['body'])
            if d.get('output', '').lower() != 'false':
                outs = ''.join(self.output(o, stem, counter) for o in c.get('outputs', []))
                if outs: cell += f'<div class="outputs">{outs}</div>'
            if cell: parts.append(f'<div class="cell">{cell}</div>')
        defs = []
        if mod is not None and documented:
            order = ordered(mod, [n for n in documented if '.' not in n]) + [n for n in documented if '.' in n]
            defs = [(n, f'#{n.lower()}') for n in order]
        return '\n'.join(parts), defs

    def render_reference(self) -> str:
        parts = []
        for modname, mod in self.mods.items():
            names = public_names(mod)
            doc = (mod.__doc__ or '').strip()
            parts.append(f'<h2 id="{modname.lower()}"><code>{modname}</code></h2>')
            if doc: parts.append(f'<div class="md">{markdown(doc, self.math)}</div>')
            if modname == self.lib:   # the package gathers names defined in its modules: a table linking to them
                rows = ''
                for n in names:
                    obj = getattr(mod, n)
                    home = getattr(obj, '__module__', modname)
                    first = _own_doc(obj).split('\n')[0] if callable(obj) else ''
                    target = f'#{home.lower()}.{n.lower()}' if home != modname else f'#{modname.lower()}.{n.lower()}'
                    rows += f'<tr><td><a class="xref" href="{target}"><code>{n}</code></a></td><td><code>{home}</code></td><td>{_inline(first, self.math) if first else ""}</td></tr>'
                parts.append(f'<p>After <code>import {self.lib}</code>:</p><table class="params"><thead><tr><th>name</th>'
                             f'<th>defined in</th><th>summary</th></tr></thead><tbody>{rows}</tbody></table>')
                own = [n for n in names if getattr(getattr(mod, n), '__module__', modname) == modname]
            else:
                own = [n for n in names if not (inspect.isclass(getattr(mod, n, None)) or inspect.isfunction(getattr(mod, n, None)))
                       or getattr(getattr(mod, n), '__module__', modname) == modname]
            for n in ordered(mod, own):
                parts.append(doc_block(n, getattr(mod, n), f'{modname.lower()}.{n.lower()}', self.math, methods=True))
        return '\n'.join(parts)

    # the page around the content
    def page(self, name:str, title:str, desc:str, content:str, defs:list) -> str:
        content = self.link_fixes(content)
        # ids for headings, then the table of contents
        used = set(re.findall(r'\sid="([^"]+)"', content))
        toc = []
        def head(m):
            level, attrs, inner = m.group(1), m.group(2), m.group(3)
            if 'id="' in attrs:
                anchor = re.search(r'id="([^"]+)"', attrs).group(1)
            else:
                anchor, base, i = slug(inner), slug(inner), 1
                while anchor in used: anchor = f'{base}-{i}'; i += 1
                used.add(anchor); attrs += f' id="{anchor}"'
            if level in ('2', '3'):
                text = re.sub(r'<span class="doc-kind">.*?</span>', '', inner)
                toc.append((int(level), anchor, re.sub(r'<(?!/?code)[^>]+>', '', text).strip()))
            return f'<h{level}{attrs}>{inner}<a class="anchor" href="#{anchor}" aria-label="link to this section">#</a></h{level}>'
        content = re.sub(r'<h([1-4])([^>]*)>(.*?)</h\1>', head, content, flags=re.S)
        names = [p[0] for p in self.pages]
        i = names.index(name)
        active = ' class="active" aria-current="page"'
        side = ''.join(f'<li><a href="{p}"{active if p == name else ""}>{_inline_title(t, self.math)}</a></li>'
                       for p, t, _ in self.pages)
        toc_html = ''.join(f'<li class="toc-{lv}"><a href="#{a}">{t}</a></li>' for lv, a, t in toc)
        defs_html = ''
        if defs:
            defs_html = ('<div class="defs"><span>Defined here:</span> ' +
                         ', '.join(f'<a class="xref" href="{h}"><code>{html.escape(n)}</code></a>' for n, h in defs) + '</div>')
        prev = (f'<a class="prev" href="{names[i-1]}">← {_inline_title(self.pages[i-1][1], self.math)}</a>' if i > 0 else '<span></span>')
        nxt = (f'<a class="next" href="{names[i+1]}">{_inline_title(self.pages[i+1][1], self.math)} →</a>' if i + 1 < len(names) else '<span></span>')
        site_title = html.escape(self.cfg.get('title', self.lib))
        desc_html = f'<p class="description">{_inline(desc, self.math)}</p>' if desc else ''
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(re.sub('`', '', title))} – {site_title}</title>
<link rel="stylesheet" href="_static/katex/katex.min.css"><link rel="stylesheet" href="_static/site.css">
</head><body>
<header class="navbar"><a class="brand" href="index.html">{site_title}</a>
<div class="search"><input id="search" type="search" placeholder="Search" aria-label="Search" autocomplete="off"><ul id="search-results"></ul></div>
<a class="repo" href="{html.escape(self.cfg.get('git_url', ''))}">GitHub</a></header>
<div class="layout">
<nav id="sidebar" class="sidebar" aria-label="chapters"><ul>{side}</ul></nav>
<main id="content">
<header class="page-title"><h1 id="title">{_inline_title(title, self.math)}</h1>{desc_html}{defs_html}</header>
{content}
<nav class="pager" aria-label="previous and next">{prev}{nxt}</nav>
</main>
<nav id="toc" class="toc" aria-label="on this page"><p>On this page</p><ul>{toc_html}</ul></nav>
</div>
<script src="search_index.js"></script><script src="_static/search.js"></script>
</body></html>
"""

    def build(self) -> list[str]:
        t0 = time.time()
        if self.out.exists(): shutil.rmtree(self.out)
        (self.out / '_static').mkdir(parents=True)
        pages, failed = {}, []
        for f in self.files:
            try:
                content, defs = self.render_nb(f)
                pages[page_name(f)] = (content, defs)
            except Exception as e:
                failed.append(f'{f.name}: {type(e).__name__}: {e}')
        pages['reference.html'] = (self.render_reference(), [])
        for name, title, desc in self.pages:
            if name not in pages: continue
            content, defs = pages[name]
            (self.out / name).write_text(self.page(name, title, desc, content, defs), encoding='utf-8')
        rendered = render_math(self.math, self.out)
        search = []
        for name, title, _ in self.pages:
            p = self.out / name
            if not p.exists(): continue
            text = re.sub(r'jnmath\d{5}z', lambda m: rendered[m.group(0)], p.read_text(encoding='utf-8'))
            p.write_text(text, encoding='utf-8')
            search += search_entries(name, title, text)
        (self.out / 'search_index.js').write_text('window.SEARCH_INDEX = ' + json.dumps(search) + ';\n', encoding='utf-8')
        (self.out / '_static' / 'site.css').write_text(CSS + pygments_css(), encoding='utf-8')
        (self.out / '_static' / 'search.js').write_text(SEARCH_JS, encoding='utf-8')
        (self.out / '.nojekyll').touch()
        print(f"wrote {self.out}: {len(pages)} pages, {len(self.math.items)} formulas, {time.time() - t0:.1f} s"
              + (f"; failed: {'; '.join(failed)}" if failed else ''))
        return failed

def _inline_title(t:str, math:Math) -> str:
    return re.sub(r'`([^`]+)`', lambda m: f'<code>{html.escape(m.group(1))}</code>', html.escape(t, quote=False))

def search_entries(name:str, title:str, page:str) -> list:
    "One search entry per section (H2/H3 and documented names) of a built page."
    main = re.search(r'<main[^>]*>(.*)</main>', page, re.S)
    body = main.group(1) if main else page
    body = re.sub(r'<span class="katex-mathml">.*?</span>', '', body, flags=re.S)
    chunks = re.split(r'(<h[23][^>]*id="[^"]+"[^>]*>.*?</h[23]>)', body, flags=re.S)
    out, sec, anchor = [], title, ''
    def text(s): return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', s))).strip()
    for ch in chunks:
        m = re.match(r'<h[23][^>]*id="([^"]+)"[^>]*>(.*?)</h[23]>', ch, re.S)
        if m: anchor, sec = m.group(1), text(re.sub(r'<a class="anchor".*?</a>', '', m.group(2))); continue
        t = text(ch)
        if t: out.append(dict(p=name + (f'#{anchor}' if anchor else ''), t=title, s=sec, x=t[:600]))
    return out

# ---- math -------------------------------------------------------------------------------------------------

_RENDER_JS = r"""
const katex = require(process.argv[2]);
const fs = require('fs');
const items = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const out = {}; let errors = 0;
for (const [k, [tex, display]] of Object.entries(items)) {
  try { out[k] = katex.renderToString(tex, {displayMode: display, throwOnError: true, output: 'htmlAndMathml'}); }
  catch (e) { errors++; console.error('KaTeX: ' + e.message + ' in ' + tex);
              out[k] = katex.renderToString(tex, {displayMode: display, throwOnError: false}); }
}
fs.writeFileSync(process.argv[4], JSON.stringify(out));
console.log(Object.keys(items).length + ' formulas, ' + errors + ' errors');
"""

def katex_dir() -> Path:
    "KaTeX from the npm registry, installed once into .cache/docs/."
    kd = CACHE / 'node_modules' / 'katex'
    if (kd / 'dist' / 'katex.min.css').exists(): return kd
    if not shutil.which('npm'):
        sys.exit("docs: math needs KaTeX from npm, and npm is not installed: run `apt-get install -y nodejs npm`")
    CACHE.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['npm', 'install', '--prefix', str(CACHE), f'katex@{KATEX_VERSION}', '--no-audit', '--no-fund',
                        '--silent', '--no-save'], capture_output=True, text=True)
    if r.returncode or not kd.exists(): sys.exit(f"docs: `npm install katex` failed:\n{r.stdout}{r.stderr}")
    return kd

def render_math(math:Math, site:Path|None=None) -> dict:
    "Every collected formula rendered to HTML by KaTeX in one node process; KaTeX's CSS and fonts copied into `site`."
    items, kd = math.items, katex_dir()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, js = Path(tmp) / 'in.json', Path(tmp) / 'out.json', Path(tmp) / 'render.js'
        src.write_text(json.dumps(items)); js.write_text(_RENDER_JS)
        r = subprocess.run(['node', str(js), str(kd), str(src), str(dst)], capture_output=True, text=True)
        if r.returncode: sys.exit(f"docs: KaTeX failed:\n{r.stdout}{r.stderr}")
        if r.stderr.strip(): print(r.stderr.strip(), file=sys.stderr)
        rendered = json.loads(dst.read_text())
    if site is not None:
        dest = site / '_static' / 'katex'
        if not dest.exists():
            dest.mkdir(parents=True)
            shutil.copy(kd / 'dist' / 'katex.min.css', dest)
            shutil.copytree(kd / 'dist' / 'fonts', dest / 'fonts')
    return rendered

def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter
    return HtmlFormatter(style='default').get_style_defs('.highlight')

CSS = r"""
:root{--primary:#2780e3;--border:#dee2e6;--muted:#6c757d;--side:250px;--toc:230px}
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.55;color:#373a3c}
a{color:var(--primary);text-decoration:none} a:hover{text-decoration:underline}
code{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:.875em;color:#7d12ba}
pre{overflow-x:auto;max-width:100%} /* every code block: a long line scrolls inside its block, never cut off at the page's edge */
a code{color:inherit}
.navbar{position:sticky;top:0;z-index:20;display:flex;align-items:center;gap:1.5rem;background:var(--primary);color:#fff;padding:.5rem 1.25rem;height:3.2rem}
.navbar a{color:#fff} .navbar .brand{font-size:1.25rem;font-weight:500} .navbar .repo{margin-left:auto}
.search{position:relative} .search input{width:18rem;padding:.3rem .6rem;border-radius:.3rem;border:1px solid #fff;font-size:.95rem}
#search-results{display:none;position:absolute;top:2.3rem;left:0;width:32rem;max-height:70vh;overflow:auto;background:#fff;color:#373a3c;border:1px solid var(--border);border-radius:.3rem;box-shadow:0 4px 12px rgba(0,0,0,.15);list-style:none;margin:0;padding:0}
#search-results.open{display:block} #search-results li{border-bottom:1px solid #eee} #search-results a{display:block;padding:.45rem .7rem;color:#373a3c}
#search-results a:hover,#search-results a.sel{background:#f0f6fd;text-decoration:none} #search-results .s{font-weight:600} #search-results .x{font-size:.82rem;color:var(--muted)}
.layout{display:grid;grid-template-columns:var(--side) minmax(0,1fr) var(--toc);gap:2rem;max-width:1400px;margin:0 auto;padding:0 1rem}
.sidebar,.toc{position:sticky;top:3.2rem;align-self:start;max-height:calc(100vh - 3.2rem);overflow:auto;padding:1.5rem 0;font-size:.9rem}
.sidebar ul,.toc ul{list-style:none;margin:0;padding:0} .sidebar li a{display:block;padding:.25rem .75rem;color:#495057;border-left:2px solid transparent}
.sidebar li a.active{color:var(--primary);font-weight:600;border-left-color:var(--primary);background:#f0f6fd}
.toc p{font-weight:600;margin:.2rem 0 .5rem} .toc li a{display:block;padding:.15rem .5rem;color:#495057;border-left:1px solid var(--border)}
.toc li.toc-3 a{padding-left:1.3rem;font-size:.85rem}
main{padding:1.5rem 0 3rem;min-width:0} .page-title{margin-bottom:1.5rem;border-bottom:1px solid var(--border);padding-bottom:1rem}
.page-title h1{margin:.2rem 0 .4rem;font-size:2.2rem;font-weight:500} .description{font-size:1.2rem;font-style:italic;color:var(--muted);margin:0}
.defs{margin-top:.7rem;font-size:.9rem} .defs span{color:var(--muted)}
h2{font-weight:500;border-bottom:1px solid var(--border);padding-bottom:.3rem;margin-top:2rem} h2,h3,h4{scroll-margin-top:4rem}
.anchor{visibility:hidden;margin-left:.4rem;font-size:.8em;color:#aaa} h2:hover .anchor,h3:hover .anchor,h4:hover .anchor{visibility:visible}
.code pre,pre.out,pre.sig{overflow:auto;padding:.6rem .8rem;border-radius:.25rem;font-size:.85rem;line-height:1.4;margin:.4rem 0}
.code pre{background:#f7f7f7;border:1px solid #eee} pre.out{margin-left:.8rem;border-left:2px solid lightsalmon;border-radius:0;background:none}
pre.out.error{color:#b00}
.cell{margin:1rem 0} .outputs{margin-top:.2rem} .figure img{max-width:100%;height:auto} .out-html{overflow:auto}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem} th,td{border-bottom:1px solid var(--border);padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #aaa}
.doc{margin:1.8rem 0;padding-left:.9rem;border-left:3px solid #e9ecef} .doc-name{margin:.2rem 0;font-size:1.2rem} .doc-name code{font-size:1.05em;color:#373a3c}
.doc-kind{font-size:.75rem;font-weight:400;color:var(--muted);border:1px solid var(--border);border-radius:.7rem;padding:0 .45rem;vertical-align:middle}
pre.sig{background:#f8f9fa;border:1px solid #e9ecef;white-space:pre-wrap} .methods-title{font-weight:600;margin:.6rem 0 .2rem;color:var(--muted);font-size:.9rem}
.methods ul{list-style:none;padding-left:0} .methods li{margin:.4rem 0}
.katex-display{overflow-x:auto;overflow-y:hidden;padding:.2rem 0}
.pager{display:flex;justify-content:space-between;margin-top:3rem;padding-top:1rem;border-top:1px solid var(--border)}
.pager a{padding:.5rem .9rem;border:1px solid var(--border);border-radius:.3rem}
@media (max-width:1100px){.layout{grid-template-columns:var(--side) minmax(0,1fr)} .toc{display:none}}
@media (max-width:750px){.layout{grid-template-columns:minmax(0,1fr)} .sidebar{position:static;max-height:none}}
"""

SEARCH_JS = r"""
(function () {
  const box = document.getElementById('search'), list = document.getElementById('search-results');
  if (!box || !list || !window.SEARCH_INDEX) return;
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  function run() {
    const words = box.value.toLowerCase().split(/\s+/).filter(w => w.length > 1);
    list.innerHTML = '';
    if (!words.length) { list.classList.remove('open'); return; }
    const hits = [];
    for (const e of window.SEARCH_INDEX) {
      const hay = (e.t + ' ' + e.s + ' ' + e.x).toLowerCase(); let score = 0, ok = true;
      for (const w of words) { if (!hay.includes(w)) { ok = false; break; }
        score += (e.s.toLowerCase().includes(w) ? 5 : 0) + (e.t.toLowerCase().includes(w) ? 2 : 0) + 1; }
      if (ok) hits.push([score, e]);
    }
    hits.sort((a, b) => b[0] - a[0]);
    for (const [, e] of hits.slice(0, 20)) {
      const i = e.x.toLowerCase().indexOf(words[0]), start = Math.max(0, i - 60);
      const li = document.createElement('li');
      li.innerHTML = '<a href="' + e.p + '"><div class="s">' + esc(e.s) + ' <small>— ' + esc(e.t) + '</small></div><div class="x">'
        + esc((start ? '…' : '') + e.x.slice(start, start + 160)) + '…</div></a>';
      list.appendChild(li);
    }
    if (!hits.length) list.innerHTML = '<li><a>No results</a></li>';
    list.classList.add('open');
  }
  box.addEventListener('input', run);
  box.addEventListener('keydown', ev => { if (ev.key === 'Escape') { box.value = ''; run(); }
    if (ev.key === 'Enter') { const a = list.querySelector('a[href]'); if (a) location.href = a.href; } });
  document.addEventListener('click', ev => { if (!list.contains(ev.target) && ev.target !== box) list.classList.remove('open'); });
})();
"""

def main(argv=None) -> int:
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', type=Path, default=None, help='output folder (default: doc_path of settings.ini, _docs)')
    a = p.parse_args(argv)
    os.chdir(ROOT); sys.path.insert(0, str(ROOT))
    os.environ.setdefault('MPLBACKEND', 'Agg')
    site = Site(ROOT, a.out)
    failed = site.build()
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())
