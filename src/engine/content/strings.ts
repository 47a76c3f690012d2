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
 * Runs are found by a regular expression over a latin1 view, which V8 compiles to machine code (a
 * byte loop in JavaScript was 3-5x slower); keywords by the caller's byte gate, per block (a
 * regular expression of the 25 keywords ran at about 6 ns/byte).
 */
import { PREFILTER_KEYWORDS } from '../../core/index.js';

/** Shorter runs are noise in random bytes; every key name and credential is longer. */
export const MIN_RUN = 6;
/** Bytes kept either side of a keyword. */
export const RADIUS = 2048;

const RUN = new RegExp(`[\\t\\x20-\\x7e]{${MIN_RUN},}`, 'g');
const LONGEST = Math.max(...PREFILTER_KEYWORDS.map((k) => k.length));

export interface PrintableRuns {
  /** The pieces kept, one per line. */
  text: string;
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
  const offsets: number[] = [];
  const pieces: string[] = [];
  for (const [from, to] of keywordWindows(data, gate, radius)) {
    const s = data.toString('latin1', from, to);
    RUN.lastIndex = 0;
    for (let m = RUN.exec(s); m; m = RUN.exec(s)) {
      offsets.push(from + m.index);
      pieces.push(m[0]);
    }
  }
  return { text: pieces.join('\n'), offsets };
}

/** [from, to) byte ranges around the blocks that hold a keyword, merged and in order. */
function keywordWindows(
  data: Buffer,
  gate: (bytes: Uint8Array) => boolean,
  radius: number,
): [number, number][] {
  const out: [number, number][] = [];
  const n = data.length;
  for (let start = 0; start < n; start += radius) {
    const end = Math.min(n, start + radius);
    if (!gate(data.subarray(Math.max(0, start - LONGEST + 1), end))) continue;
    const from = Math.max(0, start - 2 * radius);
    const to = Math.min(n, end + 2 * radius);
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
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
