import { Card, TextLink } from '../../components/ui'
import { useSession, useViewer } from '../../session/SessionProvider'

/**
 * What a new workspace with no platform data can do next, in place of
 * cards that would all be empty. Truthful about today: there are no
 * connectors to real ad platforms yet, so it says so and points at what
 * does exist (the simulated demo workspace, and what can be prepared here).
 */
export function NextSteps() {
  const viewer = useViewer()
  const { can } = useSession()
  return (
    <Card
      title="Next step: nothing is connected yet"
      description="Stratum scores the data your ad platforms report, and lets automation act only while that data is trustworthy. This workspace has no platform data yet."
    >
      <div className="flex flex-col gap-4 text-sm">
        <p>
          Connectors to real ad platforms (Meta, Google, TikTok, Snapchat) are not part of this version of Stratum yet,
          so there is nothing to connect here for now.
        </p>
        <p>
          To see the trust engine at work, use the demo workspace <strong>Demo Co (simulated)</strong>: a development
          server (<code>make run</code>) creates it with generated data and prints its log-in when it starts.
        </p>
        <div>
          <p className="mb-2 font-medium">Meanwhile, in this workspace:</p>
          <ul className="flex list-disc flex-col gap-1.5 pl-5">
            {!viewer.user?.mfaEnabled && (
              <li>
                <TextLink to="/settings/security">Set up two-factor authentication</TextLink> for your account.
              </li>
            )}
            {can('ADMIN') && (
              <li>
                <TextLink to="/settings/invitations">Invite your team</TextLink>.
              </li>
            )}
            <li>
              <TextLink to="/automation">Draft automation rules and guardrails</TextLink>; they have no campaigns to act
              on until data arrives.
            </li>
            <li>
              Explore the API in{' '}
              <a href="/graphiql" className="font-medium text-primary-ink underline hover:no-underline">
                GraphiQL
              </a>
              .
            </li>
          </ul>
        </div>
      </div>
    </Card>
  )
}
