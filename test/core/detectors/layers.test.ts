/** The detectors through the pipeline's decoding layers: JSON-escaped and base64-wrapped values. */
import { scanText } from '../../../src/core/scan/scan-text.js';
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
