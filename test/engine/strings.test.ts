import { PREFILTER_KEYWORDS } from '../../src/core/index.js';
import { lineLocator, MIN_RUN, printableRuns } from '../../src/engine/content/strings.js';

/** The definition: count the line feeds before the offset. */
function reference(data: Buffer, offset: number): { line: number; column0: number } {
  let line = 0;
  let start = 0;
  for (let i = data.indexOf(0x0a); i >= 0 && i < offset; i = data.indexOf(0x0a, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column0: offset - start };
}

describe('lineLocator', () => {
  let state = 5;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };

  it('answers like counting the line feeds, for offsets in any order, repeated, at and next to line feeds', () => {
    for (let round = 0; round < 300; round++) {
      const size = rand(200);
      const data = Buffer.alloc(size);
      const density = 1 + rand(20);
      for (let i = 0; i < size; i++) data[i] = rand(density) === 0 ? 0x0a : 0x41 + rand(3);
      const at = lineLocator(data);
      for (let q = 0; q < 20; q++) {
        const offset = rand(size + 1);
        expect([size, offset, at(offset)]).toEqual([size, offset, reference(data, offset)]);
      }
      for (let offset = 0; offset <= size; offset++)
        expect(at(offset)).toEqual(reference(data, offset));
    }
  });

  it('handles content without a line feed, and one that is all line feeds', () => {
    const none = Buffer.alloc(1000, 0x41);
    const at = lineLocator(none);
    for (const offset of [999, 0, 500, 1000])
      expect(at(offset)).toEqual({ line: 0, column0: offset });
    const all = Buffer.alloc(50, 0x0a);
    const at2 = lineLocator(all);
    for (const offset of [49, 0, 1, 25, 50]) expect(at2(offset)).toEqual(reference(all, offset));
  });
});

describe('printableRuns', () => {
  const LONGEST = Math.max(...PREFILTER_KEYWORDS.map((k) => k.length));
  /** The definition: every block asked, windows merged, runs found by the regular expression. */
  function reference(
    data: Buffer,
    gate: (bytes: Uint8Array) => boolean,
    radius: number,
  ): { text: string; offsets: number[] } {
    const windows: [number, number][] = [];
    const n = data.length;
    for (let start = 0; start < n; start += radius) {
      const end = Math.min(n, start + radius);
      if (!gate(data.subarray(Math.max(0, start - LONGEST + 1), end))) continue;
      const from = Math.max(0, start - 2 * radius);
      const to = Math.min(n, end + 2 * radius);
      const last = windows[windows.length - 1];
      if (last && from <= last[1]) last[1] = Math.max(last[1], to);
      else windows.push([from, to]);
    }
    const run = new RegExp(`[\\t\\x20-\\x7e]{${MIN_RUN},}`, 'g');
    const offsets: number[] = [];
    const pieces: string[] = [];
    for (const [from, to] of windows) {
      const s = data.toString('latin1', from, to);
      run.lastIndex = 0;
      for (let m = run.exec(s); m; m = run.exec(s)) {
        offsets.push(from + m.index);
        pieces.push(m[0]);
      }
    }
    return { text: pieces.join('\n'), offsets };
  }
  let state = 3;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  const hasKey = (bytes: Uint8Array): boolean => Buffer.from(bytes).includes('KEY');

  it('keeps exactly the runs and offsets of the definition: any bytes, any alignment, keywords sparse or dense', () => {
    // Bytes around every edge of the printable class, and the keyword the gate looks for.
    const alphabet = [0x00, 0x08, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0xff];
    for (let round = 0; round < 1500; round++) {
      const size = rand(3) === 0 ? rand(40) : rand(3000);
      const big = Buffer.alloc(size + 4);
      const shift = rand(4);
      const data = big.subarray(shift, shift + size);
      // Long printable stretches broken by a few other bytes, or noise.
      const noise = rand(4) === 0 ? 2 : 2 + rand(60);
      for (let i = 0; i < size; i++)
        data[i] = rand(noise) === 0 ? alphabet[rand(alphabet.length)]! : 0x20 + rand(0x5f);
      const keys = rand(6);
      for (let k = 0; k < keys && size > 3; k++) data.write('KEY', rand(size - 2), 'latin1');
      const radius = [8, 16, 64, 100, 2048][rand(5)]!;
      const { text, offsets, bytes } = printableRuns(data, hasKey, radius);
      expect([round, { text, offsets }]).toEqual([round, reference(data, hasKey, radius)]);
      expect(Buffer.from(bytes).toString('latin1')).toBe(text);
    }
  });

  it('asks the gate about fewer blocks where keywords are dense, and keeps the same ranges', () => {
    const data = Buffer.from('KEY=value; '.repeat(5000));
    let asked = 0;
    const counting = (bytes: Uint8Array): boolean => {
      asked++;
      return hasKey(bytes);
    };
    const { text, offsets } = printableRuns(data, counting, 64);
    expect({ text, offsets }).toEqual(reference(data, hasKey, 64));
    expect(asked).toBeLessThan(Math.ceil(data.length / 64) / 3);
  });
});
