"""Check a built documentation site for what a reader needs, page by page.

Each check takes one built page (its path, and optionally its HTML as a browser rendered it) and returns a list
of problems, empty when the page passes:
- `check_math`: no raw TeX left in the text (no `$` at all outside code, no `\\(...\\)`) and no formula KaTeX could not render;
- `check_sidebar`: a sidebar navigation with links to the chapters;
- `check_figures`: every image exists and decodes;
- `check_links`: every local link and resource points to a file that exists, and a `#fragment` to an id in it;
- `check_code_scroll`: code blocks scroll sideways (a stylesheet rule gives `pre` overflow-x: auto), so no long line is cut off.

usage: python tools/docs_check.py [--browser] [SITE]     (SITE defaults to _docs)
With --browser each page is opened in headless Chromium: the checks run on the DOM it rendered (scripts run
first), and a screenshot of each page goes to SITE/_check/. Chromium is not installed here: when it is missing
the command says how to install it.
"""
from __future__ import annotations
import base64, io, os, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

class _Page(HTMLParser):
    "Collects a page's visible text, ids, links, images and the sidebar's links."
    SKIP = {'script', 'style', 'pre', 'code', 'annotation', 'math', 'textarea', 'svg'}
    VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.ids, self.links, self.images, self.sidebar_links = [], set(), [], [], []
        self.stack, self.skip, self.side, self.katex_errors, self.has_sidebar = [], 0, 0, 0, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if a.get('name') and tag == 'a': self.ids.add(a['name'])
        cls = (a.get('class') or '').split()
        if 'katex-error' in cls: self.katex_errors += 1
        if tag == 'a' and a.get('href') is not None:
            self.links.append(a['href'])
            if self.side: self.sidebar_links.append(a['href'])
        if tag in ('link', 'script') and (a.get('href') or a.get('src')):
            if tag == 'script' or a.get('rel') == 'stylesheet': self.links.append(a.get('href') or a.get('src'))
        if tag == 'img': self.images.append(a.get('src') or '')
        if tag in self.VOID: return
        starts_side = tag == 'nav' and (a.get('id') == 'sidebar' or 'sidebar' in cls)
        if starts_side: self.has_sidebar = True
        mathml = 'katex-mathml' in cls
        self.stack.append((tag, tag in self.SKIP or mathml, starts_side))
        if tag in self.SKIP or mathml: self.skip += 1
        if starts_side: self.side += 1
    def handle_endtag(self, tag):
        if tag in self.VOID: return
        while self.stack:
            t, skipped, side = self.stack.pop()
            if skipped: self.skip -= 1
            if side: self.side -= 1
            if t == tag: break
    def handle_data(self, data):
        if not self.skip: self.text.append(data)

def parse(html:str) -> _Page:
    p = _Page(); p.feed(html); p.close()
    return p

def _html(page:Path, html:str|None) -> str:
    return html if html is not None else Path(page).read_text(encoding='utf-8')

_RAW_MATH = [(re.compile(r'\$\$.+?\$\$', re.S), 'display math'),
             (re.compile(r'\$[^$]*\$?'), 'math: a dollar sign'),
             (re.compile(r'\\\(.+?\\\)|\\\[.+?\\\]', re.S), 'math')]

def check_math(page:Path, html:str|None=None) -> list[str]:
    "Problems with the page's math: raw TeX left in the visible text, or formulas that failed to render."
    p = parse(_html(page, html))
    text = ''.join(p.text)
    bad = []
    for rx, what in _RAW_MATH:
        for m in rx.finditer(text):
            bad.append(f'raw {what} in the text: {m.group(0)[:60]!r}')
        text = rx.sub(' ', text)
    if p.katex_errors: bad.append(f'{p.katex_errors} formula(s) KaTeX could not render')
    return bad

def check_sidebar(page:Path, html:str|None=None) -> list[str]:
    "Problems with the sidebar: missing, or without links to pages."
    p = parse(_html(page, html))
    if not p.has_sidebar: return ['no sidebar (a <nav id="sidebar">)']
    pages = [h for h in p.sidebar_links if h and not h.startswith('#')]
    return [] if pages else ['the sidebar links to no page']

def _local(url:str) -> bool:
    s = urlsplit(url)
    return not s.scheme and not s.netloc and not url.startswith('//')

def _decode(data:bytes) -> str|None:
    "None if `data` is an image that decodes, else why not."
    try:
        from PIL import Image
        with Image.open(io.BytesIO(data)) as im: im.load()
        return None if im.size[0] > 0 and im.size[1] > 0 else 'empty image'
    except Exception as e: return f'does not decode ({type(e).__name__})'

def check_figures(page:Path, html:str|None=None) -> list[str]:
    "Problems with the page's images: a file missing, or an image that does not decode."
    page = Path(page); p = parse(_html(page, html))
    bad = []
    for src in p.images:
        if not src: bad.append('an image without src'); continue
        if src.startswith('data:'):
            m = re.match(r'data:image/[\w+.-]+;base64,(.*)', src, re.S)
            if not m: bad.append(f'unreadable data URI image {src[:40]!r}'); continue
            if src.startswith('data:image/svg'): continue
            why = _decode(base64.b64decode(m.group(1)))
        elif _local(src):
            f = page.parent / unquote(urlsplit(src).path)
            if not f.is_file(): bad.append(f'missing image {src}'); continue
            if f.suffix.lower() == '.svg': continue
            why = _decode(f.read_bytes())
        else:
            bad.append(f'image loaded from the network: {src}'); continue
        if why: bad.append(f'image {src[:60]} {why}')
    return bad

_ids_cache: dict = {}
def _ids(f:Path) -> set:
    key = (f, f.stat().st_mtime_ns)
    if key not in _ids_cache: _ids_cache[key] = parse(f.read_text(encoding='utf-8')).ids
    return _ids_cache[key]

def check_links(page:Path, html:str|None=None) -> list[str]:
    "Problems with the page's local links: a target file missing, or a `#fragment` naming no id there."
    page = Path(page); p = parse(_html(page, html))
    bad = []
    for href in sorted(set(p.links)):
        if not href or href.startswith(('mailto:', 'javascript:', 'data:')) or not _local(href): continue
        s = urlsplit(href)
        target = page if not s.path else (page.parent / unquote(s.path))
        if target.is_dir(): target = target / 'index.html'
        if not target.is_file(): bad.append(f'broken link {href}'); continue
        if s.fragment and target.suffix == '.html':
            ids = p.ids if target.resolve() == page.resolve() else _ids(target)
            if unquote(s.fragment) not in ids: bad.append(f'broken link {href} (no id {s.fragment!r})')
    return bad

_RULE = re.compile(r'([^{}]+)\{([^{}]*)\}')
_SCROLLS = re.compile(r'overflow(-x)?\s*:\s*(auto|scroll)|white-space\s*:\s*pre-wrap')

def check_code_scroll(page:Path, html:str|None=None) -> list[str]:
    "Problems with the page's code blocks: if it has any `<pre>`, a local stylesheet must give every `pre` a horizontal scroll (or wrap), so that no long line is cut off at the page's edge."
    page = Path(page); text = _html(page, html)
    if '<pre' not in text: return []
    css = ''
    for href in parse(text).links:
        if href and _local(href) and urlsplit(href).path.endswith('.css'):
            f = page.parent / unquote(urlsplit(href).path)
            if f.is_file(): css += re.sub(r'/\*.*?\*/', '', f.read_text(encoding='utf-8'), flags=re.S)
    for sel, body in _RULE.findall(css):
        if 'pre' in [x.strip() for x in sel.split(',')] and _SCROLLS.search(body): return []
    return ['code blocks can be cut off: no stylesheet rule gives `pre` overflow-x: auto (or white-space: pre-wrap)']

CHECKS = (check_math, check_sidebar, check_figures, check_links, check_code_scroll)

def check_page(page:Path, html:str|None=None) -> list[str]:
    "Every check on one page."
    return [f'{Path(page).name}: {b}' for c in CHECKS for b in c(page, html)]

# ---- the browser ------------------------------------------------------------------------------------------

def chromium() -> str|None:
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(name): return shutil.which(name)
    return None

def browse(page:Path, shot:Path|None=None, timeout:int=60) -> str:
    "The page's DOM after headless Chromium ran its scripts (and a screenshot into `shot`)."
    exe = chromium()
    base = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars',
            '--virtual-time-budget=5000', '--window-size=1400,2000']
    url = Path(page).resolve().as_uri()
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run(base + [f'--user-data-dir={prof}', '--dump-dom', url], capture_output=True, text=True, timeout=timeout)
    if shot is not None:
        with tempfile.TemporaryDirectory() as prof:
            subprocess.run(base + [f'--user-data-dir={prof}', f'--screenshot={shot}', url], capture_output=True, timeout=timeout)
    return r.stdout

def check_site(site:Path, browser:bool=False, jobs:int=2) -> list[str]:
    "Every check on every page of `site` (on the DOM Chromium rendered when `browser`)."
    site = Path(site)
    pages = sorted(site.glob('*.html'))
    if not pages: return [f'no pages in {site}']
    if not browser: return [b for p in pages for b in check_page(p)]
    out = site / '_check'; out.mkdir(exist_ok=True)
    def one(p):
        dom = browse(p, out / (p.stem + '.png'))
        if '<body' not in dom: return [f'{p.name}: Chromium rendered nothing']
        return check_page(p) + [b for b in check_page(p, dom) if 'raw' in b or 'sidebar' in b]
    with ThreadPoolExecutor(jobs) as ex: return [b for r in ex.map(one, pages) for b in r]

def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('site', nargs='?', default='_docs', type=Path)
    ap.add_argument('--browser', action='store_true', help='check the DOM rendered by headless Chromium, and screenshot each page')
    a = ap.parse_args(argv)
    if a.browser and not chromium():
        print("docs check: headless Chromium is needed and is not installed. Install it with\n"
              "    bash tools/setup.sh --browser      (runs: apt-get install -y --no-install-recommends chromium)", file=sys.stderr)
        return 2
    bad = check_site(a.site, a.browser)
    n = len(list(Path(a.site).glob('*.html')))
    for b in bad: print(b)
    print(f"docs check {'failed' if bad else 'passed'}: {n} pages{' rendered in headless Chromium' if a.browser else ''}, {len(bad)} problem(s)")
    return 1 if bad else 0

if __name__ == '__main__':
    sys.exit(main())
