/** Installation tokens are minted once and reused until near expiry; concurrent jobs share one mint. */
import { InstallationAuth } from '../../src/app/installation-auth.js';
import type { GitHubClient } from '../../src/github/types.js';

test('one mint per installation until the margin before expiry, then a new one', async () => {
  let now = 0;
  let minted = 0;
  const auth = new InstallationAuth({
    client: async () => ({}) as GitHubClient,
    mint: async (id) => {
      minted++;
      await new Promise((r) => setTimeout(r, 10));
      return { token: `t-${id}-${minted}`, expiresAt: now + 3600_000 };
    },
    marginMs: 15 * 60_000,
    now: () => now,
  });
  const first = await Promise.all([...Array(20)].map(() => auth.get(1)));
  expect(new Set(first.map((r) => r.token))).toEqual(new Set(['t-1-1']));
  now += 44 * 60_000;
  expect((await auth.get(1)).token).toBe('t-1-1');
  await auth.get(2);
  expect(minted).toBe(2);
  now += 2 * 60_000; // 46 minutes: less than 15 left
  expect((await auth.get(1)).token).toBe('t-1-3');
});

test('a failed mint is not cached', async () => {
  let calls = 0;
  const auth = new InstallationAuth({
    client: async () => ({}) as GitHubClient,
    mint: async () => {
      if (++calls === 1) throw new Error('502');
      return { token: 'ok', expiresAt: Date.now() + 3600_000 };
    },
  });
  await expect(auth.get(1)).rejects.toThrow('502');
  expect((await auth.get(1)).token).toBe('ok');
});

test('the permissions a token response listed are kept with the token; invalidate mints anew on the next get', async () => {
  let minted = 0;
  let contents = 'read';
  const auth = new InstallationAuth({
    client: async () => ({}) as GitHubClient,
    mint: async () => {
      minted++;
      return {
        token: `t-${minted}`,
        expiresAt: Date.now() + 3600_000,
        permissions: { checks: 'write', contents },
      };
    },
  });
  expect((await auth.get(1)).permissions).toEqual({ checks: 'write', contents: 'read' });
  contents = 'write';
  // Cached: the token (and what it listed) is reused until told otherwise.
  expect((await auth.get(1)).permissions).toEqual({ checks: 'write', contents: 'read' });
  expect(minted).toBe(1);
  auth.invalidate(1);
  const next = await auth.get(1);
  expect(next.token).toBe('t-2');
  expect(next.permissions).toEqual({ checks: 'write', contents: 'write' });
  expect(minted).toBe(2);
});

test('a token response without permissions gives none (every surface is then tried)', async () => {
  const auth = new InstallationAuth({
    client: async () => ({}) as GitHubClient,
    mint: async () => ({ token: 't', expiresAt: Date.now() + 3600_000 }),
  });
  expect('permissions' in (await auth.get(1))).toBe(false);
});

test('the API client carries the minted token: one client per token, renewed and invalidated with it', async () => {
  let minted = 0;
  const built: string[] = [];
  const auth = new InstallationAuth({
    client: (id, token) => {
      built.push(`${id}:${token}`);
      return { token } as unknown as GitHubClient;
    },
    mint: async () => ({ token: `t-${++minted}`, expiresAt: Date.now() + 3600_000 }),
  });
  const all = await Promise.all([...Array(10)].map(() => auth.get(1)));
  for (const a of all) expect((a.gh as unknown as { token: string }).token).toBe(a.token);
  expect(built).toEqual(['1:t-1']);
  auth.invalidate(1);
  const next = await auth.get(1);
  expect((next.gh as unknown as { token: string }).token).toBe('t-2');
  expect(built).toEqual(['1:t-1', '1:t-2']);
});
