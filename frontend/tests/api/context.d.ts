// What the global setups (tests/api/server.ts, e2e/server.ts) provide to the tests.
import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the running stratum server, e.g. http://127.0.0.1:41234. */
    baseUrl: string
    /**
     * The stratum binary that server runs (e2e only), for specs that start
     * one of their own; null when STRATUM_TEST_URL names a running server.
     */
    stratumBin: string | null
    /**
     * That server's database (e2e only), for the binary's command-line
     * tools such as `stratum admin grant-operator`; null when
     * STRATUM_TEST_URL names a running server.
     */
    databaseUrl: string | null
  }
}
