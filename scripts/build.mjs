// `npm run build` and `prepare`: tsc on tsconfig.build.json, incremental. An install from git (the
// pre-commit hook, `npm install github:…`) runs `prepare` twice, once for the install and once
// for the pack, and CI builds after `npm ci` built: the second build reads dist/.tsbuildinfo and
// emits nothing new (4.6 s against 15.5 s here). tsc does not notice an output deleted while its
// build info stays, so a missing output makes this build again from scratch.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const info = join(dist, '.tsbuildinfo');

function tsc() {
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--incremental',
      '--tsBuildInfoFile',
      info,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  return r.status ?? 1;
}

function missingOutput() {
  const src = join(root, 'src');
  for (const e of readdirSync(src, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
    const rel = relative(src, join(e.parentPath, e.name)).replace(/\.ts$/, '.js');
    if (!existsSync(join(dist, rel))) return rel;
  }
  return undefined;
}

let status = tsc();
const missing = status === 0 ? missingOutput() : undefined;
if (missing) {
  process.stderr.write(`build: dist/${missing} is missing; building again from scratch\n`);
  rmSync(info, { force: true });
  status = tsc();
}
process.exit(status);
