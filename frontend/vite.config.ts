import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

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

export default defineConfig({
  root,
  plugins: [react(), tailwindcss(), keepGitkeep()],
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
  server: {
    proxy: {
      '/graphql': { target: backend, ws: true, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
      '/readyz': { target: backend, changeOrigin: true },
    },
  },
})
