/** The Redis every test uses: chosen once per run by test/setup/global-setup.ts. */
import { TEST_REDIS_ENV } from './global-setup.js';

export { chooseTestRedis, FORCE_PRIVATE_ENV, pingRedis, TEST_REDIS_ENV } from './global-setup.js';

/** The Redis URL every test must use (set by globalSetup). */
export function testRedisUrl(): string {
  const url = process.env[TEST_REDIS_ENV];
  if (!url)
    throw new Error(
      `${TEST_REDIS_ENV} is unset: run the tests with npm test (Jest globalSetup sets it)`,
    );
  return url;
}
