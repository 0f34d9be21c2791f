/**
 * Test helpers for packages that test against a real Parley server
 * (`@parley/server/testing`): the production build as a child process, and
 * private PostgreSQL and Redis servers.
 */
export { mulberry32, seededRandom } from "./random.ts";
export { ensureServerBuilt, ServerProcess, type ServerProcessOptions, startServerProcess, TEST_SECRET } from "./process.ts";
export {
  createTestDatabase,
  freePort,
  type PostgresServer,
  postgresAvailable,
  type RedisServer,
  redisAvailable,
  startPostgres,
  startRedis,
} from "./services.ts";
