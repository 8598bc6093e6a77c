import 'graphiql/setup-workers/vite'
import 'graphiql/style.css'
import './phone.css'

import { GraphiQL } from 'graphiql'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'

import { DEFAULT_QUERY, createFetcher, initialHeaders } from './config'

const fetcher = createFetcher()
const headers = initialHeaders()

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      isHeadersEditorEnabled
      {...(headers ? { initialHeaders: headers, defaultHeaders: headers } : {})}
    />
  </StrictMode>,
)
