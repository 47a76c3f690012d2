/**
 * The pack reader's worker threads, as the built CLI runs them (jest runs TypeScript, which a
 * worker thread cannot load, so the rest of the pack tests read on the calling thread): a history
 * scan with two reader threads finds exactly what the single-threaded reader finds, on a real
 * repository repacked into deep delta chains, with one file holding most versions (the affinity
 * routing that keeps a file's versions on one thread must still spread the work), binary and
 * UTF-16 blobs, blobs the keyword gate rules out, and a file read by its path whatever it holds
 * (the Upstash CLI's login file: no keyword, so the readers send it ungated).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from '../../helpers/app-process.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';
import {
  managementKey,
  qstashToken,
  redisEndpoint,
  redisTokenParts,
} from '../../helpers/synthetic.js';

const SCAN = `
import { DEFAULT_CONFIG } from ${JSON.stringify(join(ROOT, 'dist/core/index.js'))};
import { scanHistory } from ${JSON.stringify(join(ROOT, 'dist/engine/scan-history.js'))};
const r = await scanHistory(process.argv[1], { config: DEFAULT_CONFIG });
console.log(JSON.stringify({
  findings: r.findings.map((f) => ({
    fingerprint: f.fingerprint,
    type: f.type,
    introducedBy: f.introducedBy,
    occurrences: f.occurrences.map((o) => [o.path, o.commit, o.line, o.column]).sort(),
  })).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
  stats: { blobs: r.stats.blobsScanned, bytes: r.stats.bytesScanned, binary: r.stats.binaryScanned, utf16: r.stats.utf16Decoded },
  warnings: r.warnings,
}));
`;

function scan(
  dir: string,
  threads: number,
  mode?: 'walk' | 'gate',
  env: Record<string, string> = {},
): { out: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCAN, dir], {
    encoding: 'utf8',
    env: {
      ...process.env,
      UG_PACK_THREADS: String(threads),
      UG_PACK_STATS: '1',
      ...(mode ? { UG_HISTORY_MODE: mode } : {}),
      ...env,
    },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
  return { out: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

describe('pack reader threads (built code)', () => {
  let repo: TestRepo;
  const secrets: string[] = [];
  beforeAll(() => {
    ensureBuilt();
    repo = createRepo();
    const t = redisTokenParts();
    const q = qstashToken();
    const key = managementKey();
    secrets.push(t.token, q, key);
    let big = '// upstash client wrapper\n';
    for (let i = 0; i < 160; i++) {
      big += `export const value${i} = "${'x'.repeat(20)}${i}"; // upstash ${i}\n`;
      repo.write('src/big.ts', i === 80 ? big + `const token = "${t.token}";\n` : big);
      if (i % 10 === 0) repo.write(`notes/n${i % 30}.md`, `note ${i}\n`.repeat(50));
      if (i === 120)
        repo.write('.env', `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}\nQSTASH_TOKEN=${q}\n`);
      if (i === 121) repo.remove('.env');
      if (i === 130)
        repo.write(
          'assets/cache.bin',
          Buffer.concat([
            Buffer.from([0, 1, 2, 0]),
            Buffer.from(`QSTASH_TOKEN=${q}\n`),
            Buffer.alloc(64),
          ]),
        );
      if (i === 100)
        repo.write('.upstash.json', JSON.stringify({ email: 'ops@example.org', apiKey: key }));
      if (i === 140)
        repo.write('win/env.txt', Buffer.from(`\ufeffQSTASH_TOKEN=${q}\r\n`, 'utf16le'));
      repo.commit(`step ${i}`);
    }
    repo.git('repack', '-adf', '--depth=50', '--window=50', '-q');
  }, 120_000);
  afterAll(() => repo.cleanup());

  it('two reader threads find exactly what the calling thread finds', () => {
    const one = scan(repo.dir, 0);
    const two = scan(repo.dir, 2);
    expect(two.stderr).toMatch(/"threads":2/);
    expect(two.stderr).toMatch(/"fallback":0/);
    // Both threads read: the big file's versions do not all wait on one of them.
    const busy = [...two.stderr.matchAll(/reader done at \d+ ms, busy (\d+) ms/g)];
    expect(busy).toHaveLength(2);
    expect(one.stderr).toMatch(/"threads":0/);
    expect(two.out).toEqual(one.out);
    const findings = one.out.findings as { type: string; occurrences: unknown[] }[];
    expect(findings.map((f) => f.type).sort()).toEqual([
      'upstash-management-key',
      'upstash-qstash-token',
      'upstash-redis-token',
    ]);
    // The QStash token in .env, the binary blob and the UTF-16 file.
    expect(findings.find((f) => f.type === 'upstash-qstash-token')!.occurrences).toHaveLength(3);
    expect(one.out.stats).toMatchObject({ binary: 1, utf16: 1 });
    for (const s of secrets) expect(JSON.stringify(two.out) + two.stderr).not.toContain(s);
  });

  it('readers that scan what they read find exactly what the calling thread finds', () => {
    for (const mode of ['walk', 'gate'] as const) {
      const one = scan(repo.dir, 0, mode);
      const two = scan(repo.dir, 2, mode, { UG_SCAN_IN_READERS: '1' });
      const inReaders = Number(/(\d+) scanned in readers/.exec(two.stderr)?.[1]);
      expect([mode, inReaders > 0]).toEqual([mode, true]);
      expect(two.stderr).toMatch(/"fallback":0/);
      expect(two.out).toEqual(one.out);
      for (const s of secrets) expect(JSON.stringify(two.out) + two.stderr).not.toContain(s);
    }
  });

  it('results capped at one kept blob defer the rest, and nothing is lost or read twice', () => {
    const one = scan(repo.dir, 0);
    const envs: Record<string, string>[] = [
      { UG_PACK_KEPT_BYTES: '1', UG_SCAN_IN_READERS: '0' },
      { UG_PACK_KEPT_BYTES: '1', UG_SCAN_IN_READERS: '0', UG_HISTORY_MODE: 'gate' },
    ];
    for (const env of envs) {
      const two = scan(repo.dir, 2, undefined, env);
      expect(Number(/(\d+) blobs deferred/.exec(two.stderr)?.[1])).toBeGreaterThan(0);
      expect(two.stderr).toMatch(/"fallback":0/);
      expect(two.out).toEqual(one.out);
    }
  });

  it('reading the packs in pack order (gate-first) finds what the tree walk finds', () => {
    const gate = scan(repo.dir, 2, 'gate');
    expect(gate.stderr).toMatch(/history: gate-first/);
    // Gate-first lists the blobs from the packs: no tree walk, and nothing is left to git.
    expect(gate.stderr).toMatch(/"fallback":0/);
    for (const threads of [0, 2]) {
      const walk = scan(repo.dir, threads, 'walk');
      expect(walk.out.findings).toEqual(gate.out.findings);
      expect(walk.out.warnings).toEqual(gate.out.warnings);
    }
  });
});
