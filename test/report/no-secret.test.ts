import { revealSecret } from '../../src/core/types.js';
import { renderedOutputs } from '../helpers/report-outputs.js';
import { historyResult, rangeResult, skippedResult } from './fixtures.js';

/** Findings carry their secret under a symbol; no renderer may let any part of it through. */
test('no renderer output contains an attached secret', () => {
  for (const { result, secrets } of [rangeResult(), historyResult(), skippedResult()]) {
    expect(secrets.length).toBeGreaterThan(0);
    // The secret really is attached, so this test would catch a renderer that reveals it.
    expect(revealSecret(result.findings[0]!)?.value).toBe(secrets[0]);
    const outputs = renderedOutputs(result);
    for (const out of outputs) {
      for (const secret of secrets) {
        expect(out).not.toContain(secret);
        // Nor a long slice of it (a renderer that printed all but the first characters).
        expect(out).not.toContain(secret.slice(8, 28));
      }
      expect(out).not.toContain('someone@example.org');
    }
  }
});
