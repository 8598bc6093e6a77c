// `npm run dev` only: the same Monaco worker setup as graphiql/setup-workers/vite
// (which the production build uses), but compiled as app source. Vite's dev
// dependency optimizer cannot bundle the package's `?worker` imports and the
// dev server dies on start (graphql/graphiql#4038, #4473); vite.config.ts
// aliases the package import to this file when serving.
import JsonWorker from 'monaco-editor/esm/vs/language/json/json.worker.js?worker'
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker'
import GraphQLWorker from 'monaco-graphql/esm/graphql.worker.js?worker'

type MonacoEnvironment = { getWorker(workerId: string, label: string): Worker }

;(globalThis as { MonacoEnvironment?: MonacoEnvironment }).MonacoEnvironment = {
  getWorker(_workerId, label) {
    switch (label) {
      case 'json':
        return new JsonWorker()
      case 'graphql':
        return new GraphQLWorker()
    }
    return new EditorWorker()
  },
}
