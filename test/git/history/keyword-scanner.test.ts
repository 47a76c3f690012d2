import { randomBytes } from 'node:crypto';
import { mayContainSecret, PREFILTER_KEYWORDS } from '../../../src/core/index.js';
import { createKeywordScanner } from '../../../src/git/history/keyword-scanner.js';

const scan = createKeywordScanner(PREFILTER_KEYWORDS);

/** Random printable filler that holds no keyword (lowercase-heavy, like source text). */
function filler(n: number): Buffer {
  const alphabet = Buffer.from('bcdfgjmpqvwxyz0123456789 \n(){};=.,');
  const bytes = randomBytes(n);
  for (let i = 0; i < n; i++) bytes[i] = alphabet[bytes[i]! % alphabet.length]!;
  return bytes;
}

describe('createKeywordScanner', () => {
  it('finds every prefilter keyword at every offset parity, at both ends and in the middle', () => {
    for (const k of PREFILTER_KEYWORDS) {
      const kb = Buffer.from(k, 'latin1');
      for (const pre of [0, 1, 2, 3, 17, 64]) {
        for (const post of [0, 1, 2, 9]) {
          const buf = Buffer.concat([filler(pre), kb, filler(post)]);
          expect([k, pre, post, scan(buf)]).toEqual([k, pre, post, true]);
        }
      }
    }
  });

  it('rejects text without keywords, and partial keywords cut at the end of the buffer', () => {
    expect(scan(filler(100_000))).toBe(false);
    expect(scan(Buffer.alloc(0))).toBe(false);
    for (const k of PREFILTER_KEYWORDS) {
      const cut = Buffer.from(k.slice(0, -1), 'latin1');
      const buf = Buffer.concat([filler(5), cut]);
      expect([k, scan(buf)]).toEqual([k, mayContainSecret(buf)]);
    }
  });

  it('agrees with the core prefilter on random mixtures of keywords and noise', () => {
    for (let round = 0; round < 300; round++) {
      const parts: Buffer[] = [];
      const pieces = 1 + (round % 7);
      for (let i = 0; i < pieces; i++) {
        parts.push(randomBytes(round % 50));
        if ((round + i) % 5 === 0) {
          const k = PREFILTER_KEYWORDS[(round * 7 + i) % PREFILTER_KEYWORDS.length]!;
          // Sometimes only a prefix of a keyword: must not count.
          parts.push(Buffer.from(i % 2 ? k : k.slice(0, Math.max(1, k.length - 1)), 'latin1'));
        }
      }
      const buf = Buffer.concat(parts);
      expect(scan(buf)).toBe(mayContainSecret(buf));
    }
  });

  it('finds a keyword that straddles the 1 MiB slices the wasm module scans, at any parity', () => {
    const slice = 1 << 20;
    for (const k of ['AAI', 'KAFKA', '"kind": "Secret"', 'upstash.io']) {
      const kb = Buffer.from(k, 'latin1');
      for (const shift of [-kb.length, -kb.length + 1, -1, 0, 1]) {
        const buf = Buffer.concat([filler(slice + shift), kb, filler(7)]);
        expect([k, shift, scan(buf)]).toEqual([k, shift, true]);
        // At the very end of a buffer longer than one slice.
        const end = Buffer.concat([filler(2 * slice + shift + 3), kb]);
        expect([k, shift, scan(end)]).toEqual([k, shift, true]);
      }
    }
    expect(scan(filler(3 * slice + 5))).toBe(false);
  });

  it('is not fooled by stale bytes of an earlier, longer buffer', () => {
    const k = Buffer.from('KAFKA', 'latin1');
    expect(scan(Buffer.concat([filler(100), k, filler(100)]))).toBe(true);
    // The keyword sits just past the end of the next, shorter buffer in the module's memory.
    expect(scan(filler(100))).toBe(false);
    expect(scan(Buffer.concat([filler(100), k.subarray(0, 3)]))).toBe(false);
  });

  it('builds scanners for other keyword sets, including very short keywords', () => {
    const custom = createKeywordScanner(['ab', 'xyz', 'hello world', 'xyz-longer']);
    expect(custom(Buffer.from('--ab--'))).toBe(true);
    expect(custom(Buffer.from('..x.y.z..hello worl'))).toBe(false);
    expect(custom(Buffer.from('say hello world'))).toBe(true);
    expect(custom(Buffer.from('xyz'))).toBe(true);
  });

  it('accepts a plain Uint8Array', () => {
    expect(scan(new Uint8Array(Buffer.from('xx KAFKA xx')))).toBe(true);
  });
});
