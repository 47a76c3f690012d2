/**
 * An empty value is the most common line of a `.env.example`: `UPSTASH_REDIS_REST_TOKEN=` then the
 * next entry. The assignment forms let the value start on the next line, so the next entry itself
 * (`NEXT_PUBLIC_SITE_NAME=myWebsite2024prod`: 39 characters of the value alphabet) was reported as
 * a medium-confidence Redis REST token. A value on the next line now counts only when quoted,
 * which is how a formatter breaks a long assignment in code.
 */
import { scanText } from '../../../src/core/index.js';
import { redisTokenParts, unknownFormatSecret } from '../../helpers/synthetic.js';

const found = (text: string, path: string) => scanText({ text, path });

describe('an empty value does not take the next line', () => {
  it.each([
    ['.env', 'UPSTASH_REDIS_REST_TOKEN=\nNEXT_PUBLIC_SITE_NAME=myWebsite2024prod\n'],
    [
      '.env.example',
      'UPSTASH_REDIS_REST_URL=\nUPSTASH_REDIS_REST_TOKEN=\nNEXTAUTH_SECRET_VALUE_FOR_DEV=\n',
    ],
    ['.env', 'QSTASH_TOKEN=\nDATABASE_NAME_PRODUCTION_X9\n'],
    // The next entry is some other service's secret: not an Upstash one.
    ['.env', 'UPSTASH_REDIS_REST_TOKEN=\nSESSION_SECRET=k8Xp2mQ9rT4vW7yZ3bN6\n'],
    ['.env', 'QSTASH_CURRENT_SIGNING_KEY=\nSTRIPE_WEBHOOK_KEY=Wq7Lm3Xz9Pk2Rv5Tn8Yb\n'],
    ['.env', 'export UPSTASH_REDIS_REST_TOKEN=\nexport GOOGLE_ANALYTICS_ID_PROD=G12345678\n'],
    ['config.yml', 'UPSTASH_REDIS_REST_TOKEN:\nSENTRY_ENVIRONMENT_NAME_LONG: production\n'],
    ['wrangler.toml', '[vars]\nUPSTASH_REDIS_REST_TOKEN =\nCLOUDFLARE_ACCOUNT_NAME_X = "acme"\n'],
  ])('%s: %j', (path, text) => {
    expect(found(text, path)).toEqual([]);
  });
});

describe('the same in a serialized .env (a JSON string, `\\n` escapes)', () => {
  it('an empty value there does not take the next entry either', () => {
    const env = 'UPSTASH_REDIS_REST_TOKEN=\\nNEXT_PUBLIC_SITE_NAME=myWebsite2024prod\\n';
    expect(found(`{"env": "${env}"}`, 'vercel.json')).toEqual([]);
  });
  it('a value glued after the escape is still found, on its line', () => {
    const token = redisTokenParts().token;
    const hits = found(`{"env": "A=1\\nUPSTASH_REDIS_REST_TOKEN=${token}\\nB=2"}`, 'vercel.json');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.occurrence.line).toBe(1);
  });
});

describe('a quoted value on the next line is still a value', () => {
  const token = redisTokenParts().token;
  const other = unknownFormatSecret();
  it.each([
    ['src/redis.ts', `const UPSTASH_REDIS_REST_TOKEN =\n  "${token}";\n`],
    ['src/redis.ts', `export const config = {\n  upstashRedisToken:\n    '${token}',\n};\n`],
    ['src/redis.ts', `const UPSTASH_REDIS_REST_TOKEN =\n  "${other}";\n`],
    ['config.yml', `UPSTASH_REDIS_REST_TOKEN:\n  "${other}"\n`],
  ])('%s (case %#)', (path, text) => {
    expect(found(text, path).length).toBeGreaterThan(0);
  });
});
