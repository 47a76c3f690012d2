/** Windowed scanning finds exactly what a whole-content scan finds, wherever the cuts fall. */
import { scanContent, WindowedScanner, OVERLAP } from '../../src/engine/content/scan-content.js';
import { AddedLinesParser } from '../../src/git/added-lines.js';
import type { Fragment } from '../../src/core/index.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const KB = 1024;

function where(
  hits: { occurrence: { line: number; column?: number; offset?: number } }[],
): string[] {
  return hits
    .map((h) => `${h.occurrence.line}:${h.occurrence.column}:${h.occurrence.offset ?? ''}`)
    .sort();
}

function windowed(data: Buffer, chunk: number, window = 64 * KB): string[] {
  const w = new WindowedScanner({ path: 'f' }, window);
  for (let i = 0; i < data.length; i += chunk) w.push(Buffer.from(data.subarray(i, i + chunk)));
  return where(w.end());
}

describe('WindowedScanner', () => {
  it('one long line (a minified bundle): same hits, columns, once each', () => {
    const parts: string[] = [];
    const tokens: string[] = [];
    // Values every ~7 KiB on one 300 KiB line, so several straddle the mid-line cuts.
    for (let i = 0; i < 42; i++) {
      const t = redisTokenParts().token;
      tokens.push(t);
      parts.push(`${'x'.repeat(7000 + i * 13)};var UPSTASH_REDIS_REST_TOKEN="${t}";`);
    }
    const data = Buffer.from(parts.join(''));
    const whole = where(scanContent(data, { path: 'f' }));
    expect(whole).toHaveLength(42);
    for (const chunk of [1000, 8 * KB, 100 * KB]) expect(windowed(data, chunk)).toEqual(whole);
  });

  it('many lines, UTF-8 multibyte text, UTF-16 and binary: same hits as whole', () => {
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++)
      lines.push(
        i % 97 === 0
          ? `T${i}=${redisTokenParts().token}`
          : `ünïcödé line ${i} ${'ß'.repeat(i % 40)}`,
      );
    const text = lines.join('\n');
    const bins = lines.map((l, i) => (i % 5 === 0 ? `${l}\0\x01` : l)).join('\n');
    for (const data of [
      Buffer.from(text),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      Buffer.from(bins, 'latin1'),
    ]) {
      const whole = where(scanContent(data, { path: 'f' }));
      expect(whole.length).toBeGreaterThanOrEqual(60);
      for (const chunk of [3333, 64 * KB]) expect(windowed(data, chunk)).toEqual(whole);
    }
    expect(OVERLAP).toBeGreaterThan(2 * 600);
  });
});

describe('AddedLinesParser', () => {
  it('hands added text over in overlapping parts past maxBytes, with exact line numbers', () => {
    const out: Fragment[] = [];
    const parser = new AddedLinesParser(
      { fragment: (f) => out.push(f), binary: () => undefined, commit: () => undefined },
      4 * KB,
      () => false,
    );
    parser.line('diff --git a/f b/f');
    parser.line('+++ b/f');
    parser.line('@@ -0,0 +1,500 @@');
    for (let i = 1; i <= 500; i++) parser.line(`+line ${i} ${'y'.repeat(40)}`);
    parser.flush();
    expect(out.length).toBeGreaterThan(5);
    const seen = new Set(out.flatMap((f) => f.lineNumbers ?? []));
    expect(seen.size).toBe(500);
    for (const f of out) {
      expect(f.text.length).toBeLessThanOrEqual(4 * KB + 64);
      f.text
        .split('\n')
        .forEach((l, i) => expect(l).toMatch(new RegExp(`^line ${f.lineNumbers![i]} `)));
    }
  });
});
