package ops

import (
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

var queueSizeDesc = prometheus.NewDesc(
	"parley_queue_size",
	"Tasks in an asynq queue, by state.",
	[]string{"queue", "state"}, nil,
)

// queueCollector reads queue sizes from Redis at scrape time, so the gauge is
// never stale and costs nothing between scrapes.
type queueCollector struct {
	inspector *asynq.Inspector
	queues    []string
}

// NewQueueCollector exposes parley_queue_size{queue,state} for the states
// pending, active, scheduled, retry and archived of each queue. A queue that
// does not exist yet reports zeros; if Redis cannot be read the collector
// reports nothing rather than fail the whole scrape.
func NewQueueCollector(inspector *asynq.Inspector, queues []string) prometheus.Collector {
	return &queueCollector{inspector: inspector, queues: append([]string(nil), queues...)}
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueSizeDesc
}

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	// asynq reports a missing queue with an internal error type; asking for
	// the known queues first tells "not created yet" from "Redis is down".
	known, err := q.inspector.Queues()
	if err != nil {
		return
	}
	exists := make(map[string]bool, len(known))
	for _, name := range known {
		exists[name] = true
	}
	for _, name := range q.queues {
		var info asynq.QueueInfo
		if exists[name] {
			got, err := q.inspector.GetQueueInfo(name)
			if err != nil {
				continue
			}
			info = *got
		}
		for _, s := range []struct {
			state string
			n     int
		}{
			{"pending", info.Pending},
			{"active", info.Active},
			{"scheduled", info.Scheduled},
			{"retry", info.Retry},
			{"archived", info.Archived},
		} {
			ch <- prometheus.MustNewConstMetric(queueSizeDesc, prometheus.GaugeValue, float64(s.n), name, s.state)
		}
	}
}
