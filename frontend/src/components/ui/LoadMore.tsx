import { useState } from 'react'

import { Button } from './Button'

/** A connection's paging facts (Relay PageInfo). */
export interface PageCursor {
  hasNextPage: boolean
  endCursor?: string | null
}

/** "Load more" under a Relay connection; renders nothing on the last page. */
export function LoadMore({ pageInfo, onLoad }: { pageInfo: PageCursor; onLoad: (after: string) => Promise<unknown> }) {
  const [loading, setLoading] = useState(false)
  if (!pageInfo.hasNextPage || !pageInfo.endCursor) return null
  const after = pageInfo.endCursor
  return (
    <div className="mt-4 flex justify-center">
      <Button
        loading={loading}
        onClick={async () => {
          setLoading(true)
          try {
            await onLoad(after)
          } finally {
            setLoading(false)
          }
        }}
      >
        Load more
      </Button>
    </div>
  )
}
