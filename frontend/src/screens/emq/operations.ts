import { graphql } from '../../gql'

/** EMQ per destination and event of one platform, with the trend and the fix-it list. */
export const EmqScoresDocument = graphql(`
  query EmqScores($platform: Platform!, $eventName: String, $hours: Int) {
    emqScores(platform: $platform, eventName: $eventName) {
      destinationId
      platform
      eventName
      events
      score
      source
      estimate
      platformScore
      platformScoreAt
      calibrationError
      platformScoreError
      trend(hours: $hours) {
        hour
        events
        score
      }
      missingParameters {
        parameter
        coverage
        impact
        advice
      }
    }
  }
`)

/** A destination's EMQ of one platform changed (a batch forwarded). */
export const EmqScoreUpdatedDocument = graphql(`
  subscription EmqScoreUpdated($platform: Platform!) {
    emqScoreUpdated(platform: $platform) {
      destinationId
      eventName
      score
    }
  }
`)
