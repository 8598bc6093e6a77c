package automation

import (
	"context"
	"fmt"
	"reflect"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
)

// record writes the tenant audit-log entry of a change in the change's
// transaction (the gate's own decisions go to trust_gate_audit as well).
func record(ctx context.Context, tx bun.Tx, tenant uuid.UUID, action, targetType string, target uuid.UUID, details map[string]any) error {
	if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: action, TargetType: targetType, TargetID: target, Details: details}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// settingsDiff lists the settings that changed, as {field: [before, after]}.
func settingsDiff(before, after Settings) map[string]any {
	out := map[string]any{}
	b, a := reflect.ValueOf(before), reflect.ValueOf(after)
	for i := 0; i < b.NumField(); i++ {
		f := b.Type().Field(i)
		switch f.Name {
		case "BaseModel", "TenantID", "UpdatedAt", "UpdatedBy", "AutopilotMode", "AutopilotModeScore", "AutopilotModeChangedAt":
			continue
		}
		bv, av := b.Field(i).Interface(), a.Field(i).Interface()
		if !reflect.DeepEqual(bv, av) {
			out[f.Name] = []any{deref(bv), deref(av)}
		}
	}
	return out
}

func deref(v any) any {
	if p, ok := v.(*float64); ok {
		if p == nil {
			return nil
		}
		return *p
	}
	return v
}
