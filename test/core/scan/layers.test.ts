import { base64Runs, base64Wrapped } from '../../../src/core/scan/layers.js';

/** The definition the one-pass scanner replaces. */
const REFERENCE = /(?<![A-Za-z0-9+/=])([A-Za-z0-9+/]{24,}={0,2})(?![A-Za-z0-9+/=])/g;
function reference(text: string): { index: number; run: string }[] {
  const out: { index: number; run: string }[] = [];
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(text); m; m = REFERENCE.exec(text))
    out.push({ index: m.index, run: m[1]! });
  return out;
}

describe('base64Runs', () => {
  // Not an LCG's low bits, which repeat with a short period and leave whole layouts untried.
  let state = 7;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  const alphabet = ['A', 'z', '0', '+', '/', '=', ' ', '\n', '-', ':', 'é', '"'];

  it('finds exactly the runs the regex finds, on random texts near every boundary', () => {
    for (let round = 0; round < 4000; round++) {
      let text = '';
      const parts = rand(8);
      for (let p = 0; p < parts; p++) {
        // Long runs around the 24-character threshold, padding of 0 to 3, and separators.
        const runLength = rand(3) === 0 ? rand(30) : 22 + rand(5);
        for (let i = 0; i < runLength; i++) text += alphabet[rand(5)]!;
        text += '='.repeat(rand(3) === 0 ? rand(4) : 0);
        text += alphabet[rand(alphabet.length)]!;
      }
      expect([text, base64Runs(text)]).toEqual([text, reference(text)]);
    }
  });

  it('finds a run of every length near the threshold at every offset (the scan probes every 24th character)', () => {
    for (let offset = 0; offset < 60; offset++)
      for (let length = 20; length < 52; length++)
        for (const tail of ['', '=', '==', '===', ' ']) {
          const text = `${' '.repeat(offset)}${'Qk'.repeat(length).slice(0, length)}${tail} x`;
          expect([offset, length, tail, base64Runs(text)]).toEqual([
            offset,
            length,
            tail,
            reference(text),
          ]);
        }
  });

  it('handles runs at the very start and end of the text', () => {
    const run = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldY';
    for (const text of [run, `${run}=`, `${run}==`, `${run}===`, `=${run}`, ` ${run} `, `${run}é`])
      expect([text, base64Runs(text)]).toEqual([text, reference(text)]);
  });
});

describe('base64Wrapped', () => {
  it('decodes a wrapped value that passes the prefilter and skips integrity digests', () => {
    const inner = Buffer.from('url: https://example-1234.upstash.io/path').toString('base64');
    expect(base64Wrapped(`data:\n  CONFIG: ${inner}\n`)).toEqual([
      { index: 16, decoded: 'url: https://example-1234.upstash.io/path' },
    ]);
    expect(base64Wrapped(`"integrity": "sha512-${inner}"`)).toEqual([]);
  });
});
