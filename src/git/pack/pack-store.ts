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
import type { KeywordScanner } from '../history/keyword-scanner.js';
import { applyDelta, deltaResultSize, type DeltaMarks } from './delta.js';
import { createInflater } from './inflate.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, PackFile, TooLarge } from './pack-file.js';
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
 * Packs are read whole into shared memory up to this many bytes in all (one copy for every reader
 * thread, entries read without a system call; `UG_PACK_MEMORY_MB`); by default none is, and
 * entries are read in place with positional reads and a read-ahead. On the Firecracker VMs these
 * scans run on, the first touch of fresh memory costs about 3 µs a page: reading trufflehog's
 * 53 MB pack whole took 175 ms of page faults for 9 ms of copying, on the critical path before
 * any reader starts, and the scan was 5% slower than reading in place (1.92–2.01 s against
 * 2.05–2.28 s, 5 interleaved runs; redis-js the same either way). It also keeps the pack out of
 * the RSS (renovate: 278 MB of pack, 424 MB of peak RSS already).
 */
export const DEFAULT_MEMORY_BYTES = 0;

export interface PackStoreOptions {
  /** Bytes of inflated objects kept for delta resolution (the ring). Default 64 MiB. */
  cacheBytes?: number;
  /**
   * Bytes of packs read whole into memory, in all, when the store loads its indexes itself
   * (`loadIndexes`' `memoryBytes`). Default DEFAULT_MEMORY_BYTES; 0 reads every pack in place.
   */
  memoryBytes?: number;
  /**
   * The history scan's keyword gate: with it, the store tells for every object it returns whether
   * it holds a keyword (`mayHoldKeyword`), mostly without scanning all of it (`Store.resolve`).
   */
  keywordGate?: KeywordScanner;
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
  /** Bytes the keyword gate read (with `keywordGate`): whole objects, and windows of deltas. */
  gateBytes: number;
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
    gateBytes: 0,
    errors: [],
  };
}

export interface PackStore {
  /**
   * The blob's bytes, or undefined when git must answer (see the module comment). The bytes are a
   * view of the store's cache: valid until the next call, copy them to keep them.
   */
  read(oid: string, maxSize: number): Buffer | undefined;
  /**
   * For the object `read` returned last: whether it holds one of the gate's keywords (the same
   * answer as the gate on its bytes); undefined when the store has no gate.
   */
  readonly mayHoldKeyword: boolean | undefined;
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
  /** The index position at each rank of `sorted` (Uint32Array), for listing in pack order. */
  positions?: SharedArrayBuffer;
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
      const positions = new SharedArrayBuffer(index.count * 4);
      new Uint32Array(positions).set(index.positionsByRank());
      // Opened once here to check the pack against its index (header, count, checksum), and read
      // whole when it fits.
      const file = PackFile.open(packPath, index, budget);
      file.close();
      const pack = file.memory?.buffer;
      if (pack instanceof SharedArrayBuffer) budget -= pack.byteLength;
      out.push({
        packPath,
        idx,
        sorted,
        positions,
        ...(pack instanceof SharedArrayBuffer ? { pack } : {}),
      });
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
 * view of the ring: no per-object allocation, no copy (measured: docs/benchmarks.md). Its
 * bookkeeping is arrays of numbers and one map per pack from an entry's offset to its number:
 * no object per entry for the garbage collector to copy while it lives.
 */
class Ring {
  readonly buf: Uint8Array;
  /** Virtual (ever-increasing) end of the last allocation; physical = virtual % size. */
  private head = 0;
  /** The entries in allocation order: entry number `n` is at index `n - dropped`. */
  private readonly packs: number[] = [];
  private readonly offsets: number[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  /** Per entry: may it hold a keyword of the store's gate (see `Store.resolve`). */
  private readonly keywords: boolean[] = [];
  /** Index of the oldest entry not evicted. */
  private front = 0;
  /** Entries removed from the front of the arrays. */
  private dropped = 0;
  /** Per pack: entry offset -> number of the entry holding it. */
  private readonly maps: Map<number, number>[] = [];

  constructor(
    readonly size: number,
    packs: number,
  ) {
    this.buf = new Uint8Array(size);
    for (let i = 0; i < packs; i++) this.maps.push(new Map());
  }

  /** The index of the entry holding (pack, offset), for `start` and `length`; -1 when none. */
  find(pack: number, offset: number): number {
    const n = this.maps[pack]!.get(offset);
    return n === undefined ? -1 : n - this.dropped;
  }

  /** The virtual address of entry `i` (an index from `find`, valid until the next `alloc`). */
  start(i: number): number {
    return this.starts[i]!;
  }

  length(i: number): number {
    return this.lengths[i]!;
  }

  mayHoldKeyword(i: number): boolean {
    return this.keywords[i]!;
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
    const starts = this.starts;
    while (this.front < starts.length && starts[this.front]! < oldest) {
      const map = this.maps[this.packs[this.front]!]!;
      const offset = this.offsets[this.front]!;
      if (map.get(offset) === this.dropped + this.front) map.delete(offset);
      this.front++;
    }
    if (this.front > 4096 && this.front * 2 > starts.length) {
      this.packs.splice(0, this.front);
      this.offsets.splice(0, this.front);
      starts.splice(0, this.front);
      this.lengths.splice(0, this.front);
      this.keywords.splice(0, this.front);
      this.dropped += this.front;
      this.front = 0;
    }
    this.head = end;
    return start;
  }

  add(pack: number, offset: number, v: number, len: number, keyword: boolean): void {
    this.maps[pack]!.set(offset, this.dropped + this.starts.length);
    this.packs.push(pack);
    this.offsets.push(offset);
    this.starts.push(v);
    this.lengths.push(len);
    this.keywords.push(keyword);
  }

  clear(): void {
    for (const map of this.maps) map.clear();
    this.dropped += this.starts.length;
    this.packs.length = 0;
    this.offsets.length = 0;
    this.starts.length = 0;
    this.lengths.length = 0;
    this.keywords.length = 0;
    this.front = 0;
  }
}

const EMPTY = new Uint8Array(0);

class Store implements PackStore {
  readonly stats: PackStoreStats = emptyStats();
  private readonly ring: Ring;
  private readonly oid = Buffer.alloc(OID_BYTES);
  private readonly inflater = createInflater();
  private deltaArena = new Uint8Array(1024 * 1024);
  /**
   * The chain being resolved, from the object asked for down: each delta's entry (pack, offset)
   * and its inflated data (a view of the scratch array). Reused from read to read.
   */
  private readonly chainPack: number[] = [];
  private readonly chainOffset: number[] = [];
  private readonly chainData: Uint8Array[] = [];
  /** The offset `locate` found. */
  private located = 0;
  private readonly gate: KeywordScanner | undefined;
  private readonly marks: DeltaMarks | undefined;
  mayHoldKeyword: boolean | undefined;

  constructor(
    private readonly list: PackFile[],
    opts: PackStoreOptions,
  ) {
    this.ring = new Ring(Math.max(1 << 20, opts.cacheBytes ?? 64 * 1024 * 1024), list.length);
    this.gate = opts.keywordGate;
    if (this.gate)
      this.marks = {
        at: new Int32Array(1 << 16),
        n: 0,
        pad: Math.max(0, this.gate.longest - 1),
        // Windows less than 1 KiB apart are scanned as one: each window costs a copy and a
        // call, and the gate reads 1 KiB in about as long (callgrind, 15,000 of trufflehog's
        // blobs: 4.26 G instructions with no merging, 4.14 G at 1 KiB, 4.23 G at 256 B and
        // more again at 4 KiB; the whole-blob gate 5.60 G, no gate 3.47 G).
        gap: 1024,
        overflow: false,
      };
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
    const pack = this.locate(this.oid);
    if (pack < 0) {
      this.stats.notFound++;
      return undefined;
    }
    try {
      this.mayHoldKeyword = this.gate ? true : undefined;
      const data = this.resolve(pack, this.located, maxSize);
      this.stats.read++;
      return data;
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

  /** The pack holding `oid` (its offset in `located`), or -1. */
  private locate(oid: Buffer): number {
    for (let i = 0; i < this.list.length; i++) {
      const index = this.list[i]!.index;
      const pos = index.find(oid);
      if (pos >= 0) {
        this.located = index.offsetAt(pos);
        return i;
      }
    }
    return -1;
  }

  /**
   * The object at (pack, offset): walks down its delta chain to a cached object or a whole one,
   * then applies the deltas back up, keeping each result in the ring. Returns a view of the ring
   * or of the object's own array.
   */
  private resolve(pack: number, offset: number, maxSize: number): Buffer {
    // Bases may be larger than the blob asked for, but never beyond this.
    const limit = Math.max(maxSize, 16 * 1024 * 1024);
    const ring = this.ring;
    const quarter = ring.size / 4;
    const stats = this.stats;
    let depth = 0;
    let deltaBytes = 0;
    let cursor = 0;
    // A large chain's scratch is not kept for the rest of the scan.
    if (this.deltaArena.length > 4 * 1024 * 1024) this.deltaArena = new Uint8Array(1024 * 1024);
    // The object built so far: in the ring at virtual address `baseV`, or (baseV -1) `baseData`.
    let baseV = -1;
    let baseLen = 0;
    let baseData = EMPTY;
    let p = pack;
    let off = offset;
    // Whether the object built so far holds a keyword of the gate (exactly). A whole object is
    // scanned; a delta's result built on a base without one can hold one only in the windows
    // around what the delta changed (delta.ts, DeltaMarks), since a keyword inside one copy
    // instruction is a keyword of the base. So a version of a clean file costs the scan of its
    // changes, not of itself.
    const gate = this.gate;
    let keyword = true;
    try {
      for (;;) {
        const hit = ring.find(p, off);
        if (hit >= 0) {
          stats.cacheHits++;
          baseV = ring.start(hit);
          baseLen = ring.length(hit);
          keyword = ring.mayHoldKeyword(hit);
          break;
        }
        stats.cacheMisses++;
        if (depth >= MAX_DELTA_DEPTH) throw new PackFormatError('delta chain too deep');
        const entry = this.list[p]!.entry(off, depth === 0 ? maxSize : limit);
        stats.inflated++;
        const { type, raw, dataStart, dataEnd, size } = entry;
        if (type !== OBJ_OFS_DELTA && type !== OBJ_REF_DELTA) {
          // A whole object is inflated straight into the ring (or its own array when too large).
          if (size + 1 <= quarter) {
            const v = ring.alloc(size + 1);
            const at = ring.phys(v);
            this.inflater.into(raw, dataStart, dataEnd, ring.buf, at, size);
            keyword = gate === undefined || this.holdsKeyword(ring.buf.subarray(at, at + size));
            ring.add(p, off, v, size, keyword);
            baseV = v;
          } else {
            const out = new Uint8Array(size + 1);
            this.inflater.into(raw, dataStart, dataEnd, out, 0, size);
            keyword = gate === undefined || this.holdsKeyword(out.subarray(0, size));
            baseData = out;
          }
          baseLen = size;
          break;
        }
        deltaBytes += size;
        if (deltaBytes > 64 * 1024 * 1024) throw new PackFormatError('delta chain too large');
        // The chain's deltas are inflated one after the other into one scratch array.
        if (this.deltaArena.length - cursor < size + 1) {
          this.deltaArena = new Uint8Array(Math.max(size + 1, this.deltaArena.length * 2));
          cursor = 0;
        }
        this.inflater.into(raw, dataStart, dataEnd, this.deltaArena, cursor, size);
        // A view per delta: with the delta's own bounds, applyDelta's loop is faster (measured).
        const data = this.deltaArena.subarray(cursor, cursor + size);
        if (depth === 0) {
          const result = deltaResultSize(data);
          if (result > maxSize) throw new TooLarge(result);
        }
        this.chainPack[depth] = p;
        this.chainOffset[depth] = off;
        this.chainData[depth] = data;
        depth++;
        cursor += size;
        if (type === OBJ_OFS_DELTA) {
          off = entry.baseOffset;
        } else {
          const at = this.locate(entry.baseOid!);
          // A base outside every pack (a thin pack completed by loose objects): git knows.
          if (at < 0) throw new PackFormatError('delta base not in any pack');
          p = at;
          off = this.located;
        }
      }
      let built = 0;
      for (let i = depth - 1; i >= 0; i--) {
        const delta = this.chainData[i]!;
        const max = i === 0 ? maxSize : limit;
        const size = deltaResultSize(delta);
        if (size > max) throw new PackFormatError('delta result over the limit');
        // A few bytes of delta can copy 16 MiB: bound the work one object may cost (a long chain
        // of such deltas would otherwise copy for hours; git then gets it, under its inactivity
        // limit).
        built += size;
        if (built > MAX_CHAIN_WORK) throw new PackFormatError('delta chain builds too much');
        const v = size <= quarter && baseV >= 0 ? ring.alloc(size, baseV) : -1;
        // Windows are marked only when the base holds no keyword; a result built on one that
        // does is scanned whole (the keyword may have been deleted), so every answer is exact.
        const marks = keyword ? undefined : this.marks;
        if (marks) {
          marks.n = 0;
          marks.overflow = false;
        }
        if (v >= 0) {
          const buf = ring.buf;
          const at = ring.phys(v);
          applyDelta(buf, ring.phys(baseV), baseLen, delta, buf, at, size, marks);
          if (gate) keyword = this.holdsKeyword(buf.subarray(at, at + size), marks);
          ring.add(this.chainPack[i]!, this.chainOffset[i]!, v, size, keyword);
          baseV = v;
        } else {
          const src = baseV >= 0 ? ring.buf : baseData;
          const srcStart = baseV >= 0 ? ring.phys(baseV) : 0;
          const out = new Uint8Array(size);
          applyDelta(src, srcStart, baseLen, delta, out, 0, size, marks);
          if (gate) keyword = this.holdsKeyword(out, marks);
          if (size <= quarter) {
            // Kept in the ring, where the next delta up the chain finds it.
            const kept = ring.alloc(size);
            ring.buf.set(out, ring.phys(kept));
            ring.add(this.chainPack[i]!, this.chainOffset[i]!, kept, size, keyword);
            baseV = kept;
          } else {
            baseV = -1;
            baseData = out;
          }
        }
        baseLen = size;
      }
    } finally {
      // No scratch array outlives its chain through these references.
      for (let i = 0; i < depth; i++) this.chainData[i] = EMPTY;
    }
    if (gate) this.mayHoldKeyword = keyword;
    return baseV >= 0
      ? Buffer.from(ring.buf.buffer, ring.phys(baseV), baseLen)
      : Buffer.from(baseData.buffer, baseData.byteOffset, baseLen);
  }

  /**
   * Whether `data` holds a keyword. For a delta's result with `marks` (its base holds none):
   * whether the windows around its changes do; the whole is scanned without marks, or when the
   * windows overflowed or cover half of it (copying them would cost more than scanning).
   */
  private holdsKeyword(data: Uint8Array, marks?: DeltaMarks): boolean {
    const gate = this.gate!;
    if (!marks || marks.overflow) {
      this.stats.gateBytes += data.length;
      return gate(data);
    }
    const at = marks.at;
    const size = data.length;
    let covered = 0;
    for (let i = 0; i < 2 * marks.n; i += 2) {
      const a = Math.max(0, at[i]!);
      const b = Math.min(size, at[i + 1]!);
      at[i] = a;
      at[i + 1] = Math.max(a, b);
      covered += at[i + 1]! - a;
    }
    if (covered * 2 >= size) {
      this.stats.gateBytes += size;
      return gate(data);
    }
    this.stats.gateBytes += covered;
    return gate.ranges(data, at, marks.n);
  }
}
