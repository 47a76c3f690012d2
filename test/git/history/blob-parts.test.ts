import { PREFILTER_KEYWORDS } from '../../../src/core/index.js';
import { partsAreBinary, partsLength, partsMatch } from '../../../src/git/history/blob-parts.js';
import { createKeywordScanner } from '../../../src/git/history/keyword-scanner.js';

const scan = createKeywordScanner(PREFILTER_KEYWORDS);
const longest = Math.max(...PREFILTER_KEYWORDS.map((k) => k.length));

/** Splits `buf` at the given cut points. */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of [...points, buf.length]) {
    parts.push(buf.subarray(from, p));
    from = p;
  }
  return parts;
}

describe('blob parts', () => {
  const text = Buffer.from(`${'x'.repeat(100)}"kind": "Secret"${'y'.repeat(100)}`);
  const at = 100;

  it('sees a keyword split across two parts at every position', () => {
    for (let c = at - 1; c <= at + 17; c++)
      expect([c, partsMatch(cut(text, [c]), scan, longest)]).toEqual([c, true]);
  });

  it('sees a keyword split across many one- and two-byte parts', () => {
    const points = [];
    for (let p = at - 3; p < at + 18; p += 1 + (p % 2)) points.push(p);
    expect(partsMatch(cut(text, points), scan, longest)).toBe(true);
    expect(partsMatch(cut(text, [1, 2, 3, 50, 99, 100, 101, 102]), scan, longest)).toBe(true);
  });

  it('does not invent a keyword from parts that hold none', () => {
    const clean = Buffer.from('x'.repeat(300));
    expect(partsMatch(cut(clean, [1, 2, 100, 101, 299]), scan, longest)).toBe(false);
    expect(partsMatch([], scan, longest)).toBe(false);
  });

  it('finds a NUL in the first 8000 bytes across parts, and ignores one after', () => {
    const bin = Buffer.alloc(9000, 0x61);
    bin[7999] = 0;
    expect(partsAreBinary(cut(bin, [10, 7990, 8500]))).toBe(true);
    bin[7999] = 0x61;
    bin[8000] = 0;
    expect(partsAreBinary(cut(bin, [10, 7990, 8500]))).toBe(false);
    expect(partsLength(cut(bin, [10, 7990, 8500]))).toBe(9000);
  });
});
