// What the global setup (server.ts) provides to the API tests.
import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the running stratum server, e.g. http://127.0.0.1:41234. */
    baseUrl: string
  }
}
