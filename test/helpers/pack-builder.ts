/**
 * Hand-built pack and index files (version 2), written from gitformat-pack.txt, for tests that
 * need entries git would never write: deltas with bad bases, absurd sizes, broken zlib.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export interface RawEntry {
  /** The name the index gives this entry (40 hex). */
  oid: string;
  type: 1 | 2 | 3 | 4 | 6 | 7;
  /** Inflated content (the delta data for a delta). */
  body: Buffer;
  /** Header size; default body.length (set it to lie). */
  size?: number;
  /** OFS_DELTA: the base's position in the entry list (or an explicit distance back). */
  base?: number;
  distance?: number;
  /** REF_DELTA: the base's name. */
  baseOid?: string;
  /** Replace the zlib stream (e.g. a corrupted or truncated one). */
  zlib?: (z: Buffer) => Buffer;
}

/** The object name git gives a blob with this content. */
export function blobOid(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');
}

function sizeHeader(type: number, size: number): Buffer {
  const out: number[] = [];
  let c = (type << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push(c | 0x80);
    c = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  out.push(c);
  return Buffer.from(out);
}

function ofsDistance(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let d = Math.floor(distance / 128);
  while (d > 0) {
    d -= 1;
    bytes.unshift(0x80 | (d & 0x7f));
    d = Math.floor(d / 128);
  }
  return Buffer.from(bytes);
}

export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let c = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) c |= 0x80;
    out.push(c);
  } while (n > 0);
  return Buffer.from(out);
}

/** A delta that copies `copy` ranges of the base and inserts literals, in order. */
export function delta(
  baseSize: number,
  ops: ({ copy: [number, number] } | { insert: Buffer })[],
): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const op of ops) {
    if ('insert' in op) {
      for (let i = 0; i < op.insert.length; i += 127) {
        const piece = op.insert.subarray(i, i + 127);
        parts.push(Buffer.from([piece.length]), piece);
      }
      size += op.insert.length;
    } else {
      const [off, len] = op.copy;
      const bytes: number[] = [];
      let cmd = 0x80;
      for (let i = 0; i < 4; i++)
        if ((off >>> (8 * i)) & 0xff) {
          cmd |= 1 << i;
          bytes.push((off >>> (8 * i)) & 0xff);
        }
      const l = len === 0x10000 ? 0 : len;
      for (let i = 0; i < 3; i++)
        if ((l >>> (8 * i)) & 0xff) {
          cmd |= 0x10 << i;
          bytes.push((l >>> (8 * i)) & 0xff);
        }
      parts.push(Buffer.from([cmd, ...bytes]));
      size += len;
    }
  }
  return Buffer.concat([varint(baseSize), varint(size), ...parts]);
}

/** Writes `pack-<sum>.pack` and `.idx` into `objectsDir/pack`; returns their paths. */
export function writePack(
  objectsDir: string,
  entries: RawEntry[],
  opts: { largeOffsets?: boolean } = {},
): { pack: string; idx: string; offsets: number[] } {
  const chunks: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  chunks.push(head);
  let at = 12;
  const offsets: number[] = [];
  for (const e of entries) {
    offsets.push(at);
    const parts = [sizeHeader(e.type, e.size ?? e.body.length)];
    if (e.type === 6) parts.push(ofsDistance(e.distance ?? at - offsets[e.base!]!));
    if (e.type === 7) parts.push(Buffer.from(e.baseOid!, 'hex'));
    const z = deflateSync(e.body);
    parts.push(e.zlib ? e.zlib(z) : z);
    const entry = Buffer.concat(parts);
    chunks.push(entry);
    at += entry.length;
  }
  const body = Buffer.concat(chunks);
  const sum = createHash('sha1').update(body).digest();
  const pack = Buffer.concat([body, sum]);
  const idx = buildIndex(
    entries.map((e, i) => ({ oid: e.oid, offset: offsets[i]! })),
    sum,
    opts,
  );
  const dir = join(objectsDir, 'pack');
  mkdirSync(dir, { recursive: true });
  const name = `pack-${sum.toString('hex')}`;
  writeFileSync(join(dir, `${name}.pack`), pack);
  writeFileSync(join(dir, `${name}.idx`), idx);
  return { pack: join(dir, `${name}.pack`), idx: join(dir, `${name}.idx`), offsets };
}

/**
 * An index v2 for (oid, offset) pairs. With `largeOffsets`, every offset goes through the 64-bit
 * table (git does that only past 2^31; the reader must accept both).
 */
export function buildIndex(
  objects: { oid: string; offset: number }[],
  packSum: Buffer,
  opts: { largeOffsets?: boolean } = {},
): Buffer {
  const sorted = [...objects].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const fanout = Buffer.alloc(1024);
  for (let b = 0; b < 256; b++)
    fanout.writeUInt32BE(sorted.filter((o) => parseInt(o.oid.slice(0, 2), 16) <= b).length, 4 * b);
  const names = Buffer.concat(sorted.map((o) => Buffer.from(o.oid, 'hex')));
  const crcs = Buffer.alloc(4 * sorted.length);
  const small = Buffer.alloc(4 * sorted.length);
  const large: Buffer[] = [];
  sorted.forEach((o, i) => {
    if (opts.largeOffsets || o.offset >= 0x80000000) {
      small.writeUInt32BE((0x80000000 | large.length) >>> 0, 4 * i);
      const l = Buffer.alloc(8);
      l.writeUInt32BE(Math.floor(o.offset / 0x100000000), 0);
      l.writeUInt32BE(o.offset >>> 0, 4);
      large.push(l);
    } else small.writeUInt32BE(o.offset, 4 * i);
  });
  const head = Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
  const body = Buffer.concat([head, fanout, names, crcs, small, ...large, packSum]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
