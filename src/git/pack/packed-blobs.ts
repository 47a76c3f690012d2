/**
 * Every blob in a repository's packs, told apart from commits, trees and tags by the entries'
 * headers alone: no tree is read and nothing is inflated. This is the listing of the gate-first
 * history scan (scan-history.ts): on a tree-heavy history, walking the trees to find the blobs
 * (`git rev-list --objects`) cost as much CPU as reading the blobs themselves.
 *
 * A delta's type is its base's, so each entry is resolved down its chain to a whole object, and
 * the blobs come out grouped by chain root ("family": the versions of one file that git stored as
 * deltas of each other), each family in pack order (a base before its deltas). A reader that gets
 * a whole family builds every version from the one before it, from its cache, instead of
 * inflating the chain again for each version; families are spread over the readers by size.
 *
 * The repository is hostile input: a malformed header, a base offset that is no entry, a chain that
 * does not end in a whole object (a cycle), one deeper than git writes, or a REF_DELTA base outside
 * the pack leaves the object's type unknown (`unresolved`). Such an object may be in no history at
 * all, and git itself loops forever on a cycle of REF_DELTAs, so the gate-first scan does not hand
 * it to git: it reads that repository along the walk instead, which only reads what a ref reaches.
 */
import {
  OBJ_BLOB,
  OBJ_OFS_DELTA,
  OBJ_REF_DELTA,
  OBJ_TREE,
  PackFile,
  findOffset,
} from './pack-file.js';
import { OID_BYTES, parsePackIndex, type PackIndex } from './pack-index.js';
import { MAX_DELTA_DEPTH, type SharedIndex } from './pack-store.js';

interface Family {
  oids: string[];
  /** Compressed bytes of its entries. */
  weight: number;
  /** Size of its whole object: about the size of each version. */
  size: number;
}

export interface PackedBlobs {
  /** Batches of blob oids, each for one reader (`reader`), in the order to read them. */
  batches: { oids: string[]; reader: number }[];
  /** Blobs listed (once each, also when several packs hold one). */
  blobs: number;
  /** Objects whose type the headers did not tell: git reads them (and skips what is no blob). */
  unresolved: string[];
}

const BATCH = 1000;
/** Objects in all packs past which the listing declines (see listPackedBlobs). */
export const MAX_OBJECTS = 3_000_000;
/**
 * Estimated bytes per batch (each version counted at its family's whole object's size): a batch of
 * a thousand versions of one large file, all holding a keyword, would cross to the main thread as
 * one result of hundreds of MB.
 */
const BATCH_BYTES = 16 * 1024 * 1024;
const UNKNOWN = -1;

/**
 * Inflated bytes the packs hold, estimated from their headers alone (each delta counted at the size
 * of its chain's whole object): what a tree walk would inflate (`trees`) against what reading every
 * blob would (`blobs`).
 */
export interface PackEstimate {
  trees: number;
  blobs: number;
}

/**
 * Lists the packs' blobs for `readers` readers (0 or 1: one sequence). `proceed` sees the estimate
 * once every entry's type is known, before the blobs are named and grouped: false stops there
 * (undefined), for a caller that reads the repository another way when the estimate says so. Also
 * undefined past MAX_OBJECTS.
 */
export function listPackedBlobs(
  indexes: readonly SharedIndex[],
  readers: number,
  proceed: (estimate: PackEstimate) => boolean = () => true,
): PackedBlobs | undefined {
  const lanes = Math.max(1, readers);
  const families: Family[] = [];
  const unresolved: string[] = [];
  const seen = indexes.length > 1 ? new Set<string>() : undefined;
  let objects = 0;
  for (const shared of indexes) objects += shared.sorted.byteLength / 8;
  // About 23 bytes of arrays per object and a string per blob, held until the read ends: a
  // repository past this is read along the walk, which holds only the blobs in flight.
  if (objects > MAX_OBJECTS) return undefined;
  const all = typePacks(indexes, objects);
  if (!proceed(all.estimate)) return undefined;
  // One family per chain root, across packs (a chain may cross them).
  const byRoot = new Map<number, Family>();
  for (const t of all.packs) familiesOf(t, all, byRoot, families, unresolved, seen);
  // Largest families first, each to the lane with the least work so far; then the lanes' batches
  // interleaved, so every reader has work from the start.
  families.sort((a, b) => b.weight - a.weight);
  const load = new Array<number>(lanes).fill(0);
  const laneBatches: string[][][] = Array.from({ length: lanes }, () => []);
  const open: { oids: string[]; bytes: number }[] = Array.from({ length: lanes }, () => ({
    oids: [],
    bytes: 0,
  }));
  let blobs = 0;
  for (const f of families) {
    let lane = 0;
    for (let i = 1; i < lanes; i++) if (load[i]! < load[lane]!) lane = i;
    load[lane]! += f.weight;
    const b = open[lane]!;
    for (const oid of f.oids) {
      if (b.oids.length >= BATCH || (b.bytes >= BATCH_BYTES && b.oids.length > 0)) {
        laneBatches[lane]!.push(b.oids);
        b.oids = [];
        b.bytes = 0;
      }
      b.oids.push(oid);
      b.bytes += f.size;
    }
    blobs += f.oids.length;
  }
  for (let lane = 0; lane < lanes; lane++)
    if (open[lane]!.oids.length > 0) laneBatches[lane]!.push(open[lane]!.oids);
  const batches: PackedBlobs['batches'] = [];
  for (let at = 0; laneBatches.some((l) => at < l.length); at++)
    for (let lane = 0; lane < lanes; lane++) {
      const oids = laneBatches[lane]![at];
      if (oids) batches.push({ oids, reader: lane });
    }
  return { batches, blobs, unresolved };
}

/** One pack's entries in offset order; their types and roots are in `Types`, from `first` on. */
interface Typed {
  index: PackIndex;
  /** Index position of the entry at each rank (offset order). */
  positionOf: Uint32Array;
  sorted: Float64Array;
  end: number;
  /** Global number of its first entry (rank 0): entry `k` is `first + k`. */
  first: number;
}

/** Every entry of every pack, by global number: type, chain root, and whole objects' sizes. */
interface Types {
  packs: Typed[];
  type: Int8Array;
  root: Int32Array;
  /** Per whole object: its size (about the size of each version built on it). */
  wholeSize: Float64Array;
  estimate: PackEstimate;
}

/**
 * Types every entry of the packs from its header: a whole object's is its own, a delta's its
 * base's, down the chain (OFS_DELTA bases come earlier in the same pack; a REF_DELTA base may come
 * later, or be in another pack: resolved in rounds once its base is).
 */
function typePacks(indexes: readonly SharedIndex[], total: number): Types {
  const type = new Int8Array(total);
  const root = new Int32Array(total);
  const wholeSize = new Float64Array(total);
  // Chain length down to the whole object: past what git ever writes, the entry is unresolved.
  const depth = new Uint16Array(total);
  const packs: Typed[] = [];
  // REF_DELTAs not resolved on the first pass: entry, and its base's name.
  const pending: number[] = [];
  const pendingBase: Buffer[] = [];
  // Deltas whose base is known but itself waits on such a REF_DELTA: entry, base.
  const after: (readonly [number, number])[] = [];
  const waiting = new Uint8Array(total);
  const files: PackFile[] = [];
  const settle = (g: number, b: number): void => {
    const ok = b >= 0 && type[b] !== UNKNOWN && depth[b]! < MAX_DELTA_DEPTH - 1;
    type[g] = ok ? type[b]! : UNKNOWN;
    root[g] = ok ? root[b]! : g;
    depth[g] = ok ? depth[b]! + 1 : 0;
  };
  try {
    let first = 0;
    for (const shared of indexes) {
      // A pack that cannot be listed throws: the caller reads the repository the other way.
      const index = parsePackIndex(
        Buffer.from(shared.idx),
        new Float64Array(shared.sorted),
        shared.positions && new Uint32Array(shared.positions),
      );
      const file = shared.pack
        ? PackFile.inMemory(shared.packPath, index, new Uint8Array(shared.pack))
        : PackFile.open(shared.packPath, index);
      files.push(file);
      const sorted = index.sortedOffsets();
      const n = index.count;
      // The index position of the entry at each rank (offset order).
      const positionOf = index.positionsByRank();
      packs.push({ index, positionOf, sorted, end: file.size - OID_BYTES, first });
      for (let k = 0; k < n; k++) {
        const g = first + k;
        const h = file.header(sorted[k]!);
        if (!h) {
          type[g] = UNKNOWN;
          root[g] = g;
        } else if (h.type === OBJ_OFS_DELTA) {
          // The base is earlier in this pack (checked by `header`): typed already.
          const b = findOffset(sorted, h.baseOffset);
          if (b >= 0 && waiting[first + b]) {
            waiting[g] = 1;
            after.push([g, first + b]);
          } else settle(g, b < 0 ? -1 : first + b);
        } else if (h.type === OBJ_REF_DELTA) {
          const pos = index.find(h.baseOid!);
          const b = pos < 0 ? -1 : findOffset(sorted, index.offsetAt(pos));
          if (b >= 0 && b < k && !waiting[first + b]) settle(g, first + b);
          else {
            type[g] = UNKNOWN;
            root[g] = g;
            waiting[g] = 1;
            pending.push(g);
            pendingBase.push(Buffer.from(h.baseOid!));
          }
        } else {
          type[g] = h.type;
          root[g] = g;
          wholeSize[g] = h.size;
        }
      }
      first += n;
    }
    // Where each pending REF_DELTA's base is (any pack), then rounds until nothing changes; a
    // cycle, or a base in no pack, never resolves and stays unknown.
    const baseOf = pendingBase.map((oid) => {
      for (const t of packs) {
        const pos = t.index.find(oid);
        if (pos >= 0) {
          const b = findOffset(t.sorted, t.index.offsetAt(pos));
          if (b >= 0) return t.first + b;
        }
      }
      return -1;
    });
    let left = [...pending.map((g, i) => [g, baseOf[i]!] as const), ...after];
    for (let progress = true; progress && left.length > 0;) {
      progress = false;
      const next: (readonly [number, number])[] = [];
      for (const [g, b] of left) {
        if (b >= 0 && waiting[b]) next.push([g, b]);
        else {
          settle(g, b);
          waiting[g] = 0;
          progress = true;
        }
      }
      left = next;
    }
  } finally {
    for (const f of files) f.close();
  }
  const estimate: PackEstimate = { trees: 0, blobs: 0 };
  for (let g = 0; g < total; g++) {
    const t = type[g];
    if (t === OBJ_TREE) estimate.trees += wholeSize[root[g]!]!;
    else if (t === OBJ_BLOB) estimate.blobs += wholeSize[root[g]!]!;
  }
  return { packs, type, root, wholeSize, estimate };
}

function familiesOf(
  t: Typed,
  all: Types,
  byRoot: Map<number, Family>,
  families: Family[],
  unresolved: string[],
  seen: Set<string> | undefined,
): void {
  const { index, positionOf, sorted, end, first } = t;
  const { type, root, wholeSize } = all;
  const n = positionOf.length;
  for (let k = 0; k < n; k++) {
    const g = first + k;
    const kind = type[g]!;
    if (kind !== OBJ_BLOB && kind !== UNKNOWN) continue;
    const name = index.oidAt(positionOf[k]!);
    if (seen) {
      if (seen.has(name)) continue;
      seen.add(name);
    }
    if (kind === UNKNOWN) {
      unresolved.push(name);
      continue;
    }
    const r = root[g]!;
    let family = byRoot.get(r);
    if (!family) {
      byRoot.set(r, (family = { oids: [], weight: 0, size: wholeSize[r]! }));
      families.push(family);
    }
    family.oids.push(name);
    // Compressed bytes: what inflating the family costs, near enough.
    family.weight += (k + 1 < n ? sorted[k + 1]! : end) - sorted[k]!;
  }
}
