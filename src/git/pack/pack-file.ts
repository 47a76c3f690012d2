/**
 * One pack file (`objects/pack/pack-*.pack`) read in place with positional reads, from the format
 * description in git's Documentation/gitformat-pack.txt:
 *
 *   header "PACK", version (2 or 3), object count; then each object: a header whose first byte
 *   holds a continuation bit, the type (bits 6-4) and the low 4 bits of the size, later bytes 7
 *   more size bits each (little-endian groups); for OFS_DELTA (6) a big-endian base-128 distance
 *   back to the base, with 1 added for every continued byte; for REF_DELTA (7) the base's 20-byte
 *   name; then the zlib stream of the content (of the delta data, for deltas). The pack ends with
 *   a 20-byte checksum.
 *
 * Entries carry no compressed length: one ends where the next entry (in offset order) starts.
 * Nothing is trusted: offsets, sizes and distances are checked against the file before use.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { OID_BYTES, PackFormatError, type PackIndex } from './pack-index.js';

export const OBJ_COMMIT = 1;
export const OBJ_TREE = 2;
export const OBJ_BLOB = 3;
export const OBJ_TAG = 4;
export const OBJ_OFS_DELTA = 6;
export const OBJ_REF_DELTA = 7;

const PACK_HEADER = 12;
/** Read-ahead of each entry read (measured 8–64 KiB on trufflehog: 16 KiB, 8% less CPU than none). */
const READ_AHEAD = 16 * 1024;
/** The longest header the parser looks at (the rest of an entry is its zlib stream). */
const HEADER_WINDOW = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * One parsed entry header and where its zlib stream is. The same object is returned by every
 * `entry` call of a pack: it, and the bytes `raw` holds, are valid until the next `entry` call.
 */
export interface PackEntry {
  type: number;
  /** Inflated size: the object's, or the delta data's for a delta. */
  size: number;
  /** For OFS_DELTA: the base's offset (always before this entry). */
  baseOffset: number;
  /** For REF_DELTA: the base's name (a buffer the pack reuses). */
  baseOid: Buffer | undefined;
  /** The entry's zlib stream is `raw[dataStart, dataEnd)` (`raw` may hold more than the entry). */
  raw: Uint8Array;
  dataStart: number;
  dataEnd: number;
}

/** An entry's header: type, size, base, and where its zlib stream starts (`p`, from the entry). */
export interface ParsedHeader {
  type: number;
  size: number;
  baseOffset: number;
  /** For REF_DELTA: a buffer the pack reuses. */
  baseOid: Buffer | undefined;
  p: number;
}

export class PackFile {
  /** -1 when the whole pack is in `memory`. */
  private readonly fd: number;
  readonly size: number;
  /**
   * The whole pack, when it was read into memory (shared between threads): entries are read
   * from it without a system call.
   */
  readonly memory: Uint8Array | undefined;
  private scratch: Uint8Array = EMPTY;
  private windowStart = 0;
  private windowLength = 0;
  private readonly out: PackEntry = {
    type: 0,
    size: 0,
    baseOffset: -1,
    baseOid: undefined,
    raw: EMPTY,
    dataStart: 0,
    dataEnd: 0,
  };
  private readonly refOid = Buffer.alloc(OID_BYTES);
  private readonly parsed: ParsedHeader = {
    type: 0,
    size: 0,
    baseOffset: -1,
    baseOid: undefined,
    p: 0,
  };

  private constructor(
    readonly path: string,
    readonly index: PackIndex,
    fd: number,
    size: number,
    memory: Uint8Array | undefined,
  ) {
    this.fd = fd;
    this.size = size;
    this.memory = memory;
    if (!memory) this.scratch = new Uint8Array(64 * 1024);
  }

  /**
   * Opens a pack and checks it against its index (header, object count, trailing checksum). A
   * pack of at most `wholeUpTo` bytes is read whole into a SharedArrayBuffer (exactly the size
   * fstat gave: a pack cut short meanwhile fails the read, one grown or rewritten fails the
   * checksum) and its file is closed at once; a larger one is read in place.
   */
  static open(path: string, index: PackIndex, wholeUpTo = 0): PackFile {
    // Non-blocking: a FIFO put in place of the pack after it was checked must not block the open.
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    let keep = false;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new PackFormatError('not a regular file');
      const size = st.size;
      if (size < PACK_HEADER + OID_BYTES) throw new PackFormatError('pack too short');
      if (size <= wholeUpTo) {
        const memory = new Uint8Array(new SharedArrayBuffer(size));
        readFully(fd, memory, size, 0);
        checkPack(memory.subarray(0, PACK_HEADER), memory.subarray(size - OID_BYTES), index);
        return new PackFile(path, index, -1, size, memory);
      }
      const head = Buffer.alloc(PACK_HEADER);
      readFully(fd, head, PACK_HEADER, 0);
      const trailer = Buffer.alloc(OID_BYTES);
      readFully(fd, trailer, OID_BYTES, size - OID_BYTES);
      checkPack(head, trailer, index);
      keep = true;
      return new PackFile(path, index, fd, size, undefined);
    } finally {
      if (!keep) closeSync(fd);
    }
  }

  /** A pack another thread read whole (`open` with `wholeUpTo`), checked again against its index. */
  static inMemory(path: string, index: PackIndex, memory: Uint8Array): PackFile {
    const size = memory.length;
    if (size < PACK_HEADER + OID_BYTES) throw new PackFormatError('pack too short');
    checkPack(memory.subarray(0, PACK_HEADER), memory.subarray(size - OID_BYTES), index);
    return new PackFile(path, index, -1, size, memory);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
  }

  /**
   * Reads the entry at `offset` (which must be an entry's start, per the index). Entries whose
   * inflated size exceeds `maxSize` are rejected before their bytes are read. The result is
   * reused by the next call (see PackEntry).
   */
  entry(offset: number, maxSize: number): PackEntry {
    const sorted = this.index.sortedOffsets();
    const at = findOffset(sorted, offset);
    if (at < 0) throw new PackFormatError(`no entry starts at offset ${offset}`);
    const end = at + 1 < sorted.length ? sorted[at + 1]! : this.size - OID_BYTES;
    const length = end - offset;
    if (offset < PACK_HEADER || length <= 0 || end > this.size - OID_BYTES)
      throw new PackFormatError('entry outside the pack');
    // The header is at most 10 + 10 bytes (OFS) or 10 + 20 (REF): read it first when the entry is
    // long, so an oversize object is refused before its compressed bytes are read.
    const first = Math.min(length, HEADER_WINDOW);
    let raw: Uint8Array;
    let s: number;
    if (this.memory) {
      raw = this.memory;
      s = offset;
    } else {
      s = this.window(offset, first);
      raw = this.scratch;
    }
    const bad = this.parse(raw, s, first, offset);
    if (bad) throw new PackFormatError(bad);
    const { type, size, p, baseOffset, baseOid } = this.parsed;
    if (size > maxSize) throw new TooLarge(size);
    // A zlib stream of `size` bytes is never much longer than them (stored blocks add 5 bytes per
    // 64 KiB); a far longer entry is damage or an attack, and is left to git.
    if (length - p > size + Math.ceil(size / 16_384) * 5 + 1024)
      throw new PackFormatError('entry longer than its content');
    if (!this.memory && length > first) {
      s = this.window(offset, length);
      raw = this.scratch;
    }
    const out = this.out;
    out.type = type;
    out.size = size;
    out.baseOffset = baseOffset;
    out.baseOid = baseOid;
    out.raw = raw;
    out.dataStart = s + p;
    out.dataEnd = s + length;
    return out;
  }

  /**
   * The entry's type and, for a delta, where its base is, from its header alone (no content is
   * read or inflated): what listing a pack's blobs needs. Undefined when the header is malformed.
   * `baseOid` is a buffer the pack reuses.
   */
  header(offset: number): Readonly<ParsedHeader> | undefined {
    if (offset < PACK_HEADER || offset >= this.size - OID_BYTES) return undefined;
    const first = Math.min(this.size - OID_BYTES - offset, 64);
    const s = this.memory ? offset : this.window(offset, first);
    return this.parse(this.memory ?? this.scratch, s, first, offset) ? undefined : this.parsed;
  }

  /**
   * Parses the header at raw[s…], of which `first` bytes may be read (checked before each read),
   * into `parsed` (reused by every call: no allocation per entry); returns what is wrong with it.
   */
  private parse(raw: Uint8Array, s: number, first: number, offset: number): string | undefined {
    let p = 0;
    let c = raw[s + p++]!;
    const type = (c >> 4) & 7;
    let size = c & 15;
    // 2 ** (bits so far), kept by multiplication: `2 ** shift` is a call to pow.
    let scale = 16;
    while (c & 0x80) {
      if (p >= first || scale > 2 ** 49) return 'bad object header';
      c = raw[s + p++]!;
      size += (c & 0x7f) * scale;
      scale *= 128;
    }
    if (type === OBJ_OFS_DELTA) {
      if (p >= first) return 'bad delta header';
      c = raw[s + p++]!;
      let distance = c & 0x7f;
      while (c & 0x80) {
        if (p >= first || distance > 2 ** 45) return 'bad delta offset';
        c = raw[s + p++]!;
        distance = (distance + 1) * 128 + (c & 0x7f);
      }
      const baseOffset = offset - distance;
      // A base always precedes its delta: a distance of 0 or past the start would loop or escape.
      if (distance <= 0 || baseOffset < PACK_HEADER)
        return 'delta base offset does not point backwards';
      return this.fill(type, size, baseOffset, undefined, p);
    }
    if (type === OBJ_REF_DELTA) {
      if (p + OID_BYTES > first) return 'bad delta header';
      this.refOid.set(raw.subarray(s + p, s + p + OID_BYTES));
      return this.fill(type, size, -1, this.refOid, p + OID_BYTES);
    }
    if (type < OBJ_COMMIT || type > OBJ_TAG) return `bad object type ${type}`;
    return this.fill(type, size, -1, undefined, p);
  }

  private fill(
    type: number,
    size: number,
    baseOffset: number,
    baseOid: Buffer | undefined,
    p: number,
  ): undefined {
    const out = this.parsed;
    out.type = type;
    out.size = size;
    out.baseOffset = baseOffset;
    out.baseOid = baseOid;
    out.p = p;
    return undefined;
  }

  /**
   * Reads `length` bytes at `offset` into the scratch array and returns where they start in it:
   * a read-ahead window, since half the entries a history scan reads start within a few KiB after
   * the previous one, and one larger read is cheaper than two system calls on a VM.
   */
  private window(offset: number, length: number): number {
    const from = offset - this.windowStart;
    if (from >= 0 && from + length <= this.windowLength) return from;
    const want = Math.min(Math.max(length, READ_AHEAD), this.size - offset);
    if (this.scratch.length < want)
      this.scratch = new Uint8Array(Math.max(want, this.scratch.length * 2));
    readFully(this.fd, this.scratch, want, offset);
    this.windowStart = offset;
    this.windowLength = want;
    return 0;
  }
}

/** The pack's header and trailer against its index. */
function checkPack(head: Uint8Array, trailer: Uint8Array, index: PackIndex): void {
  const h = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (h.toString('latin1', 0, 4) !== 'PACK') throw new PackFormatError('not a pack');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3)
    throw new PackFormatError(`unsupported pack version ${version}`);
  if (h.readUInt32BE(8) !== index.count)
    throw new PackFormatError('pack and index disagree on the object count');
  if (!index.packChecksum.equals(trailer))
    throw new PackFormatError('index does not belong to this pack');
}

/** An object larger than the caller's limit (its size is exact: from its header). */
export class TooLarge extends Error {
  constructor(readonly size: number) {
    super(`object of ${size} bytes over the limit`);
    this.name = 'TooLarge';
  }
}

export function findOffset(sorted: Float64Array, offset: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === offset) return mid;
    if (v < offset) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

function readFully(fd: number, buf: Uint8Array, length: number, position: number): void {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n <= 0) throw new PackFormatError('pack ends early');
    got += n;
  }
}
