import { mayContainSecret, PREFILTER_KEYWORDS } from '../../../src/core/index.js';
import { createLiteralSearch, keywordsIn } from '../../../src/core/scan/prefilter.js';

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

  it('answers exactly from the UTF-8 bytes the text was decoded from, also where they are not valid UTF-8', () => {
    const wide = ['\u0141', '\u4e41', '\u0153', '\u015f', '\u{1f680}', 'é'];
    // Bytes no decoder accepts: a lone continuation byte, a truncated sequence, an overlong one.
    const invalid = [Buffer.from([0x80]), Buffer.from([0xe4, 0xb8]), Buffer.from([0xc0, 0xaf])];
    for (let round = 0; round < 3000; round++) {
      const chunks: Buffer[] = [];
      const parts = 1 + rand(14);
      for (let p = 0; p < parts; p++) {
        const r = rand(10);
        if (r === 0) chunks.push(invalid[rand(invalid.length)]!);
        else {
          const piece = r < 3 ? wide[rand(wide.length)]! : pieces[rand(pieces.length)]!;
          chunks.push(
            Buffer.from(rand(3) === 0 ? piece.slice(0, Math.max(1, piece.length - 1)) : piece),
          );
        }
      }
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      const present = keywordsIn(text, undefined, bytes);
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

describe('the byte scan: alignment, words, keywords found again, keywords inside keywords', () => {
  const others = ['not-a-keyword', 'REST', 'upstash', 'KV_REST_API_TOKEN'];
  const all = [...PREFILTER_KEYWORDS, ...others];
  const expectExact = (text: string, latin1?: Uint8Array): void => {
    const present = keywordsIn(text, latin1);
    for (const k of all)
      expect([text.length, k, present.has(k)]).toEqual([text.length, k, text.includes(k)]);
  };
  /** The bytes of `text` at every address alignment (a view at byte offset 0 to 3 of a larger buffer). */
  const views = (text: string): Uint8Array[] =>
    [0, 1, 2, 3].map((shift) => {
      const big = new Uint8Array(text.length + 8);
      big.set(Buffer.from(text, 'latin1'), shift);
      return big.subarray(shift, shift + text.length);
    });

  it('finds every keyword at every position of short and long buffers at every alignment', () => {
    for (const k of PREFILTER_KEYWORDS)
      for (const size of [k.length, k.length + 1, k.length + 5, 40, 300])
        for (let at = 0; at + k.length <= size; at += at < 8 || at > size - 12 ? 1 : 7) {
          const text = 'x'.repeat(at) + k + 'y'.repeat(size - at - k.length);
          for (const v of views(text)) {
            expect([k, size, at, v.byteOffset & 3, mayContainSecret(v)]).toEqual([
              k,
              size,
              at,
              v.byteOffset & 3,
              true,
            ]);
            const present = keywordsIn(text, v);
            expect([k, size, at, present.has(k)]).toEqual([k, size, at, true]);
          }
        }
  });

  it('misses nothing and adds nothing on random texts of keyword pieces, as bytes at every alignment', () => {
    let state = 99;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return Math.floor((state / 2 ** 32) * n);
    };
    const pieces = [
      ...all,
      'ups',
      'tash',
      'upst',
      'Secr',
      'x',
      ' ',
      '\n',
      'KV_',
      'A',
      '.io',
      'sig',
    ];
    for (let round = 0; round < 600; round++) {
      let text = '';
      const parts = rand(40);
      for (let p = 0; p < parts; p++) {
        const piece = pieces[rand(pieces.length)]!;
        text += rand(3) === 0 ? piece.slice(0, Math.max(1, piece.length - 1)) : piece;
      }
      for (const v of views(text)) {
        expectExact(text, v);
        expect(mayContainSecret(v)).toBe(PREFILTER_KEYWORDS.some((k) => text.includes(k)));
      }
      expectExact(text);
    }
  });

  it('a keyword found early is still answered exactly, and the table is whole again for the next scan', () => {
    // 'stash' on every line: its windows are muted once every keyword indexed by them is found.
    const dense = 'import { Redis } from "@upstash/redis";\n'.repeat(200);
    expectExact(dense);
    expectExact(dense + 'url = "https://eu1-x.upstash.io"\n');
    expectExact('x'.repeat(300) + 'upstash.io' + dense);
    // After a scan that muted windows, a text holding only those keywords is still found.
    expect(mayContainSecret(Buffer.from('  stash  '))).toBe(true);
    expect(keywordsIn(`${'-'.repeat(300)}stash`).has('stash')).toBe(true);
    expect(keywordsIn(`${'-'.repeat(300)}upstash.io`).has('upstash.io')).toBe(true);
    expect(keywordsIn(`${'-'.repeat(300)}UPSTASH_REDIS`).has('UPSTASH_REDIS')).toBe(true);
    expect(keywordsIn(`${'-'.repeat(300)}UPSTASH_REDIS`).has('upstash.io')).toBe(false);
  });

  it('a keyword that contains another is found only where it is whole (upstash.io, UPSTASH_REDIS)', () => {
    for (const [k, near] of [
      ['upstash.io', ['upstash.i', 'pstash.io', 'upstash/io', 'Upstash.io']],
      ['UPSTASH_REDIS', ['UPSTASH_REDI', 'PSTASH_REDIS', 'UPSTASH-REDIS']],
    ] as const)
      for (let pad = 0; pad < 4; pad++) {
        for (const n of near) expectExact('-'.repeat(300 + pad) + n);
        expectExact('-'.repeat(300 + pad) + k);
        expectExact(k + '-'.repeat(300 + pad));
        expectExact(k.slice(0, 2) + '-'.repeat(300 + pad) + k.slice(2));
      }
  });

  it('answers exactly when given the latin1 bytes of a text with characters above 0xff', () => {
    // U+0141 ends in 0x41 ('A'), U+015F in 0x5F ('_'): their latin1 bytes read as keyword letters.
    for (const text of [
      `${'x'.repeat(300)}\u0141AI`,
      `${'x'.repeat(300)}sig\u015f`,
      `${'x'.repeat(300)}\u0141AI AAI`,
      `sig\u015f ${'x'.repeat(10)}`,
    ])
      expectExact(text, Buffer.from(text, 'latin1'));
  });
});

describe('createLiteralSearch', () => {
  const literals = ['QUFJ', 'BQU', 'FBS', 'dXBzdGFza', 'c2ln', 'abc'];
  const search = createLiteralSearch(literals);
  let state = 23;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };

  it('answers like includes() on random texts, as bytes at every alignment', () => {
    // Near misses of the literals: windows that hit in the table and fail to verify, in both halves
    // of a word, before a literal that is there.
    const pieces = [...literals, 'QUF', 'UFJ', 'BQ', 'FB', 'dXBz', 'ab', 'bc', 'x', 'Q', '-'];
    let found = 0;
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const parts = rand(30);
      for (let p = 0; p < parts; p++) text += pieces[rand(pieces.length)]!;
      const want = literals.some((l) => text.includes(l));
      found += +want;
      for (let shift = 0; shift < 4; shift++) {
        const big = new Uint8Array(text.length + 8);
        big.set(Buffer.from(text, 'latin1'), shift);
        expect([text, shift, search(big.subarray(shift, shift + text.length))]).toEqual([
          text,
          shift,
          want,
        ]);
      }
    }
    expect(found).toBeGreaterThan(500);
  });

  it('finds a literal at every position of a long buffer after many failed windows', () => {
    for (let at = 0; at < 40; at++) {
      const text = `${'QUxBQxQUF'.repeat(5).slice(0, at)}abc${'-'.repeat(at % 7)}`;
      expect([at, search(Buffer.from(text))]).toEqual([at, true]);
      expect(search(Buffer.from(text.replace('abc', 'abx')))).toBe(
        literals.some((l) => text.replace('abc', 'abx').includes(l)),
      );
    }
  });
});
