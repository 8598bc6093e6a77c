package automation

import "fmt"

// Verdict says in words what the trust gate lets automation do now, naming
// the worst issue of the overall health when automation is held back, e.g.
// "Autopilot is running" or "Alert only: Meta EMQ fell to 5.1".
func (o *Overview) Verdict() string {
	if o.KillSwitch {
		return "Kill switch is on: nothing executes automatically"
	}
	if o.Score == nil {
		return "Waiting for the first signal-health score: automation holds until then"
	}
	reason := fmt.Sprintf("signal health is %.0f", *o.Score)
	if o.Health != nil && len(o.Health.Issues) > 0 {
		reason = o.Health.Issues[0].Message
	}
	switch o.Mode {
	case Normal:
		switch o.Level {
		case SuggestOnly:
			return "Autopilot suggests only: every action waits for a person"
		case ApprovalRequired:
			return "Autopilot is running: actions execute once approved"
		}
		return "Autopilot is running"
	case Limited:
		return "Alert only: " + reason + " (conservative cuts may still run)"
	case CutsOnly:
		return "Alert only: " + reason + " (pauses and reductions only)"
	}
	return "Action needed: " + reason + " (autopilot is frozen)"
}
