package cdp

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The over-merge defaults (issue 13).
const (
	// DefaultTypeLimit caps a profile's identifiers of one type (USER_ID: 1).
	DefaultTypeLimit = 5
	// DefaultMaxMerges caps the profiles merged into one profile.
	DefaultMaxMerges = 100
	// DefaultMaxIdentifiers caps a profile's identifiers.
	DefaultMaxIdentifiers = 1000
)

// IdentityLimits are the over-merge limits of one profile. Zero (or
// negative) values mean the defaults.
type IdentityLimits struct {
	// PerType caps a profile's identifiers of a type; a type missing here
	// has DefaultTypeLimit, except USER_ID, which has 1.
	PerType map[IdentifierType]int
	// MaxMerges caps how many profiles are merged into one, counting the
	// ones merged into those (default DefaultMaxMerges).
	MaxMerges int
	// MaxIdentifiers caps a profile's identifiers (default DefaultMaxIdentifiers).
	MaxIdentifiers int
}

// TypeLimit is the cap of a profile's identifiers of type t.
func (l IdentityLimits) TypeLimit(t IdentifierType) int {
	if n := l.PerType[t]; n > 0 {
		return n
	}
	if t == IdentifierUserID {
		return 1
	}
	return DefaultTypeLimit
}

func (l IdentityLimits) maxMerges() int {
	if l.MaxMerges > 0 {
		return l.MaxMerges
	}
	return DefaultMaxMerges
}

func (l IdentityLimits) maxIdentifiers() int {
	if l.MaxIdentifiers > 0 {
		return l.MaxIdentifiers
	}
	return DefaultMaxIdentifiers
}

// RefusalReason says why an identifier was not linked.
type RefusalReason string

// The refusal reasons. JUNK and INVALID refuse a value before any link
// (they are returned, not stored); the limits refuse a link and are
// recorded in cdp_refused_links.
const (
	RefusedJunk            RefusalReason = "JUNK"
	RefusedInvalid         RefusalReason = "INVALID"
	RefusedTypeLimit       RefusalReason = "TYPE_LIMIT"
	RefusedMergeLimit      RefusalReason = "MERGE_LIMIT"
	RefusedIdentifierLimit RefusalReason = "IDENTIFIER_LIMIT"
)

// typeRank orders identifier types strongest first (ties of priority by
// IdentifierTypes' order).
func typeRank(t IdentifierType) int {
	if i := slices.Index(IdentifierTypes, t); i >= 0 {
		return i
	}
	return len(IdentifierTypes)
}

// compareIdentifiers orders identifiers strongest first: priority, then
// type, then value. Every decision of a call follows this order, never the
// order the caller listed them in.
func compareIdentifiers(a, b Identifier) int {
	if c := b.Type.Priority() - a.Type.Priority(); c != 0 {
		return c
	}
	if c := typeRank(a.Type) - typeRank(b.Type); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

// planProfile is what the plan knows of a stored (locked) profile.
type planProfile struct {
	id        uuid.UUID
	createdAt time.Time
	merges    int
	counts    map[IdentifierType]int
}

func (p *planProfile) total() int {
	n := 0
	for _, c := range p.counts {
		n += c
	}
	return n
}

// olderProfile orders profiles oldest first: created_at, then id.
func olderProfile(a, b *planProfile) int {
	if c := a.createdAt.Compare(b.createdAt); c != 0 {
		return c
	}
	return bytes.Compare(a.id[:], b.id[:])
}

// planGroup is one profile-to-be: stored profiles merged (the oldest
// first: the survivor) and identifiers of the call not stored yet.
type planGroup struct {
	profiles []*planProfile
	fresh    []Identifier
	// accepted are the call's identifiers in this group, strongest first.
	accepted []Identifier
	counts   map[IdentifierType]int
	total    int
	merges   int
}

func (g *planGroup) has(p *planProfile) bool {
	return slices.Contains(g.profiles, p)
}

// check says whether the group may take counts more identifiers and
// merges more merges, and if not, which limit refuses.
func (g *planGroup) check(lim IdentityLimits, counts map[IdentifierType]int, total, merges int) (RefusalReason, string) {
	for _, t := range IdentifierTypes {
		if c := counts[t]; c > 0 && g.counts[t]+c > lim.TypeLimit(t) {
			return RefusedTypeLimit, fmt.Sprintf("the profile would have %d %s identifiers (limit %d)", g.counts[t]+c, t, lim.TypeLimit(t))
		}
	}
	if g.total+total > lim.maxIdentifiers() {
		return RefusedIdentifierLimit, fmt.Sprintf("the profile would have %d identifiers (limit %d)", g.total+total, lim.maxIdentifiers())
	}
	if g.merges+merges > lim.maxMerges() {
		return RefusedMergeLimit, fmt.Sprintf("the profile would have %d merges (limit %d)", g.merges+merges, lim.maxMerges())
	}
	return "", ""
}

func (g *planGroup) add(counts map[IdentifierType]int, total, merges int) {
	if g.counts == nil {
		g.counts = map[IdentifierType]int{}
	}
	for t, c := range counts {
		g.counts[t] += c
	}
	g.total += total
	g.merges += merges
}

// planRefusal is a link the limits refused: id was not joined to groups[group].
type planRefusal struct {
	id     Identifier
	group  int
	reason RefusalReason
	detail string
}

// planLinks decides what one call does: ids (normalised, distinct,
// strongest first) are linked; owner maps the stored ones to their
// (locked, live) profiles. It walks ids strongest first and adds each
// one's profile (or the identifier, when new) to the group unless a limit
// of lim would break, in which case the link is refused and the
// identifier gives way: the stronger identifiers of the call were taken
// first, so it is always the weaker side of a link that yields. The first
// identifier of a group is always taken (a stored profile already over a
// lowered limit is never made worse, only left alone). The refused
// identifiers are then linked among themselves the same way, in further
// groups, until none is left: groups[0] is the call's profile.
func planLinks(ids []Identifier, owner map[Identifier]*planProfile, lim IdentityLimits) ([]*planGroup, []planRefusal) {
	var groups []*planGroup
	var refusals []planRefusal
	remaining := ids
	for len(remaining) > 0 {
		g := &planGroup{}
		gi := len(groups)
		groups = append(groups, g)
		var next []Identifier
		for i, id := range remaining {
			p := owner[id]
			switch {
			case p != nil && g.has(p):
				g.accepted = append(g.accepted, id)
				continue
			case p != nil:
				merges := p.merges
				if len(g.profiles) > 0 {
					merges++
				}
				if reason, detail := g.check(lim, p.counts, p.total(), merges); i > 0 && reason != "" {
					refusals = append(refusals, planRefusal{id: id, group: gi, reason: reason, detail: detail})
					next = append(next, id)
					continue
				}
				g.add(p.counts, p.total(), merges)
				g.profiles = append(g.profiles, p)
			default:
				one := map[IdentifierType]int{id.Type: 1}
				if reason, detail := g.check(lim, one, 1, 0); i > 0 && reason != "" {
					refusals = append(refusals, planRefusal{id: id, group: gi, reason: reason, detail: detail})
					next = append(next, id)
					continue
				}
				g.add(one, 1, 0)
				g.fresh = append(g.fresh, id)
			}
			g.accepted = append(g.accepted, id)
		}
		slices.SortFunc(g.profiles, olderProfile)
		remaining = next
	}
	return groups, refusals
}
