package relay

// Global ID type names: the GraphQL type of each node, the prefix its global
// ID encodes and the target type its audit entries record (an audit
// entry's targetId is GlobalID(TargetType, TargetID), so the two must be
// the same string). Use these constants, never the literal, wherever an ID
// is built or parsed or an audit target is named.
const (
	TypeTenant               = "Tenant"
	TypeUser                 = "User"
	TypeMember               = "Member"
	TypeInvite               = "Invite"
	TypeAPIKey               = "ApiKey"
	TypeAuditEntry           = "AuditEntry"
	TypeCampaign             = "Campaign"
	TypeAutomationRule       = "AutomationRule"
	TypeAction               = "Action"
	TypeIncident             = "Incident"
	TypeTrustAuditEntry      = "TrustAuditEntry"
	TypeNotificationChannel  = "NotificationChannel"
	TypeNotificationDelivery = "NotificationDelivery"
	// TypePlatformConnection and TypeAdAccount name platform connections
	// and their ad accounts (IDs of platformConnections; not nodes: node(id:)
	// answers null for them).
	TypePlatformConnection = "PlatformConnection"
	TypeAdAccount          = "AdAccount"
	// TypeSource names a CDP event source (IDs of sources; not a node).
	TypeSource = "Source"
	// TypeProfile names a CDP profile (a node; an absorbed profile's ID
	// resolves to its survivor).
	TypeProfile = "Profile"
	// TypeFunnel names a CDP funnel (IDs of funnels; not a node).
	TypeFunnel = "Funnel"
	// TypePrivacyRequest names a CDP data-subject request (export or
	// deletion; IDs of privacyRequests, not a node).
	TypePrivacyRequest = "PrivacyRequest"
	// TypeConsentChange names an entry of a profile's consent history (IDs
	// of consentHistory; not a node).
	TypeConsentChange = "ConsentChange"
	// TypeSession names a sign-in session in audit entries; sessions are
	// not nodes, so node(id:) answers null for its IDs.
	TypeSession = "Session"
	// TypeSegment names a CDP segment (IDs of segments; not a node).
	TypeSegment = "Segment"
	// TypeConversionDestination names a conversion API destination;
	// TypeConversionDelivery one event's delivery to it (IDs of
	// deliveries; not a node).
	TypeConversionDestination = "ConversionDestination"
	TypeConversionDelivery    = "ConversionDelivery"
	// TypeAudience names a segment's customer-list audience on an ad
	// platform (audience sync; not a node).
	TypeAudience = "Audience"
)
