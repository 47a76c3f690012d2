/**
 * Both incident backends pass one suite: atomic updates under concurrency (two "workers" on the
 * Redis one), survival across a restart (a new store on the same directory or Redis), and no raw
 * secret in what they store.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FileIncidentStore } from '../../src/incidents/file-store.js';
import { RedisIncidentStore } from '../../src/incidents/redis-store.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import {
  allowedFingerprints,
  recordFindings,
  recordReachability,
  recordVerdict,
} from '../../src/incidents/record.js';
import { leakFinding } from '../helpers/leak-finding.js';
import { redisToken } from '../helpers/synthetic.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS_URL = testRedisUrl();

interface Backend {
  /** A store; `again()` opens a second one on the same storage (another worker, or after a restart). */
  open(): Promise<{
    store: IncidentStore;
    again: () => IncidentStore;
    dump: () => Promise<string>;
  }>;
  cleanup(): Promise<void>;
}

function fileBackend(): Backend {
  let dir = '';
  return {
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'ug-incidents-'));
      return {
        store: new FileIncidentStore(dir),
        again: () => new FileIncidentStore(dir),
        dump: async () => {
          let all = '';
          for (const f of await readdir(dir)) all += await readFile(join(dir, f), 'utf8');
          return all;
        },
      };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function redisBackend(): Backend {
  const prefix = `ug-test-${randomUUID()}:`;
  const conns: Redis[] = [];
  const conn = (): Redis => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    conns.push(r);
    return r;
  };
  return {
    async open() {
      const admin = conn();
      return {
        store: new RedisIncidentStore(conn(), prefix),
        again: () => new RedisIncidentStore(conn(), prefix),
        dump: async () => {
          const keys = await admin.keys(`${prefix}*`);
          let all = keys.join('\n');
          for (const k of keys) {
            const type = await admin.type(k);
            all +=
              type === 'set' ? (await admin.smembers(k)).join(',') : ((await admin.get(k)) ?? '');
          }
          return all;
        },
      };
    },
    async cleanup() {
      const admin = conns[0];
      if (admin) {
        const keys = await admin.keys(`${prefix}*`);
        if (keys.length) await admin.del(...keys);
      }
      for (const c of conns) c.disconnect();
    },
  };
}

const leak = leakFinding;

const web = { id: 21, fullName: 'acme/web' };
const api = { id: 22, fullName: 'acme/api' };

describe.each([
  ['file', fileBackend],
  ['redis', redisBackend],
])('%s incident store', (_name, make) => {
  let backend: Backend;
  beforeEach(() => {
    backend = make();
  });
  afterEach(() => backend.cleanup());

  test('records scans, survives a restart, and holds no raw secret', async () => {
    const { store, again, dump } = await backend.open();
    const secret = redisToken();
    const f = leak(secret);
    await recordFindings(store, {
      installationId: 5,
      repo: web,
      cause: 'history scan',
      findings: [f],
      at: '2026-01-01T00:00:00.000Z',
    });
    await recordFindings(store, {
      installationId: 5,
      repo: api,
      cause: 'push scan',
      findings: [f],
      at: '2026-01-01T00:01:00.000Z',
    });
    await store.close();

    const restarted = again();
    const list = await restarted.list(5);
    expect(list).toHaveLength(1);
    expect(list[0]!.repositories.map((r) => r.fullName)).toEqual(['acme/web', 'acme/api']);
    expect(await restarted.installations()).toEqual([5]);
    expect(await restarted.list(6)).toEqual([]);

    const stored = await dump();
    expect(stored).toContain(f.fingerprint);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice(6, 18));
    await restarted.close();
  });

  test('concurrent updates of one incident from two stores lose no event', async () => {
    const { store, again } = await backend.open();
    const f = leak();
    await recordFindings(store, {
      installationId: 5,
      repo: web,
      cause: 'push scan',
      findings: [f],
      at: '2026-01-01T00:00:00.000Z',
    });
    // The file store is single-process by design (in-process mode); two instances would be two
    // processes writing one file, so it shares one instance. Redis gets a real second worker.
    const other = _name === 'redis' ? again() : store;
    const writes = Array.from({ length: 40 }, (_, n) =>
      recordVerdict(n % 2 ? store : other, 5, f.fingerprint, {
        status: 'unknown',
        reason: `attempt ${n}`,
        at: new Date(Date.UTC(2026, 0, 1, 1, n)).toISOString(),
        by: 'schedule',
      }),
    );
    await Promise.all(writes);
    const got = await store.get(5, f.fingerprint);
    expect(got!.verifications).toHaveLength(40);
    await store.close();
    if (other !== store) await other.close();
  });

  test('the lifecycle through the recorders: rotated on revoked, removed when a complete history scan no longer sees it', async () => {
    const { store } = await backend.open();
    const f = leak();
    const other = leak();
    await recordFindings(store, {
      installationId: 9,
      repo: web,
      cause: 'history scan',
      findings: [f, other],
      at: '2026-01-01T00:00:00.000Z',
    });
    await recordVerdict(store, 9, f.fingerprint, {
      status: 'revoked',
      at: '2026-01-02T00:00:00.000Z',
      by: 'schedule',
    });
    expect((await store.get(9, f.fingerprint))!.status).toBe('rotated');

    // A scan that skipped content proves nothing.
    const none = await recordReachability(store, {
      installationId: 9,
      repo: web,
      result: { findings: [other], suppressed: [] },
      complete: false,
      cause: 'history scan after force push',
      at: '2026-01-03T00:00:00.000Z',
    });
    expect(none).toEqual([]);
    const changed = await recordReachability(store, {
      installationId: 9,
      repo: web,
      result: { findings: [other], suppressed: [] },
      complete: true,
      cause: 'history scan after force push',
      at: '2026-01-03T00:00:00.000Z',
    });
    expect(changed.map((i) => i.fingerprint)).toEqual([f.fingerprint]);
    const removed = (await store.get(9, f.fingerprint))!;
    expect(removed.status).toBe('removed');
    expect(removed.transitions.map((t) => t.to)).toEqual(['open', 'rotated', 'removed']);
    expect((await store.get(9, other.fingerprint))!.status).toBe('open');
    await store.close();
  });

  test('allowed incidents are listed for scans to suppress; an uninstall forgets the installation', async () => {
    const { store } = await backend.open();
    const f = leak();
    await recordFindings(store, {
      installationId: 3,
      repo: web,
      cause: 'push scan',
      findings: [f],
      at: '2026-01-01T00:00:00.000Z',
    });
    await store.update(3, f.fingerprint, (cur) =>
      cur
        ? {
            ...cur,
            allowed: { reason: 'fixture', by: 'octocat', at: '2026-01-01T00:00:00.000Z' },
            status: 'allowed',
          }
        : undefined,
    );
    const allowed = await allowedFingerprints(store, 3);
    expect([...allowed.keys()]).toEqual([f.fingerprint]);
    expect(allowed.get(f.fingerprint)).toContain('octocat');
    await store.deleteInstallation(3);
    expect(await store.list(3)).toEqual([]);
    expect(await store.installations()).toEqual([]);
    await store.close();
  });

  test('hostile keys are refused at the storage boundary', async () => {
    const { store } = await backend.open();
    await expect(store.get(5, '../../etc/passwd')).rejects.toThrow('invalid fingerprint');
    await expect(store.get(-1, 'ug1:0123456789abcdef')).rejects.toThrow('invalid installation id');
    await expect(
      store.update(5, 'ug1:0123456789abcdef', (cur) =>
        cur ? { ...cur, fingerprint: 'ug1:ffffffffffffffff' } : undefined,
      ),
    ).resolves.toBeUndefined();
    await store.close();
  });
});

test('file store: a torn temporary file from a crash is ignored; a corrupt document is a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ug-incidents-'));
  try {
    const store = new FileIncidentStore(dir);
    const f = leak();
    await recordFindings(store, {
      installationId: 4,
      repo: web,
      cause: 'push scan',
      findings: [f],
      at: '2026-01-01T00:00:00.000Z',
    });
    await writeFile(join(dir, 'installation-4.json.999.tmp'), '{"version":1,"incid');
    expect(await new FileIncidentStore(dir).list(4)).toHaveLength(1);

    await writeFile(join(dir, 'installation-8.json'), '{not json');
    await expect(new FileIncidentStore(dir).list(8)).rejects.toThrow(SyntaxError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
