/**
 * Vector / Search token: `GET https://<name>-vector|search.upstash.io/info` with Bearer. The host is
 * rebuilt from the name embedded in the token (credentials doc §6 rule 3), never taken from the
 * repository; the product comes from the finding's type.
 */
import { decodeVectorToken } from '../../core/index.js';
import { parseJson, verdictOfStatus } from '../send-probe.js';
import type { Probe } from '../probe-types.js';

export const vectorProbe: Probe = async ({ finding, secret, send }) => {
  const token = decodeVectorToken(secret.value);
  // Legacy Vector tokens use the Redis layout and carry no name: nothing to rebuild a host from.
  if (!token) return { status: 'unverifiable', reason: 'no endpoint in the token' };
  const kind = finding.type === 'upstash-search-token' ? 'search' : 'vector';
  const answer = await send({
    url: `https://${token.name}-${kind}.upstash.io/info`,
    headers: { Authorization: `Bearer ${secret.value}` },
  });
  if ('verdict' in answer) return answer.verdict;
  if (answer.status !== 200) return verdictOfStatus(answer);
  const body = parseJson(answer.body) as { result?: unknown } | undefined;
  return body && typeof body.result === 'object' && body.result !== null
    ? { status: 'live' }
    : { status: 'unknown', reason: 'unexpected body' };
};
