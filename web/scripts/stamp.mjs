// stamp.mjs writes SOURCE-HASH into web/dist and widgets/dist: a hash of
// every file the built assets come from. The Go tests recompute it, so a
// change to the sources without a rebuild fails CI. --check compares
// instead of writing.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const inputs = ['web/index.html', 'web/package.json', 'web/package-lock.json', 'web/vite.config.js',
  'web/vite.widgets.config.js', 'web/src', 'widgets/src'];

function walk(p, out) {
  const full = join(repo, p);
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full)) walk(join(p, name), out);
  } else {
    out.push(p.split(sep).join('/'));
  }
  return out;
}

const files = inputs.flatMap((p) => walk(p, [])).sort();
const outer = createHash('sha256');
for (const f of files) {
  const inner = createHash('sha256').update(readFileSync(join(repo, f))).digest('hex');
  outer.update(`${f}\0${inner}\n`);
}
const sum = `${outer.digest('hex')}\n`;
for (const dir of ['web/dist', 'widgets/dist']) {
  const target = join(repo, dir, 'SOURCE-HASH');
  if (process.argv.includes('--check')) {
    let have = '';
    try { have = readFileSync(target, 'utf8'); } catch { /* missing */ }
    if (have !== sum) {
      console.error(`${relative(repo, target)} is stale: run "make web" and commit the result`);
      process.exit(1);
    }
  } else {
    writeFileSync(target, sum);
  }
}
