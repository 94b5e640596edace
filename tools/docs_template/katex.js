// TeX to HTML with KaTeX for tools/build_docs.py: one JSON request [tex, display] a line on stdin, one JSON string a line on stdout.
const katex = require(process.argv[2]);
require('readline').createInterface({input: process.stdin}).on('line', line => {
  const [tex, display] = JSON.parse(line);
  let html;
  try { html = katex.renderToString(tex, {displayMode: display, throwOnError: true, output: 'htmlAndMathml'}); }
  catch (e) { console.error('KaTeX: ' + e.message + ' in ' + tex); html = katex.renderToString(tex, {displayMode: display, throwOnError: false}); }
  process.stdout.write(JSON.stringify(html) + '\n');
});
