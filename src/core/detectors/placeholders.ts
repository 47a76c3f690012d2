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
  if (isTyped(v)) return true;
  return lowEntropy(v);
}

/**
 * True when the text right after a value is a redaction mark (`…`, `...`, `***`; the ellipsis
 * also percent-encoded, or its UTF-8 bytes read one per character by the URL layer): the value is
 * the part of a secret kept before the cut, and no secret itself. Patterns stop at the mark, so
 * the value's own rules cannot see it.
 */
export function cutByRedaction(afterValue: string): boolean {
  return /^(?:…|\.\.\.|\*{3}|%E2%80%A6|\u00e2\u0080\u00a6)/i.test(afterValue);
}

/**
 * A fixed-shape secret field (32 hex, a UUID) filled by hand: few distinct characters (`000…0`,
 * `xxxx…`, a zero UUID) or a typed pattern (`0123456789abcdef…`, a counting UUID, a repeated unit).
 * Narrower than isPlaceholder on purpose: random key material never fails it (fewer than 6 distinct
 * characters in 32 random hex: ~1e-12), where isPlaceholder's runs of six equal or ascending
 * characters reject about one random 32-hex value in 20,000. For values a layout already vouches
 * for, where a false rejection is a missed leak.
 */
export function isFilledSlot(value: string): boolean {
  return new Set(value.replace(/-/g, '')).size < 6 || isTyped(value);
}

/**
 * Values a person typed to fill a slot, not key material: made of counting runs (`abc123def456`,
 * `123456789abc`), a keyboard walk of 6 keys (`qwertyuiop`, `1qaz2wsx`), one unit repeated (`abcabcabc`,
 * `passpass`), or dictionary words and digits (`mypassword123`, `supersecretredis`). Random key
 * material of 16+ characters practically never is: each needs most of the value to line up.
 */
export function isTyped(value: string): boolean {
  const v = value.trim();
  if (v.length < 6) return false;
  return runCoverage(v) >= 0.75 || isKeyboardWalk(v) || isPeriodic(v) || isDictionaryWords(v);
}

/** Share of characters inside ascending or descending runs of 3 or more (`abc`, `321`). */
function runCoverage(v: string): number {
  let covered = 0;
  let len = 1;
  let step = 0;
  for (let i = 1; i <= v.length; i++) {
    const d = i < v.length ? v.charCodeAt(i) - v.charCodeAt(i - 1) : 0;
    if (i < v.length && (d === 1 || d === -1) && (len === 1 || d === step)) {
      step = d;
      len++;
      continue;
    }
    if (len >= 3) covered += len;
    len = 1;
    step = 0;
    if (i < v.length && (d === 1 || d === -1)) {
      step = d;
      len = 2;
    }
  }
  return covered / v.length;
}

const KEYBOARD = /qwerty|asdfgh|zxcvbn|yxcvbn|azerty|qwertz|qazwsx|1qaz2wsx|poiuyt|lkjhgf|mnbvcx/i;

/**
 * A keyboard walk that makes up at least half the value (`qwerty123`, `asdfghjkl`). Contained in a
 * long random value it is chance: about one random 48-character base64 string in 100,000 holds
 * one of these six-letter walks somewhere.
 */
function isKeyboardWalk(v: string): boolean {
  const m = KEYBOARD.exec(v);
  return m !== null && m[0].length * 2 >= v.length;
}

/** One unit of up to half the length, repeated to the end (`abcabcab`, `xyz!xyz!`). */
function isPeriodic(v: string): boolean {
  for (let p = 1; p <= v.length / 2; p++) {
    let i = p;
    while (i < v.length && v[i] === v[i - p]) i++;
    if (i === v.length) return true;
  }
  return false;
}

const WORDS =
  'my your our super secret secure password passwd pass pwd redis upstash default admin root user test demo example sample changeme change me letmein welcome token key api dev prod local hello world foo bar baz qux abc xyz qwerty dummy fake mock temp new the very strong long random string value access auth db cache server app rest url here this is not real'.split(
    ' ',
  );
const WORD_SET = new Set(WORDS);
const MAX_WORD = Math.max(...WORDS.map((w) => w.length));

/**
 * Letters (case ignored, digits and separators dropped) that split entirely into common words,
 * with at least 6 letters and at most half the characters digits: `mypassword123`,
 * `Super-Secret-Redis-2024`. Mixed-case random material is never all dictionary words.
 */
function isDictionaryWords(v: string): boolean {
  // One pass over the letter groups (a split, join and replace per value cost more than the
  // rules). Every rule only says no, so a group settles the answer as soon as it fails one.
  let letters = 0;
  let digits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isLetter(c)) letters++;
    else if (c >= 0x30 && c <= 0x39) digits++;
  }
  if (letters < 6 || letters * 2 < digits) return false;
  // Hex with digits is machine output: its letters are a-f, and `db`/`abc` groups split into
  // words by chance (a random 16-hex `53db89db233db520` did, about one in 10^5).
  if (digits > 0 && HEX.test(v)) return false;
  for (let i = 0; i < v.length;) {
    if (!isLetter(v.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    while (end < v.length && isLetter(v.charCodeAt(end))) end++;
    if (isMixedCase(v, i, end) || !splitsIntoWords(v.slice(i, end).toLowerCase())) return false;
    i = end;
  }
  return true;
}

const HEX = /^[0-9a-fA-F]+$/;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

/**
 * Random material mixes case inside a word; typed values are lower, UPPER or Capitalised words.
 * Mixed: a lowercase letter before a capital, and a capital not followed by a lowercase letter
 * (what `/[a-z][A-Z]/ && !/^(?:[A-Z]?[a-z]+)+$/` said; that pattern backtracked 2^n steps over
 * n lowercase letters before such a capital: 1.6 s for `kawbzcqdkewfzgqhkiwjzkqlkmxB1C`).
 */
function isMixedCase(v: string, from: number, to: number): boolean {
  let lowerThenUpper = false;
  let loneCapital = false;
  for (let i = from; i < to; i++) {
    if (!isUpper(v.charCodeAt(i))) continue;
    if (i > from && !isUpper(v.charCodeAt(i - 1))) lowerThenUpper = true;
    if (i + 1 === to || isUpper(v.charCodeAt(i + 1))) loneCapital = true;
  }
  return lowerThenUpper && loneCapital;
}

function splitsIntoWords(s: string): boolean {
  const ok = new Uint8Array(s.length + 1);
  ok[0] = 1;
  let last = 0; // the last position a split reaches
  for (let i = 1; i <= s.length; i++) {
    // No word is longer than MAX_WORD: past that gap no later position can be reached.
    if (i - last > MAX_WORD) return false;
    for (let l = 1; l <= Math.min(MAX_WORD, i) && !ok[i]; l++)
      if (ok[i - l] && WORD_SET.has(s.slice(i - l, i))) ok[i] = 1;
    if (ok[i]) last = i;
  }
  return ok[s.length] === 1;
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

/** Counts of ASCII characters, and the order they first appear in (`entropy` resets both). */
const ASCII_COUNTS = new Uint32Array(128);
const ASCII_ORDER = new Uint8Array(128);

/**
 * Shannon entropy in bits per character (counted by code point, divided by the UTF-16 length).
 * ASCII values are counted in an array rather than a Map (a fifth of the cost on 40 characters),
 * summed in order of first appearance as the Map was, so every result is the same number.
 */
export function entropy(value: string): number {
  let distinct = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128) {
      for (let k = 0; k < distinct; k++) ASCII_COUNTS[ASCII_ORDER[k]!] = 0;
      return entropyOfCodePoints(value);
    }
    if (ASCII_COUNTS[c] === 0) ASCII_ORDER[distinct++] = c;
    ASCII_COUNTS[c]!++;
  }
  let h = 0;
  for (let k = 0; k < distinct; k++) {
    const c = ASCII_ORDER[k]!;
    const p = ASCII_COUNTS[c]! / value.length;
    ASCII_COUNTS[c] = 0;
    h -= p * Math.log2(p);
  }
  return h;
}

function entropyOfCodePoints(value: string): number {
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
