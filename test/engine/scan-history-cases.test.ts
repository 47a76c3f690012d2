import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_CONFIG,
  revealSecret,
  type Finding,
  type ScanResult,
} from '../../src/core/index.js';
import type { Progress } from '../../src/engine/types.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { qstashToken, redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

function only(result: ScanResult): Finding {
  expect(result.findings).toHaveLength(1);
  return result.findings[0]!;
}

function envFile(t: { token: string; dbId: number }): string {
  return `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`;
}

describe('scanHistory, the cases history scans get wrong', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = createRepo();
  });
  afterEach(() => repo.cleanup());

  it('reports one finding for the same token in two files across ten commits', async () => {
    const t = redisTokenParts();
    repo.write('README.md', 'x\n');
    repo.commit('init');
    repo.write('a/.env', envFile(t));
    repo.write('b/settings.env', envFile(t));
    const first = repo.commit('add both');
    for (let i = 0; i < 9; i++) {
      repo.write('a/.env', `# rev ${i}\n${envFile(t)}`);
      repo.write(`c${i}.env`, `REDIS_TOKEN=${t.token}\n`);
      repo.commit(`edit ${i}`);
    }
    const result = await scanHistory(repo.dir, opts);
    const f = result.findings.find((x) => x.type === 'upstash-redis-token')!;
    expect(result.findings.filter((x) => x.type === 'upstash-redis-token')).toHaveLength(1);
    expect(f.introducedBy).toMatchObject({ commit: first });
    expect(['a/.env', 'b/settings.env']).toContain(f.introducedBy!.path);
    // add both + nine commits that each add it to a new file; the edits of a/.env are not new.
    expect(f.commitCount).toBe(10);
    const paths = new Set(f.occurrences.map((o) => o.path));
    expect(paths).toEqual(
      new Set(['a/.env', 'b/settings.env', ...Array.from({ length: 9 }, (_, i) => `c${i}.env`)]),
    );
    for (const o of f.occurrences) expect(o).toMatchObject({ author: 'Test Author' });
    expect(f.presentAtHead).toBe(true);
    expect(JSON.stringify(result)).not.toContain(t.token);
  });

  it('lists every path of a blob committed at several paths', async () => {
    const q = qstashToken();
    repo.write('one/q.env', `QSTASH_TOKEN=${q}\n`);
    repo.write('two/q.env', `QSTASH_TOKEN=${q}\n`);
    const c = repo.commit('copies');
    const f = only(await scanHistory(repo.dir, opts));
    expect(f.occurrences.map((o) => [o.path, o.commit, o.line]).sort()).toEqual([
      ['one/q.env', c, 1],
      ['two/q.env', c, 1],
    ]);
    expect(f.commitCount).toBe(1);
  });

  it('finds a base64-wrapped token in a Kubernetes Secret', async () => {
    const t = redisTokenParts();
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    repo.write(
      'k8s/secret.yaml',
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: cache',
        'data:',
        `  UPSTASH_REDIS_REST_URL: ${b64(redisEndpoint(t.dbId))}`,
        `  UPSTASH_REDIS_REST_TOKEN: ${b64(t.token)}`,
        '',
      ].join('\n'),
    );
    const c = repo.commit('k8s');
    const result = await scanHistory(repo.dir, opts);
    const f = result.findings.find((x) => x.type === 'upstash-redis-token')!;
    expect(f.introducedBy).toMatchObject({ commit: c, path: 'k8s/secret.yaml' });
    expect(f.occurrences[0]!.line).toBe(7);
    expect(JSON.stringify(result)).not.toContain(b64(t.token));
  });

  it('finds a secret reachable only from a tag, and one only from a pull ref', async () => {
    const t = redisTokenParts();
    const q = qstashToken();
    repo.write('x', '1\n');
    repo.commit('base');
    repo.branch('tmp');
    repo.checkout('tmp');
    repo.write('t.env', envFile(t));
    const tagged = repo.commit('tagged leak');
    repo.tag('v0.1');
    repo.checkout('main');
    repo.git('branch', '-D', 'tmp');
    repo.git('checkout', '-q', '--detach');
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    const pr = repo.commit('pr leak');
    repo.git('update-ref', 'refs/pull/7/head', pr);
    repo.checkout('main');
    const result = await scanHistory(repo.dir, opts);
    const redis = result.findings.find((x) => x.type === 'upstash-redis-token')!;
    const qs = result.findings.find((x) => x.type === 'upstash-qstash-token')!;
    expect(redis).toMatchObject({ introducedBy: { commit: tagged }, presentAtHead: false });
    expect(redis.branches).toEqual(['v0.1']);
    expect(qs).toMatchObject({ introducedBy: { commit: pr }, presentAtHead: false });
    expect(qs.branches).toEqual(['pull/7/head']);
  });

  it('reports nothing from unreachable objects, packed or loose, but scans a blob a tag points at', async () => {
    const loose = qstashToken();
    const packed = redisTokenParts();
    const dangling = qstashToken();
    const tagged = redisTokenParts();
    repo.write('README.md', 'x\n');
    repo.commit('base');
    // A commit reset away (its tree and blob stay in the store, no ref reaches them).
    repo.write('gone.env', `QSTASH_TOKEN=${dangling}\n`);
    repo.commit('reset away');
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    repo.git('reflog', 'expire', '--expire=now', '--all');
    const hashed = (content: string): string => {
      const file = join(repo.dir, '.git', 'tmp-object');
      writeFileSync(file, content);
      const oid = repo.git('hash-object', '-w', file);
      rmSync(file);
      return oid;
    };
    hashed(`QSTASH_TOKEN=${loose}\n`);
    // An unreachable blob inside a pack: reading every object of the store would see it.
    const inPack = hashed(envFile(packed));
    execFileSync('git', ['pack-objects', '-q', join(repo.dir, '.git/objects/pack/pack')], {
      cwd: repo.dir,
      input: `${inPack}\n`,
    });
    repo.git('prune-packed');
    expect(repo.git('cat-file', '-t', inPack)).toBe('blob');
    expect(repo.git('count-objects', '-v')).toMatch(/^in-pack: 1$/m);
    expect(repo.git('rev-list', '--objects', '--all')).not.toContain(inPack);
    // A tag that names a blob directly is a ref like any other: its blob is reachable.
    repo.git('tag', 'blob-tag', hashed(envFile(tagged)));
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(revealSecret(result.findings[0]!)?.value).toBe(tagged.token);
    expect(result.warnings).toEqual([]);
    const json = JSON.stringify(result);
    for (const s of [loose, packed.token, dangling, tagged.token]) expect(json).not.toContain(s);
  });

  it('counts a re-introduction after a deletion, and blames the first', async () => {
    const q = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    const first = repo.commit('leak');
    repo.remove('q.env');
    repo.commit('remove');
    repo.write('later/q.env', `# again\nQSTASH_TOKEN=${q}\n`);
    const again = repo.commit('leak again');
    const f = only(await scanHistory(repo.dir, opts));
    expect(f.introducedBy).toMatchObject({ commit: first, path: 'q.env' });
    expect(f.commitCount).toBe(2);
    expect(f.presentAtHead).toBe(true);
    expect(f.occurrences.find((o) => o.commit === again)).toMatchObject({
      path: 'later/q.env',
      line: 2,
    });
  });

  it('blames the ancestor even when a descendant has an older, skewed date', async () => {
    const q = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    const parent = repo.commit('leak', { date: '2024-05-01T00:00:00Z' });
    repo.branch('skewed');
    repo.checkout('skewed');
    repo.write('copy.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('copy, committed with a clock in the past', { date: '2020-01-01T00:00:00Z' });
    repo.checkout('main');
    const f = only(await scanHistory(repo.dir, opts));
    expect(f.introducedBy).toMatchObject({ commit: parent, path: 'q.env' });
  });

  it('reports presentAtHead against headRef', async () => {
    const q = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('leak');
    repo.tag('old');
    repo.remove('q.env');
    repo.commit('remove');
    expect(only(await scanHistory(repo.dir, opts)).presentAtHead).toBe(false);
    expect(only(await scanHistory(repo.dir, { ...opts, headRef: 'old' })).presentAtHead).toBe(true);
  });

  it('drops occurrences at ignored paths but keeps the same blob elsewhere', async () => {
    const q = qstashToken();
    repo.write('fixtures/q.env', `QSTASH_TOKEN=${q}\n`);
    repo.write('app/q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('c');
    const config = { ...DEFAULT_CONFIG, ignorePaths: ['fixtures/**'] };
    const f = only(await scanHistory(repo.dir, { config }));
    expect(f.occurrences.map((o) => o.path)).toEqual(['app/q.env']);
  });

  it('scans a bare repository', async () => {
    const q = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    const c = repo.commit('leak');
    const bare = mkdtempSync(join(tmpdir(), 'ug-bare-'));
    try {
      repo.git('clone', '-q', '--mirror', repo.dir, bare);
      const f = only(await scanHistory(bare, opts));
      expect(f).toMatchObject({ introducedBy: { commit: c }, presentAtHead: true });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('warns about an unreadable object and still scans the rest', async () => {
    const q = qstashToken();
    repo.write('lost.txt', 'this blob will be deleted from the object store\n');
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('c');
    const oid = repo.git('rev-parse', 'HEAD:lost.txt');
    rmSync(join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2)));
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.warnings.join('\n')).toMatch(/1 reachable objects are missing/);
  });

  it('still reports a secret when an unreadable tree stops the attribution walk', async () => {
    const q = qstashToken();
    repo.write('old/dir/a.txt', 'a\n');
    repo.commit('old');
    const tree = repo.git('rev-parse', 'HEAD:old/dir');
    repo.remove('old');
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('leak');
    rmSync(join(repo.dir, '.git', 'objects', tree.slice(0, 2), tree.slice(2)));
    const result = await scanHistory(repo.dir, opts);
    const f = only(result);
    expect(f.occurrences[0]!.path).toBe('q.env');
    expect(result.warnings.join('\n')).toMatch(/attribution stopped early/);
    expect(JSON.stringify(result)).not.toContain(q);
  });

  it('reports progress as counts only, and can be cancelled', async () => {
    const q = qstashToken();
    for (let i = 0; i < 30; i++) repo.write(`f${i}.txt`, `file ${i}\n`);
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('c');
    const seen: Progress[] = [];
    const result = await scanHistory(repo.dir, { ...opts, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.phase)).toEqual(['enumerate', 'attribute', 'done']);
    expect(seen.at(-1)).toMatchObject({ done: 31, total: 31 });
    expect(JSON.stringify(seen)).not.toContain(q);
    expect(result.stats).toMatchObject({ blobsScanned: 31, commitsScanned: 1 });

    const aborted = new AbortController();
    aborted.abort();
    await expect(scanHistory(repo.dir, { ...opts, signal: aborted.signal })).rejects.toThrow(
      /cancelled/,
    );
    const midway = new AbortController();
    await expect(
      scanHistory(repo.dir, {
        ...opts,
        signal: midway.signal,
        onProgress: (p) => p.phase === 'enumerate' && midway.abort(),
      }),
    ).rejects.toThrow(/cancelled/);
  });

  it('runs no hook or program of a hostile repository, even with hooks installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-marker-'));
    const marker = join(dir, 'pwned');
    const q = qstashToken();
    repo.write('q.env', `QSTASH_TOKEN=${q}\n`);
    repo.commit('c');
    repo.write('.gitattributes', '* filter=evil diff=evil\n');
    repo.commit('attrs');
    const hooks = join(repo.dir, '.git', 'hooks');
    for (const hook of [
      'reference-transaction',
      'post-checkout',
      'pre-auto-gc',
      'post-index-change',
    ]) {
      writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${marker}'\n`);
      chmodSync(join(hooks, hook), 0o755);
    }
    repo.git('config', 'core.fsmonitor', `touch '${marker}'`);
    repo.git('config', 'core.pager', `touch '${marker}'`);
    repo.git('config', 'core.sshCommand', `touch '${marker}'`);
    repo.git('config', 'filter.evil.process', `touch '${marker}'`);
    repo.git('config', 'diff.evil.textconv', `touch '${marker}'`);
    repo.git('config', 'core.alternateRefsCommand', `touch '${marker}'`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
