package tiktok

import "github.com/stratumhq/stratum/internal/jsonscan"

// validNumber is JSON's number grammar, which fastReport's scanner applies
// (TestFastReportMatchesEncodingJSON pins it).
func validNumber(b []byte) bool { return jsonscan.ValidNumber(b) }
