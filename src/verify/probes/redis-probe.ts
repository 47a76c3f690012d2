/**
 * Redis REST token (and a Redis URL whose password is a REST token): PING against the PAIRED
 * endpoint only (credentials doc §6 rule 2). The host must end with `-<N>.upstash.io` /
 * `-<N>.kv.vercel-storage.com` where N is the database id decoded from the token itself, so a token
 * cannot be steered to another database's host. We do not guess a host.
 * Read-only-ness comes from the token, never from a write. The PING goes through `@upstash/redis`
 * with a custom Requester: its default transport calls the global fetch and follows redirects, so
 * the requester routes the one command it allows (PING) through the guarded `send` as the documented
 * `GET /ping`, and refuses every other command, so no write can ever be sent.
 */
import { Redis, type Requester } from '@upstash/redis';
import { decodeRedisToken } from '../../core/index.js';
import { parseJson, verdictOfStatus } from '../send-probe.js';
import type { HttpAnswer, Probe, ProbeContext } from '../probe-types.js';

/** Carries a non-200 answer (or a transport verdict) out of the Redis client. */
class ProbeAnswer extends Error {
  constructor(readonly answer: HttpAnswer) {
    super('probe answered');
  }
}

function pingOnlyRequester(host: string, token: string, send: ProbeContext['send']): Requester {
  return {
    request: async <TResult>(req: { body?: unknown; path?: string[] }) => {
      const body = req.body;
      const isPing =
        Array.isArray(body) && body.length === 1 && String(body[0]).toLowerCase() === 'ping';
      if (!isPing || (req.path && req.path.length > 0))
        throw new Error('only PING is allowed in verification');
      const answer = await send({
        url: `https://${host}/ping`,
        headers: { Authorization: `Bearer ${token}` },
      });
      if ('verdict' in answer || answer.status !== 200) throw new ProbeAnswer(answer);
      const parsed = parseJson(answer.body) as { result?: TResult; error?: string } | undefined;
      if (!parsed || typeof parsed !== 'object') throw new ProbeAnswer({ status: 200, body: '' });
      return parsed;
    },
  };
}

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
  let result: string;
  try {
    result = await new Redis(pingOnlyRequester(host, secret.value, send)).ping();
  } catch (err) {
    if (!(err instanceof ProbeAnswer)) return { status: 'unknown', reason: 'unexpected body' };
    const answer = err.answer;
    if ('verdict' in answer) return answer.verdict;
    if (answer.status !== 200) return verdictOfStatus(answer);
    return { status: 'unknown', reason: 'unexpected body' };
  }
  return result === 'PONG' ? { status: 'live' } : { status: 'unknown', reason: 'unexpected body' };
};
