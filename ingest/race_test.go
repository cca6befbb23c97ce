//go:build race

package ingest

// raceEnabled: the race detector slows the Reader tenfold and makes
// sync.Pool drop items at random.
const raceEnabled = true
