/**
 * One registry-driven test: every detector's generated positives are found whole with the right
 * type, every negative produces nothing, and the keyword contract holds for every positive.
 */
import { DETECTORS } from '../../../src/core/detectors/registry.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import { mayContainSecret } from '../../../src/core/scan/prefilter.js';
import type { Detector } from '../../../src/core/types.js';

describe.each(DETECTORS.map((d) => [d.id, d] as [string, Detector]))('detector %s', (_id, d) => {
  it('has generated positives', () => {
    expect(d.examples.positives().length).toBeGreaterThan(0);
  });

  it('finds every positive, whole, and each contains one of its keywords', () => {
    for (let round = 0; round < 20; round++) {
      for (const text of d.examples.positives()) {
        expect(d.keywords.some((k) => text.includes(k))).toBe(true);
        expect(mayContainSecret(text)).toBe(true);
        const hits = scanText({ path: 'config.env', text }, { detectors: [d] });
        expect(hits.length).toBeGreaterThan(0);
        for (const h of hits) {
          if (h.candidate.secret) expect(text).toContain(h.candidate.secret.replace(/=+$/, ''));
        }
      }
    }
  });

  it('reports nothing for its negatives (with every detector active)', () => {
    for (const text of d.examples.negatives) {
      const hits = scanText({ path: 'config.env', text }).filter(
        (h) => !h.candidate.pairingPartOnly,
      );
      expect(hits.map((h) => `${h.candidate.type} in ${text}`)).toEqual([]);
    }
  });
});
