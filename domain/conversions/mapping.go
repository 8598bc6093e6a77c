package conversions

// STUB (replaced by the wire-format work): maps only explicit mappings by
// name and Segment's "Order Completed" to each platform's purchase event,
// without reading any field. Map's contract is what callers rely on.

// Map turns a CDP event into the Event sent to platform under the
// destination's mappings (tenant mappings first, then the platform's
// defaults for standard events). ok is false when the event is not
// forwarded to this platform at all (no mapping applies): no delivery row.
// A non-empty reason means it maps but cannot be sent as it is (a required
// field missing, a value unparseable): the delivery is recorded FAILED with
// that reason.
func Map(platform string, mappings []Mapping, ev CDPEvent) (out Event, ok bool, reason string) {
	name := ""
	for _, m := range mappings {
		if m.Source == ev.Event {
			name = m.Target
		}
	}
	if name == "" && ev.Type == "track" && ev.Event == "Order Completed" {
		name = map[string]string{"META": "Purchase", "GOOGLE": "Purchase", "TIKTOK": "CompletePayment", "SNAPCHAT": "PURCHASE"}[platform]
	}
	if name == "" {
		return Event{}, false, ""
	}
	return Event{EventID: ev.MessageID, SourceEvent: ev.Event, Name: name, Time: ev.Timestamp, ActionSource: "website"}, true, ""
}

// ValidateMappings checks a destination's mappings for platform; the error
// is an *apperr.Error with the path of the offending field under
// "eventMappings". STUB: accepts everything.
func ValidateMappings(platform string, mappings []Mapping) error { return nil }
