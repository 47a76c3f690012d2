/**
 * The environment that lets one git fetch authenticate, and nothing else: the installation (or
 * user) token as an HTTP header scoped to one origin, redirects off (git would send the header to
 * a redirect target). Never in a URL, an argument or a file.
 */
export function tokenFetchEnv(origin: string, token: string | undefined): Record<string, string> {
  const env: Record<string, string> = {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.followRedirects',
    GIT_CONFIG_VALUE_0: 'false',
  };
  if (token) {
    env.GIT_CONFIG_COUNT = '2';
    env.GIT_CONFIG_KEY_1 = `http.${origin}/.extraHeader`;
    env.GIT_CONFIG_VALUE_1 = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  }
  return env;
}
