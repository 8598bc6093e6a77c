package app

import (
	"errors"
	"io"
	"net/http"

	"github.com/stratumhq/stratum/domain/billing"
)

// stripeWebhook answers POST /webhooks/stripe: the body (at most
// billing.MaxEventBytes) is verified against the Stripe-Signature header
// and stored with its apply job (billing.Stripe.Receive), then 200 at
// once. A missing, invalid or stale signature is 400 with nothing stored.
// Nothing logged here contains the payload: only the reason and Stripe's
// signature-check error.
func (a *App) stripeWebhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBounded(w, r, billing.MaxEventBytes)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "the event is larger than this endpoint accepts", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		fresh, err := a.Services.Stripe.Receive(r.Context(), body, r.Header.Get("Stripe-Signature"))
		switch {
		case errors.Is(err, billing.ErrWebhookNotConfigured):
			a.Log.WarnContext(r.Context(), "stripe webhook refused: STRIPE_API_KEY or STRIPE_WEBHOOK_SECRET is not configured")
			http.Error(w, "Stripe webhooks are not configured on this server", http.StatusNotFound)
		case errors.Is(err, billing.ErrBadSignature):
			a.Log.WarnContext(r.Context(), "stripe webhook refused", "reason", err.Error())
			http.Error(w, "invalid Stripe-Signature", http.StatusBadRequest)
		case errors.Is(err, billing.ErrBadEvent):
			a.Log.WarnContext(r.Context(), "stripe webhook refused", "reason", "a signed body that is not an event of API version "+billing.APIVersion)
			http.Error(w, "not a Stripe event of API version "+billing.APIVersion, http.StatusBadRequest)
		case err != nil:
			a.Log.ErrorContext(r.Context(), "stripe webhook: storing the event failed", "err", err)
			http.Error(w, "the event could not be stored; Stripe will retry", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			if fresh {
				w.Write([]byte(`{"received":true}`))
			} else {
				w.Write([]byte(`{"received":true,"duplicate":true}`))
			}
		}
	})
}

// readBounded reads r's body, failing with *http.MaxBytesError past limit.
func readBounded(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	defer body.Close()
	return io.ReadAll(body)
}
