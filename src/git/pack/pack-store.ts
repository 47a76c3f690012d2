/**
 * Reads objects straight out of a repository's pack files, so that blob bytes are inflated into
 * this process instead of crossing a pipe from `git cat-file` (on trufflehog, moving 0.65 GB
 * through pipes cost about as much CPU as git's inflating them: docs/benchmarks.md, "In-process
 * pack reader").
 *
 * It answers only when it is certain: everything else is left to git, per object (`read` returns
 * undefined) or per repository (`openPackStore` returns undefined). Left to git: objects in no
 * pack (loose objects, objects an `objects/info/alternates` file points to, which this module
 * never follows, and missing ones, which git counts), SHA-256 repositories, packs whose index is
 * not version 2 or does not match, and any object whose entry or delta chain is malformed,
 * oversize, or deeper than any git writes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { applyDelta, deltaResultSize } from './delta.js';
import { createInflater } from './inflate.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, PackFile, TooLarge, type PackEntry } from './pack-file.js';
import { OID_BYTES, PackFormatError, parsePackIndex } from './pack-index.js';

/** git's pack-objects never writes chains deeper than 4095; a longer one is damage or a cycle. */
export const MAX_DELTA_DEPTH = 4096;
/** Bytes all the deltas of one chain may build together. */
const MAX_CHAIN_WORK = 512 * 1024 * 1024;
/** An index larger than this (about 9 million objects) is left to git rather than held. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** More packs than this: the repository is left to git (one descriptor per pack). */
const MAX_PACKS = 256;
/**
 * Packs are read whole into shared memory up to this many bytes in all (one copy for every
 * reader thread, entries read without a system call); larger ones are read in place, so that a
 * large repository's RSS does not grow by its packs (renovate: 278 MB of pack, 424 MB of peak
 * RSS already).
 */
export const DEFAULT_MEMORY_BYTES = 128 * 1024 * 1024;

export interface PackStoreOptions {
  /** Bytes of inflated objects kept for delta resolution (the ring). Default 64 MiB. */
  cacheBytes?: number;
  /**
   * Bytes of packs read whole into memory, in all, when the store loads its indexes itself
   * (`loadIndexes`' `memoryBytes`). Default DEFAULT_MEMORY_BYTES; 0 reads every pack in place.
   */
  memoryBytes?: number;
}

export interface PackStoreStats {
  read: number;
  /** Objects left to git, by reason. */
  notFound: number;
  tooLarge: number;
  malformed: number;
  cacheHits: number;
  cacheMisses: number;
  /** Entries inflated (objects and deltas). */
  inflated: number;
  /** The first malformed-entry errors (for a warning). */
  errors: string[];
}

export function emptyStats(): PackStoreStats {
  return {
    read: 0,
    notFound: 0,
    tooLarge: 0,
    malformed: 0,
    cacheHits: 0,
    cacheMisses: 0,
    inflated: 0,
    errors: [],
  };
}

export interface PackStore {
  /**
   * The blob's bytes, or undefined when git must answer (see the module comment). The bytes are a
   * view of the store's cache: valid until the next call, copy them to keep them.
   */
  read(oid: string, maxSize: number): Buffer | undefined;
  readonly stats: PackStoreStats;
  readonly packs: number;
  close(): void;
}

/** A pack's index read once into shared memory, for every reader thread to use. */
export interface SharedIndex {
  packPath: string;
  idx: SharedArrayBuffer;
  /** The index's offsets, ascending (Float64Array). */
  sorted: SharedArrayBuffer;
  /** The whole pack, when it was read into memory (see DEFAULT_MEMORY_BYTES). */
  pack?: SharedArrayBuffer;
}

/**
 * Reads and checks the index of every pack in `objectsDir/pack` once; undefined when there is
 * none this reader can use (then git reads everything). Indexes that fail their checks are left
 * out: their packs' objects are then in no index here, and go to git. Packs are read whole into
 * shared memory while they fit in `memoryBytes` (in all).
 */
export function loadIndexes(
  objectsDir: string,
  memoryBytes = DEFAULT_MEMORY_BYTES,
): SharedIndex[] | undefined {
  const packDir = join(objectsDir, 'pack');
  let names: string[];
  try {
    names = readdirSync(packDir).filter((n) => /^pack-[0-9a-f]{40}\.idx$/.test(n));
  } catch {
    return undefined;
  }
  if (names.length === 0 || names.length > MAX_PACKS) return undefined;
  const out: SharedIndex[] = [];
  let budget = memoryBytes;
  for (const name of names.sort()) {
    const idxPath = join(packDir, name);
    try {
      // Regular files only: a FIFO or device planted in the pack directory would block a read.
      const st = statSync(idxPath);
      if (!st.isFile() || st.size > MAX_INDEX_BYTES) continue;
      const packPath = idxPath.slice(0, -4) + '.pack';
      if (!statSync(packPath).isFile()) continue;
      const bytes = readFileSync(idxPath);
      const idx = new SharedArrayBuffer(bytes.length);
      bytes.copy(new Uint8Array(idx));
      const index = parsePackIndex(Buffer.from(idx));
      const sorted = new SharedArrayBuffer(index.count * 8);
      new Float64Array(sorted).set(index.sortedOffsets());
      // Opened once here to check the pack against its index (header, count, checksum), and read
      // whole when it fits.
      const file = PackFile.open(packPath, index, budget);
      file.close();
      const pack = file.memory?.buffer;
      if (pack instanceof SharedArrayBuffer) budget -= pack.byteLength;
      out.push({ packPath, idx, sorted, ...(pack instanceof SharedArrayBuffer ? { pack } : {}) });
    } catch {
      // This pack's objects are left to git, which reports what is wrong with them if it must.
    }
  }
  return out.length > 0 ? out : undefined;
}

/** The reader over the packs in `objectsDir/pack`, or over indexes another thread loaded. */
export function openPacksIn(
  objectsDir: string,
  opts: PackStoreOptions = {},
  shared?: SharedIndex[],
): PackStore | undefined {
  const indexes = shared ?? loadIndexes(objectsDir, opts.memoryBytes);
  if (!indexes) return undefined;
  const packs: PackFile[] = [];
  for (const s of indexes) {
    try {
      const index = parsePackIndex(Buffer.from(s.idx), new Float64Array(s.sorted));
      packs.push(
        s.pack
          ? PackFile.inMemory(s.packPath, index, new Uint8Array(s.pack))
          : PackFile.open(s.packPath, index),
      );
    } catch {
      // Changed since it was checked: left to git.
    }
  }
  if (packs.length === 0) return undefined;
  return new Store(packs, opts);
}

/**
 * The delta-base cache: one ring of bytes (one allocation for the whole scan) that objects are
 * built in and kept in, first in first out. Building a delta's result in the same array as its
 * base makes every copy instruction one native copyWithin, and a blob handed to the visitor is a
 * view of the ring: no per-object allocation, no copy (measured: docs/benchmarks.md).
 */
class Ring {
  readonly buf: Uint8Array;
  /** Virtual (ever-increasing) end of the last allocation; physical = virtual % size. */
  private head = 0;
  private readonly keys: number[] = [];
  private readonly starts: number[] = [];
  private front = 0;
  private readonly map = new Map<number, { v: number; len: number }>();

  constructor(readonly size: number) {
    this.buf = new Uint8Array(size);
  }

  get(key: number): { v: number; len: number } | undefined {
    return this.map.get(key);
  }

  phys(v: number): number {
    return v % this.size;
  }

  /**
   * Room for `n` bytes, evicting what it overwrites; -1 when it would overwrite the bytes at
   * virtual address `keep` (a base still needed).
   */
  alloc(n: number, keep = Infinity): number {
    let start = this.head;
    const phys = start % this.size;
    if (phys + n > this.size) start += this.size - phys;
    const end = start + n;
    const oldest = end - this.size;
    if (keep < oldest) return -1;
    while (this.front < this.keys.length && this.starts[this.front]! < oldest) {
      const key = this.keys[this.front]!;
      if (this.map.get(key)?.v === this.starts[this.front]) this.map.delete(key);
      this.front++;
    }
    if (this.front > 4096 && this.front * 2 > this.keys.length) {
      this.keys.splice(0, this.front);
      this.starts.splice(0, this.front);
      this.front = 0;
    }
    this.head = end;
    return start;
  }

  add(key: number, v: number, len: number): void {
    this.keys.push(key);
    this.starts.push(v);
    this.map.set(key, { v, len });
  }

  clear(): void {
    this.map.clear();
    this.keys.length = 0;
    this.starts.length = 0;
    this.front = 0;
  }
}

/** Where an object under construction lives: in the ring (virtual address) or in its own buffer. */
type Held = { ring: true; v: number; len: number } | { ring: false; data: Uint8Array };

class Store implements PackStore {
  readonly stats: PackStoreStats = emptyStats();
  private readonly ring: Ring;
  private readonly oid = Buffer.alloc(OID_BYTES);
  private readonly inflater = createInflater();
  private deltaArena = new Uint8Array(1024 * 1024);

  constructor(
    private readonly list: PackFile[],
    opts: PackStoreOptions,
  ) {
    this.ring = new Ring(Math.max(1 << 20, opts.cacheBytes ?? 64 * 1024 * 1024));
  }

  get packs(): number {
    return this.list.length;
  }

  close(): void {
    for (const p of this.list) p.close();
    this.ring.clear();
  }

  read(oid: string, maxSize: number): Buffer | undefined {
    if (oid.length !== 2 * OID_BYTES || this.oid.write(oid, 'hex') !== OID_BYTES) return undefined;
    const at = this.locate(this.oid);
    if (!at) {
      this.stats.notFound++;
      return undefined;
    }
    try {
      const held = this.resolve(at[0], at[1], maxSize);
      this.stats.read++;
      if (!held.ring) return Buffer.from(held.data.buffer, held.data.byteOffset, held.data.length);
      return Buffer.from(this.ring.buf.buffer, this.ring.phys(held.v), held.len);
    } catch (err) {
      if (err instanceof TooLarge) this.stats.tooLarge++;
      else {
        this.stats.malformed++;
        if (this.stats.errors.length < 5)
          this.stats.errors.push(`${oid}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return undefined;
    }
  }

  private locate(oid: Buffer): [number, number] | undefined {
    for (let i = 0; i < this.list.length; i++) {
      const index = this.list[i]!.index;
      const pos = index.find(oid);
      if (pos >= 0) return [i, index.offsetAt(pos)];
    }
    return undefined;
  }

  /** Keeps `data` in the ring when it fits in a quarter of it. */
  private keep(key: number, data: Uint8Array): Held {
    const ring = this.ring;
    if (data.length > ring.size / 4) return { ring: false, data };
    const v = ring.alloc(data.length);
    ring.buf.set(data, ring.phys(v));
    ring.add(key, v, data.length);
    return { ring: true, v, len: data.length };
  }

  /**
   * The object at (pack, offset): walks down its delta chain to a cached object or a whole one,
   * then applies the deltas back up, keeping each result in the ring.
   */
  private resolve(pack: number, offset: number, maxSize: number): Held {
    // Bases may be larger than the blob asked for, but never beyond this.
    const limit = Math.max(maxSize, 16 * 1024 * 1024);
    const ring = this.ring;
    const keys: number[] = [];
    const deltas: Uint8Array[] = [];
    let deltaBytes = 0;
    let cursor = 0;
    // A large chain's scratch is not kept for the rest of the scan.
    if (this.deltaArena.length > 4 * 1024 * 1024) this.deltaArena = new Uint8Array(1024 * 1024);
    let base: Held;
    let p = pack;
    let off = offset;
    for (;;) {
      const key = p * 2 ** 40 + off;
      const hit = ring.get(key);
      if (hit) {
        this.stats.cacheHits++;
        base = { ring: true, v: hit.v, len: hit.len };
        break;
      }
      this.stats.cacheMisses++;
      if (deltas.length >= MAX_DELTA_DEPTH) throw new PackFormatError('delta chain too deep');
      const file = this.list[p]!;
      const entry: PackEntry = file.entry(off, deltas.length === 0 ? maxSize : limit);
      this.stats.inflated++;
      const { raw: input, dataStart, dataEnd, size } = entry;
      if (entry.type !== OBJ_OFS_DELTA && entry.type !== OBJ_REF_DELTA) {
        // A whole object is inflated straight into the ring (or its own array when too large).
        if (size + 1 <= ring.size / 4) {
          const v = ring.alloc(size + 1);
          this.inflater.into(input, dataStart, dataEnd, ring.buf, ring.phys(v), size);
          ring.add(key, v, size);
          base = { ring: true, v, len: size };
        } else {
          const out = new Uint8Array(size + 1);
          this.inflater.into(input, dataStart, dataEnd, out, 0, size);
          base = { ring: false, data: out.subarray(0, size) };
        }
        break;
      }
      deltaBytes += size;
      if (deltaBytes > 64 * 1024 * 1024) throw new PackFormatError('delta chain too large');
      // The chain's deltas are inflated one after the other into one scratch array.
      if (this.deltaArena.length - cursor < size + 1) {
        this.deltaArena = new Uint8Array(Math.max(size + 1, this.deltaArena.length * 2));
        cursor = 0;
      }
      this.inflater.into(input, dataStart, dataEnd, this.deltaArena, cursor, size);
      const data = this.deltaArena.subarray(cursor, cursor + size);
      cursor += size;
      if (deltas.length === 0 && deltaResultSize(data) > maxSize)
        throw new TooLarge(deltaResultSize(data));
      keys.push(key);
      deltas.push(data);
      if (entry.type === OBJ_OFS_DELTA) {
        off = entry.baseOffset;
      } else {
        const at = this.locate(entry.baseOid!);
        // A base outside every pack (a thin pack completed by loose objects): git knows.
        if (!at) throw new PackFormatError('delta base not in any pack');
        [p, off] = at;
      }
    }
    let built = 0;
    for (let i = deltas.length - 1; i >= 0; i--) {
      const delta = deltas[i]!;
      const max = i === 0 ? maxSize : limit;
      const size = deltaResultSize(delta);
      if (size > max) throw new PackFormatError('delta result over the limit');
      // A few bytes of delta can copy 16 MiB: bound the work one object may cost (a long chain of
      // such deltas would otherwise copy for hours; git then gets it, under its inactivity limit).
      built += size;
      if (built > MAX_CHAIN_WORK) throw new PackFormatError('delta chain builds too much');
      const v = size <= ring.size / 4 && base.ring ? ring.alloc(size, base.v) : -1;
      if (v >= 0 && base.ring) {
        const buf = ring.buf;
        applyDelta(buf, ring.phys(base.v), base.len, delta, buf, ring.phys(v), size);
        ring.add(keys[i]!, v, size);
        base = { ring: true, v, len: size };
      } else {
        const src = base.ring ? ring.buf : base.data;
        const srcStart = base.ring ? ring.phys(base.v) : 0;
        const srcLen = base.ring ? base.len : base.data.length;
        const out = new Uint8Array(size);
        applyDelta(src, srcStart, srcLen, delta, out, 0, size);
        base = size <= ring.size / 4 ? this.keep(keys[i]!, out) : { ring: false, data: out };
      }
    }
    return base;
  }
}
