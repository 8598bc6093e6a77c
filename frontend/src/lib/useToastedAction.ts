import { useToast } from '../components/ui'
import type { UserErrorLike } from './userErrors'

/**
 * Runs a one-click mutation (revoke, remove, change role) and reports how it
 * went in a toast: its first userError, the failure, or `success`. Resolves
 * true when it succeeded.
 */
export function useToastedAction(): (
  run: () => Promise<readonly UserErrorLike[]>,
  success: string,
) => Promise<boolean> {
  const toast = useToast()
  return async (run, success) => {
    try {
      const [first] = await run()
      if (first) {
        toast.show({ tone: 'error', message: first.message })
        return false
      }
      toast.show({ message: success })
      return true
    } catch (err) {
      toast.show({ tone: 'error', message: (err as Error).message })
      return false
    }
  }
}
