import {
  createContext,
  useContext,
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react'

import { cx } from './cx'

interface FieldIds {
  id: string
  describedBy: string | undefined
  invalid: boolean
}

const FieldContext = createContext<FieldIds | null>(null)

export interface FieldProps {
  label: ReactNode
  /** The message shown under the control when its value is wrong. */
  error?: string | undefined
  /** Help shown under the control. */
  hint?: ReactNode
  children: ReactNode
  className?: string
}

/**
 * A labelled form control with hint and error slots. The Input or Select
 * inside picks up the id, aria-invalid and aria-describedby from here, so
 * every control is labelled and its error is read with it.
 */
export function Field({ label, error, hint, children, className }: FieldProps) {
  const id = useId()
  const hintId = hint ? `${id}-hint` : undefined
  const errorId = error ? `${id}-error` : undefined
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined
  return (
    <div className={cx('flex flex-col gap-1.5', className)}>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <FieldContext.Provider value={{ id, describedBy, invalid: Boolean(error) }}>{children}</FieldContext.Provider>
      {hint && (
        <p id={hintId} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {error}
        </p>
      )}
    </div>
  )
}

const control =
  'h-10 w-full rounded-md border bg-surface px-3 text-sm text-fg shadow-sm placeholder:text-muted/70 disabled:opacity-60'

function useField(): FieldIds {
  const ids = useContext(FieldContext)
  if (!ids) throw new Error('Input and Select must be placed inside a <Field>')
  return ids
}

/** A text input; place it inside a Field. */
export function Input({ className, ...rest }: InputHTMLAttributes<HTMLInputElement>) {
  const { id, describedBy, invalid } = useField()
  return (
    <input
      id={id}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      {...rest}
      className={cx(control, invalid ? 'border-error-500' : 'border-line', className)}
    />
  )
}

/** A native select; place it inside a Field. */
export function Select({ className, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  const { id, describedBy, invalid } = useField()
  return (
    <select
      id={id}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      {...rest}
      className={cx(control, invalid ? 'border-error-500' : 'border-line', className)}
    >
      {children}
    </select>
  )
}

/** A group of checkboxes with a legend and an error slot. */
export function CheckboxGroup({
  legend,
  error,
  children,
}: {
  legend: ReactNode
  error?: string | undefined
  children: ReactNode
}) {
  const errorId = useId()
  return (
    <fieldset aria-describedby={error ? errorId : undefined} className="flex flex-col gap-1.5">
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-x-5 gap-y-2">{children}</div>
      {error && (
        <p id={errorId} className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {error}
        </p>
      )}
    </fieldset>
  )
}

/** A labelled checkbox. */
export function Checkbox({
  label,
  ...rest
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { label: ReactNode }) {
  return (
    <label className="inline-flex items-center gap-2 text-sm">
      <input type="checkbox" {...rest} className="size-4 rounded border-line accent-primary-600" />
      {label}
    </label>
  )
}
