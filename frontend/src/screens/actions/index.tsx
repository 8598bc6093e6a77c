import { Card } from '../../components/ui'

/** Placeholder: the trust-engine screens replace this folder. */
export default function ActionsScreen() {
  return <Card title="Actions">The actions screen is on its way.</Card>
}
