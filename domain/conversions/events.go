package conversions

import "github.com/stratumhq/stratum/domain/platforms"

// Standard event names: Stratum's platform-neutral vocabulary (Meta's
// standard event names), each sent under the platform's own name.
const (
	Purchase             = "Purchase"
	Lead                 = "Lead"
	AddToCart            = "AddToCart"
	InitiateCheckout     = "InitiateCheckout"
	ViewContent          = "ViewContent"
	CompleteRegistration = "CompleteRegistration"
	Subscribe            = "Subscribe"
	Search               = "Search"
	AddPaymentInfo       = "AddPaymentInfo"
	AddToWishlist        = "AddToWishlist"
	Contact              = "Contact"
	StartTrial           = "StartTrial"
)

// specNames maps CDP event names to standard events: the Segment (and
// RudderStack, which follows it) e-commerce and B2B SaaS spec names, and
// the standard names themselves.
var specNames = map[string]string{
	"Order Completed":           Purchase,
	"Product Added":             AddToCart,
	"Checkout Started":          InitiateCheckout,
	"Product Viewed":            ViewContent,
	"Signed Up":                 CompleteRegistration,
	"Products Searched":         Search,
	"Payment Info Entered":      AddPaymentInfo,
	"Product Added to Wishlist": AddToWishlist,
	"Trial Started":             StartTrial,
	"Subscription Started":      Subscribe,
	"Lead Created":              Lead,
	Purchase:                    Purchase,
	Lead:                        Lead,
	AddToCart:                   AddToCart,
	InitiateCheckout:            InitiateCheckout,
	ViewContent:                 ViewContent,
	CompleteRegistration:        CompleteRegistration,
	Subscribe:                   Subscribe,
	Search:                      Search,
	AddPaymentInfo:              AddPaymentInfo,
	AddToWishlist:               AddToWishlist,
	Contact:                     Contact,
	StartTrial:                  StartTrial,
}

// StandardEvent returns the standard event a CDP event name stands for by
// default ("Order Completed" → Purchase), "" when none.
func StandardEvent(cdpName string) string { return specNames[cdpName] }

// platformNames maps each standard event to the platform's own name. A
// standard event missing for a platform is not sent there by default (a
// tenant mapping can still send it under one of the platform's names).
// Google Ads has no event names: every mapped event is a conversion of the
// destination's conversion action; Name keeps the standard name for the
// delivery log.
var platformNames = map[string]map[string]string{
	platforms.Meta: sameNames(Purchase, Lead, AddToCart, InitiateCheckout, ViewContent, CompleteRegistration,
		Subscribe, Search, AddPaymentInfo, AddToWishlist, Contact, StartTrial),
	platforms.Google: sameNames(Purchase, Lead, AddToCart, InitiateCheckout, ViewContent, CompleteRegistration,
		Subscribe, Search, AddPaymentInfo, AddToWishlist, Contact, StartTrial),
	platforms.TikTok: {
		Purchase: "CompletePayment", Lead: "SubmitForm", AddToCart: "AddToCart",
		InitiateCheckout: "InitiateCheckout", ViewContent: "ViewContent",
		CompleteRegistration: "CompleteRegistration", Subscribe: "Subscribe", Search: "Search",
		AddPaymentInfo: "AddPaymentInfo", AddToWishlist: "AddToWishlist", Contact: "Contact",
		StartTrial: "StartTrial",
	},
	platforms.Snapchat: {
		Purchase: "PURCHASE", AddToCart: "ADD_CART", InitiateCheckout: "START_CHECKOUT",
		ViewContent: "VIEW_CONTENT", CompleteRegistration: "SIGN_UP", Subscribe: "SUBSCRIBE",
		Search: "SEARCH", AddPaymentInfo: "ADD_BILLING", AddToWishlist: "ADD_TO_WISHLIST",
		StartTrial: "START_TRIAL",
	},
}

func sameNames(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}

// PlatformEvents are the event names each platform accepts as a mapping
// target: its standard events (Meta's, TikTok's Events API 1.3 web
// events, Snapchat CAPI v3's event_name values), and for Google the
// standard names (all sent to the conversion action).
var PlatformEvents = map[string]map[string]bool{
	platforms.Meta: nameSet("AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact",
		"CustomizeProduct", "Donate", "FindLocation", "InitiateCheckout", "Lead", "PageView", "Purchase",
		"Schedule", "Search", "StartTrial", "SubmitApplication", "Subscribe", "ViewContent"),
	platforms.Google: nameSet(Purchase, Lead, AddToCart, InitiateCheckout, ViewContent, CompleteRegistration,
		Subscribe, Search, AddPaymentInfo, AddToWishlist, Contact, StartTrial),
	platforms.TikTok: nameSet("AddPaymentInfo", "AddToCart", "AddToWishlist", "ApplicationApproval", "ClickButton",
		"CompletePayment", "CompleteRegistration", "Contact", "CustomizeProduct", "Download", "FindLocation",
		"InitiateCheckout", "Lead", "PlaceAnOrder", "Purchase", "Schedule", "Search", "StartTrial",
		"SubmitApplication", "SubmitForm", "Subscribe", "ViewContent"),
	platforms.Snapchat: nameSet("PURCHASE", "SAVE", "START_CHECKOUT", "ADD_CART", "VIEW_CONTENT", "ADD_BILLING",
		"SIGN_UP", "SEARCH", "PAGE_VIEW", "SUBSCRIBE", "AD_CLICK", "AD_VIEW", "COMPLETE_TUTORIAL",
		"LEVEL_COMPLETE", "INVITE", "LOGIN", "SHARE", "RESERVE", "ACHIEVEMENT_UNLOCKED", "ADD_TO_WISHLIST",
		"SPENT_CREDITS", "RATE", "START_TRIAL", "LIST_VIEW", "APP_OPEN", "CUSTOM_EVENT_1", "CUSTOM_EVENT_2",
		"CUSTOM_EVENT_3", "CUSTOM_EVENT_4", "CUSTOM_EVENT_5"),
}

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// DefaultEventName returns platform's name for a CDP event under the
// default mapping ("" when not forwarded by default).
func DefaultEventName(platform, cdpName string) string {
	std := specNames[cdpName]
	if std == "" {
		return ""
	}
	return platformNames[platform][std]
}
