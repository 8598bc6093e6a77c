package automation

import "strings"

// How the gate's reasons name its enums: words, never the API's codes
// (the dashboard shows reasons as they are). The dashboard's labels
// (frontend/src/trust/labels.ts) say the same.

// Word is the mode as a reason names it, e.g. "cuts only".
func (m Mode) Word() string {
	if w, ok := map[Mode]string{Normal: "normal", Limited: "limited", CutsOnly: "cuts only", Frozen: "frozen"}[m]; ok {
		return w
	}
	return codeWord(string(m))
}

// Word is the level as a reason names it, e.g. "approval required".
func (l Level) Word() string {
	if w, ok := map[Level]string{SuggestOnly: "suggest only", GuardedAuto: "guarded auto", ApprovalRequired: "approval required"}[l]; ok {
		return w
	}
	return codeWord(string(l))
}

// Word is the guardrail as a reason names it, e.g. "Budget increase too large".
func (v ViolationType) Word() string {
	if w, ok := map[ViolationType]string{
		BudgetExceeded:        "Budget increase too large",
		ROASBelowThreshold:    "ROAS below minimum",
		DailySpendLimit:       "Daily spend cap",
		CampaignPauseRequired: "Campaign should be paused",
		FrequencyCapExceeded:  "Too many changes",
	}[v]; ok {
		return w
	}
	return codeWord(string(v))
}

// Word is the action type as a reason names it, e.g. "Pause all campaigns".
func (t ActionType) Word() string {
	if w, ok := map[ActionType]string{
		IncreaseBudget: "Increase budget", ReduceBudget: "Reduce budget", UpdateBudget: "Set budget",
		IncreaseBid: "Increase bid", ReduceBid: "Reduce bid", UpdateBid: "Set bid", UpdateStatus: "Set status",
		PauseUnderperforming: "Pause underperforming campaign", LaunchCampaign: "Launch campaign",
		ExpandTargeting: "Expand targeting", PauseAll: "Pause all campaigns", EmergencyStop: "Emergency stop",
		ResumePaused: "Resume campaign paused by dayparting",
	}[t]; ok {
		return w
	}
	return codeWord(string(t))
}

// codeWord reads an unknown code as words: CUTS_ONLY → "cuts only".
func codeWord(code string) string {
	return strings.ToLower(strings.ReplaceAll(code, "_", " "))
}
