import {
  credentialsRefused,
  fetchHttpStatus,
  repositoryGone,
} from '../../src/git/fetch-failure.js';

/** git's messages as it prints them, quoting URLs whose names and ports hold 401, 403, 404, 410. */
const url = (name: string) => `http://127.0.0.1:34104/acme/${name}.git/`;

describe('fetch failure causes', () => {
  it('reads the status git reports, not digits in the URL it quotes', () => {
    const e500 = `fatal: unable to access '${url('api-404-410-403-401')}': The requested URL returned error: 500\n`;
    expect(fetchHttpStatus(e500)).toBe(500);
    expect(repositoryGone(e500)).toBe(false);
    expect(credentialsRefused(e500)).toBe(false);
    const reset = `error: RPC failed; curl 56 Recv failure: Connection reset by peer\nfatal: expected flush after ref listing (${url('svc-410')})\n`;
    expect(fetchHttpStatus(reset)).toBeUndefined();
    expect(repositoryGone(reset)).toBe(false);
  });

  it('knows a repository that is gone', () => {
    expect(repositoryGone(`remote: Not Found\nfatal: repository '${url('app')}' not found\n`)).toBe(
      true,
    );
    expect(
      repositoryGone(
        `fatal: unable to access '${url('app')}': The requested URL returned error: 410\n`,
      ),
    ).toBe(true);
    expect(
      repositoryGone(
        `fatal: unable to access '${url('app')}': The requested URL returned error: 404\n`,
      ),
    ).toBe(true);
    expect(repositoryGone(`fatal: '/tmp/x' does not appear to be a git repository\n`)).toBe(true);
  });

  it('knows refused credentials', () => {
    expect(credentialsRefused(`fatal: Authentication failed for '${url('app')}'\n`)).toBe(true);
    expect(
      credentialsRefused(
        `fatal: could not read Username for 'https://github.com': terminal prompts disabled\n`,
      ),
    ).toBe(true);
    expect(
      credentialsRefused(
        `fatal: unable to access '${url('app')}': The requested URL returned error: 401\n`,
      ),
    ).toBe(true);
    expect(
      credentialsRefused(
        `fatal: unable to access '${url('r401')}': The requested URL returned error: 502\n`,
      ),
    ).toBe(false);
  });
});
