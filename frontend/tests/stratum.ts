// A real Stratum for the API and browser tests: builds the Go binary,
// creates a fresh database, starts `stratum serve` on a free port and waits
// for /readyz. stop() ends the server (SIGTERM) and drops the database;
// halt() and resume() stop and start the server process alone, on the same
// port and database (the browser tests take the server away under a page).
//
// Environment:
//   DATABASE_URL       a server to create the test database on (its host and
//                      port are used; the database name is replaced);
//                      unset: `stratum devdb up` finds or starts PostgreSQL.
//   STRATUM_TEST_BIN   an already built stratum binary (skips `go build`).
//   STRATUM_TEST_URL   an already running server (skips everything above).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const frontend = fileURLToPath(new URL('..', import.meta.url))

/** A running server. */
export interface Stratum {
  baseUrl: string
  /** The binary it runs; null for a server named by STRATUM_TEST_URL. */
  bin: string | null
  /**
   * Its database (for the binary's command-line tools, e.g. `stratum admin
   * grant-operator`); null for a server named by STRATUM_TEST_URL.
   */
  databaseUrl: string | null
  /** Ends the server and drops its database. */
  stop: () => Promise<void>
  /**
   * Ends the server process (SIGTERM, as an operator stopping it would) and
   * resolves once it has exited; the database and the port stay. Absent for
   * a server named by STRATUM_TEST_URL, which the tests do not control.
   */
  halt?: () => Promise<void>
  /** Starts the halted server again on the same port and database; resolves once it is ready. */
  resume?: () => Promise<void>
}

export interface StartOptions {
  /** Prefix of log lines, e.g. "api-tests". */
  label: string
  /**
   * Build the dashboard into dist/ before the Go binary so the binary
   * embeds the current frontend (the browser tests need it).
   */
  buildFrontend?: boolean
  /**
   * Seed the demo tenant "Demo Co (simulated)" and its owner
   * (demo@stratum.local / stratum-demo-2026): the browser tests drive the
   * simulated ad platform through it.
   */
  seedDemo?: boolean
  /**
   * The starter plan's query-cost budget (STRATUM_RATE_LIMIT_POINTS; the
   * server's default is 1000). The browser journey clicks through a day's
   * worth of screens in a minute, each page load re-opening its
   * subscriptions, so it runs with a larger budget; throttling itself is
   * covered by the server's tests.
   */
  rateLimitPoints?: number
  /** An already built binary to run (e.g. the one the browser tests' global setup built): no build. */
  bin?: string
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = repo): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.error) throw r.error
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}${r.stdout}`)
  }
  return r.stdout.trim()
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** The host:port DATABASE_URL points at, for devdb's probe. */
function probeAddr(databaseUrl: string | undefined): string | undefined {
  if (!databaseUrl) return undefined
  try {
    const u = new URL(databaseUrl)
    const host = u.hostname || '127.0.0.1'
    return `${host === 'localhost' ? '127.0.0.1' : host}:${u.port || '5432'}`
  } catch {
    return undefined
  }
}

async function waitReady(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  let last = ''
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`stratum serve exited (${child.exitCode ?? child.signalCode}):\n${output()}`)
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`)
      if (res.ok) return
      last = `${res.status} ${await res.text()}`
    } catch (err) {
      last = String(err)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`stratum serve not ready after 60s (last: ${last}):\n${output()}`)
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

function dropDatabase(url: string, name: string, log: (msg: string) => void): void {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const r = spawnSync('psql', [admin.toString(), '-qAtc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.error || r.status !== 0) log(`could not drop database ${name}: ${r.error ?? r.stderr.trim()}`)
}

/** Builds (unless STRATUM_TEST_BIN or STRATUM_TEST_URL says otherwise) and starts a server. */
export async function startStratum({
  label,
  buildFrontend = false,
  seedDemo = false,
  rateLimitPoints,
  bin = process.env.STRATUM_TEST_BIN,
}: StartOptions): Promise<Stratum> {
  const log = (msg: string) => process.stderr.write(`[${label}] ${msg}\n`)
  if (process.env.STRATUM_TEST_URL) {
    return {
      baseUrl: process.env.STRATUM_TEST_URL.replace(/\/$/, ''),
      bin: null,
      databaseUrl: null,
      stop: async () => {},
    }
  }

  if (!bin) {
    if (buildFrontend) {
      log('npm run build:assets')
      // Vitest sets NODE_ENV=test, which would give a development build of React.
      run('npm', ['run', 'build:assets'], { ...process.env, NODE_ENV: 'production' }, frontend)
    }
    log('go build -o bin/stratum ./cmd/stratum')
    run('go', ['build', '-o', 'bin/stratum', './cmd/stratum'])
    bin = `${repo}bin/stratum`
  }

  const dbName = `stratum_fe_${randomBytes(6).toString('hex')}`
  const probe = probeAddr(process.env.DATABASE_URL)
  const devdbEnv = { ...process.env, ...(probe ? { STRATUM_PG_PROBE_ADDR: probe } : {}) }
  const databaseUrl = run(bin, ['devdb', 'up', dbName], devdbEnv).split('\n').pop()!
  log(`database ${databaseUrl}`)

  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    STRATUM_HTTP_ADDR: `127.0.0.1:${port}`,
    STRATUM_PUBLIC_URL: baseUrl,
    STRATUM_ENV: 'development',
    STRATUM_SEED_DEMO: String(seedDemo),
    ...(rateLimitPoints ? { STRATUM_RATE_LIMIT_POINTS: String(rateLimitPoints) } : {}),
    STRATUM_LOG_LEVEL: process.env.STRATUM_LOG_LEVEL ?? 'warn',
  }
  let output = ''
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(bin, ['serve'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const collect = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000)
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    try {
      await waitReady(baseUrl, child, () => output)
    } catch (err) {
      await stop(child)
      throw err
    }
    return child
  }

  let child: ChildProcess
  try {
    child = await launch()
  } catch (err) {
    dropDatabase(databaseUrl, dbName, log)
    throw err
  }
  log(`stratum serve ready at ${baseUrl}`)

  return {
    baseUrl,
    bin,
    databaseUrl,
    stop: async () => {
      await stop(child)
      if (child.exitCode !== 0 && child.exitCode !== null)
        log(`stratum serve exited with ${child.exitCode}:\n${output}`)
      dropDatabase(databaseUrl, dbName, log)
    },
    halt: async () => {
      await stop(child)
      log(`stratum serve halted (${child.exitCode ?? child.signalCode})`)
    },
    resume: async () => {
      if (child.exitCode === null && child.signalCode === null) throw new Error('stratum serve is still running')
      child = await launch()
      log(`stratum serve resumed at ${baseUrl}`)
    },
  }
}
