/** The public surface of the pure engine. Adapters import from here. */
export * from './types.js';
export { DEFAULT_CONFIG, type Config } from './config/types.js';
export { ConfigError } from './config/error.js';
// parseConfig and configJsonSchema: import './config/schema.js' (it loads zod and yaml).
export { DETECTORS } from './detectors/registry.js';
export { scanText, type ScanTextOptions } from './scan/scan-text.js';
export {
  isCredentialFile,
  mayBeReadByPath,
  PATH_CONTENT,
  PATH_CONTENT_BYTES,
  mayContainSecret,
  PREFILTER_KEYWORDS,
} from './scan/prefilter.js';
export { collectFindings, type CollectOptions } from './scan/collect.js';
export { maskNamesInResult } from './scan/mask-names.js';
export { DEFAULT_FINGERPRINT_KEY, fingerprint } from './scan/fingerprint.js';
export { atLeast, compareSeverity, severityOf, type SeverityInput } from './scan/severity.js';
export { mask } from './scan/mask.js';
export { maskDetectedSecrets, redactSecrets, shownValue } from './redact.js';
export { BUILTIN_IGNORES, isPathIgnored } from './suppress/ignore-paths.js';
export { failsScan } from './suppress/fails-scan.js';
export { decodeRedisToken } from './decode/redis-token.js';
export { decodeVectorToken } from './decode/vector-token.js';
export { decodeQstashToken } from './decode/qstash-token.js';
