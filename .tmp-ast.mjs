import { createRequire } from 'node:module';
import { Parser, Language } from 'web-tree-sitter';
const require = createRequire(import.meta.url);
await Parser.init();
const lang = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
const p = new Parser(); p.setLanguage(lang);
function dump(n, d=0, field=null) {
  const t = n.namedChildCount===0 || n.type==='string' ? ' ' + JSON.stringify(n.text) : '';
  console.log('  '.repeat(d) + (field?field+': ':'') + (n.isNamed? n.type : JSON.stringify(n.type)) + t + (n.isMissing?' MISSING':''));
  for (let i=0;i<n.childCount;i++) dump(n.child(i), d+1, n.fieldNameForChild(i));
}
for (const src of process.argv.slice(2)) { const t = p.parse(src); console.log('=== '+JSON.stringify(src)+' hasError='+t.rootNode.hasError); dump(t.rootNode); t.delete(); }
