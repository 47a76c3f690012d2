import { mayContainSecret, PREFILTER_KEYWORDS } from '../../../src/core/index.js';
import { keywordsIn } from '../../../src/core/scan/prefilter.js';

/** Reference: the obvious definition, every keyword searched in a latin1 view of the bytes. */
function reference(buf: Buffer): boolean {
  const s = buf.toString('latin1');
  return PREFILTER_KEYWORDS.some((k) => s.includes(k));
}

const FILLER = 'const value = await client.get(key); // ordinary code\n';

describe('mayContainSecret (byte table)', () => {
  it('finds every keyword at every alignment, at the start and at the very end', () => {
    for (const k of PREFILTER_KEYWORDS) {
      for (let pad = 0; pad < 4; pad++) {
        const head = 'x'.repeat(pad);
        for (const text of [
          head + k,
          FILLER + head + k,
          head + k + FILLER,
          FILLER + head + k + ';',
        ]) {
          expect([k, pad, mayContainSecret(Buffer.from(text, 'latin1'))]).toEqual([k, pad, true]);
          expect(mayContainSecret(new Uint8Array(Buffer.from(text, 'latin1')))).toBe(true);
          expect(mayContainSecret(text)).toBe(true);
        }
      }
    }
  });

  it('misses a keyword that is cut by one byte', () => {
    for (const k of PREFILTER_KEYWORDS) {
      const cut = FILLER + k.slice(0, -1);
      if (!reference(Buffer.from(cut, 'latin1')))
        expect(mayContainSecret(Buffer.from(cut))).toBe(false);
    }
  });

  it('agrees with the reference on random and near-miss text', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    // Pieces of keywords (most cut short) glued with filler: many near misses, some hits.
    const pieces = PREFILTER_KEYWORDS.flatMap((k) => [
      k,
      k.slice(1),
      k.slice(0, -1),
      k.slice(0, 2),
    ]);
    pieces.push(' ', '\n', 'x', '=');
    let positives = 0;
    for (let n = 0; n < 3000; n++) {
      const parts = 1 + Math.floor(rnd() * 8);
      let s = '';
      for (let i = 0; i < parts; i++) {
        const p = pieces[Math.floor(rnd() * pieces.length)]!;
        s += rnd() < 0.7 ? p.slice(0, -1) || p : p;
      }
      const buf = Buffer.from(s, 'latin1');
      const want = reference(buf);
      if (want) positives++;
      expect([s, mayContainSecret(buf), mayContainSecret(s)]).toEqual([s, want, want]);
    }
    expect(positives).toBeGreaterThan(50);
  });

  it('strings with characters above latin1 around a keyword', () => {
    for (const k of PREFILTER_KEYWORDS) {
      expect(mayContainSecret(`é€😀${k}€`)).toBe(true);
      expect(mayContainSecret(`€${k}`)).toBe(true);
    }
    expect(mayContainSecret('€'.repeat(1000) + '😀'.repeat(1000))).toBe(false);
  });

  it('rejects empty and one-byte input and ordinary source', () => {
    expect(mayContainSecret(new Uint8Array(0))).toBe(false);
    expect(mayContainSecret(Buffer.from('A'))).toBe(false);
    expect(mayContainSecret(Buffer.from(FILLER.repeat(1000)))).toBe(false);
  });
});

describe('keywordsIn (every keyword present, one pass)', () => {
  // A seeded generator, so a failure reproduces.
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = [
    ...PREFILTER_KEYWORDS,
    'ups',
    'tash',
    'Secr',
    'x',
    ' ',
    '\n',
    'é',
    '字',
    'KV_',
    'A',
  ];
  const others = ['not-a-keyword', 'REST', 'upstash', 'KV_REST_API_TOKEN'];

  it('answers exactly like includes() for every keyword, known or not, on random texts', () => {
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const parts = rand(12);
      for (let p = 0; p < parts; p++) {
        const piece = pieces[rand(pieces.length)]!;
        // Sometimes cut a keyword, so near misses are exercised.
        text += rand(3) === 0 ? piece.slice(0, Math.max(1, piece.length - 1)) : piece;
      }
      const present = keywordsIn(text);
      for (const k of [...PREFILTER_KEYWORDS, ...others])
        expect([text, k, present.has(k)]).toEqual([text, k, text.includes(k)]);
    }
  });

  it('answers exactly on long texts too (scanned as latin1 bytes), even where a character above 0xff has a keyword byte as its low byte', () => {
    // U+0141 and U+4E41 end in 0x41 ('A'), U+0153 in 0x53 ('S'), U+015F in 0x5F ('_'): in latin1
    // they read as letters of keywords (AAI, STASH, sig_), which the text does not hold.
    const wide = ['\u0141', '\u4e41', '\u0153', '\u015f', 'AI', 'TASH', 'sig'];
    const long = 'x'.repeat(300);
    expect(keywordsIn(`${long}\u0141AI`).has('AAI')).toBe(false);
    expect(keywordsIn(`${long}\u015f`.replace('x\u015f', 'sig\u015f')).has('sig_')).toBe(false);
    expect(keywordsIn(`${long}\u0141AI AAI`).has('AAI')).toBe(true);
    // A generator whose low bits are not periodic (an LCG's are): pieces must meet in any order.
    let state = 2024;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return Math.floor((state / 2 ** 32) * n);
    };
    for (let round = 0; round < 1500; round++) {
      let text = 'x'.repeat(200 + rand(300));
      const parts = 1 + rand(16);
      for (let p = 0; p < parts; p++) {
        const piece = rand(2) === 0 ? wide[rand(wide.length)]! : pieces[rand(pieces.length)]!;
        text += rand(3) === 0 ? piece.slice(0, Math.max(1, piece.length - 1)) : piece;
        if (rand(4) === 0) text += FILLER;
      }
      const present = keywordsIn(text);
      for (const k of [...PREFILTER_KEYWORDS, ...others])
        expect([k, present.has(k)]).toEqual([k, text.includes(k)]);
    }
  });

  it('finds a keyword at every alignment and at both ends', () => {
    for (const k of PREFILTER_KEYWORDS)
      for (let pad = 0; pad < 3; pad++) {
        expect(keywordsIn('x'.repeat(pad) + k).has(k)).toBe(true);
        expect(keywordsIn(k + 'y'.repeat(pad)).has(k)).toBe(true);
        expect(keywordsIn(FILLER + 'z'.repeat(pad) + k + FILLER).has(k)).toBe(true);
      }
  });
});
