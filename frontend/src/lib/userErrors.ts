import type { ErrorCode } from '../gql/graphql'

/** A mutation payload's expected failure (`userErrors { field message code }`). */
export interface UserErrorLike {
  field?: readonly string[] | null
  message: string
  code: ErrorCode
}

/** Messages to show: per form field, and for the form as a whole. */
export interface FormErrors<F extends string> {
  fields: Partial<Record<F, string>>
  form: string | null
}

/**
 * Sorts userErrors onto a form's fields: an error whose path ends with a
 * known field name (`["input", "email"]` → email) goes under that field;
 * the rest (no path, or a field the form does not show) become the form's
 * message.
 */
export function formErrors<F extends string>(errors: readonly UserErrorLike[], known: readonly F[]): FormErrors<F> {
  const fields: Partial<Record<F, string>> = {}
  const rest: string[] = []
  for (const e of errors) {
    const name = e.field?.[e.field.length - 1]
    if (name !== undefined && (known as readonly string[]).includes(name) && !fields[name as F]) {
      fields[name as F] = e.message
    } else {
      rest.push(e.message)
    }
  }
  return { fields, form: rest.length ? rest.join(' ') : null }
}

/** No errors at all. */
export const noErrors = { fields: {}, form: null } as const
