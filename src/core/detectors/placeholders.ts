/**
 * Value-level false-positive checks shared by detectors and the pipeline (credentials doc §7).
 * Structural validation removes most fakes; these cover values that are not structured
 * (fallback, management keys, URL passwords, Box keys).
 */
const INTERPOLATION = [
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $VAR
  /^\$\{[^}]*\}?$/, // ${VAR} / ${VAR:-x}
  /^\$\{\{.*\}\}$/, // ${{ secrets.X }}
  /^\{\{.*\}\}$/, // {{ var }}
  /^%[A-Za-z_][A-Za-z0-9_]*%$/, // %VAR%
  /^<[^>]*>$/, // <YOUR_TOKEN>
  /^\[[^\]]*\]$/, // [redacted]
  /^\{[A-Za-z_][A-Za-z0-9_]*\}$/, // {UPSTASH_REDIS_PASSWORD} (f-strings)
  /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/, // process.env.X, import.meta.env.X, config.redis.token
];

const REFERENCE = /\$\{|\{\{|process\.env|os\.environ|getenv|Deno\.env|import\.meta|secrets\./;

/**
 * Placeholder words count only as whole words (bounded by non-letters) or as a leading
 * "your…/insert…" prefix: random key material contains "xXx" or "Mock" by chance, real ones too.
 */
const PLACEHOLDER_WORDS =
  /(?:^|[^A-Za-z])(?:your|replace|changeme|change[-_]me|example|placeholder|dummy|sample|mock|fake|test|testing|redacted|removed|hidden|insert|todo|here|none|null|undefined|secret|token|password)(?![a-z])/i;
const PLACEHOLDER_PREFIX = /^(?:your|insert|replace|enter|paste)[-_ ]?[a-z]|^my[-_]/i;
const REDACTION = /x{4,}|X{4,}|\*{3,}|\.\.\.|…|<|>/;

/** A value made of lowercase words, e.g. `current-signing-key-at-least-24-characters`. */
function isWords(v: string): boolean {
  const parts = v.split(/[-_ ]/);
  const words = parts.filter((p) => /^[a-z]{2,}$/.test(p)).length;
  return parts.length >= 3 && words >= 3 && words / parts.length >= 0.6;
}

const WEAK =
  /^(password|passwd|pass|secret|token|redis|default|admin|upstash|changeit|qwerty)\d*$/i;

/** True when `value` is clearly not a real secret (reference, placeholder, redaction, too uniform). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (INTERPOLATION.some((re) => re.test(v))) return true;
  if (REFERENCE.test(v)) return true;
  if (PLACEHOLDER_WORDS.test(v) || PLACEHOLDER_PREFIX.test(v) || REDACTION.test(v)) return true;
  if (WEAK.test(v) || isWords(v)) return true;
  if (/^[A-Z][A-Z0-9_]{5,}$/.test(v)) return true; // an env-var name used as the value
  if (/(.)\1{5,}/.test(v) && !/^(gQ|gg)AAAAAA/.test(v)) return true; // xxxxxx, 000000 (64-bit-id tokens excepted)
  if (/^(0123456789|123456789|abcdef|ABCDEF|AaBbCc)/.test(v) || hasRun(v, 6)) return true; // sequences
  return lowEntropy(v);
}

/** A run of `n` consecutive ascending characters (`123456`, `abcdef`): typed by hand, not random. */
function hasRun(v: string, n: number): boolean {
  let run = 1;
  for (let i = 1; i < v.length; i++) {
    run = v.charCodeAt(i) === v.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= n) return true;
  }
  return false;
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function lowEntropy(v: string): boolean {
  return v.length >= 8 && entropy(v) < 2.5;
}
