// `npm run scan -- <args>`: runs `upstash-guard scan <args>` in the directory npm was called from
// (INIT_CWD), building the CLI first only when dist is missing or older than the sources. The
// build's own output goes to stderr, so stdout carries the report alone; npm's banner is the one
// thing it cannot hold back, hence `npm run -s scan` for JSON and SARIF (a hint says so).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A test can build into its own folder instead of the checkout's dist/.
const outDir = process.env.UPSTASH_GUARD_BUILD_DIR || join(root, 'dist');
const main = join(outDir, 'cli/main.js');

function newestSource() {
  let newest = 0;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json'])
    newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  for (const e of readdirSync(join(root, 'src'), { withFileTypes: true, recursive: true }))
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  return newest;
}

const built = (() => {
  try {
    return statSync(main).mtimeMs;
  } catch {
    return 0;
  }
})();
if (built < newestSource()) {
  process.stderr.write(`upstash-guard: building the CLI into ${outDir} (sources changed)\n`);
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      outDir,
    ],
    { cwd: root, stdio: ['ignore', 2, 2] },
  );
  if (tsc.status !== 0) {
    process.stderr.write('upstash-guard: the build failed (see above)\n');
    process.exit(2);
  }
}

const args = process.argv.slice(2);
const machine = args.some(
  (a, i) =>
    /^--format=(json|sarif)$/.test(a) ||
    (a === '--format' && /^(json|sarif)$/.test(args[i + 1] ?? '')),
);
const toFile = args.some((a) => a === '-o' || a === '--output' || a.startsWith('--output='));
if (
  machine &&
  !toFile &&
  process.env.npm_lifecycle_event &&
  process.env.npm_config_loglevel !== 'silent'
)
  process.stderr.write(
    'upstash-guard: npm printed its banner on stdout above the report; use `npm run -s scan -- …` for clean JSON/SARIF\n',
  );

const run = spawnSync(process.execPath, [main, 'scan', ...args], {
  cwd: process.env.INIT_CWD || process.cwd(),
  stdio: 'inherit',
});
process.exit(run.status ?? 2);
