/**
 * The check run of a scan that failed for good shows its reason, an error message: never a secret
 * in it (a credential in a ref or a path that reached a git error), never a clean result.
 */
import { renderFailedScan } from '../../src/report/index.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

test('neutral, with the reason, masked and on one bounded line', () => {
  const { token, dbId } = redisTokenParts({ seed: 'failed-scan' });
  const url = redisEndpoint(dbId, { seed: 'failed-scan' });
  const reason = `Error: git fetch of /acme/x.git failed: fatal: bad ref refs/heads/${token}\nUPSTASH_REDIS_REST_URL=${url}?token=${token}`;
  const out = renderFailedScan(reason, 13);
  expect(out.conclusion).toBe('neutral');
  expect(out.annotations).toEqual([]);
  const all = JSON.stringify(out);
  expect(all).not.toContain(token);
  expect(all).not.toContain(token.slice(8, 28));
  expect(out.summary).toMatch(/13 attempts/);
  expect(out.summary).toMatch(/git fetch of \/acme\/x\.git failed/);
  expect(out.summary).toMatch(/not\*\* a clean result/);
  const steering = renderFailedScan('bad ref refs/heads/a\u001b]8;;https://x\u0007b\u202ec`', 1);
  for (const c of ['\u001b', '\u0007', '\u202e']) expect(steering.summary).not.toContain(c);
  expect(steering.summary).toContain('\\x1b]8;;https://x\\x07b\\u{202e}c');
  const long = renderFailedScan(`x${'y'.repeat(5000)}`, 1);
  expect(long.summary.length).toBeLessThan(1500);
  expect(long.summary).toMatch(/1 attempt\)/);
});
