/**
 * The user's environment must not redirect a scan or run a program through git: a shell inside a
 * hook, a CI job or a dev container can have GIT_DIR, GIT_WORK_TREE, GIT_CONFIG_* or GIT_*_COMMAND
 * set. Every git we start gets an environment built from scratch (git-env.ts safeGitEnv); this
 * plants all of them (pointing at another repository with its own token, or at a marker program)
 * and runs every scan mode and a porcelain read.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { porcelainGit } from '../../src/git/porcelain.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
let mine: TestRepo;
let other: TestRepo;
let markers: string;
const saved = { ...process.env };

afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  mine?.cleanup();
  other?.cleanup();
  if (markers) rmSync(markers, { recursive: true, force: true });
});

it('no GIT_* variable, HOME or XDG config of ours reaches git', async () => {
  markers = mkdtempSync(join(tmpdir(), 'ug-envleak-'));
  const evil = join(markers, 'evil.sh');
  writeFileSync(evil, `#!/bin/sh\ntouch "${markers}/ran-$$"\ncat >/dev/null 2>&1\nexit 0\n`);
  chmodSync(evil, 0o755);
  other = createRepo();
  other.write('other.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  other.commit('other');
  other.write('other-staged.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  other.git('add', 'other-staged.env');
  mine = createRepo();
  mine.write('README.md', 'x\n');
  const base = mine.commit('base');
  mine.write('mine.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  mine.commit('mine');
  mine.write('mine-staged.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  mine.git('add', 'mine-staged.env');
  const xdg = join(markers, 'xdg');
  mkdirSync(join(xdg, 'git'), { recursive: true });
  const userConfig = `[core]\n\tfsmonitor = ${evil}\n\tpager = ${evil}\n[diff]\n\texternal = ${evil}\n`;
  writeFileSync(join(xdg, 'git', 'config'), userConfig);
  writeFileSync(join(markers, '.gitconfig'), userConfig);
  writeFileSync(join(markers, 'grafts'), `${mine.head()}\n`);

  Object.assign(process.env, {
    GIT_DIR: join(other.dir, '.git'),
    GIT_WORK_TREE: other.dir,
    GIT_INDEX_FILE: join(other.dir, '.git', 'index'),
    GIT_OBJECT_DIRECTORY: join(other.dir, '.git', 'objects'),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(other.dir, '.git', 'objects'),
    GIT_COMMON_DIR: join(other.dir, '.git'),
    GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${evil}'`,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'core.pager',
    GIT_CONFIG_VALUE_0: evil,
    GIT_CONFIG: join(markers, '.gitconfig'),
    GIT_CONFIG_GLOBAL: join(markers, '.gitconfig'),
    GIT_CONFIG_SYSTEM: join(markers, '.gitconfig'),
    GIT_EXTERNAL_DIFF: evil,
    GIT_PAGER: evil,
    PAGER: evil,
    GIT_SSH_COMMAND: evil,
    GIT_ASKPASS: evil,
    GIT_EDITOR: evil,
    GIT_EXEC_PATH: markers,
    GIT_TRACE: join(markers, 'trace'),
    GIT_TRACE2: join(markers, 'trace2'),
    GIT_NAMESPACE: 'elsewhere',
    GIT_GRAFT_FILE: join(markers, 'grafts'),
    GIT_REPLACE_REF_BASE: 'refs/heads/',
    GIT_CEILING_DIRECTORIES: tmpdir(),
    XDG_CONFIG_HOME: xdg,
    HOME: markers,
  });

  const paths = (r: { findings: { occurrences: { path: string }[] }[] }): string[] =>
    r.findings.flatMap((f) => f.occurrences.map((o) => o.path)).sort();
  expect(paths(await scanTree(mine.dir, opts))).toEqual(['mine-staged.env', 'mine.env']);
  expect(paths(await scanStaged(mine.dir, opts))).toEqual(['mine-staged.env']);
  expect(paths(await scanHistory(mine.dir, opts))).toEqual(['mine.env']);
  expect(
    paths(await scanRange(mine.dir, { include: [mine.head()], exclude: [base] }, opts)),
  ).toEqual(['mine.env']);
  expect((await porcelainGit(mine.dir).revparse(['HEAD'])).trim()).toBe(mine.head());

  expect(readdirSync(markers).filter((f) => f.startsWith('ran-'))).toEqual([]);
  expect(existsSync(join(markers, 'trace')) || existsSync(join(markers, 'trace2'))).toBe(false);
});
