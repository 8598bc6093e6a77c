import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, type ProxyOptions, type UserConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const outDir = fileURLToPath(new URL('./dist', import.meta.url))

// The Go binary embeds dist/ (frontend/embed.go), and `//go:embed all:dist`
// fails on an empty directory. Vite's emptyOutDir would delete the committed
// dist/.gitkeep for the length of a build, so clean dist/ ourselves and keep
// it; scripts/keep-dist.mjs recreates it after the build too.
function keepGitkeep(): Plugin {
  return {
    name: 'stratum:keep-gitkeep',
    apply: 'build',
    buildStart() {
      mkdirSync(outDir, { recursive: true })
      for (const name of readdirSync(outDir)) {
        if (name !== '.gitkeep') rmSync(`${outDir}/${name}`, { recursive: true, force: true })
      }
      writeFileSync(`${outDir}/.gitkeep`, '')
    },
  }
}

// Backend for `npm run dev` (STRATUM_BACKEND overrides it).
const backend = process.env.STRATUM_BACKEND ?? 'http://localhost:8080'

// The dev server rewrites Origin to the backend's: the server only accepts
// same-origin websockets (and configured CORS origins).
const proxy: ProxyOptions = {
  target: backend,
  changeOrigin: true,
  configure(p) {
    const rewrite = (req: { getHeader(n: string): unknown; setHeader(n: string, v: string): void }) => {
      if (req.getHeader('origin')) req.setHeader('origin', new URL(backend).origin)
    }
    p.on('proxyReq', rewrite)
    p.on('proxyReqWs', rewrite)
  },
}

export default defineConfig(({ command }): UserConfig => ({
  root,
  plugins: [react(), tailwindcss(), keepGitkeep()],
  resolve: {
    // See src/graphiql/setup-workers.dev.ts: the package's worker setup works
    // in builds but breaks the dev server's dependency optimizer.
    alias:
      command === 'serve'
        ? { 'graphiql/setup-workers/vite': fileURLToPath(new URL('./src/graphiql/setup-workers.dev.ts', import.meta.url)) }
        : {},
  },
  build: {
    outDir,
    emptyOutDir: false,
    // GraphiQL's Monaco editor and its workers are large by nature; they
    // load only on /graphiql, never with the dashboard.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // GraphiQL's packages start modules with "use no memo" (a React
      // Compiler hint that bundling drops harmlessly): don't flood the log.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return
        warn(warning)
      },
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        graphiql: fileURLToPath(new URL('./graphiql.html', import.meta.url)),
      },
    },
  },
  optimizeDeps: {
    // CommonJS/UMD modules that GraphiQL's GraphQL worker imports: the dev
    // server must pre-bundle them as ESM (the dependency scan does not crawl
    // workers). Builds are unaffected.
    include: ['nullthrows', 'picomatch-browser', 'prettier/standalone', 'prettier/plugins/graphql'],
  },
  server: {
    proxy: {
      '/graphql': { ...proxy, ws: true },
      '/healthz': proxy,
      '/readyz': proxy,
      '/dev/mail/messages': proxy,
      // The CDP's tracking API, where the Sources screen's snippets send.
      '/v1': proxy,
    },
  },
}))
