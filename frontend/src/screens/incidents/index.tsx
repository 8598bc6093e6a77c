import { Card } from '../../components/ui'

/** Placeholder: the trust-engine screens replace this folder. */
export default function IncidentsScreen() {
  return <Card title="Incidents">The incidents screen is on its way.</Card>
}
