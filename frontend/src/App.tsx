import { Shell } from './components/Shell'

export function App() {
  return (
    <Shell>
      <p className="text-slate-600">
        Trust-gated marketing automation. The dashboard is on its way; explore the API in{' '}
        <a className="text-indigo-600 underline hover:text-indigo-800" href="/graphiql">
          GraphiQL
        </a>
        .
      </p>
    </Shell>
  )
}
