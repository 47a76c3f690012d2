/**
 * Checks on a blob held as the chunks the pipe delivered, so that the ~99% of blobs that cannot
 * hold a credential are never copied into one Buffer (that copy and its garbage cost about as much
 * as the keyword scan itself on a large history).
 */
import type { KeywordScanner } from './keyword-scanner.js';

export function partsLength(parts: readonly Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** git's binary heuristic on the first 8000 bytes: a NUL byte. */
export function partsAreBinary(parts: readonly Buffer[]): boolean {
  let left = 8000;
  for (const p of parts) {
    if (left <= 0) break;
    if (p.subarray(0, left).includes(0)) return true;
    left -= p.length;
  }
  return false;
}

/**
 * True when the concatenation of `parts` holds a keyword. Exact: besides each part, it scans the
 * window made of the last (longest keyword - 1) bytes before each part and the first bytes of the
 * part, so a keyword split across any number of parts is seen.
 */
export function partsMatch(
  parts: readonly Buffer[],
  scan: KeywordScanner,
  longestKeyword: number,
): boolean {
  if (parts.length === 1) return scan(parts[0]!);
  const overlap = Math.max(0, longestKeyword - 1);
  let carry = Buffer.alloc(0);
  for (const p of parts) {
    if (carry.length > 0 && scan(Buffer.concat([carry, p.subarray(0, overlap)]))) return true;
    if (scan(p)) return true;
    const joined = p.length >= overlap ? p : Buffer.concat([carry, p]);
    carry = Buffer.from(joined.subarray(Math.max(0, joined.length - overlap)));
  }
  return false;
}
