/**
 * Redis REST token (and a Redis URL whose password is a REST token): `GET <endpoint>/ping` with
 * Bearer, against the PAIRED endpoint only (credentials doc §6 rule 2). The host must end with
 * `-<N>.upstash.io` / `-<N>.kv.vercel-storage.com` where N is the database id decoded from the token
 * itself, so a token cannot be steered to another database's host. We do not guess a host.
 * Read-only-ness comes from the token, never from a write. `@upstash/redis` 1.39 calls the global
 * fetch and follows redirects, so it cannot take the guarded transport: we make its REST call.
 */
import { decodeRedisToken } from '../../core/index.js';
import { parseJson, verdictOfStatus } from '../send-probe.js';
import type { Probe } from '../probe-types.js';

export const redisProbe: Probe = async ({ finding, secret, send }) => {
  const token = decodeRedisToken(secret.value);
  if (!token) return { status: 'unverifiable', reason: 'not a REST token (TCP-only password)' };
  if (!finding.endpoint) return { status: 'unverifiable', reason: 'no endpoint paired' };
  let host: string;
  try {
    host = new URL(finding.endpoint).hostname;
  } catch {
    return { status: 'unverifiable', reason: 'host not on the allowlist' };
  }
  if (host.startsWith('fly-')) {
    return { status: 'unverifiable', reason: 'Fly private network host (fly-*)' };
  }
  const suffixes = [`-${token.dbId}.upstash.io`, `-${token.dbId}.kv.vercel-storage.com`];
  if (!suffixes.some((s) => host.endsWith(s))) {
    return { status: 'unverifiable', reason: 'endpoint does not match the token database id' };
  }
  const answer = await send({
    url: `https://${host}/ping`,
    headers: { Authorization: `Bearer ${secret.value}` },
  });
  if ('verdict' in answer) return answer.verdict;
  if (answer.status !== 200) return verdictOfStatus(answer);
  const body = parseJson(answer.body) as { result?: unknown } | undefined;
  return body?.result === 'PONG'
    ? { status: 'live' }
    : { status: 'unknown', reason: 'unexpected body' };
};
