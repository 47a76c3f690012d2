/**
 * The gate-first history scan (scan-history.ts): every blob of the object store read in pack
 * order before any path is known, paths found afterwards only for the blobs that need one. It
 * must report exactly what the tree walk reports, on packed repositories with loose objects on
 * top, and more where the walk's one-path-per-blob listing loses a secret.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Config, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { delta, writePack } from '../helpers/pack-builder.js';
import {
  managementKey,
  qstashToken,
  redisEndpoint,
  redisTokenParts,
} from '../helpers/synthetic.js';

async function scan(
  dir: string,
  mode: 'gate' | 'walk',
  config: Config = DEFAULT_CONFIG,
): Promise<ScanResult> {
  const before = process.env.UG_HISTORY_MODE;
  // 'gate' also where the packs' estimate would choose the walk (small test repositories).
  process.env.UG_HISTORY_MODE = mode;
  try {
    return await scanHistory(dir, { config });
  } finally {
    if (before === undefined) delete process.env.UG_HISTORY_MODE;
    else process.env.UG_HISTORY_MODE = before;
  }
}

/** What a user sees of the findings, in a stable order. */
function shown(r: ScanResult): unknown {
  return {
    findings: r.findings
      .map((f) => ({
        type: f.type,
        fingerprint: f.fingerprint,
        confidence: f.confidence,
        exposure: f.exposure,
        severity: f.severity,
        introducedBy: f.introducedBy,
        presentAtHead: f.presentAtHead,
        commitCount: f.commitCount,
        branches: f.branches,
        occurrences: f.occurrences
          .map((o) => [o.path, o.line, o.column, o.commit ?? ''].join(' '))
          .sort(),
      }))
      .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
    skipped: r.skipped.map((s) => `${s.reason} ${s.path}`).sort(),
  };
}

describe('gate-first history scan', () => {
  let repo: TestRepo;
  const secrets: string[] = [];
  beforeAll(() => {
    repo = createRepo();
    const t = redisTokenParts();
    const q = qstashToken();
    const key = managementKey();
    secrets.push(t.token, q, key);
    repo.write('README.md', '# app\n');
    repo.commit('init');
    // One file in many versions (deltas of each other once repacked), the token in the middle.
    let body = '// upstash client\n';
    for (let i = 0; i < 40; i++) {
      body += `export const v${i} = ${i}; // redis ${i}\n`;
      repo.write('src/client.ts', i === 20 ? `${body}const t = "${t.token}";\n` : body);
      repo.commit(`client ${i}`);
    }
    // The CLI's login file: no keyword, only its path says Upstash. The same bytes at another
    // path are no finding.
    const login = JSON.stringify({ email: 'ops@example.org', apiKey: key });
    repo.write('home/.upstash.json', login);
    repo.write('notes/login.json', login);
    // A docs example (confidence lowered by its path) and an env file.
    repo.write('docs/setup.md', `## Example\n\n\`\`\`\nQSTASH_TOKEN=${q}\n\`\`\`\n`);
    repo.write(
      'deploy/.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    );
    // A binary blob and a UTF-16 one.
    repo.write(
      'assets/blob.bin',
      Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`QSTASH_TOKEN=${q}\n`)]),
    );
    repo.write('win/env.txt', Buffer.from(`\ufeffQSTASH_TOKEN=${q}\r\n`, 'utf16le'));
    repo.commit('config');
    repo.remove('deploy/.env');
    repo.commit('remove env');
    repo.branch('side');
    repo.checkout('side');
    repo.write('side.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('side leak');
    repo.checkout('main');
    repo.git('repack', '-adf', '--depth=50', '--window=50', '-q');
    // Loose objects on top of the pack: a commit made after the repack.
    repo.write('late/.env', `REDIS_TOKEN=${t.token}\n`);
    repo.commit('late');
  });
  afterAll(() => repo.cleanup());

  it('finds what the tree walk finds, on a pack with loose objects on top', async () => {
    const gate = await scan(repo.dir, 'gate');
    const walk = await scan(repo.dir, 'walk');
    expect(shown(gate)).toEqual(shown(walk));
    expect(gate.warnings).toEqual(walk.warnings);
    const types = gate.findings.map((f) => f.type).sort();
    expect(types).toEqual([
      'upstash-management-key',
      'upstash-qstash-token',
      'upstash-redis-token',
    ]);
    const key = gate.findings.find((f) => f.type === 'upstash-management-key')!;
    // The login file's key, and the same bytes copied to a path that says nothing: the same key.
    expect(key.occurrences.map((o) => o.path).sort()).toEqual([
      'home/.upstash.json',
      'notes/login.json',
    ]);
    const redis = gate.findings.find((f) => f.type === 'upstash-redis-token')!;
    expect(new Set(redis.occurrences.map((o) => o.path))).toEqual(
      new Set(['src/client.ts', 'deploy/.env', 'late/.env']),
    );
    for (const s of secrets) expect(JSON.stringify(gate)).not.toContain(s);
  });

  it('reports a secret at a path the ignore rules keep even when an ignored path came first', async () => {
    const r = createRepo();
    try {
      const q = qstashToken();
      // One blob at two paths of one commit: the walk lists it once, under the first path it
      // meets (the ignored one), and loses it; gate-first finds both paths and keeps the other.
      r.write('a-vendor/copy.env', `QSTASH_TOKEN=${q}\n`);
      r.write('z/.env', `QSTASH_TOKEN=${q}\n`);
      r.commit('c');
      r.git('gc', '-q');
      const config = { ...DEFAULT_CONFIG, ignorePaths: ['a-vendor/**'] };
      const gate = await scan(r.dir, 'gate', config);
      expect(gate.findings.flatMap((f) => f.occurrences.map((o) => o.path))).toEqual(['z/.env']);
      expect(gate.stats.skippedIgnored).toBe(0);
      const onlyIgnored = { ...DEFAULT_CONFIG, ignorePaths: ['a-vendor/**', 'z/**'] };
      const none = await scan(r.dir, 'gate', onlyIgnored);
      expect(none.findings).toEqual([]);
      expect(none.stats.skippedIgnored).toBe(1);
    } finally {
      r.cleanup();
    }
  });

  it('reports a blob only a tag reaches, and not one that nothing reaches', async () => {
    const r = createRepo();
    try {
      const q = qstashToken();
      const q2 = qstashToken();
      r.write('README.md', 'x\n');
      r.commit('init');
      const hash = (text: string): string =>
        execFileSync('git', ['hash-object', '-w', '--stdin'], {
          cwd: r.dir,
          input: text,
          encoding: 'utf8',
        }).trim();
      const tagged = hash(`QSTASH_TOKEN=${q}\n`);
      r.git('tag', 'kept-blob', tagged);
      hash(`QSTASH_TOKEN=${q2}\n`); // dangling: in the object store, in no history
      r.git('gc', '-q', '--prune=never');
      const gate = await scan(r.dir, 'gate');
      const walk = await scan(r.dir, 'walk');
      expect(gate.findings).toHaveLength(1);
      expect(walk.findings.map((f) => f.fingerprint)).toEqual([gate.findings[0]!.fingerprint]);
      // The walk has no path for it; gate-first names the ref that reaches it.
      expect(gate.findings[0]!.occurrences[0]!.path).toBe('refs/tags/kept-blob');
      expect(JSON.stringify(gate)).not.toContain(q);
      expect(JSON.stringify(gate)).not.toContain(q2);
    } finally {
      r.cleanup();
    }
  });

  it('logs oversize blobs at their paths and windows large ones, as the walk does', async () => {
    const r = createRepo();
    try {
      const q = qstashToken();
      r.write('big/data.txt', `${'x'.repeat(3000)}\nQSTASH_TOKEN=${q}\n`);
      r.write('huge/dump.sql', `${'y'.repeat(9000)}\n`);
      r.commit('c');
      r.git('gc', '-q');
      const config = { ...DEFAULT_CONFIG, maxFileSize: 1000, hardMaxFileSize: 8000 };
      const gate = await scan(r.dir, 'gate', config);
      const walk = await scan(r.dir, 'walk', config);
      expect(shown(gate)).toEqual(shown(walk));
      expect(gate.findings[0]!.occurrences.map((o) => `${o.path}:${o.line}`)).toEqual([
        'big/data.txt:2',
      ]);
      expect(gate.skipped.map((s) => `${s.reason} ${s.path}`)).toEqual(['too-large huge/dump.sql']);
      expect(gate.stats.skippedTooLarge).toBe(1);
    } finally {
      r.cleanup();
    }
  });

  it('never hands git a planted REF_DELTA cycle (git loops on it): the walk reads that repository', async () => {
    const r = createRepo();
    try {
      const q = qstashToken();
      r.write('q.env', `QSTASH_TOKEN=${q}\n`);
      r.commit('c');
      r.git('gc', '-q');
      // A second pack, in no history, whose two REF_DELTAs are each other's base: `git cat-file`
      // spins forever on either. Gate-first would list every object of the store.
      const base = Buffer.from('base\n');
      const d = delta(base.length, [{ copy: [0, 4] }]);
      const fake = (n: number): string => n.toString(16).padStart(40, 'e');
      writePack(join(r.dir, '.git', 'objects'), [
        { oid: fake(1), type: 7, body: d, baseOid: fake(2) },
        { oid: fake(2), type: 7, body: d, baseOid: fake(1) },
      ]);
      const started = Date.now();
      const result = await scan(r.dir, 'gate');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.findings.map((f) => f.occurrences[0]!.path)).toEqual(['q.env']);
      expect(JSON.stringify(result)).not.toContain(q);
    } finally {
      r.cleanup();
    }
  }, 60_000);

  it('says an unreadable object of the store is unreadable, not that the history lacks it', async () => {
    const r = createRepo();
    try {
      const q = qstashToken();
      r.write('q.env', `QSTASH_TOKEN=${q}\n`);
      r.commit('c');
      // A file in the object store that is no object (not zlib), in no history.
      mkdirSync(join(r.dir, '.git', 'objects', 'ab'), { recursive: true });
      writeFileSync(join(r.dir, '.git', 'objects', 'ab', 'c'.repeat(38)), 'not an object\n');
      const result = await scan(r.dir, 'gate');
      expect(result.findings).toHaveLength(1);
      const warnings = result.warnings.join('\n');
      expect(warnings).toMatch(/1 objects in the repository's object store could not be read/);
      expect(warnings).not.toMatch(/reachable objects are missing/);
    } finally {
      r.cleanup();
    }
  });

  it('counts missing objects of a damaged repository, and warns on a partial clone', async () => {
    const r = createRepo();
    const clone = `${r.dir}-partial`;
    try {
      const q = qstashToken();
      r.write('q.env', `QSTASH_TOKEN=${q}\n`);
      r.write('other.txt', 'other\n');
      r.commit('c');
      r.git('config', 'uploadpack.allowFilter', 'true');
      execFileSync('git', [
        'clone',
        '-q',
        '--no-local',
        '--filter=blob:none',
        '--no-checkout',
        r.dir,
        clone,
      ]);
      const partial = await scan(clone, 'gate');
      expect(partial.warnings.join('\n')).toMatch(/partial clone/);
      expect(JSON.stringify(partial)).not.toContain(q);
    } finally {
      r.cleanup();
      execFileSync('rm', ['-rf', clone]);
    }
  });
});
