import { ApolloProvider } from '@apollo/client/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter } from 'react-router-dom'

import { createApolloClient } from './apollo'
import { App } from './App'
import { ToastProvider } from './components/ui'
import { ConnectionProvider } from './connection/ConnectionProvider'
import { createSignal } from './session/signal'
import { SessionProvider } from './session/SessionProvider'
import { applyTheme, storedTheme } from './theme'
import './index.css'

applyTheme(storedTheme())

const expired = createSignal()
const enrollmentRequired = createSignal()
const stratum = createApolloClient({
  onSessionExpired: expired.emit,
  onMfaEnrollmentRequired: enrollmentRequired.emit,
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={stratum.client}>
      <ConnectionProvider connection={stratum.connection}>
        <BrowserRouter>
          <ToastProvider>
            <SessionProvider
              connection={stratum}
              onExpired={expired.subscribe}
              onMfaEnrollmentRequired={enrollmentRequired.subscribe}
            >
              <App />
            </SessionProvider>
          </ToastProvider>
        </BrowserRouter>
      </ConnectionProvider>
    </ApolloProvider>
  </StrictMode>,
)
