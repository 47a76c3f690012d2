import { lineLocator } from '../../src/engine/content/strings.js';

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
