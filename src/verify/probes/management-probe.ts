/**
 * Management (developer) API key: `GET https://api.upstash.com/v2/teams` with Basic email:key, only
 * when the account email was found beside the key. Never `/v2/redis/database/{id}`: it returns
 * database credentials (openapi.yml).
 */
import { parseJson, verdictOfStatus } from '../send-probe.js';
import type { Probe } from '../probe-types.js';

export const managementProbe: Probe = async ({ secret, send }) => {
  const email = secret.companion?.email;
  if (!email) return { status: 'unverifiable', reason: 'management key without account email' };
  const basic = Buffer.from(`${email}:${secret.value}`, 'utf8').toString('base64');
  const answer = await send({
    url: 'https://api.upstash.com/v2/teams',
    headers: { Authorization: `Basic ${basic}` },
  });
  if ('verdict' in answer) return answer.verdict;
  if (answer.status !== 200) return verdictOfStatus(answer);
  return Array.isArray(parseJson(answer.body))
    ? { status: 'live' }
    : { status: 'unknown', reason: 'unexpected body' };
};
