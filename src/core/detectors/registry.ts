/**
 * Every detector, in one explicit list (gitleaks config/rule.go, trufflehog detectors.go style).
 * Adding a credential type = one file + one line here + its examples.
 */
import type { Detector } from '../types.js';
import { boxApiKeyDetector } from './box-api-key.js';
import { context7KeyDetector } from './context7-key.js';
import { fallbackDetector } from './fallback.js';
import { kafkaCredentialsDetector } from './kafka-credentials.js';
import { managementKeyDetector } from './management-key.js';
import { qstashSigningKeyDetector } from './qstash-signing-key.js';
import { qstashTokenDetector } from './qstash-token.js';
import { redisAuthDetector } from './redis-auth.js';
import { redisCliPasswordDetector } from './redis-cli-password.js';
import { redisEndpointDetector } from './redis-endpoint.js';
import { redisPasswordDetector } from './redis-password.js';
import { redisTokenDetector } from './redis-token.js';
import { redisUrlDetector } from './redis-url.js';
import { vectorTokenDetector } from './vector-token.js';

export const DETECTORS: readonly Detector[] = [
  redisTokenDetector,
  redisUrlDetector,
  redisPasswordDetector,
  redisCliPasswordDetector,
  redisAuthDetector,
  redisEndpointDetector,
  vectorTokenDetector,
  qstashTokenDetector,
  qstashSigningKeyDetector,
  managementKeyDetector,
  kafkaCredentialsDetector,
  context7KeyDetector,
  boxApiKeyDetector,
  fallbackDetector,
];

/** The fallback only reports spans no specific detector claimed. */
export const FALLBACK_DETECTOR_ID = fallbackDetector.id;
