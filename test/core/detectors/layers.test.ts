/** The detectors through the pipeline's decoding layers: JSON-escaped and base64-wrapped values. */
import {
  rangesAround,
  unescapeJsonMarked,
  urlDecodeMarked,
} from '../../../src/core/scan/layers.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import { mulberry32 } from '../../helpers/seeded-random.js';
import { redisTokenParts } from '../../helpers/synthetic.js';

describe('detectors inside encoded text', () => {
  it('finds a token in a JSON-escaped notebook cell and a Kubernetes Secret data field', () => {
    const t = redisTokenParts({ seed: 'nb' });
    const cell = JSON.stringify({
      source: [`%env UPSTASH_REDIS_REST_TOKEN=${t.token}\n`, 'x = 1'],
    });
    const k8s = `apiVersion: v1\nkind: Secret\ndata:\n  UPSTASH_REDIS_REST_TOKEN: ${Buffer.from(t.token).toString('base64')}\n`;
    for (const [path, text] of [
      ['n.ipynb', cell],
      ['secret.yaml', k8s],
    ] as const) {
      const hits = scanText({ path, text }).filter((h) => !h.candidate.pairingPartOnly);
      expect(hits.map((h) => h.candidate.secret)).toContain(t.token);
    }
  });
});

describe('decoding layers and their marks (layers.ts)', () => {
  // The decoders as they were before they recorded marks: one String.replace per step.
  const jsonReference = (text: string, whitespace: boolean): string => {
    const out = text
      .replace(/\\u00([0-9a-fA-F]{2})/g, (all, hex: string) => {
        const c = parseInt(hex, 16);
        return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : all;
      })
      .replace(/\\\//g, '/');
    return whitespace ? out.replace(/(?<!\\)\\[nr]/g, '\r ').replace(/(?<!\\)\\t/g, '  ') : out;
  };
  const urlReference = (text: string): string =>
    text.replace(/%(2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])/g, (_, h: string) =>
      String.fromCharCode(parseInt(h, 16)),
    );
  const next = mulberry32(7);
  const rand = (n: number): number => Math.floor(next() * n);
  const pieces = [
    '\\u003d',
    '\\u0001',
    '\\u005c',
    '\\/',
    '\\n',
    '\\t',
    '\\\\n',
    '%3D',
    '%2F',
    '%0A',
    '%25',
    '%5c',
    'abc',
    'TOKEN=',
    '\n',
    ' ',
    'x'.repeat(30),
    '\\',
  ];

  it('decode exactly as the replace chains did, with ascending marks within the layer', () => {
    for (let round = 0; round < 3000; round++) {
      let text = '';
      for (let p = rand(20); p >= 0; p--) text += pieces[rand(pieces.length)]!;
      const json = unescapeJsonMarked(text);
      if (json) {
        const whitespace = json.text !== jsonReference(text, false);
        expect([text, json.text]).toEqual([text, jsonReference(text, whitespace)]);
      }
      const url = urlDecodeMarked(text);
      if (url) expect([text, url.text]).toEqual([text, urlReference(text)]);
      for (const layer of [json, url]) {
        if (!layer) continue;
        // No mark only where nothing was decoded (an escaped backslash before `n`).
        if (layer.marks.length === 0) expect(layer.text).toBe(text);
        layer.marks.forEach((m, i) => {
          expect(m).toBeGreaterThanOrEqual(i === 0 ? 0 : layer.marks[i - 1]!);
          expect(m).toBeLessThanOrEqual(layer.text.length);
        });
      }
    }
  });

  it('ranges cover the lines and characters around each mark, merged; dense marks read whole', () => {
    const line = (i: number): string => `line ${String(i).padStart(4, '0')} ${'-'.repeat(50)}\n`;
    const lines = Array.from({ length: 2000 }, (_, i) => line(i));
    lines[1000] = 'here %3D there\n';
    const text = lines.join('');
    const layer = urlDecodeMarked(text)!;
    const ranges = rangesAround(layer)!;
    expect(ranges).toHaveLength(1);
    const [from, to] = ranges[0]!;
    const mark = layer.marks[0]!;
    // 4,096 characters each side reach further than 16 lines of 61 characters.
    expect(from).toBe(mark - 4096);
    expect(to).toBe(mark + 4096);
    // A mark on a line far longer than that: the whole line, whatever its length.
    const long = `${'a'.repeat(20_000)} %3D ${'b'.repeat(20_000)}\n`;
    const wide = urlDecodeMarked(
      lines.slice(0, 1000).join('') + long + lines.slice(1000).join(''),
    )!;
    const [f, t] = rangesAround(wide)![0]!;
    expect(wide.text.slice(f, t)).toContain(long.replace('%3D', '='));
    // A second mark inside the first one's range, where lines are long: its own 16 lines below
    // reach past that range, and are covered too.
    const longLines = Array.from({ length: 200 }, (_, i) => `${i}:${'x'.repeat(1000)}\n`);
    longLines[0] = `a %3D b\n`;
    longLines[8] = `c %3D d ${'x'.repeat(1000)}\n`;
    const both = urlDecodeMarked(longLines.join(''))!;
    const second = both.marks[1]!;
    let line24End = 0;
    for (let i = 0; i <= 24; i++) line24End = both.text.indexOf('\n', line24End) + 1;
    // More than 4,096 characters after the first mark, and within its range.
    expect(second).toBeGreaterThan(both.marks[0]! + 4096);
    const covering = rangesAround(both)!.find(([f, t]) => f <= second && second < t)!;
    expect(covering[1]).toBeGreaterThanOrEqual(line24End);
    // Escapes all over: the layer is read whole.
    expect(rangesAround(urlDecodeMarked(lines.map((l) => l + '%3D').join(''))!)).toBeUndefined();
  });
});
