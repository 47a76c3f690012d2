/**
 * Registry-driven: for every detector, every generated positive is found whole with the right
 * type and privilege, contains one of the detector's keywords (the prefilter contract), and every
 * negative produces no finding from any detector. Runs detectors directly (test/core/detectors/match.ts).
 */
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import type { Detector } from '../../../src/core/types.js';
import { detectorMatches } from '../../../src/core/scan/scan-text.js';
import { runAll, runDetector } from './match.js';

const PRIVILEGED_TYPES = new Set([
  'upstash-redis-token',
  'upstash-redis-url',
  'upstash-vector-token',
  'upstash-search-token',
]);
const BOUNDARY = /[A-Za-z0-9_+-]/;

function expectWhole(text: string, secret: string): void {
  const bare = secret.replace(/=+$/, '');
  const at = text.indexOf(bare);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(BOUNDARY.test(text[at - 1] ?? ' ')).toBe(false);
  const rest = text.slice(at + bare.length).replace(/^=+/, '');
  expect(BOUNDARY.test(rest[0] ?? ' ')).toBe(false);
}

describe.each(DETECTORS.map((d) => [d.id, d] as [string, Detector]))('detector %s', (_id, d) => {
  it('has generated positives and negatives', () => {
    expect(d.examples.positives().length).toBeGreaterThan(0);
    expect(d.examples.negatives.length).toBeGreaterThan(0);
  });

  it('finds every positive whole, with its type and privilege; keywords hold', () => {
    for (let round = 0; round < 25; round++) {
      for (const text of d.examples.positives()) {
        expect(d.keywords.some((k) => text.includes(k))).toBe(true);
        const hits = runDetector(d, text);
        expect(hits.map((h) => h.detectorId)).toContain(d.id);
        for (const { candidate: c } of hits) {
          if (c.pairingPartOnly) {
            expect(c.pairKey).toMatch(/^redis-db:\d+$/);
            continue;
          }
          expectWhole(text, c.secret);
          expect(c.identity.length).toBeGreaterThan(0);
          if (d.id === 'upstash-unknown-format') {
            expect(c).toMatchObject({ confidence: 'low', details: { layout: 'unknown' } });
            continue;
          }
          const search = /SEARCH/.test(text);
          expect(c.type).toBe(search && d.id.includes('vector') ? 'upstash-search-token' : d.type);
          if (PRIVILEGED_TYPES.has(c.type))
            expect(c.readOnly).toBe(/READ_?ONLY|READONLY|default_ro|readOnly/.test(text));
        }
      }
    }
  });

  it('says what a file it reads by path holds (pathContent), if it reads any', () => {
    // The gate-first history scan finds paths only for blobs that pass pathContent.
    if (d.paths) expect(d.pathContent?.length).toBeGreaterThan(0);
    else expect(d.pathContent).toBeUndefined();
  });

  it('reports nothing for its negatives (with every detector active)', () => {
    for (const text of d.examples.negatives) {
      const hits = runAll(DETECTORS, text).filter((h) => !h.candidate.pairingPartOnly);
      expect(hits.map((h) => `${h.detectorId} in ${text}`)).toEqual([]);
    }
  });
});

it('every detector has a unique id and a global pattern with a capture group', () => {
  expect(new Set(DETECTORS.map((d) => d.id)).size).toBe(DETECTORS.length);
  for (const d of DETECTORS) {
    expect(d.pattern.flags).toContain('g');
    expect(d.keywords.length).toBeGreaterThan(0);
  }
});

describe('anchored patterns', () => {
  const anchored = DETECTORS.filter((d) => d.anchor);
  const globalMatches = (d: Detector, text: string): [number, string][] => {
    const re = new RegExp(d.pattern.source, d.pattern.flags);
    return [...text.matchAll(re)].map((m) => [m.index, m[0]]);
  };

  it('are used where a pattern has no literal prefix', () => {
    expect(anchored.map((d) => d.id)).toContain('upstash-management-key');
  });

  it('find exactly what the global pattern finds, on positives, negatives and random mixes', () => {
    let seed = 3;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const d of anchored) {
      const samples = [...d.examples.positives(), ...d.examples.negatives];
      const pieces = [...samples, '-4', '-', '4', 'a', '0', '/', '\n', ' '];
      const texts = [...samples];
      for (let i = 0; i < 2000; i++) {
        let t = '';
        for (let p = rand(6); p > 0; p--) {
          const piece = pieces[rand(pieces.length)]!;
          t += rand(2) ? piece : piece.slice(rand(piece.length));
        }
        texts.push(t);
      }
      for (const text of texts) {
        const got = [...detectorMatches(d, text)].map((m): [number, string] => [m.index, m[0]]);
        expect([text, got]).toEqual([text, globalMatches(d, text)]);
      }
      // Every true positive really holds the literal at the offset.
      for (const text of d.examples.positives())
        for (const [index] of globalMatches(d, text))
          expect(text.startsWith(d.anchor!.literal, index + d.anchor!.offset)).toBe(true);
    }
  });
});
