// Package money converts amounts between the forms ad platforms use —
// decimal strings ("12.34"), a currency's minor unit (cents) and micros
// (millionths of the unit) — exactly, with integers only. Stratum stores
// and computes money as int64 micros of the account's currency.
package money

import (
	"fmt"
	"strings"
)

// Micro is one millionth of a currency unit: 1 USD = 1_000_000 micros.
const Micro = 1_000_000

// maxWhole bounds the whole part so micros fit int64 with room to sum.
const maxWhole = 1_000_000_000_000 // 10^12 units

// zeroDecimal and threeDecimal list the ISO 4217 currencies whose minor
// unit is not the cent (exponent 0 or 3); every other code has exponent 2.
// Source: the ISO 4217 list as the platforms' currency tables use it
// (Meta's "currency offset" is 1 for these zero-decimal currencies).
var (
	zeroDecimal  = set("BIF", "CLP", "COP", "CRC", "DJF", "GNF", "HUF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "TWD", "UGX", "VND", "VUV", "XAF", "XOF", "XPF")
	threeDecimal = set("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")
)

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// Exponent returns the number of decimals of currency's minor unit as ad
// platforms use it (2 for USD, 0 for JPY, 3 for KWD).
func Exponent(currency string) int {
	c := strings.ToUpper(currency)
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	default:
		return 2
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// MinorToMicros converts an amount in currency's minor unit (e.g. Meta's
// budgets in cents) to micros.
func MinorToMicros(currency string, minor int64) int64 {
	return minor * pow10(6-Exponent(currency))
}

// MicrosToMinor converts micros to currency's minor unit, rounding half
// away from zero (platforms take budgets in whole minor units).
func MicrosToMinor(currency string, micros int64) int64 {
	unit := pow10(6 - Exponent(currency))
	if micros < 0 {
		return -((-micros + unit/2) / unit)
	}
	return (micros + unit/2) / unit
}

// ParseMicros parses a decimal amount ("12.34", "-0.5", "7") into micros.
// More than six decimals are refused rather than rounded, as are exponents,
// signs other than a leading "-", and amounts beyond 10^12 units.
func ParseMicros(s string) (int64, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 6 || len(whole) > 13 {
		return 0, fmt.Errorf("money: %q is not a decimal amount with at most 6 decimals", orig)
	}
	var w, f int64
	for _, r := range whole {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("money: %q is not a decimal amount", orig)
		}
		w = w*10 + int64(r-'0')
	}
	for i := 0; i < 6; i++ {
		f *= 10
		if i < len(frac) {
			r := frac[i]
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("money: %q is not a decimal amount", orig)
			}
			f += int64(r - '0')
		}
	}
	if w > maxWhole {
		return 0, fmt.Errorf("money: %q is too large", orig)
	}
	m := w*Micro + f
	if neg {
		m = -m
	}
	return m, nil
}

// FormatMicros writes micros as a decimal string with the currency's
// number of decimals when the amount has no finer part, else with up to six
// ("12.34", "1200", "0.123456").
func FormatMicros(currency string, micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	whole, frac := micros/Micro, micros%Micro
	digits := fmt.Sprintf("%06d", frac)
	keep := Exponent(currency)
	trimmed := strings.TrimRight(digits, "0")
	if len(trimmed) > keep {
		keep = len(trimmed)
	}
	if keep == 0 {
		return fmt.Sprintf("%s%d", sign, whole)
	}
	return fmt.Sprintf("%s%d.%s", sign, whole, digits[:keep])
}

// Float returns micros as a float64 amount in units, for display and ratios
// (ROAS, CPA) only — never for storage or sums.
func Float(micros int64) float64 { return float64(micros) / Micro }
