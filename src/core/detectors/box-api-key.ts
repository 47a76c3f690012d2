import type { Detector } from '../types.js';
import { entropy, isPlaceholder } from './placeholders.js';
import { boxApiKey } from './synthetic.js';

const IMPORTS_BOX =
  /from\s+["']@upstash\/box["']|require\(\s*["']@upstash\/box["']\s*\)|from\s+upstash_box\s+import|import\s+upstash_box\b/;
/**
 * The SDK's package name, joined at run time in the examples: written out, this file would import
 * the Box SDK as far as `IMPORTS_BOX` can tell, and its own negatives would read as keys.
 */
const SDK = 'box';
/** A Box key name; a sandbox product's key (`ABRAXAS_SANDBOX_API_KEY`) only when it says Upstash. */
const BOX_KEY_NAME = /UPSTASH_BOX|BOX_API_KEY|box_?api_?key/i;
/** The Box CLI's token flag: `box create --token <key>` (upstash/box packages/cli). */
const BOX_CLI_TOKEN = /\bbox\s+[a-z-]+\b[^\n]*--token[ =]["']?$/;

/**
 * Upstash Box API key. The docs quickstart shows `box_…` (24 chars); the Box SDK's and CLI's own
 * READMEs and examples show `abx_…` (`UPSTASH_BOX_API_KEY=abx_...`, where `box_abc123` is a box
 * id); the real length is unconfirmed. Both prefixes are common elsewhere, so only under a Box
 * key name, on a line mentioning Upstash, after the Box CLI's `--token`, or in a file importing
 * the Box SDK (`@upstash/box`, Python `upstash_box`); medium.
 */
export const boxApiKeyDetector = {
  id: 'upstash-box-api-key',
  type: 'upstash-box-api-key',
  title: 'Upstash Box API key',
  keywords: ['box_', 'abx_'],
  pattern: /(?<![A-Za-z0-9_])((?:box|abx)_[A-Za-z0-9_-]{20,80})(?![A-Za-z0-9_-])/g,
  validate(m, ctx) {
    const v = m[1]!;
    const key = ctx.key ?? '';
    const boxName = BOX_KEY_NAME.test(key) && (!/sandbox/i.test(key) || /upstash/i.test(key));
    if (
      !boxName &&
      !/upstash/i.test(ctx.line) &&
      !BOX_CLI_TOKEN.test(ctx.before) &&
      !IMPORTS_BOX.test(ctx.text)
    )
      return null;
    if (isPlaceholder(v) || entropy(v.slice(4)) < 3.5 || !/\d/.test(v) || !/[A-Za-z]/.test(v))
      return null;
    return {
      type: 'upstash-box-api-key',
      secret: v,
      identity: `box:${v}`,
      readOnly: null,
      endpoint: 'https://us-east-1.box.upstash.com',
      confidence: 'medium',
      details: {},
    };
  },
  examples: {
    positives: () => [
      `UPSTASH_BOX_API_KEY=${boxApiKey()}`,
      `const box = new Box({ apiKey: "${boxApiKey()}" }); // upstash box`,
      `UPSTASH_BOX_API_KEY=${boxApiKey({ prefix: 'abx_' })}`,
      `import { Box } from "@upstash/${SDK}";\nconst box = await Box.create({ apiKey: "${boxApiKey({ prefix: 'abx_' })}" });`,
      `from upstash_${SDK} import Box\nbox = Box.create(api_key="${boxApiKey({ prefix: 'abx_' })}")`,
      `box create --token ${boxApiKey({ prefix: 'abx_' })} --runtime node`,
    ],
    negatives: [
      'UPSTASH_BOX_API_KEY=box_xxxxxxxxxxxxxxxxxxxxxxxx',
      'UPSTASH_BOX_API_KEY=abx_...',
      'const icon = box_shadow_large_container_default;',
      // Key-shaped values joined at run time, so no tracked file holds one.
      `dropbox_token = ${['box', 'a8f3k2m9q7w1e5r4t6y8u0i2'].join('_')}`,
      // Another sandbox vendor's key of the same prefix.
      `ABRAXAS_SANDBOX_API_KEY=${['abx', 'test', 'q8Zr4mK2xW7vN1pL5tY9'].join('_')}`,
      'therapy = [c for c in cols if c.startswith("abx_")]\nabx_min_dose_per_kg_value_2 = 1',
    ],
  },
} satisfies Detector;
