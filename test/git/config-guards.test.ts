/**
 * Every key of the hostile-configuration table (src/git/git-env.ts, docs/hostile-repositories.md)
 * planted in a real repository's .git/config: a program that writes a marker file for keys that
 * run one, a FIFO nobody writes for keys that read a file. Tree, range, staged and history scans
 * and the App's fetch must run nothing and hang on nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { CONFIG_GUARDS, type ConfigGuard } from '../../src/git/git-env.js';
import { RepoCache } from '../../src/git/repo-cache.js';
import { configureGitLimits } from '../../src/git/run-git.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';
import { startLoopbackGitServer, type LoopbackGitServer } from './loopback-git-server.js';

const opts = { config: DEFAULT_CONFIG };
const IDLE_MS = 1500;
const HOOKS = [
  'pre-commit',
  'post-checkout',
  'post-merge',
  'pre-auto-gc',
  'reference-transaction',
  'post-index-change',
  'fsmonitor-watchman',
  'push-to-checkout',
];
const CLEAN_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
};

let serverRoot: string;
let server: LoopbackGitServer;
let header: string;
let token: string;
let restore: ReturnType<typeof configureGitLimits>;

beforeAll(async () => {
  restore = configureGitLimits({ idleTimeoutMs: IDLE_MS });
  serverRoot = mkdtempSync(join(tmpdir(), 'ug-guard-srv-'));
  server = await startLoopbackGitServer(serverRoot);
  token = `ghs_${'t'.repeat(36)}`;
  header = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
});
afterAll(async () => {
  configureGitLimits(restore);
  await server.close();
  rmSync(serverRoot, { recursive: true, force: true });
});

/** Scripts, hooks and a FIFO of one test; a script that runs leaves `ran-<name>` here. */
function markerDir(): string {
  const markers = mkdtempSync(join(tmpdir(), 'ug-guard-'));
  execFileSync('mkfifo', [join(markers, 'fifo')]);
  mkdirSync(join(markers, 'hooks'));
  for (const h of HOOKS) program(markers, join(markers, 'hooks', h), `hook-${h}`);
  return markers;
}

function program(markers: string, path: string, name: string): string {
  writeFileSync(path, `#!/bin/sh\ntouch "${markers}/ran-${name}"\ncat >/dev/null 2>&1\nexit 0\n`);
  chmodSync(path, 0o755);
  return path;
}

function ran(markers: string): string[] {
  return readdirSync(markers).filter((f) => f.startsWith('ran-'));
}

/** A repository with work for every program: a signed tip, filters, a staged file, an edit. */
function hostileRepo(markers: string): {
  repo: TestRepo;
  base: string;
  tip: string;
  secret: string;
} {
  const repo = createRepo();
  const secret = redisTokenParts().token;
  repo.write('README.md', 'hello\n');
  const base = repo.commit('base');
  repo.write('.gitattributes', '* filter=evil diff=evil merge=evil\n');
  repo.write('.mailmap', 'Someone <s@example.org> t <t@example.org>\n');
  repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${secret}\n`);
  repo.write('lazy.txt', 'fetched lazily from a promisor remote if it were missing\n');
  repo.commit('leak');
  // A signed commit on top (a gpgsig header is all git needs to call gpg.program).
  const parent = repo.head();
  const tree = repo.git('rev-parse', 'HEAD^{tree}');
  const body = [
    `tree ${tree}`,
    `parent ${parent}`,
    't <t@example.org> 1700000000 +0000'.replace(/^/, 'author '),
    't <t@example.org> 1700000000 +0000'.replace(/^/, 'committer '),
    'gpgsig -----BEGIN PGP SIGNATURE-----',
    ' ',
    ' iQEzBAABCAAdFiEE',
    ' -----END PGP SIGNATURE-----',
    '',
    'signed',
    '',
  ].join('\n');
  const file = join(repo.dir, '.git', 'signed-commit');
  writeFileSync(file, body);
  const tip = repo.git('hash-object', '-t', 'commit', '-w', file);
  unlinkSync(file);
  repo.git('update-ref', 'refs/heads/main', tip);
  repo.git('reset', '-q', '--hard', tip);
  repo.write('staged.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  repo.git('-c', 'filter.evil.clean=cat', 'add', 'staged.env');
  repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${secret}\nX=1\n`);
  repo.write('untracked.env', 'nothing\n');
  for (const h of HOOKS) program(markers, join(repo.dir, '.git/hooks', h), `repo-hook-${h}`);
  return { repo, base, tip, secret };
}

/** Writes the attack into a config file without letting git read the hostile config itself. */
function plant(markers: string, configFile: string, guard: ConfigGuard): void {
  const evil = program(markers, join(markers, 'evil.sh'), 'program');
  for (const [key, value] of Object.entries(guard.attack!.config)) {
    const v = value
      .replace('$PROGRAM', evil)
      .replace('$FIFO', join(markers, 'fifo'))
      .replace('$HOOKS', join(markers, 'hooks'));
    execFileSync('git', ['config', '--file', configFile, key, v], {
      cwd: markers,
      env: CLEAN_ENV,
    });
  }
}

const settled = <T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );

const attacked = CONFIG_GUARDS.map((g, i) => [g.key, g, i] as const).filter(([, g]) => g.attack);

describe('hostile .git/config: nothing runs, nothing hangs', () => {
  it('the table covers the red-team keys and every override is a -c setting git accepts', () => {
    const keys = CONFIG_GUARDS.map((g) => g.key).join(' ');
    for (const k of [
      'log.showSignature',
      'gpg.program',
      'mailmap.file',
      'core.attributesFile',
      'core.excludesFile',
      'core.fsmonitor',
      'core.hooksPath',
      'core.sshCommand',
      'credential.helper',
      'include.path',
      'core.worktree',
      'diff.orderFile',
      'protocol.<name>.allow',
    ])
      expect(keys).toContain(k);
    expect(attacked.length).toBeGreaterThan(20);
  });

  // Concurrently (each test has its own repository, markers and cache): ~1.5 s of git each.
  it.concurrent.each(attacked)(
    '%s',
    async (_key, guard, index) => {
      const markers = markerDir();
      const { repo, base, tip, secret } = hostileRepo(markers);
      const cacheDir = mkdtempSync(join(tmpdir(), 'ug-guard-cache-'));
      try {
        const lazy = 'extensions.partialClone' in guard.attack!.config;
        const lazyOid = repo.git('rev-parse', `${tip}:lazy.txt`);
        // The App's fetch path serves a bare copy (cloned before the attack: a local clone would
        // read the hostile config with the test's own git).
        mkdirSync(join(serverRoot, `g${index}`), { recursive: true });
        execFileSync('git', ['clone', '-q', '--bare', repo.dir, `g${index}/app.git`], {
          cwd: serverRoot,
          env: CLEAN_ENV,
        });
        plant(markers, join(repo.dir, '.git/config'), guard);
        // A missing object of a partial clone: git would fetch it from the promisor remote.
        if (lazy) rmSync(join(repo.dir, '.git/objects', lazyOid.slice(0, 2), lazyOid.slice(2)));
        server.requireAuthorization = header;
        const cache = new RepoCache(cacheDir, { timeoutMs: 20_000 });
        const req = { key: `k${index}`, cloneUrl: server.url(`g${index}/app.git`), token };
        const cached = await cache.ensure(req);
        expect(createHash('sha256').update(req.key).digest('hex').slice(0, 24)).toBe(
          cached
            .split('/')
            .pop()!
            .replace(/\.git$/, ''),
        );
        plant(markers, join(cached, 'config'), guard);
        for (const f of ran(markers)) rmSync(join(markers, f)); // the test's own git may have run them

        const started = Date.now();
        const [tree, range, staged, history, fetch, refused] = await Promise.all([
          settled(scanTree(repo.dir, opts)),
          settled(scanRange(repo.dir, { include: [tip], exclude: [base] }, opts)),
          settled(scanStaged(repo.dir, opts)),
          settled(scanHistory(repo.dir, opts)),
          settled(cache.ensure(req)),
          settled(cache.ensure({ ...req, token: `ghs_${'x'.repeat(36)}` })),
        ]);
        const elapsed = Date.now() - started;

        expect(ran(markers)).toEqual([]);
        // Nothing waited for a deadline (a stall is killed after IDLE_MS; the default is minutes).
        expect(elapsed).toBeLessThan(20_000);
        const results = { tree, range, staged, history };
        for (const r of Object.values(results))
          if (r.ok) expect(JSON.stringify(r.value)).not.toContain(secret);
        if (guard.attack!.expect === 'clean') {
          expect(tree.ok && tree.value.findings.length).toBeGreaterThan(0);
          expect(staged.ok && staged.value.findings.length).toBe(1);
          expect(history.ok && history.value.findings.length).toBeGreaterThan(0);
          if (lazy)
            // The missing object is not fetched: git log fails on it (no program, no network).
            expect(!range.ok && range.error.message).toMatch(/^git log failed/);
          else expect(range.ok && range.value.findings.length).toBe(1);
          expect(fetch.ok).toBe(true);
        } else {
          // Blocked where no option reaches: killed with a clear error (the tree scan falls back
          // to walking the directory itself).
          for (const r of [range, staged, history])
            expect(!r.ok && r.error.message).toMatch(
              /produced no output for \d+ ms and was killed/,
            );
        }
        // A refused token fails the fetch without asking any credential helper.
        expect(refused.ok).toBe(false);
      } finally {
        repo.cleanup();
        rmSync(markers, { recursive: true, force: true });
        rmSync(cacheDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
