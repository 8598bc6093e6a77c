import { graphql } from '../../gql'

/** A computed trait definition as the Traits screen lists it. */
export const TraitDefinitionFieldsFragment = graphql(`
  fragment TraitDefinitionFields on TraitDefinition {
    id
    name
    aggregation
    event
    filter {
      property
      operator
      value
    }
    valueProperty
    windowDays
    backfill {
      status
      progress {
        done
        total
      }
    }
    createdAt
    updatedAt
  }
`)

/** A profile's computed traits (spread into the profile page's query). */
export const ProfileComputedTraitsFragment = graphql(`
  fragment ProfileComputedTraits on Profile {
    computedTraits {
      name
      value
      computedAt
      definition {
        id
      }
    }
  }
`)

/** A page of the workspace's definitions, newest first. */
export const TraitDefinitionsDocument = graphql(`
  query TraitDefinitions($first: Int, $after: String) {
    traitDefinitions(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...TraitDefinitionFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

export const CreateTraitDefinitionDocument = graphql(`
  mutation CreateTraitDefinition($input: CreateTraitDefinitionInput!) {
    createTraitDefinition(input: $input) {
      definition {
        ...TraitDefinitionFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const UpdateTraitDefinitionDocument = graphql(`
  mutation UpdateTraitDefinition($input: UpdateTraitDefinitionInput!) {
    updateTraitDefinition(input: $input) {
      definition {
        ...TraitDefinitionFields
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`)

export const DeleteTraitDefinitionDocument = graphql(`
  mutation DeleteTraitDefinition($input: DeleteTraitDefinitionInput!) {
    deleteTraitDefinition(input: $input) {
      deletedDefinitionId
      userErrors {
        field
        message
        code
      }
    }
  }
`)
