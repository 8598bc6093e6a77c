import type { ReactNode } from 'react'

import { Brand } from '../../components/layout/Brand'

/** The frame of the signed-out screens: product name and one centred panel. */
export function AuthLayout({
  title,
  subtitle,
  children,
  footer,
}: {
  title: string
  subtitle?: ReactNode
  children: ReactNode
  footer?: ReactNode
}) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-10">
      <Brand className="mb-6 text-xl font-semibold tracking-tight" />
      <div className="w-full max-w-sm rounded-lg border border-line bg-surface p-6 shadow-sm">
        <h1 className="text-xl font-semibold">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-muted">{subtitle}</p>}
        <div className="mt-6">{children}</div>
      </div>
      {footer && <div className="mt-6 text-sm text-muted">{footer}</div>}
    </main>
  )
}

/** A vertical form with consistent spacing. */
export function FormStack({
  onSubmit,
  children,
  label,
}: {
  onSubmit: () => void
  children: ReactNode
  label?: string
}) {
  return (
    <form
      aria-label={label}
      noValidate
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault()
        onSubmit()
      }}
    >
      {children}
    </form>
  )
}
