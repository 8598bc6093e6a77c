// graphql-codegen: typed operations from the server's schema (../graph) and
// the graphql() documents in src/. `npm run codegen` writes src/gql/, which is
// committed; CI's `make check-generated` fails when it is stale.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: '../graph/*.graphqls',
  // Tests write their own throwaway operations; only the app's are typed.
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**', '!src/**/*.test.{ts,tsx}', '!src/test/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        // Fragments are plain types: no masking helpers to unwrap.
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { Time: 'string', ID: 'string', JSON: 'Record<string, unknown>' },
        skipTypename: false,
      },
    },
  },
}

export default config
