package observability

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the collectors Stratum reports. Each server process (and each
// in-process test server) has its own registry.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPDuration      *prometheus.HistogramVec
	GraphQLDuration   *prometheus.HistogramVec
	GraphQLErrors     *prometheus.CounterVec
	JobOutcomes       *prometheus.CounterVec
	RealtimeSubs      prometheus.Gauge
	RealtimeDelivered prometheus.Counter
	// SlowConsumersDropped counts streams closed because their client did
	// not keep up, by reason: queue_full (the socket's outgoing queue
	// overflowed), write_timeout (one write stalled past the timeout) or
	// hub_buffer (events arrived faster than the subscription ran).
	SlowConsumersDropped *prometheus.CounterVec
	// GraphQLSubscriptions is the subscriptions running on this process by
	// root field.
	GraphQLSubscriptions *prometheus.GaugeVec
	// SubscriptionGroups is the subscription groups running on this
	// process: one execution each, however many subscribers.
	SubscriptionGroups prometheus.Gauge
	// RealtimeFanOut is how long handing one grouped event to all the
	// group's members took.
	RealtimeFanOut prometheus.Histogram
	// ConversionsSent counts conversion deliveries by platform and the
	// status a send attempt ended in (SENT, FAILED, RETRY, DEAD).
	ConversionsSent *prometheus.CounterVec
	// ConversionLatency is one conversion API request's duration by platform.
	ConversionLatency *prometheus.HistogramVec
	// GraphQLQueriesRunning and GraphQLQueriesWaiting are the query
	// operations executing and queued for their turn (gqlserver.Admission);
	// GraphQLAdmissionWait is how long each waited (0 when admitted at once).
	GraphQLQueriesRunning prometheus.Gauge
	GraphQLQueriesWaiting prometheus.Gauge
	GraphQLAdmissionWait  prometheus.Histogram
}

// NewMetrics registers the collectors on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stratum_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		GraphQLDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stratum_graphql_operation_duration_seconds",
			Help:    "GraphQL operation duration by operation name and type (query, mutation, subscription). Subscriptions are timed to their first response.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "type"}),
		GraphQLErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stratum_graphql_errors_total",
			Help: "GraphQL errors returned to clients by extensions.code.",
		}, []string{"code"}),
		JobOutcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stratum_river_jobs_total",
			Help: "River jobs finished by this process, by kind and outcome (completed, failed, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		RealtimeSubs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stratum_realtime_subscribers",
			Help: "Realtime subscribers (GraphQL subscriptions) held by this process.",
		}),
		RealtimeDelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stratum_realtime_events_total",
			Help: "Realtime notifications received by this process.",
		}),
		SlowConsumersDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stratum_realtime_slow_consumers_dropped_total",
			Help: "Subscription streams closed (websocket code 1013) because the client did not keep up, by reason (queue_full, write_timeout, hub_buffer).",
		}, []string{"reason"}),
		GraphQLSubscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stratum_graphql_subscriptions",
			Help: "GraphQL subscriptions running on this process, by root field.",
		}, []string{"field"}),
		SubscriptionGroups: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stratum_graphql_subscription_groups",
			Help: "Groups of equal GraphQL subscriptions (same document, variables, tenant and permissions) running on this process, each executed once per event.",
		}),
		RealtimeFanOut: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "stratum_realtime_fanout_seconds",
			Help:    "Time to hand one event's response to every member of its subscription group.",
			Buckets: []float64{.00001, .00005, .0001, .0005, .001, .005, .01, .05, .1, .5},
		}),
		ConversionsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stratum_conversions_sent_total",
			Help: "Conversion events sent to the ad platforms by this process, by platform and the status the attempt ended in (SENT, FAILED, RETRY, DEAD).",
		}, []string{"platform", "status"}),
		ConversionLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stratum_conversions_delivery_duration_seconds",
			Help:    "Duration of one conversion API request (one batch of events) by platform.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"platform"}),
		GraphQLQueriesRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stratum_graphql_queries_running",
			Help: "GraphQL query operations executing on this process (at most STRATUM_MAX_CONCURRENT_QUERIES).",
		}),
		GraphQLQueriesWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stratum_graphql_queries_waiting",
			Help: "GraphQL query operations queued for their turn to execute on this process.",
		}),
		GraphQLAdmissionWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "stratum_graphql_admission_wait_seconds",
			Help:    "Time a GraphQL query waited for its turn to execute (0 when admitted at once).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	m.Registry.MustRegister(m.HTTPDuration, m.GraphQLDuration, m.GraphQLErrors, m.JobOutcomes, m.RealtimeSubs, m.RealtimeDelivered,
		m.SlowConsumersDropped, m.GraphQLSubscriptions, m.SubscriptionGroups, m.RealtimeFanOut, m.ConversionsSent, m.ConversionLatency,
		m.GraphQLQueriesRunning, m.GraphQLQueriesWaiting, m.GraphQLAdmissionWait,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RegisterPool exports pgxpool statistics.
func (m *Metrics) RegisterPool(pool *pgxpool.Pool) {
	m.Registry.MustRegister(&poolCollector{pool: pool})
}

// RegisterQueueDepth exports River's queue depth, read by query at scrape time.
func (m *Metrics) RegisterQueueDepth(query func(ctx context.Context) (map[[2]string]float64, error)) {
	m.Registry.MustRegister(&queueCollector{query: query})
}

var (
	poolDescs = map[string]*prometheus.Desc{
		"total":    prometheus.NewDesc("stratum_db_pool_connections", "Connections in the pgx pool by state.", []string{"state"}, nil),
		"max":      prometheus.NewDesc("stratum_db_pool_max_connections", "Maximum size of the pgx pool.", nil, nil),
		"acquires": prometheus.NewDesc("stratum_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil),
		"empty":    prometheus.NewDesc("stratum_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil),
		"wait":     prometheus.NewDesc("stratum_db_pool_acquire_wait_seconds_total", "Time spent waiting for connections.", nil, nil),
	}
	queueDesc = prometheus.NewDesc("stratum_river_queue_depth", "River jobs waiting or running, by queue and state.", []string{"queue", "state"}, nil)
)

type poolCollector struct{ pool *pgxpool.Pool }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolDescs {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolDescs["total"], prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolDescs["total"], prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolDescs["total"], prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolDescs["max"], prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolDescs["acquires"], prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolDescs["empty"], prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolDescs["wait"], prometheus.CounterValue, s.AcquireDuration().Seconds())
}

type queueCollector struct {
	query func(ctx context.Context) (map[[2]string]float64, error)
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := c.query(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	for k, v := range depth {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, v, k[0], k[1])
	}
}
