import { defineConfig, mergeConfig } from 'vitest/config'

import viteConfig from './vite.config.ts'

export default defineConfig((env) =>
  mergeConfig(viteConfig(env), {
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            environment: 'jsdom',
            include: ['src/**/*.test.{ts,tsx}'],
            setupFiles: ['src/test/setup.ts'],
            // One jsdom and one module graph per worker instead of per file
            // (unit run 159 s → 37 s on two cores). What a file changes is
            // put back after each test: the DOM and localStorage
            // (src/test/setup.ts), spies and stubbed globals (below).
            isolate: false,
            restoreMocks: true,
            unstubGlobals: true,
            // A safety bound, not a speed target: a form test with many
            // user-event steps exceeded the 5 s default on a loaded 2-core CI.
            testTimeout: 20_000,
          },
        },
        {
          // End-to-end API tests against a real `stratum serve` and PostgreSQL
          // (tests/api/server.ts builds and starts it once for the project).
          test: {
            name: 'api',
            environment: 'node',
            include: ['tests/api/**/*.test.ts'],
            globalSetup: ['tests/api/server.ts'],
            testTimeout: 30_000,
            hookTimeout: 30_000,
          },
        },
        {
          // The dashboard in headless Chromium against a real server that
          // embeds a fresh build (e2e/server.ts). One journey, in order;
          // specs run one after the other (connection.test.ts stops its own
          // server: a busy machine must not blur its bounds).
          test: {
            name: 'e2e',
            environment: 'node',
            include: ['e2e/**/*.test.ts'],
            fileParallelism: false,
            globalSetup: ['e2e/server.ts'],
            testTimeout: 90_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  }),
)
