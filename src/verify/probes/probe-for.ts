/** Which probe verifies which credential type; the rest are unverifiable, with the reason. */
import type { CredentialType } from '../../core/index.js';
import type { Probe, Verdict } from '../probe-types.js';
import { managementProbe } from './management-probe.js';
import { qstashProbe } from './qstash-probe.js';
import { redisProbe } from './redis-probe.js';
import { vectorProbe } from './vector-probe.js';

const fixed = (reason: string): Probe => {
  const v: Verdict = { status: 'unverifiable', reason };
  return () => Promise.resolve(v);
};

export const PROBES: Readonly<Record<CredentialType, Probe>> = {
  'upstash-redis-token': redisProbe,
  'upstash-redis-url': redisProbe,
  'upstash-vector-token': vectorProbe,
  'upstash-search-token': vectorProbe,
  'upstash-qstash-token': qstashProbe,
  'upstash-management-key': managementProbe,
  // An HMAC secret: the only check (GET /v2/keys with a live token) would itself fetch secrets.
  'upstash-qstash-signing-key': fixed('signing key: no safe probe'),
  'upstash-kafka-credentials': fixed('Kafka discontinued on 2025-03-11'),
  // Box and Context7 probes are documented only by SDK source, and Context7 search spends quota.
  'upstash-box-api-key': fixed('no safe probe known for Box keys'),
  'upstash-context7-api-key': fixed('no safe probe known for Context7 keys'),
};
