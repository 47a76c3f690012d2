/**
 * Listing a pack's blobs from entry headers alone (packed-blobs.ts): the same set git lists, each
 * once, grouped so a delta chain stays with one reader, and hostile entries (a malformed header, a
 * base that is no entry, a REF_DELTA to a later or missing base, a cycle) left to git as
 * unresolved rather than guessed or dropped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePackIndex } from '../../../src/git/pack/pack-index.js';
import { loadIndexes } from '../../../src/git/pack/pack-store.js';
import { listPackedBlobs, MAX_OBJECTS } from '../../../src/git/pack/packed-blobs.js';
import { createRepo } from '../../helpers/git-repo.js';
import { blobOid, delta, writePack, type RawEntry } from '../../helpers/pack-builder.js';

const fake = (n: number): string => n.toString(16).padStart(40, 'f');

describe('listPackedBlobs', () => {
  it('lists exactly the blobs git lists, once, with each chain on one reader', () => {
    const repo = createRepo();
    try {
      let text = '';
      for (let i = 0; i < 60; i++) {
        text += `line ${i} ${'x'.repeat(40)}\n`;
        repo.write('grow.txt', text);
        repo.write(`dir${i % 7}/sub/f${i}.txt`, `file ${i}\n`);
        repo.commit(`c${i}`);
      }
      repo.git('repack', '-adf', '--depth=20', '--window=20', '-q');
      const objects = join(repo.dir, '.git', 'objects');
      const indexes = loadIndexes(objects)!;
      const listing = listPackedBlobs(indexes, 2)!;
      const fromGit = repo
        .git('cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)')
        .split('\n')
        .filter((l) => l.startsWith('blob '))
        .map((l) => l.slice(5))
        .sort();
      const listed = listing.batches.flatMap((b) => b.oids);
      expect([...listed].sort()).toEqual(fromGit);
      expect(listing.blobs).toBe(fromGit.length);
      expect(listing.unresolved).toEqual([]);
      // Every delta's base is read by the same reader (the versions of grow.txt are chains).
      const readerOf = new Map<string, number>();
      for (const b of listing.batches) for (const o of b.oids) readerOf.set(o, b.reader);
      let deltas = 0;
      for (const line of repo
        .git(
          'cat-file',
          '--batch-all-objects',
          '--batch-check=%(objecttype) %(objectname) %(deltabase)',
        )
        .split('\n')) {
        const [type, oid, base] = line.split(' ');
        if (type !== 'blob' || /^0+$/.test(base!)) continue;
        deltas++;
        expect([oid, readerOf.get(base!)]).toEqual([oid, readerOf.get(oid!)]);
      }
      expect(deltas).toBeGreaterThan(30);
      // Both readers get work.
      expect(new Set(listing.batches.map((b) => b.reader))).toEqual(new Set([0, 1]));
    } finally {
      repo.cleanup();
    }
  });

  it('estimates tree and blob bytes, and stops when the caller declines', () => {
    const repo = createRepo();
    try {
      // Deep, wide trees and tiny blobs: trees hold more bytes than blobs.
      for (let i = 0; i < 30; i++) {
        for (let j = 0; j < 20; j++)
          repo.write(`a/b${j}/c/d/e${i % 3}/name-of-a-file-${j}.txt`, `${i}`);
        repo.commit(`c${i}`);
      }
      repo.git('repack', '-adf', '-q');
      const indexes = loadIndexes(join(repo.dir, '.git', 'objects'))!;
      let seen: { trees: number; blobs: number } | undefined;
      const declined = listPackedBlobs(indexes, 2, (e) => {
        seen = e;
        return false;
      });
      expect(declined).toBeUndefined();
      expect(seen!.trees).toBeGreaterThan(seen!.blobs);
      expect(seen!.blobs).toBeGreaterThan(0);
    } finally {
      repo.cleanup();
    }
  });

  it('leaves entries whose type it cannot tell to git, and never loops', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-packed-'));
    try {
      const base = Buffer.from('base content of a blob\n');
      const good = blobOid(base);
      const d = delta(base.length, [{ copy: [0, 4] }, { insert: Buffer.from(' changed\n') }]);
      const entries: RawEntry[] = [
        { oid: good, type: 3, body: base },
        // A well-formed OFS_DELTA on the blob: a blob.
        { oid: fake(1), type: 6, body: d, base: 0 },
        // A REF_DELTA whose base comes later in the pack: resolved in a later round.
        { oid: fake(2), type: 7, body: d, baseOid: fake(5) },
        // REF_DELTAs that point at each other: a cycle, never resolved.
        { oid: fake(3), type: 7, body: d, baseOid: fake(4) },
        { oid: fake(4), type: 7, body: d, baseOid: fake(3) },
        // The later base: another blob.
        { oid: fake(5), type: 3, body: Buffer.from('another blob\n') },
        // A REF_DELTA to an object in no pack.
        { oid: fake(6), type: 7, body: d, baseOid: fake(99) },
        // A tree and a commit: not listed.
        { oid: fake(7), type: 2, body: Buffer.alloc(0) },
        { oid: fake(8), type: 1, body: Buffer.from('tree x\n') },
      ];
      writePack(dir, entries);
      const listing = listPackedBlobs(loadIndexes(dir)!, 1)!;
      expect(listing.batches.flatMap((b) => b.oids).sort()).toEqual(
        [good, fake(1), fake(2), fake(5)].sort(),
      );
      expect(listing.unresolved.sort()).toEqual([fake(3), fake(4), fake(6)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an index in pack order', () => {
  it('gives each rank its index position, from one keyed sort or by search', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-packed-'));
    try {
      const entries = Array.from({ length: 300 }, (_, i) => {
        const body = Buffer.from(`blob number ${i}\n`);
        return { oid: blobOid(body), type: 3 as const, body };
      });
      const { idx } = writePack(dir, entries, { largeOffsets: true });
      const keyed = parsePackIndex(readFileSync(idx));
      const sorted = keyed.sortedOffsets();
      const searched = parsePackIndex(readFileSync(idx), new Float64Array(sorted));
      const byKey = keyed.positionsByRank();
      expect([...searched.positionsByRank()]).toEqual([...byKey]);
      for (let k = 0; k < sorted.length; k++) expect(keyed.offsetAt(byKey[k]!)).toBe(sorted[k]);
      expect(new Set(byKey).size).toBe(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listPackedBlobs across packs', () => {
  it('types a REF_DELTA whose base is in another pack, and the deltas built on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-packed-'));
    try {
      const base = Buffer.from('the base of a chain\n');
      const d = delta(base.length, [{ copy: [0, 8] }, { insert: Buffer.from('next\n') }]);
      const d2 = delta(13, [{ copy: [0, 4] }, { insert: Buffer.from('more\n') }]);
      writePack(dir, [{ oid: blobOid(base), type: 3, body: base }]);
      writePack(dir, [
        // A later REF_DELTA on an OFS_DELTA whose base is a REF_DELTA into the other pack.
        { oid: fake(20), type: 7, body: d, baseOid: blobOid(base) },
        { oid: fake(21), type: 6, body: d2, base: 0 },
        { oid: fake(22), type: 7, body: d2, baseOid: fake(23) },
        { oid: fake(23), type: 6, body: d2, base: 1 },
      ]);
      const listing = listPackedBlobs(loadIndexes(dir)!, 1)!;
      expect(listing.unresolved).toEqual([]);
      expect(listing.batches.flatMap((b) => b.oids).sort()).toEqual(
        [blobOid(base), fake(20), fake(21), fake(22), fake(23)].sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listPackedBlobs on a repository too large to list', () => {
  it('declines past MAX_OBJECTS, before reading a header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-packed-'));
    try {
      const base = Buffer.from('x\n');
      writePack(dir, [{ oid: blobOid(base), type: 3, body: base }]);
      const [one] = loadIndexes(dir)!;
      // The index with an offset table past the limit (the listing sums the tables' sizes first).
      const sorted = new SharedArrayBuffer((MAX_OBJECTS + 1) * 8);
      let asked = false;
      const r = listPackedBlobs([{ ...one!, sorted }], 2, () => (asked = true));
      expect(r).toBeUndefined();
      expect(asked).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
