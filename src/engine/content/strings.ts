/**
 * Printable runs of binary content, the way `strings` finds them: a SQLite file, a PNG text chunk,
 * a `.pyc` or a bundle with a NUL byte can hold a credential as plain ASCII between binary bytes.
 * Each piece kept becomes one line of the text that is scanned and remembers its byte offset, so a
 * hit is reported where it is in the file (line and column counted by LF bytes, and the offset).
 *
 * Only the runs around a keyword are kept, within RADIUS bytes of it: every credential holds a
 * keyword or has one in its key on the same line (the prefilter contract), and a match with its
 * context (600 characters each side) fits in that radius. A webpack cache pack that mentions
 * "upstash" on every line therefore does not become megabytes of text to scan (on the redis-js
 * history: 42 MB of binaries, 14 MB of runs holding a keyword, far less within the radius).
 * Runs are found by a loop over the bytes that steps a 32-bit word at a time where four bytes are
 * printable (0.3 ns/byte on the redis-js webpack caches, where the regular expression over a latin1
 * copy, one string per run and the join cost 2 ns/byte), and copied once into the text; keywords
 * by the caller's byte gate, per block (a regular expression of the 25 keywords ran at about
 * 6 ns/byte), asked only about the blocks that decide which are kept.
 */
import { PREFILTER_KEYWORDS } from '../../core/index.js';

/** Shorter runs are noise in random bytes; every key name and credential is longer. */
export const MIN_RUN = 6;
/** Bytes kept either side of a keyword. */
export const RADIUS = 2048;

/** 1 for the bytes of a run: tab and 0x20-0x7e, the characters of `[\t\x20-\x7e]`. */
const PRINTABLE = new Uint8Array(256);
PRINTABLE[0x09] = 1;
PRINTABLE.fill(1, 0x20, 0x7f);
const LONGEST = Math.max(...PREFILTER_KEYWORDS.map((k) => k.length));

export interface PrintableRuns {
  /** The pieces kept, one per line. */
  text: string;
  /** The text's bytes (it is ASCII). */
  bytes: Uint8Array;
  /** Byte offset of each piece in the scanned bytes. */
  offsets: number[];
}

/**
 * `gate` tells whether some bytes hold a keyword (the keyword scanner of the caller, exact). It is
 * asked per block of RADIUS bytes (plus the bytes a keyword could straddle), and only the blocks
 * within 2·RADIUS of a block that holds one are turned into text.
 */
export function printableRuns(
  data: Buffer,
  gate: (bytes: Uint8Array) => boolean,
  radius = RADIUS,
): PrintableRuns {
  const windows = keywordWindows(data, gate, radius);
  const offsets: number[] = [];
  if (windows.length === 0) return { text: '', bytes: new Uint8Array(0), offsets };
  // Runs within a window are apart by a byte at least, which their '\n' replaces: the text is at
  // most the windows' bytes plus a '\n' before each window's first run.
  let size = windows.length;
  for (const [from, to] of windows) size += to - from;
  const out = Buffer.allocUnsafe(size);
  // The 4-aligned words of `data`: words[k] holds data[head + 4k .. head + 4k + 4).
  const head = (4 - (data.byteOffset & 3)) & 3;
  const words =
    data.length >= head + 4
      ? new Int32Array(data.buffer, data.byteOffset + head, (data.length - head) >> 2)
      : new Int32Array(0);
  let o = 0;
  for (const [from, to] of windows) {
    let i = from;
    while (i < to) {
      while (i < to && PRINTABLE[data[i]!] === 0) i++;
      const start = i;
      for (;;) {
        // Four bytes at once where they are a word of the window: the word test is that no byte is
        // below 0x20 nor above 0x7e (the usual "has a byte less than / more than" bit tricks); a
        // word that fails it (a tab, the run's end) is read by the byte test below.
        if (((i - head) & 3) === 0 && i >= head && i + 4 <= to) {
          const x = words[(i - head) >> 2]!;
          if ((((x - 0x20202020) & ~x) | (x + 0x01010101) | x) & 0x80808080) {
            // not all four in 0x20-0x7e
          } else {
            i += 4;
            continue;
          }
        }
        if (i < to && PRINTABLE[data[i]!] === 1) {
          i++;
          continue;
        }
        break;
      }
      if (i - start < MIN_RUN) continue;
      if (offsets.length > 0) out[o++] = 0x0a;
      o += data.copy(out, o, start, i);
      offsets.push(start);
    }
  }
  return { text: out.toString('latin1', 0, o), bytes: out.subarray(0, o), offsets };
}

/**
 * [from, to) byte ranges of the blocks within two blocks of one that holds a keyword, merged and in
 * order. A block is covered when a block at most two away holds a keyword; the blocks are asked
 * about from the farthest that could cover the first undecided one, so where keywords are dense one
 * block in five is gated, not every one (the ranges are the same: a block is left out only after
 * the five blocks around it said no).
 */
function keywordWindows(
  data: Buffer,
  gate: (bytes: Uint8Array) => boolean,
  radius: number,
): [number, number][] {
  const out: [number, number][] = [];
  const n = data.length;
  const blocks = Math.ceil(n / radius);
  // Per block: 0 not asked yet, 1 holds a keyword, 2 does not.
  const asked = new Uint8Array(blocks);
  const holds = (b: number): boolean => {
    if (b < 0 || b >= blocks) return false;
    if (asked[b] === 0) {
      const start = b * radius;
      const bytes = data.subarray(Math.max(0, start - LONGEST + 1), Math.min(n, start + radius));
      asked[b] = gate(bytes) ? 1 : 2;
    }
    return asked[b] === 1;
  };
  // Blocks before `e` are decided.
  for (let e = 0; e < blocks;) {
    let k = e + 2;
    while (k >= e - 2 && !holds(k)) k--;
    if (k < e - 2) {
      e++;
      continue;
    }
    // Block k holds a keyword: blocks e .. k + 2 are covered.
    const from = e * radius;
    const to = Math.min(n, (k + 3) * radius);
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = to;
    else out.push([from, to]);
    e = k + 3;
  }
  return out;
}

/**
 * For offsets in `data`, in any order: the 0-based line (LF bytes before the offset) and the bytes
 * since the line start. The line feeds are found once, as far as the offsets asked for reach, and each
 * offset is then a binary search: counting them again from the start for every hit cost 20 ms on
 * the webpack caches of the redis-js history (112 hits in 38 MB).
 */
export function lineLocator(data: Buffer): (offset: number) => { line: number; column0: number } {
  // The line feeds before `scanned`, and the first one at or after it (-1: none; -2: not looked for).
  const lfs: number[] = [];
  let scanned = 0;
  let next = -2;
  return (offset) => {
    for (;;) {
      if (next === -2) next = data.indexOf(0x0a, scanned);
      if (next < 0 || next >= offset) break;
      lfs.push(next);
      scanned = next + 1;
      next = -2;
    }
    // The line feeds before `offset`: lfs[0 .. lo).
    let lo = 0;
    let hi = lfs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (lfs[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return { line: lo, column0: offset - (lo > 0 ? lfs[lo - 1]! + 1 : 0) };
  };
}
