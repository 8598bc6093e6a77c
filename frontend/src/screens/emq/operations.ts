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
      platformScore
      calibrationError
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
