package web

// LongPollWait is how long a thread waits for news, for tests that must
// tell an early answer from a timed-out one.
const LongPollWait = longPollWait
