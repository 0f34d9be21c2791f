import type { TestProject } from "vitest/node";
import { type PostgresServer, startPostgres } from "./services.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the suite's private PostgreSQL server; tests create their own databases on it. */
    pgAdminUrl: string;
  }
}

let server: PostgresServer | null = null;

/** One private PostgreSQL server for the whole "@parley/server:postgres" project. */
export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide("pgAdminUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
