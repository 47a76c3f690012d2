/**
 * The repository's object store is input too. What a commit's parents are and what a blob holds
 * are the objects' own business: files beside them that git consults first (info/grafts, a
 * commit-graph) must not hide a commit from a scan, and a blob whose delta declares a huge result
 * must not be built by anyone, git included, to find out that it is too large to scan.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { runGit } from '../../src/git/run-git.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { blobOid, varint, writePack } from '../helpers/pack-builder.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const repos: TestRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

/** base -> leak (adds a token) -> rm (removes it) -> tip: the token is only in the history. */
function leakedThenRemoved(): { repo: TestRepo; leak: string; rm: string } {
  const repo = createRepo();
  repos.push(repo);
  repo.write('README.md', 'x\n');
  repo.commit('base');
  repo.write('old.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  const leak = repo.commit('leak');
  repo.remove('old.env');
  const rm = repo.commit('remove it');
  repo.write('README.md', 'y\n');
  repo.commit('tip');
  return { repo, leak, rm };
}

/** Rewrites a commit-graph so that `oid` has no parent (git trusts the file, not the object). */
function cutParentInCommitGraph(file: string, oid: string): void {
  const b = readFileSync(file);
  const chunks = new Map<string, number>();
  for (let i = 0; i < b[6]!; i++)
    chunks.set(
      b.toString('latin1', 8 + i * 12, 12 + i * 12),
      Number(b.readBigUInt64BE(12 + i * 12)),
    );
  const oidf = chunks.get('OIDF')!;
  const oidl = chunks.get('OIDL')!;
  const cdat = chunks.get('CDAT')!;
  const count = b.readUInt32BE(oidf + 255 * 4);
  let patched = 0;
  for (let i = 0; i < count; i++)
    if (b.toString('hex', oidl + i * 20, oidl + i * 20 + 20) === oid) {
      b.writeUInt32BE(0x70000000, cdat + i * 36 + 20); // first parent: none
      patched++;
    }
  expect(patched).toBe(1);
  chmodSync(file, 0o644);
  writeFileSync(file, b);
}

describe('files beside the objects cannot hide a commit', () => {
  it('info/grafts that cut the history before a leak', async () => {
    const { repo, rm } = leakedThenRemoved();
    writeFileSync(join(repo.dir, '.git/info/grafts'), `${rm}\n`);
    // git itself now shows a history without the leak.
    expect(repo.git('rev-list', '--count', 'HEAD')).toBe('2');
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'old.env' });
    // No graft file is read at all, so git says nothing (its deprecation hint would otherwise be
    // the last line of every git error quoted to the user).
    expect((await runGit(['rev-parse', 'HEAD'], { cwd: repo.dir })).stderr).toBe('');
  });

  it('a commit-graph whose entry drops a parent', async () => {
    const { repo, rm } = leakedThenRemoved();
    repo.git('commit-graph', 'write', '--reachable');
    cutParentInCommitGraph(join(repo.dir, '.git/objects/info/commit-graph'), rm);
    expect(repo.git('rev-list', '--count', 'HEAD')).toBe('2');
    const history = await scanHistory(repo.dir, opts);
    expect(history.findings).toHaveLength(1);
    // A range over the real parents sees the leak too.
    const range = await scanRange(repo.dir, { include: ['HEAD'], exclude: ['HEAD~3'] }, opts);
    expect(range.findings).toHaveLength(1);
  });
});

describe('a delta that declares a huge result', () => {
  /**
   * 16 Mi copy instructions of 64 KiB from a 64 KiB base: a 1 TiB blob from a pack of a few
   * kilobytes. git cat-file would allocate the whole result before printing a byte of it.
   */
  function deltaBomb(): { repo: TestRepo; bomb: string; tip: string } {
    const repo = createRepo();
    repos.push(repo);
    repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    const first = repo.commit('leak');
    const base = Buffer.alloc(0x10000, 0x41);
    // The header: the base size (64 KiB), then the result size (2^40); each 0x80 copies 64 KiB.
    const header = Buffer.concat([varint(base.length), varint(2 ** 40)]);
    const body = Buffer.concat([header, Buffer.alloc(1 << 24, 0x80)]);
    const bomb = `b0${'0'.repeat(37)}1`;
    writePack(join(repo.dir, '.git/objects'), [
      { oid: blobOid(base), type: 3, body: base },
      { oid: bomb, type: 6, body, base: 0 },
    ]);
    const tree = execFileSync('git', ['mktree', '--missing'], {
      cwd: repo.dir,
      input: `100644 blob ${bomb}\tbomb.bin\n100644 blob ${repo.git('rev-parse', 'HEAD:app.env')}\tapp.env\n`,
    })
      .toString()
      .trim();
    const tip = repo.git('commit-tree', tree, '-p', first, '-m', 'bomb');
    repo.git('update-ref', 'refs/heads/main', tip);
    expect(repo.git('cat-file', '-s', `${tip}:bomb.bin`)).toBe(String(2 ** 40));
    return { repo, bomb, tip };
  }

  it('is reported as too large, not read, in a history scan', async () => {
    const { repo } = deltaBomb();
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    expect(result.skipped).toEqual([
      expect.objectContaining({ path: 'bomb.bin', reason: 'too-large' }),
    ]);
  });

  it('fails a range scan closed, with git held to its memory cap', async () => {
    // git log -p builds an added binary blob whole to print "Binary files differ" (a new file has
    // no regular old side, so bigFileThreshold does not spare it). The scan cannot skip what git
    // insists on building; the cap on git's heap (run-git.ts) turns it into a clear failure.
    const { repo, tip } = deltaBomb();
    const result = scanRange(repo.dir, { include: [tip], exclude: [`${tip}~1`] }, opts);
    await expect(result).rejects.toThrow(/out of memory.*capped at \d+ MiB/i);
  });
});

describe('a merge of 64 parents or more (git tracks 63 in a combined diff)', () => {
  /** An octopus merge of `n` root commits that adds a file none of its parents has. */
  function octopus(n: number): { repo: TestRepo; merge: string } {
    const repo = createRepo();
    repos.push(repo);
    const parents: string[] = [];
    for (let i = 0; i < n; i++) {
      const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
        cwd: repo.dir,
        input: `file ${i}\n`,
      })
        .toString()
        .trim();
      const tree = execFileSync('git', ['mktree'], {
        cwd: repo.dir,
        input: `100644 blob ${blob}\tf${i}.txt\n`,
      })
        .toString()
        .trim();
      parents.push(repo.git('commit-tree', tree, '-m', `root ${i}`));
    }
    repo.write('evil.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
    repo.git('add', 'evil.env');
    const tree = repo.git('write-tree');
    const merge = repo.git('commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', 'm');
    repo.git('update-ref', 'refs/heads/main', merge);
    return { repo, merge };
  }

  it.each([[63], [64], [65], [120]])(
    'a file the merge itself adds is found in a range scan (%i parents)',
    async (n) => {
      const { repo, merge } = octopus(n);
      // At 64 parents git prints the file with no hunk; past it, 64 columns and spaces.
      const result = await scanRange(repo.dir, { include: [merge], exclude: [`${merge}^1`] }, opts);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.occurrences[0]).toMatchObject({ path: 'evil.env', commit: merge });
    },
  );
});

describe('a damaged object (its zlib stream corrupt, so git cat-file exits on it)', () => {
  test.each(['walk', 'gate'])(
    '%s: the history is read again without it, every other finding kept, and the object named',
    async (mode) => {
      const { repo } = leakedThenRemoved();
      repo.git('repack', '-a', '-d', '-q');
      // Large and varied enough that git streams it (and fails mid-way) rather than reading it whole.
      let text = '';
      for (let i = 0; text.length < 200_000; i++) text += `line ${i} ${(i * 7919) % 104729}\n`;
      repo.write('big.txt', text);
      const c = repo.commit('big');
      const oid = repo.git('rev-parse', `${c}:big.txt`).trim();
      const file = join(repo.dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
      const bytes = readFileSync(file);
      for (let i = 200; i < 260; i++) bytes[i] = bytes[i]! ^ 0x55;
      chmodSync(file, 0o644);
      writeFileSync(file, bytes);
      // git itself cannot read it: what the scan met before this change was a failed scan.
      expect(() =>
        execFileSync('git', ['cat-file', 'blob', oid], { cwd: repo.dir, stdio: 'pipe' }),
      ).toThrow();
      const saved = process.env.UG_HISTORY_MODE;
      process.env.UG_HISTORY_MODE = mode;
      try {
        const r = await scanHistory(repo.dir, opts);
        expect(r.findings.map((f) => f.occurrences[0]?.path)).toEqual(['old.env']);
        expect(r.warnings.join('\n')).toContain(`1 damaged object (${oid.slice(0, 12)})`);
      } finally {
        if (saved === undefined) delete process.env.UG_HISTORY_MODE;
        else process.env.UG_HISTORY_MODE = saved;
      }
    },
  );
});
