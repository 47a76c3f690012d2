/**
 * The repository is hostile input: hand-built packs and indexes (entries git would never write)
 * must make the reader refuse an object quickly (leaving it to git) without hanging, throwing out
 * of `read`, or allocating more than the object's declared, bounded size.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadIndexes,
  openPacksIn,
  type PackStoreOptions,
} from '../../../src/git/pack/pack-store.js';
import { PackFile } from '../../../src/git/pack/pack-file.js';
import { parsePackIndex, PackFormatError } from '../../../src/git/pack/pack-index.js';
import { streamPackedBlobs } from '../../../src/git/pack/pack-stream.js';
import {
  blobOid,
  buildIndex,
  delta,
  varint,
  writePack,
  type RawEntry,
} from '../../helpers/pack-builder.js';
import { createRepo } from '../../helpers/git-repo.js';

/** A budget that reads every test pack whole. */
const WHOLE = 128 * 1024 * 1024;

const dirs: string[] = [];
function objectsDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ug-pack-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const base = Buffer.from('The quick brown fox jumps over the lazy dog.\n'.repeat(40));
const target = Buffer.concat([
  base.subarray(0, 900),
  Buffer.from('INSERTED\n'),
  base.subarray(900),
]);
const baseOid = blobOid(base);
const targetOid = blobOid(target);
const good = delta(base.length, [
  { copy: [0, 900] },
  { insert: Buffer.from('INSERTED\n') },
  { copy: [900, base.length - 900] },
]);
const fake = (n: number): string => n.toString(16).padStart(40, 'f');

/** Small packs are read whole into memory by default; larger ones in place: both are tested. */
const modes: [string, PackStoreOptions][] = [
  ['whole pack in memory', {}],
  ['pack read in place', { memoryBytes: 0 }],
];

describe.each(modes)('pack reader on hostile packs (%s)', (_mode, opts) => {
  it('reads a well-formed hand-built pack (OFS and REF deltas), so the builder is sound', () => {
    const dir = objectsDir();
    const refTarget = Buffer.concat([base, Buffer.from('tail\n')]);
    writePack(dir, [
      { oid: baseOid, type: 3, body: base },
      { oid: targetOid, type: 6, body: good, base: 0 },
      {
        oid: blobOid(refTarget),
        type: 7,
        body: delta(base.length, [{ copy: [0, base.length] }, { insert: Buffer.from('tail\n') }]),
        baseOid,
      },
    ]);
    const store = openPacksIn(dir, opts)!;
    expect(Buffer.from(store.read(baseOid, 1 << 20)!)).toEqual(base);
    expect(Buffer.from(store.read(targetOid, 1 << 20)!)).toEqual(target);
    expect(Buffer.from(store.read(blobOid(refTarget), 1 << 20)!)).toEqual(refTarget);
    expect(store.stats.malformed).toBe(0);
    store.close();
  });

  const cases: [string, RawEntry[], 'malformed' | 'tooLarge'][] = [
    [
      'an OFS_DELTA whose base is itself (distance 0)',
      [{ oid: targetOid, type: 6, body: good, distance: 0 }],
      'malformed',
    ],
    [
      'an OFS_DELTA pointing before the pack header',
      [{ oid: targetOid, type: 6, body: good, distance: 100_000 }],
      'malformed',
    ],
    [
      'an OFS_DELTA pointing into the middle of an entry',
      [
        { oid: baseOid, type: 3, body: base },
        { oid: targetOid, type: 6, body: good, distance: 5 },
      ],
      'malformed',
    ],
    [
      'REF_DELTAs that are each other’s base (a cycle)',
      [
        { oid: fake(1), type: 7, body: good, baseOid: fake(2) },
        { oid: fake(2), type: 7, body: good, baseOid: fake(1) },
      ],
      'malformed',
    ],
    [
      'a REF_DELTA whose base is in no pack',
      [{ oid: targetOid, type: 7, body: good, baseOid: fake(3) }],
      'malformed',
    ],
    [
      'a delta whose base size does not match its base',
      [
        { oid: baseOid, type: 3, body: base },
        { oid: targetOid, type: 6, body: delta(base.length + 1, [{ copy: [0, 10] }]), base: 0 },
      ],
      'malformed',
    ],
    [
      'a delta copying past its base',
      [
        { oid: baseOid, type: 3, body: base },
        {
          oid: targetOid,
          type: 6,
          body: delta(base.length, [{ copy: [base.length - 5, 10] }]),
          base: 0,
        },
      ],
      'malformed',
    ],
    [
      'a delta declaring an absurd result size',
      [
        { oid: baseOid, type: 3, body: base },
        {
          oid: targetOid,
          type: 6,
          body: Buffer.concat([varint(base.length), varint(2 ** 40), Buffer.from([0x91, 0, 10])]),
          base: 0,
        },
      ],
      'tooLarge',
    ],
    [
      'an object header declaring 2^45 bytes',
      [{ oid: targetOid, type: 3, body: target, size: 2 ** 45 }],
      'tooLarge',
    ],
    [
      'an object whose content is longer than its header says',
      [{ oid: targetOid, type: 3, body: target, size: 100 }],
      'malformed',
    ],
    [
      'an object whose content is shorter than its header says',
      [{ oid: targetOid, type: 3, body: target, size: target.length + 10 }],
      'malformed',
    ],
    [
      'corrupted zlib data',
      [
        {
          oid: targetOid,
          type: 3,
          body: target,
          zlib: (z) => Buffer.from(z.map((b, i) => (i > 4 ? b ^ 0x5a : b))),
        },
      ],
      'malformed',
    ],
    [
      'a truncated zlib stream',
      [{ oid: targetOid, type: 3, body: target, zlib: (z) => z.subarray(0, z.length >> 1) }],
      'malformed',
    ],
    ['an invalid object type (5)', [{ oid: targetOid, type: 5 as 3, body: target }], 'malformed'],
  ];

  it.each(cases)('refuses %s and leaves it to git', (_name, entries, reason) => {
    const dir = objectsDir();
    writePack(dir, entries);
    const store = openPacksIn(dir, opts)!;
    expect(store).toBeDefined();
    const asked = entries.find((e) => e.oid === targetOid || e.oid === fake(1))!.oid;
    expect(store.read(asked, 1 << 20)).toBeUndefined();
    expect(store.stats[reason]).toBe(1);
    store.close();
  });

  it('caps delta chains: 5000 deltas deep is refused, not followed', () => {
    const dir = objectsDir();
    const entries: RawEntry[] = [{ oid: fake(0), type: 3, body: base }];
    for (let i = 1; i <= 5000; i++)
      entries.push({
        oid: fake(i),
        type: 6,
        body: delta(base.length, [{ copy: [0, base.length] }]),
        base: i - 1,
      });
    writePack(dir, entries);
    const store = openPacksIn(dir, opts)!;
    expect(store.read(fake(5000), 1 << 20)).toBeUndefined();
    expect(store.stats.malformed).toBe(1);
    expect(Buffer.from(store.read(fake(4000), 1 << 20)!)).toEqual(base);
    store.close();
  });

  it('bounds the work of one chain: small deltas that each build 8 MiB are refused past 512 MiB', () => {
    const dir = objectsDir();
    const chunk = Buffer.alloc(0x10000, 'x');
    const eight = 128 * 0x10000;
    const copies = Array.from({ length: 128 }, () => ({ copy: [0, 0x10000] as [number, number] }));
    const entries: RawEntry[] = [{ oid: fake(0), type: 3, body: chunk }];
    for (let i = 1; i <= 80; i++)
      entries.push({
        oid: fake(i),
        type: 6,
        body: delta(i === 1 ? chunk.length : eight, copies),
        base: i - 1,
      });
    writePack(dir, entries);
    const store = openPacksIn(dir, opts)!;
    expect(store.read(fake(2), 16 << 20)!.length).toBe(eight);
    expect(store.read(fake(80), 16 << 20)).toBeUndefined();
    expect(store.stats.malformed).toBe(1);
    store.close();
  });

  it('ignores a truncated pack and an index that belongs to another pack', () => {
    const dir = objectsDir();
    const { pack } = writePack(dir, [{ oid: baseOid, type: 3, body: base }]);
    truncateSync(pack, statSync(pack).size - 30);
    expect(openPacksIn(dir, opts)).toBeUndefined();
  });

  it('refuses an index offset past the end of the pack', () => {
    const dir = objectsDir();
    const { idx } = writePack(dir, [
      { oid: baseOid, type: 3, body: base },
      { oid: targetOid, type: 3, body: target },
    ]);
    const index = parsePackIndex(readFileSync(idx));
    const sum = Buffer.from(index.packChecksum);
    writeFileSync(
      idx,
      buildIndex(
        [
          { oid: baseOid, offset: 12 },
          { oid: targetOid, offset: 1 << 30 },
        ],
        sum,
      ),
    );
    const store = openPacksIn(dir, opts)!;
    expect(store.read(targetOid, 1 << 20)).toBeUndefined();
    // The other entry now ends where that offset starts: past the end too.
    expect(store.read(baseOid, 1 << 20)).toBeUndefined();
    expect(store.stats.malformed).toBe(2);
    store.close();
  });
});

describe('pack reader: packs read whole into memory', () => {
  it('reads packs whole while they fit the budget, the others in place, with the same bytes', () => {
    const dir = objectsDir();
    const big = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i * 7919}\n`).join(''));
    writePack(dir, [{ oid: blobOid(big), type: 3, body: big }]);
    writePack(dir, [
      { oid: baseOid, type: 3, body: base },
      { oid: targetOid, type: 6, body: good, base: 0 },
    ]);
    const sizes = readdirSync(join(dir, 'pack'))
      .filter((n) => n.endsWith('.pack'))
      .map((n) => statSync(join(dir, 'pack', n)).size);
    // Room for the smaller pack only.
    const budget = Math.min(...sizes);
    const shared = loadIndexes(dir, budget)!;
    expect(shared).toHaveLength(2);
    expect(shared.filter((s) => s.pack).map((s) => s.pack!.byteLength)).toEqual([budget]);
    expect(loadIndexes(dir, 0)!.filter((s) => s.pack)).toHaveLength(0);
    // By default nothing is read whole (pack-store.ts, DEFAULT_MEMORY_BYTES).
    expect(loadIndexes(dir)!.filter((s) => s.pack)).toHaveLength(0);
    expect(loadIndexes(dir, WHOLE)!.filter((s) => s.pack)).toHaveLength(2);
    const store = openPacksIn(dir, {}, shared)!;
    expect(Buffer.from(store.read(blobOid(big), 1 << 20)!)).toEqual(big);
    expect(Buffer.from(store.read(targetOid, 1 << 20)!)).toEqual(target);
    expect(Buffer.from(store.read(baseOid, 1 << 20)!)).toEqual(base);
    expect(store.stats).toMatchObject({ read: 3, malformed: 0 });
    store.close();
  });

  it('reads the snapshot it checked: a pack truncated afterwards is still read from memory', () => {
    const dir = objectsDir();
    const { pack } = writePack(dir, [
      { oid: baseOid, type: 3, body: base },
      { oid: targetOid, type: 6, body: good, base: 0 },
    ]);
    const inMemory = loadIndexes(dir, WHOLE)!;
    const inPlace = loadIndexes(dir, 0)!;
    truncateSync(pack, 40);
    const store = openPacksIn(dir, {}, inMemory)!;
    expect(Buffer.from(store.read(targetOid, 1 << 20)!)).toEqual(target);
    store.close();
    // Read in place, the truncated pack no longer matches its index: left to git.
    expect(openPacksIn(dir, {}, inPlace)).toBeUndefined();
    expect(loadIndexes(dir)).toBeUndefined();
  });

  it('refuses shared pack bytes that do not match the index (cut short, other checksum)', () => {
    const dir = objectsDir();
    writePack(dir, [{ oid: baseOid, type: 3, body: base }]);
    const [s] = loadIndexes(dir, WHOLE)!;
    const bytes = new Uint8Array(s!.pack!);
    const copy = (n: number): SharedArrayBuffer => {
      const c = new SharedArrayBuffer(n);
      new Uint8Array(c).set(bytes.subarray(0, n));
      return c;
    };
    const short = copy(bytes.length - 1);
    const other = copy(bytes.length);
    new Uint8Array(other)[bytes.length - 1]! ^= 1;
    for (const pack of [short, other, copy(20)])
      expect(openPacksIn(dir, {}, [{ ...s!, pack }])).toBeUndefined();
    expect(openPacksIn(dir, {}, [s!])).toBeDefined();
  });

  it('does not block on a FIFO in place of a pack', () => {
    if (process.platform === 'win32') return;
    const dir = objectsDir();
    const { pack, idx } = writePack(dir, [{ oid: baseOid, type: 3, body: base }]);
    rmSync(pack);
    execFileSync('mkfifo', [pack]);
    const index = parsePackIndex(readFileSync(idx));
    expect(() => PackFile.open(pack, index, 1 << 20)).toThrow(PackFormatError);
    expect(() => PackFile.open(pack, index)).toThrow(PackFormatError);
    expect(loadIndexes(dir)).toBeUndefined();
  });
});

describe('pack reader on hostile input', () => {
  it('parses the 64-bit offset table and rejects malformed indexes', () => {
    const sum = Buffer.alloc(20, 7);
    const objects = [
      { oid: fake(1), offset: 12 },
      { oid: 'a'.repeat(40), offset: 3 * 2 ** 32 + 17 },
      { oid: '0'.repeat(39) + '1', offset: 2 ** 31 + 5 },
    ];
    const idx = buildIndex(objects, sum);
    const index = parsePackIndex(idx);
    expect(index.count).toBe(3);
    for (const o of objects)
      expect(index.offsetAt(index.find(Buffer.from(o.oid, 'hex')))).toBe(o.offset);
    expect(index.find(Buffer.from('b'.repeat(40), 'hex'))).toBe(-1);
    expect([...index.sortedOffsets()]).toEqual([12, 2 ** 31 + 5, 3 * 2 ** 32 + 17]);
    expect(parsePackIndex(buildIndex(objects, sum, { largeOffsets: true })).offsetAt(0)).toBe(
      2 ** 31 + 5,
    );

    const bad =
      (mutate: (b: Buffer) => Buffer): (() => unknown) =>
      () =>
        parsePackIndex(mutate(Buffer.from(idx)));
    expect(bad((b) => b.subarray(0, 500))).toThrow(PackFormatError);
    expect(bad((b) => (b.writeUInt32BE(0x12345678, 0), b))).toThrow(PackFormatError);
    expect(bad((b) => (b.writeUInt32BE(3, 4), b))).toThrow(PackFormatError);
    expect(bad((b) => (b.writeUInt32BE(9, 8 + 4 * 10), b))).toThrow(PackFormatError); // not monotonic
    expect(bad((b) => Buffer.concat([b, Buffer.alloc(3)]))).toThrow(PackFormatError);
    // A large-offset entry pointing past the table.
    const broken = Buffer.from(idx);
    broken.writeUInt32BE(0x80000009, 8 + 1024 + 3 * 20 + 3 * 4);
    expect(() => parsePackIndex(broken).offsetAt(0)).toThrow(PackFormatError);
  });

  it('an object the reader refuses is read by git, which finds another copy', async () => {
    const repo = createRepo();
    try {
      repo.write('a.txt', base);
      repo.write('b.txt', target);
      repo.commit('two'); // loose objects
      // A pack whose copy of b.txt is corrupt: the reader refuses it, git falls back to the loose copy.
      writePack(join(repo.dir, '.git/objects'), [
        { oid: baseOid, type: 3, body: base },
        {
          oid: targetOid,
          type: 3,
          body: target,
          zlib: (z) => Buffer.from(z.map((c, i) => (i > 4 ? c ^ 1 : c))),
        },
      ]);
      const seen = new Map<string, Buffer>();
      const result = await streamPackedBlobs(
        repo.dir,
        [[baseOid, targetOid]],
        1 << 20,
        (oid, parts) => void seen.set(oid, Buffer.concat(parts!)),
        { threads: 0 },
      );
      expect(seen.get(baseOid)).toEqual(base);
      expect(seen.get(targetOid)).toEqual(target);
      expect(result.packs).toMatchObject({ read: 1, malformed: 1, fallback: 1 });
      expect(result.missing).toBe(0);
    } finally {
      repo.cleanup();
    }
  });

  it('a damaged pack git cannot read either: every blob is visited or counted, nothing hangs', async () => {
    const repo = createRepo();
    try {
      repo.write('a.txt', base);
      repo.write('b.txt', target);
      repo.commit('two');
      repo.git('repack', '-adf');
      const packDir = join(repo.dir, '.git/objects/pack');
      const idxName = join(
        packDir,
        readdirSync(packDir).find((n) => n.endsWith('.idx'))!,
      );
      const idx = readFileSync(idxName);
      idx[idx.length - 30] = idx[idx.length - 30]! ^ 0xff; // the pack checksum the index records
      writeFileSync(idxName, idx);
      const seen = new Map<string, Buffer>();
      const outcome = await streamPackedBlobs(
        repo.dir,
        [[baseOid, targetOid]],
        1 << 20,
        (oid, parts) => void seen.set(oid, Buffer.concat(parts!)),
        { threads: 0 },
      ).then(
        (r) => r,
        (err: Error) => err,
      );
      if (outcome instanceof Error) expect(outcome.message).toMatch(/git cat-file failed/);
      else {
        expect(outcome.packs?.read ?? 0).toBe(0);
        expect(seen.size + outcome.missing).toBe(2);
        for (const [oid, data] of seen) expect(data).toEqual(oid === baseOid ? base : target);
      }
    } finally {
      repo.cleanup();
    }
  });
});
