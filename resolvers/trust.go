package resolvers

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// actorOf names the principal in the trust engine's records.
func actorOf(ctx context.Context) string {
	p, ok := auth.FromContext(ctx)
	switch {
	case !ok:
		return "system"
	case p.IsUser():
		return "user:" + p.UserID.String()
	}
	return "api_key:" + p.APIKeyID.String()
}

// --- per-request loaders ------------------------------------------------------

// trustLoaders batch the list→child fetches of one HTTP request (an
// action's campaign and rule, an audit entry's action, an incident's
// timeline) into one query each. Websocket and SSE requests get none:
// subscriptions load fresh per event.
type trustLoaders struct {
	campaigns *dataloadgen.Loader[uuid.UUID, *platforms.Campaign]
	rules     *dataloadgen.Loader[uuid.UUID, *automation.Rule]
	actions   *dataloadgen.Loader[uuid.UUID, *automation.Action]
	timelines *dataloadgen.Loader[uuid.UUID, []incidents.Event]
	// gateTimelines are actions' gate decisions, by action id.
	gateTimelines *dataloadgen.Loader[uuid.UUID, []automation.GateDecision]
	// computedTraits and rfmScores are a profiles page's computed traits
	// and RFM scores, by profile id.
	computedTraits *dataloadgen.Loader[uuid.UUID, []cdp.ComputedTrait]
	rfmScores      *dataloadgen.Loader[uuid.UUID, *cdp.RFMScore]
}

type loadersKey struct{}

// mapped adapts a by-id domain lookup to a loader; missing ids load as nil.
func mapped[V any](fetch func(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]V, error)) func(context.Context, []uuid.UUID) (map[uuid.UUID]V, error) {
	return func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]V, error) {
		tenant, err := tenantOf(ctx)
		if err != nil {
			return nil, err
		}
		m, err := fetch(ctx, tenant, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				var zero V
				m[id] = zero
			}
		}
		return m, nil
	}
}

func (r *Resolver) newTrustLoaders() *trustLoaders {
	return &trustLoaders{
		campaigns:      dataloadgen.NewMappedLoader(mapped(r.Svc.Platforms.CampaignsByID)),
		rules:          dataloadgen.NewMappedLoader(mapped(r.Svc.Automation.RulesByID)),
		actions:        dataloadgen.NewMappedLoader(mapped(r.Svc.Automation.ActionsByID)),
		timelines:      dataloadgen.NewMappedLoader(mapped(r.Svc.Incidents.Timelines)),
		gateTimelines:  dataloadgen.NewMappedLoader(mapped(r.Svc.Automation.GateTimelines)),
		computedTraits: dataloadgen.NewMappedLoader(mapped(r.traits().ComputedTraitsOf)),
		rfmScores:      dataloadgen.NewMappedLoader(mapped(r.rfm().ScoresOf)),
	}
}

// lazyLoaders builds a request's loaders on first use: most requests
// never need them.
type lazyLoaders struct {
	once sync.Once
	r    *Resolver
	l    *trustLoaders
	// campaignOnce builds campaignLoaders (campaigns.go) on first use.
	campaignOnce    sync.Once
	campaignLoaders *campaignLoaders
}

func (z *lazyLoaders) get() *trustLoaders {
	z.once.Do(func() { z.l = z.r.newTrustLoaders() })
	return z.l
}

// withLoaders attaches loaders to plain HTTP requests.
func (r *Resolver) withLoaders(req *http.Request) *http.Request {
	if r.Svc.Automation == nil || req.Header.Get("Upgrade") != "" || strings.Contains(req.Header.Get("Accept"), "text/event-stream") {
		return req
	}
	return req.WithContext(context.WithValue(req.Context(), loadersKey{}, &lazyLoaders{r: r}))
}

// campaign, rule, action and timeline fetch one object by id, batched per
// HTTP request (see load).
func (r *Resolver) campaign(ctx context.Context, id uuid.UUID) (*platforms.Campaign, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *platforms.Campaign] { return l.campaigns }, r.Svc.Platforms.CampaignsByID, id)
}

func (r *Resolver) rule(ctx context.Context, id uuid.UUID) (*automation.Rule, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *automation.Rule] { return l.rules }, r.Svc.Automation.RulesByID, id)
}

func (r *Resolver) action(ctx context.Context, id uuid.UUID) (*automation.Action, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *automation.Action] { return l.actions }, r.Svc.Automation.ActionsByID, id)
}

func (r *Resolver) timeline(ctx context.Context, id uuid.UUID) ([]incidents.Event, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []incidents.Event] { return l.timelines }, r.Svc.Incidents.Timelines, id)
}

func (r *Resolver) gateTimeline(ctx context.Context, action uuid.UUID) ([]automation.GateDecision, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []automation.GateDecision] {
		return l.gateTimelines
	}, r.Svc.Automation.GateTimelines, action)
}

// decidingGate is the decision that let a run (found in its timeline, which
// ends with it, or read by id when newer decisions pushed it out), or,
// for an action that never ran, its latest decision.
func (r *Resolver) decidingGate(ctx context.Context, a *model.Action) (*automation.GateDecision, error) {
	tl, err := r.gateTimeline(ctx, a.UUID)
	if err != nil {
		return nil, err
	}
	if a.DecidingGateID == nil {
		if len(tl) == 0 {
			return nil, nil
		}
		return &tl[len(tl)-1], nil
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].ID == *a.DecidingGateID {
			return &tl[i], nil
		}
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := r.Svc.Automation.GateDecisionsByID(ctx, tenant, []uuid.UUID{*a.DecidingGateID})
	return m[*a.DecidingGateID], err
}

// prime reads in one call what a page's items will ask a request loader
// for (ids; duplicates and nils' absence are fine) and primes the loader
// with it, so that the items' loads answer at once instead of waiting for
// a batch (dataloadgen collects keys for 16 ms before it reads them).
// Outside a request with loaders it does nothing; a failed read leaves
// the items to load (and report the error) themselves.
func prime[V any](ctx context.Context, pick func(*trustLoaders) *dataloadgen.Loader[uuid.UUID, V], direct func(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]V, error), ids []uuid.UUID) {
	z, ok := ctx.Value(loadersKey{}).(*lazyLoaders)
	if !ok || len(ids) == 0 {
		return
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	ids = slices.Compact(ids)
	m, err := mapped(direct)(ctx, ids)
	if err != nil {
		return
	}
	l := pick(z.get())
	for id, v := range m {
		l.Prime(id, v)
	}
}

// actionPartField is the Action field each optional JSON column of an
// action answers.
var actionPartField = []struct {
	part  automation.ActionPart
	field string
}{
	{automation.PartParams, "params"},
	{automation.PartBefore, "before"},
	{automation.PartAfter, "after"},
	{automation.PartSources, "sources"},
	{automation.PartWarnings, "warnings"},
}

// unselectedActionParts are the JSON columns a page of actions whose nodes
// select sel need not read: the internal execution state always, and each
// column whose field is not selected (none of those when sel is nil:
// nothing is known).
func unselectedActionParts(sel map[string]bool) []automation.ActionPart {
	skip := []automation.ActionPart{automation.PartExecution}
	for _, p := range actionPartField {
		if sel != nil && !sel[p.field] {
			skip = append(skip, p.part)
		}
	}
	return skip
}

// primeActions primes the loaders for what a page of actions selects
// (sel: the fields selected of each node, selectedUnder) of each action's
// campaign, rule and trust-gate decisions.
func (r *Resolver) primeActions(ctx context.Context, items []automation.Action, sel map[string]bool) {
	if sel == nil {
		return
	}
	gate := sel["gateDecisions"] || sel["decidingGate"]
	var campaigns, rules, gated []uuid.UUID
	for i := range items {
		a := &items[i]
		if sel["campaign"] && a.CampaignID != nil {
			campaigns = append(campaigns, *a.CampaignID)
		}
		if sel["rule"] && a.RuleID != nil {
			rules = append(rules, *a.RuleID)
		}
		if gate {
			gated = append(gated, a.ID)
		}
	}
	prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *platforms.Campaign] { return l.campaigns }, r.Svc.Platforms.CampaignsByID, campaigns)
	prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *automation.Rule] { return l.rules }, r.Svc.Automation.RulesByID, rules)
	prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []automation.GateDecision] {
		return l.gateTimelines
	},
		r.Svc.Automation.GateTimelines, gated)
}

// primeProfiles primes the loaders for what a page of profiles selects
// (sel, as for primeActions) of each profile's computed traits and RFM
// score.
func (r *Resolver) primeProfiles(ctx context.Context, items []cdp.Profile, sel map[string]bool) {
	if sel == nil || (!sel["computedTraits"] && !sel["rfm"]) {
		return
	}
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	if sel["computedTraits"] {
		prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []cdp.ComputedTrait] { return l.computedTraits },
			r.traits().ComputedTraitsOf, slices.Clone(ids))
	}
	if sel["rfm"] {
		prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *cdp.RFMScore] { return l.rfmScores }, r.rfm().ScoresOf, ids)
	}
}

// primeIncidents primes the timeline loader when a page of incidents
// selects their timelines (sel, as for primeActions).
func (r *Resolver) primeIncidents(ctx context.Context, items []incidents.Incident, sel map[string]bool) {
	if !sel["timeline"] {
		return
	}
	ids := make([]uuid.UUID, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	prime(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []incidents.Event] { return l.timelines }, r.Svc.Incidents.Timelines, ids)
}

// load fetches one object by id through the request's loader when there is
// one, otherwise directly (a fresh read, as subscriptions need).
func load[V any](ctx context.Context, pick func(*trustLoaders) *dataloadgen.Loader[uuid.UUID, V], direct func(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]V, error), id uuid.UUID) (V, error) {
	if z, ok := ctx.Value(loadersKey{}).(*lazyLoaders); ok {
		return pick(z.get()).Load(ctx, id)
	}
	m, err := mapped(direct)(ctx, []uuid.UUID{id})
	return m[id], err
}

// --- enums --------------------------------------------------------------------

func platformModel(p string) *model.Platform {
	if p == "" {
		return nil
	}
	m := model.Platform(p)
	return &m
}

func platformArg(p *model.Platform) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func actionTypeModel(t automation.ActionType) model.ActionType {
	return model.ActionType(strings.ToUpper(string(t)))
}

func actionTypeArg(t model.ActionType) automation.ActionType {
	return automation.ActionType(strings.ToLower(string(t)))
}

// --- signal health ---------------------------------------------------------------

func healthModel(h *signals.Health) *model.SignalHealth {
	if h == nil {
		return nil
	}
	m := &model.SignalHealth{Platform: platformModel(h.Platform), Score: h.Score, Status: h.Status, Emq: h.EMQ, Outage: h.Outage,
		UpdatedAt: h.ComputedAt, StatusChangedAt: h.StatusChangedAt, Issues: []string{}, IssueDetails: []*model.SignalIssue{}}
	for _, c := range h.Components {
		m.Components = append(m.Components, &model.SignalComponentScore{Name: model.SignalComponent(c.Name), Score: c.Score, Weight: c.Weight, BaseWeight: c.BaseWeight, Known: c.Known})
	}
	for _, is := range h.Issues {
		m.Issues = append(m.Issues, is.Message)
		m.IssueDetails = append(m.IssueDetails, &model.SignalIssue{Component: model.SignalComponent(is.Component),
			Platform: platformModel(is.Platform), Message: is.Message, Impact: is.Impact})
	}
	return m
}

// explainsScore reports whether a SignalHealth selection (names; nil when
// unknown) needs the components and issues, the JSON behind the score;
// without them signals.Service.GetScore suffices and those lists are empty.
func explainsScore(names map[string]bool) bool {
	return names == nil || names["components"] || names["issues"] || names["issueDetails"]
}

func historyModel(p *signals.HistoryPoint) *model.SignalHealthPoint {
	return &model.SignalHealthPoint{Bucket: p.Bucket, Average: p.ScoreAvg, Min: p.ScoreMin, Max: p.ScoreMax, Last: p.LastScore,
		Status: p.LastStatus, Samples: p.Samples, Simulated: p.Simulated}
}

func trendModel(t *signals.Trend) *model.SignalHealthTrend {
	m := &model.SignalHealthTrend{Range: t.Range, From: t.From, To: t.To, BucketMinutes: int(t.Step.Minutes()),
		Points: make([]*model.SignalHealthPoint, len(t.Points)), Simulated: t.Simulated()}
	for i, p := range t.Points {
		m.Points[i] = &model.SignalHealthPoint{Bucket: p.Bucket, Average: p.Average, Min: p.Min, Max: p.Max, Last: p.Last,
			Status: p.Status, Samples: p.Samples, Simulated: p.Simulated}
	}
	return m
}

// --- trust gate -------------------------------------------------------------------

func settingsModel(s *automation.Settings) *model.EnforcementSettings {
	m := &model.EnforcementSettings{KillSwitch: s.KillSwitch, EnforcementMode: s.EnforcementMode, AutopilotLevel: s.AutopilotLevel,
		MaxDailyBudget: s.MaxDailyBudget, MaxCampaignBudget: s.MaxCampaignBudget, MaxBudgetIncreasePct: s.MaxBudgetIncreasePct,
		MinRoas: s.MinROAS, MinRoasWindowDays: s.MinROASWindowDays, MaxBudgetChangesPerDay: s.MaxBudgetChangesPerDay,
		MinHoursBetweenChanges: s.MinHoursBetween}
	if !s.UpdatedAt.IsZero() {
		m.UpdatedAt = &s.UpdatedAt
	}
	return m
}

func enforcementRuleModel(r *automation.EnforcementRule) *model.EnforcementRule {
	return &model.EnforcementRule{ViolationType: r.ViolationType, Mode: r.Mode, Threshold: r.Threshold, Enabled: r.Enabled, UpdatedAt: r.UpdatedAt}
}

// trustGateParts are the reads a TrustGate selection needs (names: the
// selected fields; nil when unknown, which reads everything). The settings
// row is always read; the overall health only for score, status and verdict
// (the verdict names the score and the first issue); the enforcement rules
// and the 24-hour decision counts only when those fields are selected.
func trustGateParts(names map[string]bool) automation.OverviewParts {
	if names == nil {
		return automation.AllParts
	}
	return automation.OverviewParts{Health: names["score"] || names["status"], Verdict: names["verdict"],
		Rules: names["enforcementRules"], DecisionCounts: names["decisionCounts"]}
}

// trustGate loads the trust gate's state of tenant: the parts the
// TrustGate found at path below the field being resolved selects (path
// empty: the field itself is the TrustGate; every occurrence, alias and
// fragment counts), everything outside a field's resolution. Fields not
// selected are left zero.
func (r *Resolver) trustGate(ctx context.Context, tenant uuid.UUID, path ...string) (*model.TrustGate, error) {
	return r.trustGateOf(ctx, tenant, trustGateParts(selectedUnder(ctx, path...)))
}

// trustGateOf loads parts of tenant's trust gate.
func (r *Resolver) trustGateOf(ctx context.Context, tenant uuid.UUID, parts automation.OverviewParts) (*model.TrustGate, error) {
	o, err := r.Svc.Automation.OverviewOf(ctx, tenant, parts)
	if err != nil {
		return nil, err
	}
	g := &model.TrustGate{AutopilotMode: o.Mode, AutopilotLevel: o.Level, EnforcementMode: o.EnforcementMode, KillSwitch: o.KillSwitch,
		Score: o.Score, Settings: settingsModel(o.Settings), EnforcementRules: []*model.EnforcementRule{}}
	if parts.Verdict {
		g.Verdict = o.Verdict()
	}
	if parts.DecisionCounts {
		g.DecisionCounts = &model.GateDecisionCounts{Pass: o.DecisionCounts[automation.Pass],
			Hold: o.DecisionCounts[automation.Hold], Block: o.DecisionCounts[automation.Block]}
	}
	if o.Score != nil {
		g.Status = &o.Status
	}
	for i := range o.Rules {
		g.EnforcementRules = append(g.EnforcementRules, enforcementRuleModel(&o.Rules[i]))
	}
	return g, nil
}

// --- rules ------------------------------------------------------------------------

func conditionModel(c automation.Condition) *model.RuleCondition {
	m := &model.RuleCondition{Value: c.Value, Conditions: []*model.RuleCondition{}}
	if w := c.TimeWindow; w != nil {
		m.TimeWindow = &model.TimeWindow{FromHour: w.FromHour, ToHour: w.ToHour, Weekdays: append([]int{}, w.Weekdays...)}
		return m
	}
	if c.Op != "" {
		op := model.ConditionGroupOperator(c.Op)
		m.Op = &op
		for _, cc := range c.Conditions {
			m.Conditions = append(m.Conditions, conditionModel(cc))
		}
		return m
	}
	metric, operator, window := c.Metric, c.Operator, c.WindowDays
	m.Metric, m.Operator, m.WindowDays = &metric, &operator, &window
	return m
}

func paramsModel(p automation.ActionParams) *model.ActionParams {
	m := &model.ActionParams{Percent: p.Percent, Amount: p.Amount, Status: p.Status}
	if p.Note != "" {
		m.Note = &p.Note
	}
	return m
}

func scopeModel(f platforms.CampaignFilter) *model.CampaignScope {
	s := &model.CampaignScope{Platforms: []model.Platform{}, AccountIds: []string{}, CampaignIds: []string{}}
	for _, p := range f.Platforms {
		s.Platforms = append(s.Platforms, model.Platform(p))
	}
	s.AccountIds = append(s.AccountIds, f.AccountIDs...)
	for _, id := range f.CampaignIDs {
		s.CampaignIds = append(s.CampaignIds, relay.GlobalID(relay.TypeCampaign, id))
	}
	return s
}

func ruleModel(r *automation.Rule) *model.AutomationRule {
	if r == nil {
		return nil
	}
	m := &model.AutomationRule{ID: relay.GlobalID(relay.TypeAutomationRule, r.ID), Name: r.Name, Description: r.Description, Builtin: r.Builtin,
		Enabled: r.Enabled, TimeZone: r.TimeZone, ScheduleMinutes: r.ScheduleMinutes, CooldownSeconds: r.CooldownSeconds, Scope: scopeModel(r.Scope),
		LastEvaluatedAt: r.LastEvaluatedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Actions: []*model.RuleAction{}, Params: []*model.RuleParam{}}
	if r.Builtin == nil {
		m.Conditions = conditionModel(r.Conditions)
	}
	m.Actions = ruleActionsModel(r.Actions)
	m.Logic = r.Logic()
	for _, k := range sortedKeys(r.Params) {
		m.Params = append(m.Params, &model.RuleParam{Name: k, Value: r.Params[k]})
	}
	return m
}

func ruleActionsModel(as []automation.RuleAction) []*model.RuleAction {
	out := make([]*model.RuleAction, 0, len(as))
	for _, a := range as {
		out = append(out, &model.RuleAction{Type: actionTypeModel(a.Type), Params: paramsModel(a.Params)})
	}
	return out
}

func ruleTemplateModel(t *automation.RuleTemplate) *model.RuleTemplate {
	m := &model.RuleTemplate{Key: t.Key, Name: t.Name, Description: t.Description, Logic: t.Logic(), Conditions: conditionModel(t.Conditions),
		Actions: ruleActionsModel(t.Actions), ScheduleMinutes: t.ScheduleMinutes, CooldownSeconds: t.CooldownSeconds, TimeZone: t.TimeZone}
	if m.TimeZone == "" {
		m.TimeZone = automation.DefaultTimeZone
	}
	return m
}

func ruleActivityModel(e *automation.RuleActivity) *model.RuleActivity {
	m := &model.RuleActivity{At: e.At, Kind: e.Kind, CampaignsEvaluated: e.CampaignsEvaluated, Proposals: e.Proposals, Status: e.Status,
		Detail: e.Detail, ActionID: e.ActionID, CampaignID: e.CampaignID}
	if e.ActionType != nil {
		t := actionTypeModel(*e.ActionType)
		m.ActionType = &t
	}
	return m
}

func ruleCheckModel(c *automation.Check) *model.RuleCheck {
	m := &model.RuleCheck{Path: nonEmpty(c.Path), Label: c.Label, WindowDays: c.WindowDays, Value: c.Value, Unit: c.Unit,
		Operator: c.Operator, Threshold: c.Threshold, Passed: c.Passed, Note: nonEmpty(c.Note)}
	if c.Metric != "" {
		metric := c.Metric
		m.Metric = &metric
	}
	return m
}

func campaignEvaluationModel(c *automation.CampaignSimulation) *model.RuleCampaignEvaluation {
	m := &model.RuleCampaignEvaluation{Campaign: campaignModel(c.Campaign), Evaluated: c.Evaluated, WouldPropose: c.Proposes(),
		Outcome: c.Outcome, Checks: make([]*model.RuleCheck, len(c.Checks)), Proposals: make([]*model.ActionSimulation, len(c.Proposals))}
	for i := range c.Checks {
		m.Checks[i] = ruleCheckModel(&c.Checks[i])
	}
	if c.FailedCheck >= 0 {
		m.FailedCheck = m.Checks[c.FailedCheck]
	}
	for i := range c.Proposals {
		m.Proposals[i] = simulationModel(&c.Proposals[i])
	}
	return m
}

func conditionArg(c *model.RuleConditionInput) automation.Condition {
	out := automation.Condition{}
	if c.Op != nil {
		out.Op = string(*c.Op)
		for _, cc := range c.Conditions {
			out.Conditions = append(out.Conditions, conditionArg(cc))
		}
	}
	if c.Metric != nil {
		out.Metric = *c.Metric
	}
	if c.Operator != nil {
		out.Operator = *c.Operator
	}
	if c.WindowDays != nil {
		out.WindowDays = *c.WindowDays
	}
	if c.Value != nil {
		out.Value = *c.Value
	}
	if w := c.TimeWindow; w != nil {
		out.TimeWindow = &automation.TimeWindow{FromHour: w.FromHour, ToHour: w.ToHour, Weekdays: w.Weekdays}
	}
	return out
}

func paramsArg(p *model.ActionParamsInput) automation.ActionParams {
	if p == nil {
		return automation.ActionParams{}
	}
	out := automation.ActionParams{Percent: p.Percent, Amount: p.Amount, Status: p.Status}
	if p.Note != nil {
		out.Note = *p.Note
	}
	return out
}

func ruleActionsArg(in []*model.RuleActionInput) []automation.RuleAction {
	if in == nil {
		return nil
	}
	out := make([]automation.RuleAction, 0, len(in))
	for _, a := range in {
		out = append(out, automation.RuleAction{Type: actionTypeArg(a.Type), Params: paramsArg(a.Params)})
	}
	return out
}

func scopeArg(in *model.CampaignScopeInput) (*platforms.CampaignFilter, error) {
	if in == nil {
		return nil, nil
	}
	f := &platforms.CampaignFilter{AccountIDs: in.AccountIds}
	for _, p := range in.Platforms {
		f.Platforms = append(f.Platforms, string(p))
	}
	for i, gid := range in.CampaignIds {
		id, err := relay.ParseTypedID(gid, relay.TypeCampaign, "input", "scope", "campaignIds", strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		f.CampaignIDs = append(f.CampaignIDs, id)
	}
	return f, nil
}

// ruleInputArg converts a new rule's input.
func ruleInputArg(in *model.AutomationRuleInput) (automation.RuleInput, error) {
	scope, err := scopeArg(in.Scope)
	if err != nil {
		return automation.RuleInput{}, err
	}
	cond := conditionArg(in.Conditions)
	actions := ruleActionsArg(in.Actions)
	if actions == nil {
		actions = []automation.RuleAction{}
	}
	return automation.RuleInput{Name: &in.Name, Description: in.Description, Enabled: in.Enabled, Conditions: &cond, Actions: actions,
		ScheduleMinutes: in.ScheduleMinutes, CooldownSeconds: in.CooldownSeconds, Scope: scope, TimeZone: in.TimeZone}, nil
}

// --- actions, campaigns, audit -------------------------------------------------------

func campaignModel(c *platforms.Campaign) *model.Campaign {
	if c == nil {
		return nil
	}
	return &model.Campaign{ID: relay.GlobalID(relay.TypeCampaign, c.ID), Platform: model.Platform(c.Platform), AccountID: c.AccountID,
		ExternalID: c.ExternalID, Name: c.Name, Status: c.Status, State: model.CampaignStatus(c.Status), DailyBudget: c.DailyBudget(), Currency: c.Currency, Bid: c.Bid(), TargetRoas: c.TargetROAS,
		TargetCpa: c.TargetCPA()}
}

func campaignSettingsModel(m map[string]any) *model.CampaignSettings {
	if m == nil {
		return nil
	}
	out := &model.CampaignSettings{}
	if s, ok := m["status"].(string); ok {
		out.Status = &s
	}
	if v, ok := m["dailyBudget"].(float64); ok {
		out.DailyBudget = &v
	}
	if v, ok := m["bid"].(float64); ok {
		out.Bid = &v
	}
	return out
}

func actionModel(a *automation.Action) *model.Action {
	if a == nil {
		return nil
	}
	m := &model.Action{ID: relay.GlobalID(relay.TypeAction, a.ID), Type: actionTypeModel(a.Type), RiskClass: a.RiskClass, Status: a.Status,
		Decision: a.Decision, Reasons: nonNil(a.Reasons), Warnings: nonNil(a.Warnings), Score: a.Score, Platform: model.Platform(a.Platform),
		Params: paramsModel(a.Params), Before: campaignSettingsModel(a.Before), After: campaignSettingsModel(a.After),
		CreatedBy: a.CreatedBy, ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt, AppliedBy: a.AppliedBy, AppliedAt: a.AppliedAt,
		OverrideReason: a.OverrideReason, DismissedBy: a.DismissedBy, Error: a.Error, Attempts: a.Attempts, CreatedAt: a.CreatedAt,
		UpdatedAt: a.UpdatedAt, CampaignID: a.CampaignID, RuleID: a.RuleID, Phase: automation.PhaseOf(a.Status), UUID: a.ID,
		DecidingGateID: a.DecidingGateID}
	if a.RuleName != "" {
		m.RuleName = &a.RuleName
	}
	m.Resolution = a.Resolution
	m.Sources = make([]*model.ActionSource, len(a.Sources))
	for i, src := range a.Sources {
		m.Sources[i] = &model.ActionSource{ProposedBy: src.Actor, At: src.At, RuleID: src.RuleID,
			RuleName: nonEmpty(src.RuleName), Reason: nonEmpty(src.Reason)}
	}
	return m
}

// nonEmpty is s, or nil when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func simulationModel(s *automation.Simulation) *model.ActionSimulation {
	m := &model.ActionSimulation{Type: actionTypeModel(s.Type), Platform: model.Platform(s.Platform), WouldExecute: s.WouldExecute,
		Decision: s.Decision, RiskClass: s.RiskClass, Threshold: s.Threshold, Score: s.Score, AutopilotMode: s.Mode,
		Before: campaignSettingsModel(s.Before), After: campaignSettingsModel(s.After), Reasons: nonNil(s.Reasons),
		Warnings: nonNil(s.Warnings), CampaignID: s.CampaignID}
	if s.Status != "" {
		st := signals.Status(s.Status)
		m.Status = &st
	}
	return m
}

func trustAuditModel(e *automation.GateDecision) *model.TrustAuditEntry {
	m := &model.TrustAuditEntry{ID: relay.GlobalID(relay.TypeTrustAuditEntry, e.ID), At: e.At, Decision: e.Decision, ActionType: actionTypeModel(e.ActionType),
		RiskClass: e.RiskClass, EntityType: e.EntityType, EntityID: e.EntityID, Platform: platformModel(e.Platform), Score: e.Score,
		AutopilotMode: e.Mode, RequiredScore: e.Thresholds["required"], Reasons: nonNil(e.Reasons), Warnings: nonNil(e.Warnings),
		DryRun: e.DryRun, Actor: e.Actor, ActionID: e.ActionID, ActorEmail: nonEmpty(e.ActorEmail), AllowedRun: e.WouldExecute}
	if e.Cause != "" {
		c := e.Cause
		m.Cause = &c
	}
	if e.EntityType == "campaign" {
		if id, err := uuid.Parse(e.EntityID); err == nil {
			m.EntityID = relay.GlobalID(relay.TypeCampaign, id)
		}
	}
	if e.Status != "" {
		st := signals.Status(e.Status)
		m.Status = &st
	}
	return m
}

// --- incidents and platforms ---------------------------------------------------------

func incidentModel(i *incidents.Incident) *model.Incident {
	if i == nil {
		return nil
	}
	return &model.Incident{ID: relay.GlobalID(relay.TypeIncident, i.ID), Cause: i.Cause, Platform: platformModel(i.Platform), Title: i.Title,
		Severity: i.Severity, State: i.State, Score: i.Score, OpenedAt: i.OpenedAt, AcknowledgedAt: i.AcknowledgedAt,
		AcknowledgedBy: i.AcknowledgedBy, ResolvedAt: i.ResolvedAt, ResolvedBy: i.ResolvedBy, Resolution: i.Resolution, UUID: i.ID}
}

func platformStatusModel(s *platforms.PlatformStatus) *model.PlatformStatus {
	return &model.PlatformStatus{Platform: model.Platform(s.Platform), Status: model.PlatformOperationalStatus(s.Status), Message: s.Message,
		ChangedAt: s.ChangedAt, CheckedAt: s.CheckedAt}
}

func degradationsModel(m map[string]string) []*model.SimulatedDegradation {
	out := []*model.SimulatedDegradation{}
	for _, k := range sortedKeys(m) {
		out = append(out, &model.SimulatedDegradation{Component: model.SignalComponent(k), Severity: model.DegradationSeverity(m[k])})
	}
	return out
}

// --- small helpers --------------------------------------------------------------------

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func pageArgs(first *int, after *string, last *int, before *string) relay.Args {
	return relay.Args{First: first, After: after, Last: last, Before: before}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// loadTrustNode fetches the trust engine's objects for node(id:) (ok is
// false for other types). Reading them needs VIEWER (READ for API keys).
func (r *Resolver) loadTrustNode(ctx context.Context, tenant uuid.UUID, typ string, id uuid.UUID) (model.Node, bool, error) {
	switch typ {
	case relay.TypeAutomationRule, relay.TypeAction, relay.TypeIncident, relay.TypeCampaign, relay.TypeTrustAuditEntry:
	default:
		return nil, false, nil
	}
	if p, _ := principalOf(ctx); mayRead(p, auth.RoleViewer, auth.ScopeRead) != nil {
		return nil, true, apperr.NotFoundf("no object with this id")
	}
	var (
		n   model.Node
		err error
	)
	switch typ {
	case relay.TypeAutomationRule:
		var x *automation.Rule
		if x, err = r.Svc.Automation.Rule(ctx, tenant, id); err == nil {
			n = ruleModel(x)
		}
	case relay.TypeAction:
		var x *automation.Action
		if x, err = r.Svc.Automation.Action(ctx, tenant, id); err == nil {
			n = actionModel(x)
		}
	case relay.TypeIncident:
		var x *incidents.Incident
		if x, err = r.Svc.Incidents.Get(ctx, tenant, id); err == nil {
			n = incidentModel(x)
		}
	case relay.TypeCampaign:
		var x *platforms.Campaign
		if x, err = r.campaign(ctx, id); err == nil {
			if x == nil {
				return nil, true, apperr.NotFoundf("no object with this id")
			}
			n = campaignModel(x)
		}
	case relay.TypeTrustAuditEntry:
		var x *automation.GateDecision
		if x, err = r.Svc.Automation.GateDecisionByID(ctx, tenant, id); err == nil {
			n = trustAuditModel(x)
		}
	}
	return n, true, err
}

// --- resolver helpers ---------------------------------------------------------

// actionInputArg converts a person's action input.
func actionInputArg(in model.ActionInput) (automation.ActionInput, error) {
	out := automation.ActionInput{Type: actionTypeArg(in.Type), Platform: platformArg(in.Platform), Params: paramsArg(in.Params)}
	if in.CampaignID != nil {
		id, err := relay.ParseTypedID(*in.CampaignID, relay.TypeCampaign, "input", "campaignId")
		if err != nil {
			return out, err
		}
		out.CampaignID = &id
	}
	return out, nil
}

// actionPayload reports an action mutation.
func actionPayload(a *automation.Action, err error) (*model.ActionPayload, error) {
	ue, err := userErrors(err)
	return &model.ActionPayload{Action: actionModel(okOrNil(a, ue, err)), UserErrors: ue}, err
}

// actionOp runs op on the action the input names.
func (r *mutationResolver) actionOp(ctx context.Context, gid string, op func(tenant, id uuid.UUID) (*automation.Action, error)) (*model.ActionPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var a *automation.Action
	id, err := relay.ParseTypedID(gid, relay.TypeAction, "input", "id")
	if err == nil {
		a, err = op(tenant, id)
	}
	return actionPayload(a, err)
}

// gatePayload reports the trust gate after a settings change.
func (r *mutationResolver) gatePayload(ctx context.Context, tenant uuid.UUID, err error) (*model.TrustGatePayload, error) {
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.TrustGatePayload{UserErrors: ue}, err
	}
	g, err := r.trustGate(ctx, tenant, "trustGate")
	return &model.TrustGatePayload{TrustGate: g, UserErrors: ue}, err
}

// incidentOp runs op on the incident the input names.
func (r *mutationResolver) incidentOp(ctx context.Context, gid string, op func(tenant, id uuid.UUID) (*incidents.Incident, error)) (*model.IncidentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var inc *incidents.Incident
	id, err := relay.ParseTypedID(gid, relay.TypeIncident, "input", "id")
	if err == nil {
		inc, err = op(tenant, id)
	}
	ue, err := userErrors(err)
	return &model.IncidentPayload{Incident: incidentModel(okOrNil(inc, ue, err)), UserErrors: ue}, err
}

// simulatorPayload reports the simulator's degradations after a change.
func (r *mutationResolver) simulatorPayload(ctx context.Context, tenant uuid.UUID, err error) (*model.SimulatorPayload, error) {
	ue, err := userErrors(err)
	out := &model.SimulatorPayload{Degradations: []*model.SimulatedDegradation{}, UserErrors: ue}
	if err != nil || len(ue) > 0 {
		return out, err
	}
	d, err := r.Svc.Platforms.Simulator().Degradations(ctx, tenant)
	out.Degradations = degradationsModel(d)
	return out, err
}

// optionalID parses an optional global ID argument.
func optionalID(gid *string, typ, field string) (*uuid.UUID, error) {
	if gid == nil {
		return nil, nil
	}
	id, err := relay.ParseTypedID(*gid, typ, field)
	return &id, err
}

// platformFilter passes events of platform (all when nil); "" is overall.
func platformFilter(platform *model.Platform, ev realtime.Event) error {
	if platform != nil && ev.ID != string(*platform) {
		return errSkip
	}
	return nil
}

// healthEvent loads the signal health an event of platform (any platform
// when nil) names; other platforms' and vanished rows are skipped.
func (r *Resolver) healthEvent(tenant uuid.UUID, platform *model.Platform) func(ctx context.Context, ev realtime.Event) (*signals.Health, error) {
	return func(ctx context.Context, ev realtime.Event) (*signals.Health, error) {
		if err := platformFilter(platform, ev); err != nil {
			return nil, err
		}
		h, err := r.Svc.Signals.Get(ctx, tenant, ev.ID)
		if err != nil {
			return nil, err // logged by subscribe
		}
		if h == nil {
			return nil, errSkip
		}
		return h, nil
	}
}

// incidentSubscription emits the incidents published on topic.
func (r *subscriptionResolver) incidentSubscription(ctx context.Context, topic string) (<-chan *model.Incident, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r.Resolver, tenant, []string{topic}, func(ctx context.Context, ev realtime.Event) (*model.Incident, error) {
		id, err := uuid.Parse(ev.ID)
		if err != nil {
			return nil, err
		}
		inc, err := r.Svc.Incidents.Get(ctx, tenant, id)
		return incidentModel(inc), err
	})
}
