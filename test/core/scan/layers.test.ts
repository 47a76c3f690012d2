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
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
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
