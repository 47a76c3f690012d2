/**
 * The in-process pack reader against real repositories: every blob it reads must be byte for byte
 * what `git cat-file --batch` prints, whatever git's packing (deep OFS_DELTA chains, REF_DELTA,
 * several packs plus loose objects), and whatever it cannot read must reach git (cat-file) so that
 * nothing is dropped and missing objects are counted as before.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { streamPackedBlobs, type PackStreamResult } from '../../../src/git/pack/pack-stream.js';
import { openPacksIn } from '../../../src/git/pack/pack-store.js';
import { PackFile } from '../../../src/git/pack/pack-file.js';
import { parsePackIndex } from '../../../src/git/pack/pack-index.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every blob reachable from any ref, with cat-file's bytes (one `cat-file --batch` run). */
function catFileBlobs(dir: string): Map<string, Buffer> {
  const oids = execFileSync('git', ['rev-list', '--objects', '--all'], {
    cwd: dir,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l.includes(' '))
    .map((l) => l.slice(0, 40));
  const out = execFileSync('git', ['cat-file', '--batch'], {
    cwd: dir,
    input: oids.join('\n') + '\n',
    maxBuffer: 512 * 1024 * 1024,
  });
  const blobs = new Map<string, Buffer>();
  let p = 0;
  while (p < out.length) {
    const nl = out.indexOf(10, p);
    const [oid, type, size] = out.toString('latin1', p, nl).split(' ');
    const n = Number(size);
    if (type === 'blob') blobs.set(oid!, out.subarray(nl + 1, nl + 1 + n));
    p = nl + 1 + n + 1;
  }
  return blobs;
}

async function readAll(
  dir: string,
  oids: string[],
  maxSize = Number.MAX_SAFE_INTEGER,
  extra: Parameters<typeof streamPackedBlobs>[4] = {},
): Promise<{ seen: Map<string, string | null>; result: PackStreamResult }> {
  const seen = new Map<string, string | null>();
  const batches: string[][] = [];
  for (let i = 0; i < oids.length; i += 37) batches.push(oids.slice(i, i + 37));
  const result = await streamPackedBlobs(
    dir,
    batches,
    maxSize,
    (oid, parts, size) => {
      expect(seen.has(oid)).toBe(false);
      if (parts === null) return void seen.set(oid, null);
      const data = Buffer.concat(parts);
      expect(data.length).toBe(size);
      seen.set(oid, digest(data));
    },
    { threads: 0, ...extra },
  );
  return { seen, result };
}

/** Every blob through a store opened directly: whole packs in memory, or read in place. */
function expectStoreReads(dir: string, blobs: Map<string, Buffer>): void {
  for (const memoryBytes of [undefined, 0]) {
    const store = openPacksIn(join(dir, '.git/objects'), memoryBytes === 0 ? { memoryBytes } : {})!;
    for (const [oid, body] of blobs) {
      const data = store.read(oid, Number.MAX_SAFE_INTEGER);
      expect([oid, data && digest(data)]).toEqual([oid, digest(body)]);
    }
    expect(store.stats.malformed).toBe(0);
    store.close();
  }
}

function expectSame(seen: Map<string, string | null>, blobs: Map<string, Buffer>): void {
  expect(seen.size).toBe(blobs.size);
  for (const [oid, body] of blobs) expect([oid, seen.get(oid)]).toEqual([oid, digest(body)]);
}

/** A history whose files change a little each commit: git deltifies them into long chains. */
function growHistory(repo: TestRepo, commits: number, seed = 1): void {
  for (let c = 0; c < commits; c++) {
    for (let f = 0; f < 6; f++) {
      const lines: string[] = [];
      for (let l = 0; l < 200 + f * 40; l++)
        lines.push(`file ${f} line ${l} ${(l * 7 + seed) % 13 === c % 13 ? `edit ${c}` : 'same'}`);
      repo.write(`src/f${f}.txt`, lines.join('\n') + '\n');
    }
    if (c % 5 === 0) repo.write(`bin/b${c}.bin`, Buffer.from([0, 1, 2, c & 0xff, 0, 9]));
    repo.commit(`c${c}`);
  }
}

/** Counts entry types in every pack of the repository (1-4 objects, 6 OFS_DELTA, 7 REF_DELTA). */
function entryTypes(dir: string): Record<number, number> {
  const packDir = join(dir, '.git/objects/pack');
  const counts: Record<number, number> = {};
  for (const name of readdirSync(packDir).filter((n) => n.endsWith('.idx'))) {
    const index = parsePackIndex(readFileSync(join(packDir, name)));
    const file = PackFile.open(join(packDir, name.replace(/\.idx$/, '.pack')), index);
    for (let i = 0; i < index.count; i++) {
      const e = file.entry(index.offsetAt(i), Number.MAX_SAFE_INTEGER);
      counts[e.type] = (counts[e.type] ?? 0) + 1;
    }
    file.close();
  }
  return counts;
}

describe('in-process pack reader', () => {
  let repo: TestRepo;
  afterEach(() => repo?.cleanup());

  it('reads deep OFS_DELTA chains (repack -adf --depth=50 --window=50) byte for byte', async () => {
    repo = createRepo();
    growHistory(repo, 60);
    repo.write('empty.txt', '');
    repo.commit('empty');
    repo.git('repack', '-adf', '--depth=50', '--window=50');
    const types = entryTypes(repo.dir);
    expect(types[6]).toBeGreaterThan(100);
    const blobs = catFileBlobs(repo.dir);
    const { seen, result } = await readAll(repo.dir, [...blobs.keys()]);
    expectSame(seen, blobs);
    expect(result.packs?.read).toBe(blobs.size);
    expect(result.packs?.fallback).toBe(0);
    expect(result.missing).toBe(0);
    expectStoreReads(repo.dir, blobs);
    // The empty blob is among them.
    expect(blobs.has('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391')).toBe(true);
  });

  it('reads REF_DELTA packs (repack.useDeltaBaseOffset=false)', async () => {
    repo = createRepo();
    growHistory(repo, 40, 3);
    repo.git(
      '-c',
      'repack.useDeltaBaseOffset=false',
      'repack',
      '-adf',
      '--depth=50',
      '--window=50',
    );
    const types = entryTypes(repo.dir);
    expect(types[7]).toBeGreaterThan(50);
    expect(types[6] ?? 0).toBe(0);
    const blobs = catFileBlobs(repo.dir);
    const { seen, result } = await readAll(repo.dir, [...blobs.keys()]);
    expectSame(seen, blobs);
    expect(result.packs?.read).toBe(blobs.size);
    expectStoreReads(repo.dir, blobs);
  });

  it('reads several packs and leaves loose objects and absent ones to git', async () => {
    repo = createRepo();
    growHistory(repo, 15, 5);
    repo.git('repack', '-ad');
    growHistory(repo, 15, 7);
    repo.git('repack', '-d'); // a second, incremental pack
    growHistory(repo, 5, 9); // loose
    expect(
      readdirSync(join(repo.dir, '.git/objects/pack')).filter((n) => n.endsWith('.pack')).length,
    ).toBe(2);
    const blobs = catFileBlobs(repo.dir);
    const loose = repo
      .git('rev-list', '--objects', '--all')
      .split('\n')
      .map((l) => l.slice(0, 40))
      .filter((o) => blobs.has(o))
      .filter((o) => existsSync(join(repo.dir, '.git/objects', o.slice(0, 2), o.slice(2))));
    expect(loose.length).toBeGreaterThan(0);
    const absent = ['0123456789abcdef0123456789abcdef01234567'];
    const { seen, result } = await readAll(repo.dir, [...absent, ...blobs.keys()]);
    expectSame(seen, blobs);
    expect(result.missing).toBe(1);
    expect(result.packs?.fallback).toBe(loose.length + 1);
    expect(result.packs?.read).toBe(blobs.size - loose.length);
  });

  it('leaves blobs over maxSize to git: the windowed sink up to the cap, skipped above it', async () => {
    repo = createRepo();
    const mid = Buffer.alloc(30_000, 'm');
    const huge = Buffer.alloc(90_000, 'h');
    repo.write('small.txt', 'small\n');
    repo.write('mid.txt', mid);
    repo.write('huge.txt', huge);
    repo.commit('sizes');
    repo.git('repack', '-adf');
    const blobs = catFileBlobs(repo.dir);
    const sunk = new Map<string, number>();
    const skipped: string[] = [];
    const visited: string[] = [];
    const result = await streamPackedBlobs(
      repo.dir,
      [[...blobs.keys()]],
      10_000,
      (oid, parts, size) => {
        visited.push(oid);
        if (parts === null) skipped.push(`${oid}:${size}`);
      },
      {
        threads: 0,
        large: {
          cap: 50_000,
          open: (oid) => {
            let n = 0;
            return { push: (c) => void (n += c.length), end: () => void sunk.set(oid, n) };
          },
        },
      },
    );
    const oidOf = (b: Buffer): string => [...blobs].find(([, v]) => v.equals(b))![0];
    expect([...sunk]).toEqual([[oidOf(mid), 30_000]]);
    expect(skipped).toEqual([`${oidOf(huge)}:90000`]);
    expect(visited.sort()).toEqual([oidOf(Buffer.from('small\n')), oidOf(huge)].sort());
    expect(result.packs?.tooLarge).toBe(2);
  });

  it('leaves objects behind an alternates file to git, without following it', async () => {
    repo = createRepo();
    growHistory(repo, 10, 11);
    repo.git('repack', '-ad');
    const other = createRepo();
    try {
      // The second repository borrows every object from the first and packs none of its own.
      mkdirSync(join(other.dir, '.git/objects/info'), { recursive: true });
      writeFileSync(
        join(other.dir, '.git/objects/info/alternates'),
        join(repo.dir, '.git/objects') + '\n',
      );
      other.git('fetch', '-q', repo.dir, 'main');
      other.git('reset', '-q', '--hard', 'FETCH_HEAD');
      other.write('own.txt', 'own blob\n');
      other.commit('own');
      other.git('repack', '-adl'); // -l: pack only local objects
      const blobs = catFileBlobs(other.dir);
      const { seen, result } = await readAll(other.dir, [...blobs.keys()]);
      expectSame(seen, blobs);
      expect(result.packs?.read).toBe(1);
      expect(result.packs?.fallback).toBe(blobs.size - 1);
    } finally {
      other.cleanup();
    }
  });

  it('leaves index version 1 and SHA-256 repositories to git', async () => {
    repo = createRepo();
    growHistory(repo, 8, 13);
    repo.git('repack', '-ad');
    const packDir = join(repo.dir, '.git/objects/pack');
    const pack = readdirSync(packDir).find((n) => n.endsWith('.pack'))!;
    repo.git(
      'index-pack',
      '--index-version=1',
      '-o',
      join(packDir, pack.replace('.pack', '.idx')),
      join(packDir, pack),
    );
    expect(openPacksIn(join(repo.dir, '.git/objects'))).toBeUndefined();
    const blobs = catFileBlobs(repo.dir);
    const v1 = await readAll(repo.dir, [...blobs.keys()]);
    expectSame(v1.seen, blobs);
    expect(v1.result.packs?.read ?? 0).toBe(0);

    const sha256 = createRepo();
    try {
      rmSync(join(sha256.dir, '.git'), { recursive: true, force: true });
      sha256.git('init', '-q', '-b', 'main', '--object-format=sha256');
      sha256.write('a.txt', 'a\n');
      sha256.commit('a');
      sha256.git('repack', '-ad');
      const oid = sha256.git('rev-parse', 'HEAD:a.txt');
      const { seen, result } = await readAll(sha256.dir, [oid]);
      expect(seen.get(oid)).toBe(digest(Buffer.from('a\n')));
      expect(result.packs).toBeUndefined();
    } finally {
      sha256.cleanup();
    }
  });

  it('holds one budget of whole packs in memory across the scans running at once', async () => {
    repo = createRepo();
    for (let i = 0; i < 40; i++) {
      repo.write(`f${i}.txt`, `${i} `.repeat(2000) + Math.random());
      repo.commit(`c${i}`);
    }
    repo.git('repack', '-adq');
    const blobs = catFileBlobs(repo.dir);
    const oids = [...blobs.keys()];
    const packDir = join(repo.dir, '.git/objects/pack');
    const packSize = readdirSync(packDir)
      .filter((n) => n.endsWith('.pack'))
      .reduce((n, f) => n + readFileSync(join(packDir, f)).length, 0);
    const saved = process.env.UG_PACK_MEMORY_MB;
    // Room for the pack once, not twice.
    process.env.UG_PACK_MEMORY_MB = String((packSize * 1.5) / 1024 / 1024);
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let started!: () => void;
      const firstStarted = new Promise<void>((r) => (started = r));
      async function* slow(): AsyncGenerator<string[]> {
        yield oids.slice(0, 1);
        started();
        await held;
        yield oids.slice(1);
      }
      const seen = new Map<string, string>();
      const visit = (oid: string, parts: Buffer[] | null): void => {
        if (parts) seen.set(oid, digest(Buffer.concat(parts)));
      };
      const first = streamPackedBlobs(repo.dir, slow(), Number.MAX_SAFE_INTEGER, visit, {
        threads: 0,
      });
      await firstStarted;
      // While the first scan holds the pack in memory, the second reads it in place.
      const second = await readAll(repo.dir, oids);
      release();
      const one = await first;
      expect(one.packs?.memoryBytes).toBe(packSize);
      expect(second.result.packs?.memoryBytes).toBe(0);
      expectSame(second.seen, blobs);
      expect(seen.size).toBe(blobs.size);
      // Released when the first ended: the next scan holds it again.
      const third = await readAll(repo.dir, oids);
      expect(third.result.packs?.memoryBytes).toBe(packSize);
    } finally {
      if (saved === undefined) delete process.env.UG_PACK_MEMORY_MB;
      else process.env.UG_PACK_MEMORY_MB = saved;
    }
  });
});
