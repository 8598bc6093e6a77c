/** The colour families of the design system (see src/index.css). */
export type Tone = 'primary' | 'success' | 'warning' | 'error' | 'neutral'

/** Soft background + ink text of a tone, for badges and banners. */
export const softTone: Record<Tone, string> = {
  primary: 'bg-primary-soft text-primary-ink',
  success: 'bg-success-soft text-success-ink',
  warning: 'bg-warning-soft text-warning-ink',
  error: 'bg-error-soft text-error-ink',
  neutral: 'bg-neutral-soft text-neutral-ink',
}
