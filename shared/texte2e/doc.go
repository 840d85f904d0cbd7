// Package texte2e tests two-way texting end to end with Parley's real
// programs: it builds portal, gateway, worker and the carrier simulator,
// runs them against a test database, Redis and SMTP server, and follows a
// text from the simulated phone through gateway → Redis → worker → Postgres
// to the staff page, and a reply back to the phone. Its benchmarks measure
// the time from a signed webhook to the stored text, and how fast a worker
// drains a backlog. The package holds only tests; this file gives it a name.
package texte2e
