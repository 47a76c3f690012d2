/**
 * QStash token: the read-only list `GET /v2/queues`, first on the EU host, then on the US host,
 * because tokens are regional (multi-region.mdx): a 401 in one region is not a revocation. NEVER
 * `/v2/keys`, which returns the signing keys.
 */
import { parseJson, verdictOfStatus } from '../send-probe.js';
import type { Probe, Verdict } from '../probe-types.js';

export const QSTASH_HOSTS = ['qstash.upstash.io', 'qstash-us-east-1.upstash.io'] as const;

export const qstashProbe: Probe = async ({ secret, send }) => {
  const verdicts: Verdict[] = [];
  for (const host of QSTASH_HOSTS) {
    const answer = await send({
      url: `https://${host}/v2/queues`,
      headers: { Authorization: `Bearer ${secret.value}` },
    });
    let v: Verdict;
    if ('verdict' in answer) v = answer.verdict;
    else if (answer.status !== 200) v = verdictOfStatus(answer);
    else
      v = Array.isArray(parseJson(answer.body))
        ? { status: 'live' }
        : { status: 'unknown', reason: 'unexpected body' };
    if (v.status === 'live') return v;
    verdicts.push(v);
  }
  // Revoked only when every region said so; otherwise the first region's doubt stands.
  if (verdicts.every((v) => v.status === 'revoked'))
    return { status: 'revoked', reason: 'HTTP 401 in every region' };
  return verdicts.find((v) => v.status !== 'revoked')!;
};
