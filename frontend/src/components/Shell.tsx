import type { ReactNode } from 'react'

import { ServerTime } from './ServerTime'

/** The dashboard's frame: header with product name, links and live status. */
export function Shell({ children }: { children?: ReactNode }) {
  return (
    <div className="min-h-screen bg-slate-50 text-slate-900">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center justify-between px-6 py-4">
          <h1 className="text-xl font-semibold tracking-tight">Stratum</h1>
          <nav className="flex items-center gap-6">
            <ServerTime />
            <a className="text-sm font-medium text-indigo-600 hover:text-indigo-800" href="/graphiql">
              GraphiQL
            </a>
          </nav>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </div>
  )
}
