/**
 * The pack store's keyword gate (pack-store.ts `mayHoldKeyword`): a blob built from a delta whose
 * base holds no keyword is gated by the windows around what the delta changed, not by a scan of
 * all of it. The answer must be exactly the gate's answer on the blob's bytes, for every blob of
 * histories built to break it: keywords made by deleting the text between their halves (two
 * copies from apart in the base meet), keywords cut by an edit at either end, keywords deleted
 * again (a base with one, a result without), at the first and last bytes of a file, in long delta
 * chains, REF_DELTA packs, a ring too small for the chains, and objects too large for the ring.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PREFILTER_KEYWORDS } from '../../../src/core/index.js';
import { createKeywordScanner } from '../../../src/git/history/keyword-scanner.js';
import { applyDelta, type DeltaMarks } from '../../../src/git/pack/delta.js';
import { openPacksIn } from '../../../src/git/pack/pack-store.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';
import { mulberry32 } from '../../helpers/seeded-random.js';
import { delta as packDelta } from '../../helpers/pack-builder.js';

const scanner = createKeywordScanner(PREFILTER_KEYWORDS);

/** A small seeded generator: the histories are the same on every run. */
const rng = mulberry32;

const KEYWORDS = ['upstash.io', 'KV_REST', 'sig_', 'redis-cli', 'STASH', 'kafka'];

/**
 * A history of `files` files edited `commits` times at random: lines inserted, deleted and
 * changed, keywords inserted and deleted, and keywords split by a filler that a later commit
 * deletes (the keyword then exists only where two copies from apart in the base meet).
 */
function randomHistory(repo: TestRepo, seed: number, commits: number, files: number): void {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const word = (): string => pick(['alpha', 'beta', 'gamma', 'delta', 'const', 'value', 'x', ' ']);
  const line = (): string => Array.from({ length: 3 + Math.floor(r() * 8) }, word).join(' ');
  const content: string[][] = Array.from({ length: files }, (_, f) =>
    Array.from({ length: f === 0 ? 10000 : 60 + Math.floor(r() * 200) }, line),
  );
  const splits: { file: number; marker: string }[] = [];
  for (let c = 0; c < commits; c++) {
    for (let f = 0; f < files; f++) {
      const lines = content[f]!;
      if (r() < 0.3) continue;
      for (let e = 0; e < 1 + Math.floor(r() * 4); e++) {
        const at = Math.floor(r() * (lines.length + 1));
        const op = r();
        if (op < 0.25) lines.splice(at, 0, line());
        else if (op < 0.4 && lines.length > 10) lines.splice(at, 1);
        else if (op < 0.55) {
          // A keyword in a new line, or at the very start or end of the file.
          const k = pick(KEYWORDS);
          const where = r();
          if (where < 0.1) lines.unshift(k + line());
          else if (where < 0.2) lines.push(line() + ' ' + k);
          else lines.splice(at, 0, `${line()} ${k} ${line()}`);
        } else if (op < 0.7) {
          // A keyword deleted: every line holding one loses it.
          for (let i = 0; i < lines.length; i++)
            for (const k of KEYWORDS) lines[i] = lines[i]!.split(k).join('');
        } else if (op < 0.8) {
          // A keyword in two halves with filler lines between them.
          const k = pick(KEYWORDS);
          const cut = 1 + Math.floor(r() * (k.length - 1));
          const marker = `FILLER-${c}-${f}-${e}`;
          lines.splice(
            at,
            0,
            `${line()} ${k.slice(0, cut)}${marker}`,
            ...Array.from({ length: 3 }, () => `${marker} ${line()}`),
            `${marker}${k.slice(cut)} ${line()}`,
          );
          splits.push({ file: f, marker });
        } else if (op < 0.9 && splits.length > 0) {
          // The filler of an earlier split deleted: its keyword is whole again.
          const s = splits.splice(Math.floor(r() * splits.length), 1)[0]!;
          const text = content[s.file]!.join('\n');
          const first = text.indexOf(s.marker);
          const last = text.lastIndexOf(s.marker);
          if (first >= 0)
            content[s.file] = (text.slice(0, first) + text.slice(last + s.marker.length)).split(
              '\n',
            );
        } else if (lines.length > 0) {
          // A character changed in a line (an edit inside a keyword, sometimes).
          const i = Math.min(at, lines.length - 1);
          const l = lines[i]!;
          const p = Math.floor(r() * (l.length + 1));
          lines[i] = l.slice(0, p) + pick(['-', 'a', '_', '.']) + l.slice(p + 1);
        }
      }
      repo.write(`src/file${f}.txt`, content[f]!.join('\n'));
    }
    repo.commit(`edit ${c}`);
  }
}

/** Every blob reachable from any ref, in the walk's order (the order a history scan reads). */
function blobOids(dir: string): string[] {
  const all = execFileSync('git', ['rev-list', '--objects', '--all'], {
    cwd: dir,
    encoding: 'utf8',
  })
    .split('\n')
    .map((l) => l.slice(0, 40))
    .filter((o) => o.length === 40);
  const types = execFileSync('git', ['cat-file', '--batch-check=%(objecttype)'], {
    cwd: dir,
    input: all.join('\n') + '\n',
    encoding: 'utf8',
  }).split('\n');
  return all.filter((_, i) => types[i] === 'blob');
}

/** Reads every blob through a gated store; the store's answer must be the gate's on the bytes. */
function expectExactGate(
  dir: string,
  cacheBytes: number,
): { blobs: number; withKeyword: number; deltas: number } {
  const store = openPacksIn(join(dir, '.git/objects'), { cacheBytes, keywordGate: scanner })!;
  let blobs = 0;
  let withKeyword = 0;
  const wrong: string[] = [];
  for (const oid of blobOids(dir)) {
    const data = store.read(oid, Number.MAX_SAFE_INTEGER);
    expect(data).toBeDefined();
    const truth = scanner(data!);
    if (store.mayHoldKeyword !== truth) wrong.push(`${oid}: store ${store.mayHoldKeyword}`);
    blobs++;
    if (truth) withKeyword++;
  }
  store.close();
  const deltas = execFileSync(
    'git',
    ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(deltabase)'],
    { cwd: dir, encoding: 'utf8' },
  )
    .split('\n')
    .filter((l) => l.startsWith('blob ') && !/^blob 0+$/.test(l)).length;
  expect(wrong).toEqual([]);
  return { blobs, withKeyword, deltas };
}

describe('pack store keyword gate', () => {
  let repo: TestRepo;
  afterEach(() => repo?.cleanup());

  it.each([
    ['deep OFS_DELTA chains, a 24 MiB ring', [], 24 << 20, 11],
    ['deep OFS_DELTA chains, a ring smaller than one chain', [], 1 << 20, 12],
    ['REF_DELTA', ['-c', 'repack.useDeltaBaseOffset=false'], 24 << 20, 13],
  ] as const)('answers exactly as the gate does: %s', (_name, config, cacheBytes, seed) => {
    repo = createRepo();
    randomHistory(repo, seed, 70, 5);
    repo.git(...config, 'repack', '-adf', '--depth=50', '--window=50', '-q');
    const r = expectExactGate(repo.dir, cacheBytes);
    // The history is what the test is about: many blobs, both answers, built through deltas
    // (file0, about 350 KB, is larger than a quarter of the 1 MiB ring: built outside it).
    expect(r.blobs).toBeGreaterThan(200);
    expect(r.withKeyword).toBeGreaterThan(20);
    expect(r.blobs - r.withKeyword).toBeGreaterThan(20);
    expect(r.deltas).toBeGreaterThan(100);
  });

  it('finds a keyword made by deleting the text between its halves', () => {
    repo = createRepo();
    const filler = Array.from({ length: 400 }, (_, i) => `filler line ${i}`).join('\n');
    const body = Array.from({ length: 400 }, (_, i) => `plain line ${i} of the file`).join('\n');
    repo.write('a.txt', `${body}\nups${filler}tash.io\n${body}\n`);
    repo.commit('halves');
    repo.write('a.txt', `${body}\nupstash.io\n${body}\n`);
    repo.commit('joined');
    repo.write('a.txt', `${body}\nups-tash.io\n${body}\n`);
    repo.commit('cut again');
    repo.git('repack', '-adf', '--depth=50', '--window=50', '-q');
    const r = expectExactGate(repo.dir, 24 << 20);
    expect(r).toMatchObject({ blobs: 3, withKeyword: 1 });
    expect(r.deltas).toBeGreaterThanOrEqual(2);
  });
});

describe('applyDelta marks', () => {
  /** A delta of copies ([offset, length] of the base) and inserts (strings), in order. */
  const delta = (baseLen: number, ops: ([number, number] | string)[]): Buffer =>
    packDelta(
      baseLen,
      ops.map((op) =>
        typeof op === 'string' ? { insert: Buffer.from(op, 'latin1') } : { copy: op },
      ),
    );
  const base = Buffer.from('0123456789'.repeat(30), 'latin1');
  const marks = (pad: number, capacity = 64, gap = 0): DeltaMarks => ({
    at: new Int32Array(capacity),
    n: 0,
    pad,
    gap,
    overflow: false,
  });
  const windows = (m: DeltaMarks): number[][] =>
    Array.from({ length: m.n }, (_, i) => [m.at[2 * i]!, m.at[2 * i + 1]!]);

  it('marks inserts and the points where a copy does not continue the one before', () => {
    const m = marks(3);
    const d = delta(base.length, [[0, 50], [50, 50], 'INSERTED', [200, 40], [10, 20]]);
    const out = new Uint8Array(200);
    const size = applyDelta(base, 0, base.length, d, out, 10, 190, m);
    expect(size).toBe(50 + 50 + 8 + 40 + 20);
    // The first copy starts a seam at 0; the second continues it; the insert [100, 108) and the
    // copy after it (same point) are one window; the last copy jumps back: a seam at 148.
    expect(windows(m)).toEqual([
      [-3, 3],
      [97, 111],
      [145, 151],
    ]);
    expect(m.overflow).toBe(false);
  });

  it('merges windows closer than the gap', () => {
    const ops: ([number, number] | string)[] = ['a', [0, 100], 'b', [200, 50], 'c'];
    const run = (gap: number): number[][] => {
      const m = marks(2, 64, gap);
      applyDelta(base, 0, base.length, delta(base.length, ops), new Uint8Array(153), 0, 153, m);
      return windows(m);
    };
    // Inserts at 0, 101 and 152 (each with the copy after it, padded by 2): 96 and 46 bytes apart.
    expect(run(0)).toEqual([
      [-2, 3],
      [99, 104],
      [150, 155],
    ]);
    expect(run(50)).toEqual([
      [-2, 3],
      [99, 155],
    ]);
    expect(run(100)).toEqual([[-2, 155]]);
  });

  it('merges windows that touch, and says when they overflow', () => {
    const m = marks(10);
    applyDelta(
      base,
      0,
      base.length,
      delta(base.length, ['a', [0, 5], 'b']),
      new Uint8Array(7),
      0,
      7,
      m,
    );
    expect(windows(m)).toEqual([[-10, 17]]);
    const few = marks(0, 4);
    const ops: ([number, number] | string)[] = [];
    for (let i = 0; i < 5; i++) ops.push(`x${i}`, [i * 40, 10]);
    applyDelta(base, 0, base.length, delta(base.length, ops), new Uint8Array(60), 0, 60, few);
    expect(few.overflow).toBe(true);
  });
});

describe('keyword scanner ranges', () => {
  const text = Buffer.from('aaaa upstash.io bbbb KV_REST cccc', 'latin1');

  it('finds a keyword inside a range, and none across two ranges or outside them', () => {
    expect(scanner.ranges(text, Int32Array.from([5, 15]), 1)).toBe(true);
    expect(scanner.ranges(text, Int32Array.from([0, 4, 21, 28]), 2)).toBe(true);
    // "upstash.io" cut in two ranges: each half alone holds no keyword.
    expect(scanner.ranges(text, Int32Array.from([0, 9, 9, 16]), 2)).toBe(false);
    expect(scanner.ranges(text, Int32Array.from([0, 4, 29, 33]), 2)).toBe(false);
    expect(scanner.ranges(text, new Int32Array(0), 0)).toBe(false);
  });

  it('scans ranges beyond one slice of the module, and many small ones', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'z');
    big.write('sig_', big.length - 100, 'latin1');
    expect(scanner.ranges(big, Int32Array.from([0, 10, 5, big.length]), 2)).toBe(true);
    expect(scanner.ranges(big, Int32Array.from([0, big.length - 101]), 1)).toBe(false);
    const bounds: number[] = [];
    for (let i = 0; i + 50 < big.length - 200; i += 60) bounds.push(i, i + 50);
    expect(scanner.ranges(big, Int32Array.from(bounds), bounds.length / 2)).toBe(false);
    bounds.push(big.length - 100, big.length - 96);
    expect(scanner.ranges(big, Int32Array.from(bounds), bounds.length / 2)).toBe(true);
  });
});
