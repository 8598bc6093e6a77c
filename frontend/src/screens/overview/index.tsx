import { Card } from '../../components/ui'

/** Placeholder: the trust-engine screens replace this folder. */
export default function OverviewScreen() {
  return <Card title="Overview">The overview screen is on its way.</Card>
}
