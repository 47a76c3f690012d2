/**
 * Masks credential-shaped text in a message built from input we do not control (a config key, a
 * path, a revision, a branch name, git's stderr) before it reaches an error, a log line or a
 * check run. Three passes, from precise to conservative:
 *  1. the engine itself (every detector and decoding layer): whatever it would report is masked;
 *  2. credentials in URLs (`scheme://user:password@`) and after `Authorization:` / `Bearer`;
 *  3. any run of 20 or more characters of the base64/base64url/hex alphabets that looks random:
 *     32+ hex characters (UUIDs, hex keys, ids), upper-case letters and digits only (AWS-style
 *     ids), or, unless it holds a lower-case word of five letters or more between separators
 *     (a name such as a temporary directory's), upper- and lower-case letters and digits, or
 *     lower-case letters and at least six digits; GitHub tokens (`ghs_`, `ghp_`, `github_pat_`…)
 *     always. A path that is not random as a whole has each segment checked.
 *     Exactly 40 or 64 lower-case hex characters are left alone: in our messages and logs those
 *     are git object ids (commits, blobs), which a reader needs.
 * Masked values keep at most four leading characters and their length, like findings.
 */
import { mayContainSecret } from './scan/prefilter.js';
import { mask } from './scan/mask.js';
import { scanText } from './scan/scan-text.js';

const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)([^\s@/]+)@/gi;
const AUTH_VALUE = /\b(authorization:\s*(?:basic|bearer|token)?\s*|bearer\s+)([^\s"',;]+)/gi;
const RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;

export function redactSecrets(text: string): string {
  let out = maskDetectedSecrets(text);
  out = out.replace(URL_USERINFO, (_, head: string, pw: string) => `${head}${mask(pw)}@`);
  out = out.replace(AUTH_VALUE, (_, head: string, value: string) => `${head}${mask(value)}`);
  return out.replace(RUN, maskRun);
}

/**
 * Pass 1 alone: masks what the engine itself would report, plus the given secrets wherever they
 * occur. For names shown as locations (file paths, refs), where pass 3 would also mask a bundler's
 * content hash and break the link. A `/` is read as a separator, so `feature/<token>` is seen.
 */
export function maskDetectedSecrets(text: string, known: readonly string[] = []): string {
  const secrets = new Set(known);
  if (mayContainSecret(text)) {
    const spaced = text.replaceAll('/', ' ');
    for (const h of scanText({ path: '', text: spaced })) secrets.add(h.candidate.secret);
    // `leak-<token>`, `v1_<token>`: glued to a name by a character the token alphabet also has,
    // the token has no start a detector can see. Each text after such a separator is read too.
    let tries = 0;
    for (let i = spaced.search(GLUE); i >= 0 && tries < MAX_GLUED; tries++) {
      for (const h of scanText({ path: '', text: spaced.slice(i + 1) }))
        secrets.add(h.candidate.secret);
      const next = spaced.slice(i + 1).search(GLUE);
      i = next < 0 ? -1 : i + 1 + next;
    }
  }
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(mask(secret));
  // The same credentials written encoded (a directory named after a token's base64): the engine
  // decodes base64 in text, and a reader decodes either. Masked wherever they occur.
  for (const secret of secrets)
    for (const form of encodedForms(secret))
      if (out.includes(form)) out = out.split(form).join(mask(form));
  return out;
}

/**
 * A secret's base64, base64url and hex forms, as far as they do not depend on what follows it
 * (base64's last group mixes in the next bytes).
 */
function encodedForms(secret: string): string[] {
  if (secret.length < 8) return [];
  let forms = formsOf.get(secret);
  if (forms) return forms;
  if (formsOf.size >= 10_000) formsOf.clear();
  formsOf.set(secret, (forms = computeForms(secret)));
  return forms;
}

/** Every name of a report is checked against every credential of the scan: computed once. */
const formsOf = new Map<string, string[]>();

function computeForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const stable = Math.floor(bytes.length / 3) * 4;
  const forms = [
    bytes.toString('base64').slice(0, stable),
    bytes.toString('base64url').slice(0, stable),
    bytes.toString('hex'),
  ];
  return [...new Set(forms)].filter((f) => f.length >= 16);
}

const GLUE = /[-_.]/;
const GITHUB_TOKEN = /^(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})$/;
/** Separators tried per name (a name is short; a long text is not a name). */
const MAX_GLUED = 32;

/** A run if it looks random; else, for a path, each of its segments that does. */
function maskRun(run: string): string {
  if (looksRandom(run)) return mask(run);
  if (!run.includes('/')) return run;
  return run
    .split('/')
    .map((seg) => (seg.length >= 20 && looksRandom(seg) ? mask(seg) : seg))
    .join('/');
}

function looksRandom(run: string): boolean {
  // GitHub's tokens (the App's installation token is `ghs_…`) whatever their letters: a random
  // one holds no digit about once in 450, and then the rules below would read it as a name.
  if (GITHUB_TOKEN.test(run)) return true;
  if ((run.length === 40 || run.length === 64) && /^[0-9a-f]+$/.test(run)) return false;
  const upper = /[A-Z]/.test(run);
  const lower = /[a-z]/.test(run);
  const digits = run.replace(/[^0-9]/g, '').length;
  if (run.length >= 32 && /^[0-9a-fA-F-]+$/.test(run) && digits > 0 && /[a-fA-F]/.test(run))
    return true;
  if (upper && !lower && digits > 0) return true;
  // A lower-case word between separators: a name (a temporary directory, a repository), not a key.
  if (/(?:^|[-_/])[a-z]{5,}(?:[-_/]|$)/.test(run)) return false;
  if (upper && lower && digits > 0) return true;
  return lower && !upper && digits >= 6;
}

/** Redacts a value that is only shown in an error anyway, and caps its length. */
export function shownValue(value: string, max = 80): string {
  const v = redactSecrets(value);
  return v.length > max ? `${v.slice(0, max)}…` : v;
}
