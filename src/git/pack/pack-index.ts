/**
 * A pack index (`objects/pack/pack-*.idx`, version 2, SHA-1), parsed from the format description
 * in git's Documentation/gitformat-pack.txt:
 *
 *   4-byte magic \377tOc, 4-byte version (2), 256 four-byte fan-out entries (entry i: how many
 *   object names have a first byte <= i), N sorted 20-byte names, N four-byte CRC32s, N four-byte
 *   offsets (high bit set: index into the 64-bit table), the 64-bit offset table, then the pack's
 *   and the index's own 20-byte checksums. All integers are big-endian.
 *
 * The repository is hostile input: every length is checked against the file's size before use, so
 * a malformed index is rejected (and its pack left to git) instead of reading out of bounds.
 */

export const OID_BYTES = 20;
const HEADER = 8;
const FANOUT = 256 * 4;
const TRAILER = 2 * OID_BYTES;

export class PackFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackFormatError';
  }
}

export interface PackIndex {
  /** Number of objects in the pack. */
  readonly count: number;
  /** The pack's checksum as the index records it (the pack's last 20 bytes). */
  readonly packChecksum: Buffer;
  /** Position of `oid` (20 raw bytes) among the sorted names, or -1. */
  find(oid: Buffer): number;
  /** The pack offset of the object at `position`. */
  offsetAt(position: number): number;
  /** The name (40 hex digits) of the object at `position`. */
  oidAt(position: number): string;
  /** Every object's offset, ascending (to find where each entry ends). */
  sortedOffsets(): Float64Array;
  /** The index position of the object at each rank of `sortedOffsets` (pack order). */
  positionsByRank(): Uint32Array;
}

/**
 * `sorted`: the offsets in ascending order when another thread already computed them (shared
 * memory); otherwise they are computed on first use.
 */
export function parsePackIndex(
  buf: Buffer,
  sorted?: Float64Array,
  positions?: Uint32Array,
): PackIndex {
  if (buf.length < HEADER + FANOUT + TRAILER) throw new PackFormatError('index too short');
  if (buf.readUInt32BE(0) !== 0xff744f63) throw new PackFormatError('not a version 2 index');
  const version = buf.readUInt32BE(4);
  if (version !== 2) throw new PackFormatError(`unsupported index version ${version}`);
  let previous = 0;
  for (let i = 0; i < 256; i++) {
    const n = buf.readUInt32BE(HEADER + 4 * i);
    if (n < previous) throw new PackFormatError('fan-out table not monotonic');
    previous = n;
  }
  const count = previous;
  const names = HEADER + FANOUT;
  const crcs = names + count * OID_BYTES;
  const offsets = crcs + count * 4;
  const large = offsets + count * 4;
  const largeBytes = buf.length - TRAILER - large;
  if (largeBytes < 0 || largeBytes % 8 !== 0)
    throw new PackFormatError('index size does not match its object count');
  const largeCount = largeBytes / 8;
  const packChecksum = buf.subarray(buf.length - TRAILER, buf.length - OID_BYTES);
  const fanout = (byte: number): number => (byte < 0 ? 0 : buf.readUInt32BE(HEADER + 4 * byte));

  const offsetAt = (position: number): number => {
    const v = buf.readUInt32BE(offsets + 4 * position);
    if ((v & 0x80000000) === 0) return v;
    const i = v & 0x7fffffff;
    if (i >= largeCount) throw new PackFormatError('large offset index out of range');
    const hi = buf.readUInt32BE(large + 8 * i);
    const lo = buf.readUInt32BE(large + 8 * i + 4);
    // Above 2^53 an offset is not exact as a number; no real pack is that large.
    if (hi >= 0x200000) throw new PackFormatError('pack offset too large');
    return hi * 0x100000000 + lo;
  };

  if (sorted && sorted.length !== count) throw new PackFormatError('offset table size mismatch');
  if (positions && positions.length !== count)
    throw new PackFormatError('position table size mismatch');
  return {
    count,
    packChecksum,
    offsetAt,
    oidAt(position) {
      const at = names + position * OID_BYTES;
      return buf.toString('hex', at, at + OID_BYTES);
    },
    find(oid) {
      const first = oid[0]!;
      let lo = fanout(first - 1);
      let hi = fanout(first);
      // The first four bytes decide nearly every comparison without a slice or a native call.
      const head = oid.readUInt32BE(0);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const at = names + mid * OID_BYTES;
        const h = buf.readUInt32BE(at);
        // Name at `mid` against the one sought.
        const cmp =
          h !== head ? (h < head ? -1 : 1) : buf.compare(oid, 0, OID_BYTES, at, at + OID_BYTES);
        if (cmp === 0) return mid;
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
      }
      return -1;
    },
    sortedOffsets() {
      if (!sorted) {
        sorted = new Float64Array(count);
        positions = fillSortedOffsets(sorted, offsetAt);
      }
      return sorted;
    },
    positionsByRank() {
      if (!positions) {
        const ranked = this.sortedOffsets();
        positions ??= positionsBySearch(ranked, offsetAt);
      }
      return positions;
    },
  };
}

/** Keys `offset * 2^22 + position` sort both at once, exactly, below these bounds. */
const KEY_SHIFT = 2 ** 22;
const KEY_MAX_OFFSET = 2 ** 31;

/**
 * Fills `into` with the offsets in ascending order, and returns each rank's index position when
 * one native sort of combined keys gives both (fewer than 4M objects, offsets below 2 GiB).
 */
function fillSortedOffsets(
  into: Float64Array,
  offsetAt: (i: number) => number,
): Uint32Array | undefined {
  const n = into.length;
  let keyed = n < KEY_SHIFT;
  for (let i = 0; i < n; i++) {
    const o = offsetAt(i);
    if (o >= KEY_MAX_OFFSET) keyed = false;
    into[i] = keyed ? o * KEY_SHIFT + i : o;
  }
  if (!keyed) {
    for (let i = 0; i < n; i++) into[i] = offsetAt(i);
    into.sort();
    return undefined;
  }
  into.sort();
  const positions = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const key = into[k]!;
    const offset = Math.floor(key / KEY_SHIFT);
    positions[k] = key - offset * KEY_SHIFT;
    into[k] = offset;
  }
  return positions;
}

/** Each rank's index position, by binary search of every offset (any size of pack). */
function positionsBySearch(sorted: Float64Array, offsetAt: (i: number) => number): Uint32Array {
  const positions = new Uint32Array(sorted.length);
  for (let pos = 0; pos < sorted.length; pos++) {
    const offset = offsetAt(pos);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    if (sorted[lo] !== offset) throw new PackFormatError('index offset is no entry');
    positions[lo] = pos;
  }
  return positions;
}
