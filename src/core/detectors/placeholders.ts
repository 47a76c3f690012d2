/**
 * Value-level false-positive checks shared by detectors and the pipeline (credentials doc §7).
 * Structural validation removes most fakes; these cover values that are not structured
 * (fallback, management keys, URL passwords).
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
];

const PLACEHOLDER_WORDS =
  /(your|replace|change[-_]?me|example|placeholder|dummy|sample|mock|fake|test[-_]?(token|key|password)|redacted|insert|todo|secret[-_]?here|token[-_]?here|xxx|\*\*\*|\.\.\.|…)/i;

/** True when `value` is clearly not a real secret (reference, placeholder, redaction, too uniform). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (INTERPOLATION.some((re) => re.test(v))) return true;
  if (v.includes('${') || v.includes('{{') || v.includes('process.env') || v.includes('os.environ'))
    return true;
  if (PLACEHOLDER_WORDS.test(v)) return true;
  if (/^[A-Z][A-Z0-9_]{5,}$/.test(v)) return true; // an env-var name used as the value
  if (/(.)\1{5,}/.test(v) && !/^(gQ|gg)AAAAAA/.test(v)) return true; // xxxxxx, 000000 (64-bit-id tokens excepted)
  return lowEntropy(v);
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
