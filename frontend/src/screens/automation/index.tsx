import { Card } from '../../components/ui'

/** Placeholder: the trust-engine screens replace this folder. */
export default function AutomationScreen() {
  return <Card title="Automation">The automation screen is on its way.</Card>
}
