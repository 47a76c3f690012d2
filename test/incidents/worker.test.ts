/**
 * The whole incident lifecycle on real git: a leak found by an install-time history scan, a
 * re-verification that reads the secret again from the repository (never stored) and finds it
 * revoked, then a force-push rewrite proven by a history scan of branches and tags, with a stale
 * pull-request ref in the cache that must not count as "still reachable".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_CONFIG, revealSecret, type Finding } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { FileIncidentStore } from '../../src/incidents/file-store.js';
import { afterScan, reverifyIncident } from '../../src/incidents/worker.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisToken } from '../helpers/synthetic.js';

const log = pino({ level: 'silent' });
const REPO = { id: 77, fullName: 'acme/shop' };
const cfg = { config: DEFAULT_CONFIG };

let work: TestRepo;
let bare: string;
let storeDir: string;

beforeEach(() => {
  work = createRepo();
  bare = work.createBareRemote();
  storeDir = mkdtempSync(join(tmpdir(), 'ug-incidents-'));
});
afterEach(() => {
  work.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

/** The worker hook after a scan of acme/shop (installation 3) in the bare repository. */
const record = (
  store: FileIncidentStore,
  kind: 'push' | 'history',
  result: Awaited<ReturnType<typeof scanHistory>>,
  forced = false,
) =>
  afterScan(
    store,
    {
      installationId: 3,
      repo: REPO,
      kind,
      ...(forced ? { forced } : {}),
      repoDir: bare,
      result,
      config: DEFAULT_CONFIG,
    },
    log,
  );

const gitIn = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

test('leak -> re-verified revoked (secret read again from git) -> force-push rewrite -> removed', async () => {
  const store = new FileIncidentStore(storeDir);
  const token = redisToken();
  work.write('README.md', 'shop\n');
  const clean = work.commit('init');
  work.write(
    '.env',
    `UPSTASH_REDIS_REST_URL=https://fond-cat-31337.upstash.io\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
  );
  const leaky = work.commit('add env');
  work.push('main');
  // A pull request was opened on the leaky commit: the cache holds a (stale) copy of its ref.
  gitIn(bare, 'update-ref', 'refs/pull/1/head', leaky);

  const history = await scanHistory(bare, cfg);
  expect(history.findings).toHaveLength(1);
  const fp = history.findings[0]!.fingerprint;
  await record(store, 'history', history);
  let incident = (await store.get(3, fp))!;
  expect(incident.status).toBe('open');
  expect(incident.repositories[0]).toEqual(expect.objectContaining({ reachable: true }));

  // Re-verify: the verifier receives the secret read from commit:path, never from storage.
  const verified: string[] = [];
  const status = await reverifyIncident(store, {
    installationId: 3,
    fingerprint: fp,
    by: 'user:alice',
    repoDir: async (id) => (id === REPO.id ? bare : undefined),
    verifier: {
      verify: async (fs: Finding[]) => {
        for (const f of fs) {
          verified.push(revealSecret(f)!.value);
          f.verification = { status: 'revoked', checkedAt: '2026-02-01T00:00:00.000Z' };
        }
      },
    },
  });
  expect(status).toBe('revoked');
  expect(verified).toEqual([token]);
  incident = (await store.get(3, fp))!;
  expect(incident.status).toBe('rotated');

  // A plain push that still carries the leak proves nothing.
  work.write('README.md', 'shop v2\n');
  const v2 = work.commit('docs');
  work.push('main');
  const push = await scanRange(bare, { include: [v2], exclude: [leaky] }, cfg);
  await record(store, 'push', push);
  expect((await store.get(3, fp))!.status).toBe('rotated');

  // The rewrite: main reset to before the leak and force-pushed.
  work.git('reset', '-q', '--hard', clean);
  work.write('README.md', 'shop (rewritten)\n');
  const rewritten = work.commit('docs, without the env file');
  work.push('main', { force: true });
  const forced = await scanRange(bare, { include: [rewritten], exclude: [] }, cfg);
  await record(store, 'push', forced, true);
  incident = (await store.get(3, fp))!;
  expect(incident.status).toBe('removed');
  expect(incident.repositories[0]).toEqual(
    expect.objectContaining({ reachable: false, checkedBy: 'history scan after a force push' }),
  );
  expect(incident.transitions.map((t) => t.to)).toEqual(['open', 'rotated', 'removed']);
  // The stale PR ref was dropped from the cache, not counted as reachable.
  expect(gitIn(bare, 'for-each-ref', 'refs/pull/')).toBe('');
  // Nothing stored holds the secret.
  const { readFileSync, readdirSync } = await import('node:fs');
  for (const f of readdirSync(storeDir))
    expect(readFileSync(join(storeDir, f), 'utf8')).not.toContain(token);
});

test('a credential still on another branch keeps the incident reachable after a force push', async () => {
  const store = new FileIncidentStore(storeDir);
  const token = redisToken();
  work.write('a.txt', 'a\n');
  const clean = work.commit('init');
  work.write('.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
  work.commit('leak');
  work.branch('keep');
  work.push('main');
  work.push('keep');
  const history = await scanHistory(bare, cfg);
  const fp = history.findings[0]!.fingerprint;
  await record(store, 'history', history);
  work.git('reset', '-q', '--hard', clean);
  const rewritten = work.commit('rewrite');
  work.push('main', { force: true });
  const forced = await scanRange(bare, { include: [rewritten], exclude: [] }, cfg);
  await record(store, 'push', forced, true);
  expect((await store.get(3, fp))!.repositories[0]!.reachable).toBe(true);

  gitIn(bare, 'update-ref', '-d', 'refs/heads/keep');
  await record(store, 'push', forced, true);
  // Removed from git, but never verified revoked: it stays open (rotation is what makes it safe).
  const i = (await store.get(3, fp))!;
  expect(i.repositories[0]!.reachable).toBe(false);
  expect(i.status).toBe('open');
});

test('re-verification records unknown when the secret can no longer be read', async () => {
  const store = new FileIncidentStore(storeDir);
  const token = redisToken();
  work.write('.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
  work.commit('leak');
  work.push('main');
  const history = await scanHistory(bare, cfg);
  const fp = history.findings[0]!.fingerprint;
  await record(store, 'history', history);
  const status = await reverifyIncident(store, {
    installationId: 3,
    fingerprint: fp,
    by: 'schedule',
    repoDir: async () => undefined,
    verifier: {
      verify: async () => {
        throw new Error('must not be called');
      },
    },
  });
  expect(status).toBe('unknown');
  expect((await store.get(3, fp))!.verifications.at(-1)).toEqual(
    expect.objectContaining({ status: 'unknown', by: 'schedule' }),
  );
});
