/**
 * A byte-level keyword scanner for raw blobs, exactly equivalent to "does this buffer contain one
 * of these literal keywords" but several times faster than a combined regex over a latin1 string
 * (see docs/benchmarks.md). It is the first gate of a history scan: a blob it rejects cannot match
 * the core prefilter, whose keyword list it is built from; a blob it accepts still goes through
 * `mayContainSecret` before anything is decoded.
 *
 * How: every keyword of four bytes or more is indexed by two adjacent 3-byte windows (offsets j and
 * j+1, choosing the pair least likely in source text), so any occurrence covers an indexed window
 * starting at an even position; the scan looks at every second position only (one table load
 * each) and compares bytes only where a window is indexed.
 * Shorter keywords use Buffer.indexOf (native, and there are very few of them).
 */
export type KeywordScanner = (data: Uint8Array) => boolean;

interface Anchor {
  keyword: Uint8Array;
  offset: number;
}

export function createKeywordScanner(keywords: readonly string[]): KeywordScanner {
  const needles = [...new Set(keywords)]
    .filter((k) => k.length > 0)
    .map((k) => Buffer.from(k, 'latin1'));
  const short = needles.filter((k) => k.length < 4);
  // table[window] = 1 + index into `anchors` of the windows' list; 0 = no keyword has it.
  const table = new Uint16Array(1 << 24);
  const anchors: Anchor[][] = [];
  for (const k of needles) {
    if (k.length < 4) continue;
    const j = rarestPair(k);
    for (const offset of [j, j + 1]) {
      const w = (k[offset]! << 16) | (k[offset + 1]! << 8) | k[offset + 2]!;
      if (table[w] === 0) {
        anchors.push([]);
        table[w] = anchors.length;
      }
      anchors[table[w]! - 1]!.push({ keyword: k, offset });
    }
  }
  return (data) => {
    const buf = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const k of short) if (buf.indexOf(k) >= 0) return true;
    const n = buf.length;
    for (let i = 0; i + 2 < n; i += 2) {
      const slot = table[(buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!]!;
      if (slot === 0) continue;
      for (const { keyword, offset } of anchors[slot - 1]!) {
        const start = i - offset;
        if (start >= 0 && startsWith(buf, start, keyword)) return true;
      }
    }
    return false;
  };
}

function startsWith(buf: Uint8Array, start: number, keyword: Uint8Array): boolean {
  const len = keyword.length;
  if (start + len > buf.length) return false;
  for (let j = 0; j < len; j++) if (buf[start + j] !== keyword[j]) return false;
  return true;
}

/** Lowercase letters, most of all the common ones, make a window frequent in source text. */
function windowScore(k: Uint8Array, at: number): number {
  let score = 0;
  for (let i = at; i < at + 3; i++) {
    const c = String.fromCharCode(k[i]!);
    if ('etaoinsrhl'.includes(c)) score += 3;
    else if (c >= 'a' && c <= 'z') score += 2;
    else if (c >= 'A' && c <= 'Z') score += 1;
  }
  return score;
}

function rarestPair(k: Uint8Array): number {
  let best = 0;
  let bestScore = Infinity;
  for (let j = 0; j + 4 <= k.length; j++) {
    const score = windowScore(k, j) + windowScore(k, j + 1);
    if (score < bestScore) [best, bestScore] = [j, score];
  }
  return best;
}
