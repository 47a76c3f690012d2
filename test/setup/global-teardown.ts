/** Jest globalTeardown: stops the private redis-server, when globalSetup started one. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__upstashGuardTestRedis?.stop();
}
