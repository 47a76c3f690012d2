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
 * Keywords and runs are found by regular expressions over a latin1 view, which V8 compiles to
 * machine code; a byte loop in JavaScript was 3-5x slower.
 */
import { PREFILTER_KEYWORDS } from '../../core/index.js';

/** Shorter runs are noise in random bytes; every key name and credential is longer. */
export const MIN_RUN = 6;
/** Bytes kept either side of a keyword. */
export const RADIUS = 2048;

const RUN = new RegExp(`[\\t\\x20-\\x7e]{${MIN_RUN},}`, 'g');
const KEYWORDS = new RegExp(
  PREFILTER_KEYWORDS.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'g',
);

export interface PrintableRuns {
  /** The pieces kept, one per line. */
  text: string;
  /** Byte offset of each piece in the scanned bytes. */
  offsets: number[];
}

export function printableRuns(data: Buffer, radius = RADIUS): PrintableRuns {
  const s = data.toString('latin1');
  const offsets: number[] = [];
  const pieces: string[] = [];
  for (const [from, to] of keywordWindows(s, radius)) {
    RUN.lastIndex = from;
    for (let m = RUN.exec(s); m && m.index < to; m = RUN.exec(s)) {
      const end = Math.min(to, m.index + m[0].length);
      if (end - m.index < MIN_RUN) break;
      offsets.push(m.index);
      pieces.push(s.slice(m.index, end));
    }
  }
  return { text: pieces.join('\n'), offsets };
}

/** [from, to) ranges within `radius` of a keyword occurrence, merged and in order. */
function keywordWindows(s: string, radius: number): [number, number][] {
  const out: [number, number][] = [];
  KEYWORDS.lastIndex = 0;
  for (let m = KEYWORDS.exec(s); m; m = KEYWORDS.exec(s)) {
    const from = Math.max(0, m.index - radius);
    const to = Math.min(s.length, m.index + m[0].length + radius);
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
    KEYWORDS.lastIndex = m.index + 1;
  }
  return out;
}

/** 0-based line (LF bytes before `offset`) and bytes since the line start. */
export function lineAt(data: Buffer, offset: number): { line: number; column0: number } {
  let line = 0;
  let start = 0;
  for (let i = data.indexOf(0x0a); i >= 0 && i < offset; i = data.indexOf(0x0a, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column0: offset - start };
}
