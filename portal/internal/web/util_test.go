package web_test

import (
	"strconv"
	"time"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// afterTick paces loops that wait for another goroutine.
func afterTick() <-chan time.Time { return time.After(20 * time.Millisecond) }
